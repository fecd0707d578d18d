import { serveFlags, serveHelp } from "@rollwise/api-server/flags"
import { Effect } from "effect"
import { Command } from "effect/cli"

/**
 * `rollwise serve`: the HTTP API (risk, analyses, gates, the Argo Rollouts
 * web metric, Flagger, Kayenta, rollouts, evidence) in the same binary. The flags are light; the server itself is
 * loaded when the command runs, so other commands' start-up stays light.
 */
export const serve = Command.make("serve", serveFlags, (flags) => Effect.flatMap(Effect.promise(() => import("./impl/Serve.ts")), (m) => m.runServe(flags))).pipe(
  Command.withDescription(serveHelp.description),
  Command.withShortDescription(serveHelp.short),
  Command.withExamples(serveHelp.examples)
)
