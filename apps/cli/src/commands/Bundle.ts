import { Command } from "effect/cli"
import { notYet } from "./NotYet.ts"

/** `rollwise bundle`: the integration bundle, one release of per-platform artifacts (issue #21). */
export const bundle = Command.make("bundle").pipe(
  Command.withDescription("Compose cross-OS deliverables into one release manifest and verify them byte for byte"),
  Command.withShortDescription("Create, verify and show release bundles"),
  Command.withSubcommands([
    notYet("create", "bundle create", "issue #21", "Write a release manifest of per-platform artifacts"),
    notYet("verify", "bundle verify", "issue #21", "Check every artifact against a release manifest"),
    notYet("show", "bundle show", "issue #21", "Print a release manifest")
  ])
)
