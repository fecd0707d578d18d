import type { DecodeError } from "@rollwise/input-schema"
import { Fleet, Health, TargetArm } from "@rollwise/target-arm"
import { Effect } from "effect"
import { SetupError } from "../errors.ts"
import type { FileDocument, TargetContext, TargetModule } from "./context.ts"

/** The fleet file's first bad field, as the setup error naming the flag or field it came from. */
const setupError = (source: string) => (e: DecodeError) => new SetupError({ field: source, detail: e.path === "" ? e.detail : `${e.path}: ${e.detail}` })

// The target and its health source must talk to one manager: the same OTA
// service anyway, and for a simulated fleet the very same devices in memory.
const managers = new WeakMap<FileDocument, TargetArm.OtaManager>()
const managerOf = (file: FileDocument, fleet: Fleet.Fleet, context: TargetContext) =>
  Effect.suspend(() => {
    const known = managers.get(file)
    return known !== undefined
      ? Effect.succeed(known)
      : Effect.tap(TargetArm.manager(fleet, { env: context.env, onOutput: context.onOutput }), (ota) => Effect.sync(() => void managers.set(file, ota)))
  })

/**
 * `--target arm --fleet fleet.yaml`: device cohorts through Mender, Balena,
 * a generic HTTP OTA service or a simulated fleet. The rollout id salts the
 * cohorts and names the deployments, so a resumed run finds what it already
 * deployed; credentials come from the variable the file names.
 */
export const target: TargetModule = {
  check: (file, source) => Effect.asVoid(Effect.mapError(Fleet.decode(file.document, source), setupError(source))),
  make: (file, context) =>
    Effect.gen(function* () {
      const fleet = yield* Effect.mapError(Fleet.decode(file.document, "--fleet"), setupError("--fleet"))
      // a fleet moves in device cohorts: a decision in traffic weights was meant for another target
      if (context.plan.steps.some((s) => "weight" in s.step)) {
        return yield* new SetupError({ field: "--decision", detail: "--target arm steps through device cohorts ({cohort: percent}); this decision's steps are traffic weights (rollwise decide --target arm gives cohorts)" })
      }
      return yield* TargetArm.make({
        fleet,
        rollout: context.rollout,
        env: context.env,
        timeout: context.timeout,
        onOutput: context.onOutput,
        ota: yield* managerOf(file, fleet, context)
      })
    }),
  // each cohort's devices against those not updated yet: heartbeats, crashes, install results, KPIs
  metricSource: (file, context) =>
    Effect.gen(function* () {
      const fleet = yield* Effect.mapError(Fleet.decode(file.document, "--fleet"), setupError("--fleet"))
      const ota = yield* managerOf(file, fleet, context)
      return yield* Health.fromFleet({ fleet, rollout: context.rollout, env: context.env, timeout: context.timeout, onOutput: context.onOutput, ota })
    })
}
