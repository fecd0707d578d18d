import { Effect } from "effect"
import { SetupError } from "../errors.ts"
import type { TargetModule } from "./context.ts"

// The ARM adapter lands with issue #19: until then a setup naming it is refused up front.
const notYet = (source: string) => Effect.fail(new SetupError({ field: source, detail: "the ARM target is not built yet in this version (issue #19)" }))

/** `--target arm --fleet fleet.yaml`. */
export const target: TargetModule = {
  check: (_file, source) => notYet(source),
  make: () => notYet("--fleet")
}
