import { SqliteEvidenceStore } from "@rollwise/evidence-store"
import { SloSpec } from "@rollwise/slo-policy"
import { Sources } from "@rollwise/rollout-runner"
import { Telemetry } from "@rollwise/telemetry"
import packageJson from "../package.json" with { type: "json" }
import type { InputError } from "@rollwise/input-schema"
import { type EvidenceStore, MetricSource } from "@rollwise/rollout-engine"
import { PrometheusSource } from "@rollwise/source-prometheus"
import { Duration, Effect, FileSystem, Layer, Option, Path, type PlatformError, Redacted } from "effect"
import { Command } from "effect/cli"
import { serveFlags, serveHelp, type ServeFlags } from "./Flags.ts"
import type { HttpServerError } from "effect/http"
import { parse as parseYaml } from "yaml"
import { makeServer, ServerConfigError, type ServerOptions } from "./Server.ts"

export { serveFlags, type ServeFlags }

/** Environment variables `serve` reads. */
export type Env = Readonly<Record<string, string | undefined>>

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value.trim() === "" ? undefined : value.trim())

/**
 * Every SLO spec in a directory: `<name>.yaml`, `.yml` or `.json`, named by
 * the file name without its extension. A spec that does not decode stops the
 * server from starting with the file and field in the message.
 */
export const loadSlos = Effect.fn("serve.loadSlos")(function* (dir: string) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const slos: Record<string, SloSpec.Spec> = {}
  const files = (yield* fs.readDirectory(dir)).filter((f) => /\.(ya?ml|json)$/i.test(f)).sort()
  for (const file of files) {
    const full = path.join(dir, file)
    const text = yield* fs.readFileString(full)
    const doc = yield* Effect.try({
      try: () => parseYaml(text) as unknown,
      catch: (e) => new ServerConfigError({ reason: "BadOption", message: `${full}: not valid YAML (${e instanceof Error ? e.message.split("\n")[0] : String(e)})` })
    })
    slos[file.replace(/\.(ya?ml|json)$/i, "")] = yield* SloSpec.decode(doc, full)
  }
  return slos
})

/** No metric source configured: every measurement is "no data" with the reason, so the Argo metric answers slow. */
export const noMetricSource: Layer.Layer<MetricSource.MetricSource> = Layer.succeed(
  MetricSource.MetricSource,
  MetricSource.MetricSource.of({
    observe: () =>
      Effect.fail(new MetricSource.MetricSourceError({ reason: "Unsupported", detail: "the server has no metric source (start it with --prometheus or ROLLWISE_PROMETHEUS_URL)" }))
  })
)

/**
 * The server options `rollwise serve` runs with: flags first, then the
 * environment (`ROLLWISE_API_TOKEN`, `ROLLWISE_HOOK_TOKEN`, `ROLLWISE_PUBLIC_JUDGE`, `ROLLWISE_SLO_DIR`,
 * `ROLLWISE_PROMETHEUS_URL` and its credentials, `ROLLWISE_OPA_TOKEN`,
 * `ROLLWISE_EVIDENCE_DB`, and OpenTelemetry's `OTEL_*` variables for traces:
 * off unless `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_TRACES_EXPORTER=otlp`).
 */
export const resolveOptions = Effect.fn("serve.resolveOptions")(function* (flags: ServeFlags, env: Env = process.env) {
  const fs = yield* FileSystem.FileSystem
  const tokenText = Option.isSome(flags.tokenFile) ? nonEmpty(yield* fs.readFileString(flags.tokenFile.value)) : nonEmpty(env["ROLLWISE_API_TOKEN"])
  if (Option.isSome(flags.tokenFile) && tokenText === undefined) {
    return yield* new ServerConfigError({ reason: "BadOption", message: `${flags.tokenFile.value} holds no token` })
  }
  const hookTokenText = Option.isSome(flags.hookTokenFile) ? nonEmpty(yield* fs.readFileString(flags.hookTokenFile.value)) : nonEmpty(env["ROLLWISE_HOOK_TOKEN"])
  if (Option.isSome(flags.hookTokenFile) && hookTokenText === undefined) {
    return yield* new ServerConfigError({ reason: "BadOption", message: `${flags.hookTokenFile.value} holds no token` })
  }
  const publicJudgeEnv = nonEmpty(env["ROLLWISE_PUBLIC_JUDGE"])?.toLowerCase()
  if (publicJudgeEnv !== undefined && !["true", "false", "1", "0"].includes(publicJudgeEnv)) {
    return yield* new ServerConfigError({ reason: "BadOption", message: `ROLLWISE_PUBLIC_JUDGE must be true or false (got ${JSON.stringify(publicJudgeEnv)})` })
  }
  const sloDir = Option.isSome(flags.sloDir) ? flags.sloDir.value : nonEmpty(env["ROLLWISE_SLO_DIR"])
  const slos = sloDir === undefined ? {} : yield* loadSlos(sloDir)
  const url = Option.isSome(flags.prometheus) ? flags.prometheus.value : nonEmpty(env["ROLLWISE_PROMETHEUS_URL"])
  const promToken = nonEmpty(env["ROLLWISE_PROMETHEUS_TOKEN"])
  const promUser = nonEmpty(env["ROLLWISE_PROMETHEUS_USER"])
  const promPassword = env["ROLLWISE_PROMETHEUS_PASSWORD"]
  const opaToken = nonEmpty(env["ROLLWISE_OPA_TOKEN"])
  const telemetry = yield* Telemetry.parseConfig(env)
  const db = Option.isSome(flags.db) ? flags.db.value : nonEmpty(env["ROLLWISE_EVIDENCE_DB"])
  if (url !== undefined) {
    yield* Sources.requireCredentialFreeUrl(url, Option.isSome(flags.prometheus) ? "--prometheus" : "ROLLWISE_PROMETHEUS_URL").pipe(
      Effect.mapError((e) => new ServerConfigError({ reason: "BadOption", message: e.message }))
    )
    // an SLO whose windows Prometheus cannot read at its step stops the start, naming the file, not every answer later
    for (const [name, spec] of Object.entries(slos)) {
      yield* PrometheusSource.checkSpec(spec).pipe(Effect.mapError((e) => new ServerConfigError({ reason: "BadOption", message: `SLO "${name}": ${e.detail}` })))
    }
  }
  if (flags.drive.length === 0 && (Option.isSome(flags.kubeconfig) || Option.isSome(flags.context))) {
    return yield* new ServerConfigError({ reason: "BadOption", message: "--kubeconfig and --context only make sense with --drive k8s" })
  }
  const metricSource =
    url === undefined
      ? noMetricSource
      : PrometheusSource.layer({
          url,
          timeout: Duration.seconds(flags.prometheusTimeout),
          retries: 1,
          ...(promToken !== undefined ? { bearerToken: Redacted.make(promToken) } : {}),
          ...(promUser !== undefined && promPassword !== undefined ? { basicAuth: { username: promUser, password: Redacted.make(promPassword) } } : {})
        })
  const options: ServerOptions = {
    host: flags.host,
    port: flags.port,
    insecure: flags.insecure,
    token: tokenText === undefined ? undefined : Redacted.make(tokenText),
    hookToken: hookTokenText === undefined ? undefined : Redacted.make(hookTokenText),
    hookTokenSource: Option.isSome(flags.hookTokenFile) ? flags.hookTokenFile.value : "ROLLWISE_HOOK_TOKEN",
    publicJudge: flags.publicJudge || publicJudgeEnv === "true" || publicJudgeEnv === "1",
    slos,
    metricSource,
    evidenceStore: db === undefined ? undefined : SqliteEvidenceStore.layer({ path: db }),
    evidencePath: db,
    drive:
      flags.drive.length === 0
        ? undefined
        : {
            simulated: flags.drive.includes("simulated"),
            k8s: flags.drive.includes("k8s") ? { kubeconfig: Option.getOrUndefined(flags.kubeconfig), context: Option.getOrUndefined(flags.context) } : undefined,
            prometheus: url === undefined ? undefined : { url, timeoutSeconds: flags.prometheusTimeout, source: metricSource },
            opaUrls: flags.opaUrl,
            maxRollouts: flags.maxDrivenRollouts,
            env
          },
    tracing: Telemetry.layer(telemetry, { serviceName: "rollwise-api", serviceVersion: packageJson.version }),
    tracingDescription: Telemetry.describe(telemetry, { serviceName: "rollwise-api" }),
    bodyLimitBytes: flags.bodyLimit,
    analysisWorkers: flags.analysisWorkers,
    requestTimeout: Duration.seconds(flags.requestTimeout),
    publicUrl: Option.getOrUndefined(flags.publicUrl),
    opa: flags.opaUrl.length === 0 ? undefined : { urls: flags.opaUrl, token: opaToken === undefined ? undefined : Redacted.make(opaToken) }
  }
  return options
})

/**
 * Run the server until the process is interrupted (SIGTERM, SIGINT under
 * `NodeRuntime.runMain`), then finish in-flight requests and stop. Fails at
 * start with a {@link ServerConfigError} (insecure bind, bad option), an
 * `InputError` (an SLO spec that does not decode), `TelemetryConfigError`
 * (an `OTEL_*` value it cannot use), `EvidenceError` (the store cannot be
 * opened) or `ServeError` (the address is taken).
 */
export const serve = (
  flags: ServeFlags,
  env: Env = process.env
): Effect.Effect<
  never,
  ServerConfigError | InputError | Telemetry.TelemetryConfigError | EvidenceStore.EvidenceError | HttpServerError.ServeError | PlatformError.PlatformError,
  FileSystem.FileSystem | Path.Path
> =>
  Effect.flatMap(resolveOptions(flags, env), (options) => Layer.launch(makeServer(options)))

/** `rollwise serve`, ready for the CLI's command tree. */
export const serveCommand: Command.Command<
  "serve",
  ServeFlags,
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- effect/cli's own default for a command without context input
  {},
  ServerConfigError | InputError | Telemetry.TelemetryConfigError | EvidenceStore.EvidenceError | HttpServerError.ServeError | PlatformError.PlatformError,
  FileSystem.FileSystem | Path.Path
> = Command.make("serve", serveFlags, (flags) => serve(flags)).pipe(
  Command.withDescription(serveHelp.description),
  Command.withShortDescription(serveHelp.short),
  Command.withExamples(serveHelp.examples)
)
