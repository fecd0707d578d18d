import { Redaction } from "@rollwise/redaction"
import { DeployTarget } from "@rollwise/rollout-engine"
import { Duration, Effect, Layer, Schema } from "effect"
import { execFile } from "node:child_process"

/**
 * A DeployTarget that runs your own hook executable — a shell script around
 * kubectl, helm, PowerShell remoting, an OTA manager's CLI — for every
 * operation, so any deploy tooling a Jenkins stage already has can be driven
 * by the engine. The hook is run directly (no shell), once per operation:
 *
 *     hook apply weight 25        move 25 % of traffic to the candidate
 *     hook apply cohort 5         move 5 % of the fleet to the candidate
 *     hook promote                the candidate becomes the stable release
 *     hook rollback               everything back on the stable release (must be idempotent)
 *     hook status                 print {"phase", "healthy", "detail", "current"?} as JSON
 *
 * with `ROLLWISE_OPERATION`, `ROLLWISE_STEP_KIND`, `ROLLWISE_STEP_PERCENT`
 * and the rollout's `ROLLWISE_ROLLOUT_ID`, `ROLLWISE_SERVICE`,
 * `ROLLWISE_VERSION` in its environment (on top of ours: it needs its own
 * credentials). Exit status is the answer: 0 done; 69 or 75 (EX_UNAVAILABLE,
 * EX_TEMPFAIL) transient — the engine retries with backoff; 77 (EX_NOPERM)
 * Forbidden; 78 (EX_CONFIG) NotFound; anything else Rejected, with the last
 * line the hook wrote to stderr as the reason.
 */
export interface Options {
  /** Path of the hook executable. */
  readonly command: string
  /** Extra leading arguments (e.g. a subcommand of a wrapper tool). */
  readonly args?: ReadonlyArray<string>
  /** What the target is, for describe. */
  readonly description: DeployTarget.Description
  /** The rollout's identity, passed to the hook. */
  readonly rollout?: { readonly id: string; readonly service: string; readonly version?: string }
  /** Longest a single operation may run before it is killed and reported as a Timeout (default 10 minutes). */
  readonly timeout?: Duration.Input
  /** Working directory of the hook (default: ours). */
  readonly cwd?: string
  /** Every line the hook writes (stdout and stderr), with secrets masked. */
  readonly onOutput?: (line: string) => void
  /** The environment the hook inherits (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>
}

/** BSD sysexits codes the hook answers with. */
export const exitCodes = { unavailable: 69, tempfail: 75, noperm: 77, config: 78 } as const

const secretName = /TOKEN|PASSWORD|PASSWD|SECRET|API_?KEY|PRIVATE|CREDENTIAL/i

/**
 * Mask credentials in a hook's output: the values of secret-looking variables
 * (`*TOKEN*`, `*PASSWORD*`, …) wherever they appear, and whatever else the
 * one redaction function recognises (an `Authorization:` header a `curl -v`
 * prints, URL userinfo, `token=` pairs): a hook that echoes credentials must
 * not carry them into logs, evidence or error messages.
 */
export const maskSecrets = (text: string, env: Readonly<Record<string, string | undefined>>): string =>
  Redaction.redact(
    text,
    Object.entries(env).flatMap(([name, value]) => (value !== undefined && value.length >= 4 && secretName.test(name) ? [value] : []))
  )

const Step = Schema.Union([Schema.Struct({ weight: Schema.Finite }), Schema.Struct({ cohort: Schema.Finite })])
const StatusJson = Schema.Struct({
  phase: Schema.Literals(["idle", "progressing", "promoted", "rolled_back", "degraded"]),
  healthy: Schema.Boolean,
  detail: Schema.optionalKey(Schema.String),
  current: Schema.optionalKey(Step)
})
const decodeStatus = Schema.decodeUnknownEffect(Schema.fromJsonString(StatusJson))

type Operation = "apply" | "promote" | "rollback" | "status"

const reasonFor = (code: number): DeployTarget.DeployTargetError["reason"] =>
  code === exitCodes.unavailable || code === exitCodes.tempfail ? "Unreachable" : code === exitCodes.noperm ? "Forbidden" : code === exitCodes.config ? "NotFound" : "Rejected"

const lastLine = (text: string): string =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .at(-1) ?? ""

/** The target. */
export const make = (options: Options): DeployTarget.DeployTarget["Service"] => {
  const env = options.env ?? process.env
  const timeoutMs = Duration.toMillis(Duration.fromInputUnsafe(options.timeout ?? Duration.minutes(10)))
  const mask = (text: string) => maskSecrets(text, env)
  const run = (operation: Operation, args: ReadonlyArray<string>, stepEnv: Record<string, string> = {}) =>
    Effect.callback<string, DeployTarget.DeployTargetError>((resume, signal) => {
      const childEnv: Record<string, string> = {}
      for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v
      Object.assign(childEnv, {
        ROLLWISE_OPERATION: operation,
        ...(options.rollout !== undefined
          ? { ROLLWISE_ROLLOUT_ID: options.rollout.id, ROLLWISE_SERVICE: options.rollout.service, ...(options.rollout.version !== undefined ? { ROLLWISE_VERSION: options.rollout.version } : {}) }
          : {}),
        ...stepEnv
      })
      const what = `${options.command} ${[...(options.args ?? []), ...args].join(" ")}`.trim()
      execFile(
        options.command,
        [...(options.args ?? []), ...args],
        { encoding: "utf8", env: childEnv, signal, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024, ...(options.cwd !== undefined ? { cwd: options.cwd } : {}) },
        (error, stdout, stderr) => {
          if (options.onOutput !== undefined) {
            for (const line of `${stdout}\n${stderr}`.split("\n")) if (line.trim().length > 0) options.onOutput(mask(line))
          }
          if (error === null) return resume(Effect.succeed(stdout))
          const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string }
          if (e.code === "ENOENT" || e.code === "EACCES") {
            return resume(Effect.fail(new DeployTarget.DeployTargetError({ reason: "NotFound", detail: `hook ${options.command} cannot be run (${e.code === "ENOENT" ? "no such file" : "not executable"})`, cause: error })))
          }
          if (e.killed === true) {
            return resume(Effect.fail(new DeployTarget.DeployTargetError({ reason: "Timeout", detail: `${operation}: hook did not finish within ${Math.round(timeoutMs / 1000)} s`, cause: error })))
          }
          const code = typeof e.code === "number" ? e.code : 1
          const said = mask(lastLine(stderr) || lastLine(stdout)).slice(0, 300)
          return resume(Effect.fail(new DeployTarget.DeployTargetError({ reason: reasonFor(code), detail: `${operation}: \`${mask(what)}\` exited ${code}${said ? `: ${said}` : ""}`, cause: error })))
        }
      )
    })

  return DeployTarget.DeployTarget.of({
    describe: Effect.succeed(options.description),
    apply: (step) => {
      const [kind, percent] = "weight" in step ? (["weight", step.weight] as const) : (["cohort", step.cohort] as const)
      return Effect.asVoid(run("apply", ["apply", kind, String(percent)], { ROLLWISE_STEP_KIND: kind, ROLLWISE_STEP_PERCENT: String(percent) }))
    },
    promote: Effect.asVoid(run("promote", ["promote"])),
    rollback: Effect.asVoid(run("rollback", ["rollback"])),
    status: Effect.flatMap(run("status", ["status"]), (out) =>
      decodeStatus(out.trim()).pipe(
        Effect.map((s): DeployTarget.Status => ({ phase: s.phase, healthy: s.healthy, detail: s.detail ?? "", ...(s.current !== undefined ? { current: s.current } : {}) })),
        Effect.mapError(
          (cause) => new DeployTarget.DeployTargetError({ reason: "Rejected", detail: `status: the hook must print {"phase","healthy","detail","current"} as JSON; it printed ${JSON.stringify(mask(out.trim()).slice(0, 120))}`, cause })
        )
      )
    )
  })
}

/** The target as a layer. */
export const layer = (options: Options): Layer.Layer<DeployTarget.DeployTarget> => Layer.succeed(DeployTarget.DeployTarget, make(options))
