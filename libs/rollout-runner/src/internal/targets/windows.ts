import { DeployTarget } from "@rollwise/rollout-engine"
import { HostMetrics, HostsFile, OpenSsh, TargetWindows } from "@rollwise/target-windows"
import { Duration, Effect } from "effect"
import { SetupError } from "../errors.ts"
import type { TargetModule } from "./context.ts"

// hosts.yaml's InputError as the setup's: the flag (or request field) names the file, the path names the field in it
const asSetupError = (source: string) => (error: { readonly path: string; readonly detail: string }) =>
  new SetupError({ field: source, detail: error.path === "" ? error.detail : `${error.path}: ${error.detail}` })

/**
 * `--target windows --hosts hosts.yaml`: the IIS/ARR fleet over OpenSSH
 * (@rollwise/target-windows). The plan's strategy picks what runs: canary →
 * ARR weights from the plan's steps; bluegreen → deploy green at 0, flip at
 * 100; rolling → each step's weight is the share of servers done.
 * Credentials come from the run's environment, by the names hosts.yaml gives.
 * `--target-health` reads the analyzer's signals from the same hosts
 * (HostMetrics: the slo.yaml's queries are `host:time-taken`,
 * `host:http-5xx`/`host:requests`, `host:apppool-restarts`,
 * `host:event-log-errors`).
 */
export const target: TargetModule = {
  check: (file, source) => Effect.mapError(Effect.asVoid(HostsFile.decode(file.document, source)), asSetupError(source)),
  make: (file, context) =>
    Effect.gen(function* () {
      const hosts = yield* Effect.mapError(HostsFile.decode(file.document, "--hosts", context.plan.strategy), asSetupError("--hosts"))
      if (hosts.release.candidate === undefined && context.rollout.version === undefined) {
        return yield* new SetupError({ field: "--version", detail: "a Windows rollout needs the candidate's version (--version, or release.candidate in hosts.yaml)" })
      }
      return yield* TargetWindows.connect({
        hosts,
        dir: file.dir,
        env: context.env,
        timeout: hosts.timeoutSeconds !== undefined ? Duration.seconds(hosts.timeoutSeconds) : context.timeout,
        strategy: context.plan.strategy,
        name: context.rollout.service,
        candidate: context.rollout.version,
        onOutput: context.onOutput
      })
    }),
  metricSource: (file, context) =>
    Effect.gen(function* () {
      const hosts = yield* Effect.mapError(HostsFile.decode(file.document, "--hosts", context.plan.strategy), asSetupError("--hosts"))
      const candidate = hosts.release.candidate ?? context.rollout.version
      if (candidate === undefined) {
        return yield* new SetupError({ field: "--version", detail: "a Windows rollout needs the candidate's version (--version, or release.candidate in hosts.yaml)" })
      }
      const timeout = hosts.timeoutSeconds !== undefined ? Duration.seconds(hosts.timeoutSeconds) : context.timeout
      const transport = yield* Effect.mapError(
        OpenSsh.make({ hosts, dir: file.dir, env: context.env, timeout }),
        (e) => new DeployTarget.DeployTargetError({ reason: e.reason, detail: e.detail, cause: e })
      )
      return HostMetrics.make({ hosts, transport, strategy: context.plan.strategy, candidate, secrets: OpenSsh.secretsOf(hosts, context.env) })
    })
}
