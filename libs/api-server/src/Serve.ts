import { EvidencePostgres } from "@rollwise/evidence-postgres"
import { SqliteEvidenceStore } from "@rollwise/evidence-store"
import { SloSpec } from "@rollwise/slo-policy"
import { MetricSources, Runner } from "@rollwise/rollout-runner"
import { Telemetry } from "@rollwise/telemetry"
import packageJson from "../package.json" with { type: "json" }
import type { DecodeError } from "@rollwise/input-schema"
import { EvidenceStore, MetricSource } from "@rollwise/rollout-engine"
import { PrometheusSource } from "@rollwise/source-prometheus"
import { Cause, Duration, Effect, FileSystem, Layer, Logger, Option, Path, type PlatformError, Redacted, Schedule, Schema } from "effect"
import { resolve } from "node:path"
import { Command } from "effect/cli"
import { serveFlags, serveHelp, type ServeFlags } from "./Flags.ts"
import type { HttpServerError } from "effect/http"
import { parse as parseYaml } from "yaml"
import { hostname } from "node:os"
import { type DriveOptions, drivenKinds } from "./Drive.ts"
import { jsonLines, stderr } from "./internal/logger.ts"
import { makeServer, ServerConfigError, type ServerOptions } from "./Server.ts"

export { serveFlags, type ServeFlags }

/** Environment variables `serve` reads. */
export type Env = Readonly<Record<string, string | undefined>>

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value.trim() === "" ? undefined : value.trim())

/** The value of `--db` / `ROLLWISE_EVIDENCE_DB`, if any. */
const dbOf = (flags: ServeFlags, env: Env): string | undefined => (Option.isSome(flags.db) ? flags.db.value : nonEmpty(env["ROLLWISE_EVIDENCE_DB"]))

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
 * The file a file target is driven with (`--drive windows --hosts FILE`,
 * `--drive arm --fleet FILE`): read, decoded up front (a bad field stops the
 * start, naming it), kept with its folder for relative paths in it. Each
 * needs the other: a file without its `--drive`, or the reverse, is refused.
 */
const targetFile = (flags: ServeFlags, family: "windows" | "arm", file: Option.Option<string>) =>
  Effect.gen(function* () {
    const flag = Runner.fileTargets[family].flag
    const driven = flags.drive.includes(family)
    if (!driven && Option.isNone(file)) return undefined
    if (!driven) return yield* new ServerConfigError({ reason: "BadOption", message: `${flag} only makes sense with --drive ${family}` })
    if (Option.isNone(file)) return yield* new ServerConfigError({ reason: "BadOption", message: `--drive ${family} needs ${flag} FILE (what this server drives; a request cannot name it)` })
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const text = yield* fs.readFileString(file.value).pipe(Effect.mapError((e) => new ServerConfigError({ reason: "BadOption", message: `${flag} ${file.value}: ${e.message}` })))
    const document = yield* Effect.try({ try: () => parseYaml(text) as unknown, catch: (e) => new ServerConfigError({ reason: "BadOption", message: `${flag} ${file.value}: not YAML (${e instanceof Error ? e.message.split("\n")[0] : String(e)})` }) })
    const target: Runner.TargetFile = { document, dir: path.dirname(path.resolve(file.value)) }
    yield* Runner.fileTargets[family].module.check(target, `${flag} ${file.value}`).pipe(Effect.mapError((e) => new ServerConfigError({ reason: "BadOption", message: e.message })))
    return target
  })

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
  const db = dbOf(flags, env)
  if (url !== undefined) {
    yield* MetricSources.requireCredentialFreeUrl(url, Option.isSome(flags.prometheus) ? "--prometheus" : "ROLLWISE_PROMETHEUS_URL").pipe(
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
  // the log and trace sources, flag or environment, each URL free of credentials
  const others: Partial<Record<SloSpec.Source, string>> = {}
  for (const source of ["loki", "elasticsearch", "tempo", "jaeger"] as const) {
    const given = flags[source]
    const value = Option.isSome(given) ? given.value : nonEmpty(env[`${MetricSources.envPrefix(source)}_URL`])
    if (value === undefined) continue
    yield* MetricSources.requireCredentialFreeUrl(value, Option.isSome(given) ? `--${source}` : `${MetricSources.envPrefix(source)}_URL`).pipe(
      Effect.mapError((e) => new ServerConfigError({ reason: "BadOption", message: e.message }))
    )
    others[source] = value
  }
  const urls: MetricSources.LiveUrls = { ...(url !== undefined ? { prometheus: url } : {}), ...others }
  // an SLO metric whose source this server has no URL for would be nodata on every answer: refuse to start, naming it
  if (Object.keys(urls).length > 0) {
    for (const [name, spec] of Object.entries(slos)) {
      for (const m of spec.metrics) {
        if (m.kind === "multivariate" || urls[m.source] !== undefined) continue
        return yield* new ServerConfigError({ reason: "BadOption", message: `SLO "${name}": metric ${m.name} reads ${m.source}: start the server with --${m.source} URL` })
      }
    }
  }
  const windows = yield* targetFile(flags, "windows", flags.hosts)
  const arm = yield* targetFile(flags, "arm", flags.fleet)
  const prometheusLayer =
    url === undefined
      ? undefined
      : PrometheusSource.layer({
          url,
          timeout: Duration.seconds(flags.prometheusTimeout),
          retries: 1,
          ...(promToken !== undefined ? { bearerToken: Redacted.make(promToken) } : {}),
          ...(promUser !== undefined && promPassword !== undefined ? { basicAuth: { username: promUser, password: Redacted.make(promPassword) } } : {})
        })
  const metricSource =
    Object.keys(others).length === 0
      ? (prometheusLayer ?? noMetricSource)
      : MetricSources.routed({
          ...(prometheusLayer !== undefined ? { prometheus: prometheusLayer } : {}),
          ...Object.fromEntries(Object.entries(others).map(([source, u]) => [source, MetricSources.sourceLayer(source as SloSpec.Source, u, flags.prometheusTimeout, env)]))
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
    evidenceStore: db === undefined ? undefined : EvidencePostgres.isUrl(db) ? EvidencePostgres.layer({ url: db }) : SqliteEvidenceStore.layer({ path: db }),
    // logged at start: a database URL without its credentials
    evidencePath: db === undefined ? undefined : EvidencePostgres.isUrl(db) ? EvidencePostgres.redactUrl(db) : db,
    flagsDir: Option.isSome(flags.flagsDir) ? resolve(flags.flagsDir.value) : nonEmpty(env["ROLLWISE_FLAGS_DIR"]),
    drive:
      flags.drive.length === 0
        ? undefined
        : {
            simulated: flags.drive.includes("simulated"),
            k8s: flags.drive.includes("k8s") ? { kubeconfig: Option.getOrUndefined(flags.kubeconfig), context: Option.getOrUndefined(flags.context) } : undefined,
            windows,
            arm,
            prometheus: url === undefined ? undefined : { url, timeoutSeconds: flags.prometheusTimeout, source: metricSource, urls },
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

/** How often a replica looks for rollouts another replica stopped driving (`takeover`). */
export const takeoverEvery = Duration.seconds(5)

/**
 * Replicas on one PostgreSQL database: every `every`, take over each rollout
 * a server started (`POST /v1/rollouts`) and nobody drives any more — its
 * driver's lease expired (the replica was killed, or hung past its lease)
 * or was released (it shut down) — and drive it to its end from the record,
 * like a restarted server does. The store's `acquire` decides (on the
 * database's clock): of the replicas that try at once, one gets the lease
 * and the others see `Held` and leave it. Rollouts that are still renewed,
 * that this process drives (its host and pid hold the lease), that have no
 * lease or no event yet (their starter is between recording and taking
 * the lease: a resume would find nothing to drive) are left alone, and so
 * are targets this server does not drive. At most `drive.maxRollouts` are
 * taken over at once.
 */
export const takeover = (drive: DriveOptions, every: Duration.Duration = takeoverEvery): Layer.Layer<never, never, EvidenceStore.EvidenceStore> =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const store = yield* EvidenceStore.EvidenceStore
      const leases = store.leases
      if (leases === undefined) return
      const scope = yield* Effect.scope
      const kinds = drivenKinds(drive)
      const me = { host: hostname(), pid: process.pid }
      const driving = new Set<string>()
      const maxRollouts = drive.maxRollouts ?? 16

      const takeOver = (rollout: EvidenceStore.Rollout, setup: Runner.Setup, recorded: ReadonlyArray<EvidenceStore.Event>, from: EvidenceStore.StoredLease) =>
        Effect.gen(function* () {
          const id = rollout.rolloutId
          driving.add(id)
          yield* Effect.logInfo(`taking over a rollout ${from.released ? "its driver released" : `whose driver's lease expired (${from.holder.kind} pid ${from.holder.pid} on ${from.holder.host})`}`).pipe(
            Effect.annotateLogs({ rollout: id, events: recorded.length })
          )
          yield* Runner.run({
            rollout,
            setup,
            mode: "resume",
            recorded,
            sources: { decision: `rollout ${id}`, slo: `rollout ${id}`, policy: `rollout ${id}` },
            env: drive.env,
            ...(drive.prometheus !== undefined ? { metricSource: drive.prometheus.source } : {}),
            ...(drive.pollEvery !== undefined ? { pollEvery: drive.pollEvery } : {}),
            driver: { kind: "server" },
            onEvent: (event, state) => Effect.logInfo("rollout event").pipe(Effect.annotateLogs({ rollout: id, event: event._tag, phase: state.phase }))
          }).pipe(
            Effect.provideService(EvidenceStore.EvidenceStore, store),
            Effect.matchCauseEffect({
              onSuccess: (state) => Effect.logInfo("rollout ended").pipe(Effect.annotateLogs({ rollout: id, phase: state.phase })),
              onFailure: (cause) => {
                const error = Cause.squash(cause)
                return Cause.hasInterruptsOnly(cause)
                  ? Effect.logWarning("rollout interrupted by shutdown; another replica, or this one when it starts again, goes on with it").pipe(Effect.annotateLogs({ rollout: id }))
                  : error instanceof EvidenceStore.LeaseError
                    ? Effect.logInfo(`not driving: ${error.message}`).pipe(Effect.annotateLogs({ rollout: id }))
                    : Effect.logError("rollout failed", cause).pipe(Effect.annotateLogs({ rollout: id }))
              }
            }),
            Effect.ensuring(Effect.sync(() => void driving.delete(id))),
            Effect.forkIn(scope)
          )
        })

      const scan = Effect.gen(function* () {
        const unfinished = (yield* store.list({ limit: 1000 })).filter(
          (r) => r.result === undefined && !driving.has(r.rolloutId) && (r.data as { readonly startedBy?: unknown } | undefined)?.startedBy === "api"
        )
        for (const rollout of unfinished) {
          if (driving.size >= maxRollouts) return
          const lease = yield* leases.current(rollout.rolloutId)
          // never taken yet, ours, or still renewed (the acquire decides on the database's clock; this only spares a query)
          if (lease === undefined || (lease.holder.host === me.host && lease.holder.pid === me.pid) || (!lease.released && lease.expiresAt > Date.now())) continue
          const kept = Schema.decodeUnknownOption(Runner.RecordData)({ setup: (rollout.data as { readonly setup?: unknown }).setup })
          if (Option.isNone(kept) || !kinds.includes(kept.value.setup.target)) continue
          const { events } = yield* store.get(rollout.rolloutId)
          if (events.length === 0) continue
          yield* takeOver(rollout, kept.value.setup, events, lease)
        }
      })

      // the first look one period after the start: this server's own start resumes what it was driving first
      yield* Effect.sleep(every).pipe(
        Effect.andThen(
          scan.pipe(
            Effect.catch((e) => Effect.logWarning("cannot look for rollouts to take over").pipe(Effect.annotateLogs({ detail: e.detail }))),
            Effect.repeat(Schedule.spaced(every))
          )
        ),
        Effect.forkIn(scope)
      )
    })
  )

/**
 * Run the server until the process is interrupted (SIGTERM, SIGINT under
 * `NodeRuntime.runMain`), then finish in-flight requests and stop. With a
 * PostgreSQL database and `--drive`, it also takes over the rollouts other
 * replicas stopped driving ({@link takeover}). Fails at
 * start with a {@link ServerConfigError} (insecure bind, bad option), an
 * `DecodeError` (an SLO spec that does not decode), `TelemetryConfigError`
 * (an `OTEL_*` value it cannot use), `EvidenceError` (the store cannot be
 * opened) or `ServeError` (the address is taken).
 */
export const serve = (
  flags: ServeFlags,
  env: Env = process.env
): Effect.Effect<
  never,
  ServerConfigError | DecodeError | Telemetry.TelemetryConfigError | EvidenceStore.EvidenceError | HttpServerError.ServeError | PlatformError.PlatformError,
  FileSystem.FileSystem | Path.Path
> =>
  Effect.flatMap(resolveOptions(flags, env), (options) => {
    const db = dbOf(flags, env)
    const replicated = db !== undefined && EvidencePostgres.isUrl(db) && options.drive !== undefined && options.evidenceStore !== undefined
    // the same store layer in both: built once (layers are memoized within one launch)
    return Layer.launch(
      replicated
        ? Layer.merge(
            makeServer(options),
            // its lines in the server's JSON log
            takeover(options.drive!).pipe(Layer.provide(options.evidenceStore!), Layer.provide(Logger.layer([jsonLines(options.log ?? stderr)])))
          )
        : makeServer(options)
    )
  })

/** `rollwise serve`, ready for the CLI's command tree. */
export const serveCommand: Command.Command<
  "serve",
  ServeFlags,
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- effect/cli's own default for a command without context input
  {},
  ServerConfigError | DecodeError | Telemetry.TelemetryConfigError | EvidenceStore.EvidenceError | HttpServerError.ServeError | PlatformError.PlatformError,
  FileSystem.FileSystem | Path.Path
> = Command.make("serve", serveFlags, (flags) => serve(flags)).pipe(
  Command.withDescription(serveHelp.description),
  Command.withShortDescription(serveHelp.short),
  Command.withExamples(serveHelp.examples)
)
