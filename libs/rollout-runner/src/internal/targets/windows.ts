import { Effect } from "effect"
import { SetupError } from "../errors.ts"
import type { TargetModule } from "./context.ts"

// The Windows adapter lands with issue #18: until then a setup naming it is refused up front.
const notYet = (source: string) => Effect.fail(new SetupError({ field: source, detail: "the Windows target is not built yet in this version (issue #18)" }))

/** `--target windows --hosts hosts.yaml`. */
export const target: TargetModule = {
  check: (_file, source) => notYet(source),
  make: () => notYet("--hosts")
}
