import { MetricSource } from "@rollwise/rollout-engine"
import type { SloSpec } from "@rollwise/slo-policy"
import { SourceElasticsearch } from "@rollwise/source-elasticsearch"
import { SourceLoki } from "@rollwise/source-loki"
import { PrometheusSource } from "@rollwise/source-prometheus"
import { JaegerSource, TempoSource } from "@rollwise/source-traces"
import { Context, Duration, Effect, Layer, Redacted } from "effect"
import { Flag } from "effect/cli"
import { SetupError } from "./internal/errors.ts"

type Env = Readonly<Record<string, string | undefined>>

/** The base URL of each live source a spec's metrics read (`--prometheus`, `--loki`, `--elasticsearch`, `--tempo`, `--jaeger`). */
export type LiveUrls = Partial<Record<SloSpec.Source, string>>

/** Every live source, in the order flags and errors name them. */
export const liveSources: ReadonlyArray<SloSpec.Source> = ["prometheus", "loki", "elasticsearch", "tempo", "jaeger"]

/** The log and trace sources: what each is, and where its credentials come from. */
const logAndTrace = {
  loki: { what: "Loki's base URL", credentials: "tenant from ROLLWISE_LOKI_TENANT; ROLLWISE_LOKI_TOKEN, or _USER and _PASSWORD" },
  elasticsearch: { what: "the Elasticsearch or OpenSearch URL", credentials: "ROLLWISE_ELASTICSEARCH_API_KEY, or _TOKEN, or _USER and _PASSWORD" },
  tempo: { what: "Tempo's base URL", credentials: "TraceQL; tenant from ROLLWISE_TEMPO_TENANT; ROLLWISE_TEMPO_TOKEN, or _USER and _PASSWORD" },
  jaeger: { what: "the Jaeger query service's URL", credentials: "ROLLWISE_JAEGER_TOKEN, or _USER and _PASSWORD" }
} as const

/**
 * The `--loki`, `--elasticsearch`, `--tempo` and `--jaeger` flags, one
 * definition for `analyze`, `rollout` and `serve`: `serve` also names the
 * `ROLLWISE_<SOURCE>_URL` default it falls back to.
 */
export const logAndTraceFlags = (command: "analyze" | "rollout" | "serve") => {
  const flag = (source: keyof typeof logAndTrace) => {
    const { what, credentials } = logAndTrace[source]
    const intro = command === "serve" ? `${what[0]!.toUpperCase()}${what.slice(1)}, for SLO metrics with \`source: ${source}\`` : `Live: ${what}, for metrics with \`source: ${source}\``
    const fallback = command === "serve" ? `default: ${envPrefix(source)}_URL; ` : ""
    return Flag.String(source).pipe(Flag.withDescription(`${intro} (${fallback}${credentials})`), Flag.optional)
  }
  return { loki: flag("loki"), elasticsearch: flag("elasticsearch"), tempo: flag("tempo"), jaeger: flag("jaeger") }
}

/** The source URLs a record or a set of flags holds (other keys, such as `timeout`, left out). */
export const urlsOf = (from: Partial<Record<SloSpec.Source, string | undefined>>): LiveUrls => {
  const out: Partial<Record<SloSpec.Source, string>> = {}
  for (const source of liveSources) {
    const url = from[source]
    if (url !== undefined) out[source] = url
  }
  return out
}

/** The environment prefix of a source's credentials: ROLLWISE_LOKI_TOKEN, ROLLWISE_ELASTICSEARCH_API_KEY, … */
export const envPrefix = (source: SloSpec.Source): string => `ROLLWISE_${source.toUpperCase()}`

/** A bearer token (`<PREFIX>_TOKEN`) or basic credentials (`<PREFIX>_USER` and `_PASSWORD`) from the environment. */
const credentials = (prefix: string, env: Env) => {
  const token = env[`${prefix}_TOKEN`]
  const user = env[`${prefix}_USER`]
  const password = env[`${prefix}_PASSWORD`]
  return {
    ...(token ? { bearerToken: Redacted.make(token) } : {}),
    ...(user && password ? { basicAuth: { username: user, password: Redacted.make(password) } } : {})
  }
}

/**
 * The MetricSource of one live source at `url`, with credentials from the
 * environment only: `<PREFIX>_TOKEN`, or `_USER` and `_PASSWORD`; Loki and
 * Tempo's tenant from `<PREFIX>_TENANT` (sent as X-Scope-OrgID);
 * Elasticsearch's API key from ROLLWISE_ELASTICSEARCH_API_KEY.
 */
export const sourceLayer = (source: SloSpec.Source, url: string, timeoutSeconds: number, env: Env): Layer.Layer<MetricSource.MetricSource> => {
  const prefix = envPrefix(source)
  const timeout = Duration.seconds(timeoutSeconds)
  const tenant = env[`${prefix}_TENANT`]
  switch (source) {
    case "prometheus":
      return prometheus(url, timeoutSeconds, env)
    case "loki":
      return SourceLoki.layer({ url, timeout, ...credentials(prefix, env), ...(tenant ? { tenant } : {}) })
    case "tempo":
      // TraceQL search over backend blocks is slow: at least Tempo's own 30 s
      return TempoSource.layer({ url, timeout: Duration.seconds(Math.max(timeoutSeconds, 30)), ...credentials(prefix, env), ...(tenant ? { tenant } : {}) })
    case "jaeger":
      return JaegerSource.layer({ url, timeout, ...credentials(prefix, env) })
    case "elasticsearch": {
      const apiKey = env[`${prefix}_API_KEY`]
      return SourceElasticsearch.layer({ url, timeout, ...credentials(prefix, env), ...(apiKey ? { apiKey: Redacted.make(apiKey) } : {}) })
    }
  }
}

/**
 * One MetricSource over several: each request goes to the source its
 * metric names (`source:` in slo.yaml, default prometheus). A metric whose
 * source has no URL is `Unsupported`, naming the flag (checked at setup by
 * {@link requireQueries}, so a run never gets here).
 */
export const routed = (layers: Partial<Record<SloSpec.Source, Layer.Layer<MetricSource.MetricSource>>>): Layer.Layer<MetricSource.MetricSource> =>
  Layer.effect(
    MetricSource.MetricSource,
    Effect.gen(function* () {
      const services = new Map<SloSpec.Source, MetricSource.MetricSource["Service"]>()
      for (const source of liveSources) {
        const layer = layers[source]
        if (layer !== undefined) services.set(source, Context.get(yield* Layer.build(layer), MetricSource.MetricSource))
      }
      return MetricSource.MetricSource.of({
        observe: (request) => {
          const service = services.get(request.metric.source)
          return service !== undefined
            ? service.observe(request)
            : Effect.fail(new MetricSource.MetricSourceError({ reason: "Unsupported", detail: `metric ${request.metric.name} reads ${request.metric.source}, but no --${request.metric.source} URL was given` }))
        }
      })
    })
  )

/** The live MetricSource for a spec: every given URL's source, routed by metric. */
export const live = (urls: LiveUrls, timeoutSeconds: number, env: Env): Layer.Layer<MetricSource.MetricSource> =>
  routed(Object.fromEntries(liveSources.flatMap((source) => (urls[source] === undefined ? [] : [[source, sourceLayer(source, urls[source], timeoutSeconds, env)]]))))

/**
 * The Prometheus MetricSource for `url`, with credentials from the
 * environment only (`ROLLWISE_PROMETHEUS_TOKEN`, or `ROLLWISE_PROMETHEUS_USER`
 * and `ROLLWISE_PROMETHEUS_PASSWORD`), never from flags, request bodies or
 * files that end up in shell history or evidence.
 */
export const prometheus = (url: string, timeoutSeconds: number, env: Env): Layer.Layer<MetricSource.MetricSource> => {
  const token = env["ROLLWISE_PROMETHEUS_TOKEN"]
  const user = env["ROLLWISE_PROMETHEUS_USER"]
  const password = env["ROLLWISE_PROMETHEUS_PASSWORD"]
  return PrometheusSource.layer({
    url,
    timeout: Duration.seconds(timeoutSeconds),
    ...(token ? { bearerToken: Redacted.make(token) } : {}),
    ...(user && password ? { basicAuth: { username: user, password: Redacted.make(password) } } : {})
  })
}

/** What a metric needs in slo.yaml to be read live, or undefined when it has it. */
const missingQuery = (m: SloSpec.MetricSpec): string | undefined => {
  // judged from its features' samples, never queried
  if (m.kind === "multivariate" || m.source === "jaeger") return undefined
  if (m.source === "elasticsearch" && m.index === undefined) return "index"
  if (m.kind === "ratio") return m.errorsQuery === undefined || m.totalQuery === undefined ? "errorsQuery and totalQuery" : undefined
  if (m.source === "elasticsearch" && m.kind === "continuous" && m.field === undefined) return "field (the numeric field whose values are the samples)"
  return m.query === undefined ? "query" : undefined
}

/**
 * Live analysis needs, for every metric, the URL of its source (`--loki`
 * for a loki metric) and its queries (errorsQuery and totalQuery for
 * ratios; an index for elasticsearch), and windows each source can read at
 * the spec's step (a window shorter than the step, or not a whole number of
 * steps, is refused here with the fix, never left to become a silent nodata
 * window). `urls` defaults to Prometheus only, as before sources existed.
 */
export const requireQueries = (spec: SloSpec.Spec, field = "slo", urls: LiveUrls = { prometheus: "" }) =>
  Effect.gen(function* () {
    for (const m of spec.metrics) {
      if (m.kind === "multivariate") continue
      if (urls[m.source] === undefined) {
        const given = liveSources.filter((s) => urls[s] !== undefined)
        return yield* new SetupError({ field, detail: `metric ${m.name} reads ${m.source}: give --${m.source} URL${given.length > 0 ? ` (only ${given.map((s) => `--${s}`).join(", ")} given)` : ""}` })
      }
      const missing = missingQuery(m)
      if (missing !== undefined) {
        return yield* new SetupError({ field, detail: `metric ${m.name} (${m.source === "prometheus" ? "" : `${m.source} `}${m.kind}) needs ${missing} for live analysis (see examples/slo-live.yaml${m.source === "prometheus" ? "" : " and examples/slo-logs.yaml"})` })
      }
    }
    // each source checks its own metrics' windows and fields
    const check = <E extends { readonly message: string; readonly detail?: string }>(source: SloSpec.Source, f: (spec: SloSpec.Spec) => Effect.Effect<void, E>) => {
      const [first, ...rest] = spec.metrics.filter((m) => m.source === source)
      return first === undefined ? Effect.void : Effect.mapError(f({ ...spec, metrics: [first, ...rest] }), (e) => new SetupError({ field, detail: e.detail ?? e.message }))
    }
    yield* check("prometheus", PrometheusSource.checkSpec)
    yield* check("loki", SourceLoki.checkSpec)
    yield* check("elasticsearch", SourceElasticsearch.checkSpec)
    yield* check("tempo", TempoSource.checkSpec)
    yield* check("jaeger", JaegerSource.checkSpec)
  })

/**
 * A Prometheus URL fit to keep in a rollout's record: an http(s) URL without
 * credentials in it (`user:pass@` would end up in the evidence; credentials
 * come from ROLLWISE_PROMETHEUS_TOKEN or _USER/_PASSWORD).
 */
export const requireCredentialFreeUrl = (url: string, field = "--prometheus"): Effect.Effect<void, SetupError> => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return Effect.fail(new SetupError({ field, detail: "not a URL (http://host:9090)" }))
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return Effect.fail(new SetupError({ field, detail: `expected an http or https URL, got ${parsed.protocol}` }))
  if (parsed.username !== "" || parsed.password !== "") {
    return Effect.fail(new SetupError({ field, detail: "holds credentials; give them as ROLLWISE_PROMETHEUS_TOKEN or ROLLWISE_PROMETHEUS_USER and _PASSWORD, never in the URL (it is kept in the evidence)" }))
  }
  return Effect.void
}
