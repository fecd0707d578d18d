import { MetricSource } from "@rollwise/rollout-engine"
import { DurationText, QueryTemplate, SloSpec } from "@rollwise/slo-policy"
import { Config, ConfigProvider, Data, Duration, Effect, Layer, Option } from "effect"
import { FetchHttpClient } from "effect/http"
import * as LokiClient from "./LokiClient.ts"

/** How to reach Loki: URL, tenant, credentials, timeout, retries (see {@link LokiClient.Options}). */
export type Options = LokiClient.Options

/** The step of continuous metrics' range queries, in seconds (the spec's `step`, default 10s). */
export const stepSeconds = (spec: Pick<SloSpec.SloSpec, "step">): number => DurationText.parseSeconds(spec.step ?? "10s") ?? 10

/**
 * A Loki metric of the spec cannot be read live: a query missing for its
 * kind, a signatures query that is not a log query, or a window that is not
 * a whole number of steps. `detail` is one line naming the metric and the fix.
 */
export class LokiSpecError extends Data.TaggedError("LokiSpecError")<{
  readonly reason: "MissingQuery" | "NotALogQuery" | "WindowNotWholeSteps"
  /** One line: the metric, what is wrong, the fix. */
  readonly detail: string
}> {
  override get message(): string {
    return this.detail
  }
}

/** The query text without leading blank space and `#` comment lines. */
const head = (query: string) => query.replace(/^(?:\s+|#[^\n]*(?:\n|$))*/, "")

/**
 * Whether a LogQL query is a log query (a stream selector `{…}` and its
 * pipeline) rather than a metric query: a log query begins with the
 * selector's brace. A template beginning with a placeholder cannot be told
 * and counts as one.
 */
export const isLogQuery = (query: string): boolean => {
  const h = head(query)
  return h.startsWith("{") && (!h.startsWith("{{") || h.startsWith("{{{"))
}

/** Whether a window of `windowSeconds` holds a whole number of steps, at least one. */
const wholeSteps = (windowSeconds: number, step: number) => step > 0 && step <= windowSeconds && windowSeconds % step === 0

/**
 * Check at spec load that live analysis over Loki can read the spec's loki
 * metrics: each has the queries its kind needs, a signatures query is a log
 * query, and (with a continuous metric) the window is a whole number of
 * steps. Metrics of other sources are not looked at.
 */
export const checkSpec = (spec: Pick<SloSpec.Spec, "window" | "windowSeconds" | "step" | "metrics">): Effect.Effect<void, LokiSpecError> =>
  Effect.gen(function* () {
    for (const m of spec.metrics) {
      if (m.source !== "loki") continue
      const fail = (reason: LokiSpecError["reason"], detail: string) => Effect.fail(new LokiSpecError({ reason, detail: `metric ${m.name} (loki ${m.kind}): ${detail}` }))
      if (m.kind === "ratio") {
        if (m.errorsQuery === undefined || m.totalQuery === undefined) yield* fail("MissingQuery", "a ratio needs errorsQuery and totalQuery, LogQL metric queries such as sum(count_over_time({…} |= \"error\" [{{window}}]))")
        continue
      }
      if (m.query === undefined) {
        yield* fail("MissingQuery", m.kind === "signatures" ? "a signatures metric needs query: a log query such as {service=\"{{service}}\", track=\"{{track}}\"} |= \"level=error\"" : "needs query: a LogQL metric query")
        continue
      }
      if (m.kind === "signatures" && !isLogQuery(m.query)) yield* fail("NotALogQuery", "a signatures metric reads log lines, so its query must be a log query beginning with a stream selector {…}, not a metric query")
      if (m.kind === "continuous") {
        const step = stepSeconds(spec)
        if (!wholeSteps(spec.windowSeconds, step)) {
          yield* fail("WindowNotWholeSteps", `window ${spec.window} is not a whole number of ${spec.step ?? "10s"} steps (at least one); set step to a divisor of the window`)
        }
      }
    }
  })

/** The placeholder values for one request (see `QueryTemplate.placeholders`). */
export const placeholders = (request: MetricSource.Request): Record<string, string> =>
  QueryTemplate.placeholders(request.spec, request.track, (request.window.end - request.window.start) / 1000)

const render = (template: string, request: MetricSource.Request, field: string) =>
  Effect.try({
    try: () => QueryTemplate.render(template, placeholders(request)),
    catch: (e) => new MetricSource.MetricSourceError({ reason: "BadQuery", detail: `metric ${request.metric.name} ${field}: ${e instanceof Error ? e.message : String(e)}` })
  })

/** A window's length as a LogQL range: `2m`, or milliseconds when it is not whole seconds. */
const rangeText = (ms: number) => (ms % 1000 === 0 ? DurationText.format(ms / 1000) : `${ms}ms`)

/**
 * The count of lines a log query matches over a window, as a metric query:
 * `sum(count_over_time(<query> [window]))`, the query on lines of its own so
 * a `#` comment in it cannot swallow the range.
 */
export const countQuery = (logQuery: string, windowMs: number): string => `sum(count_over_time(\n${logQuery}\n[${rangeText(windowMs)}]))`

const finite = (xs: ReadonlyArray<number>) => xs.filter(Number.isFinite)
const sumOf = (r: LokiClient.MetricResult) => finite(r.series.flatMap((s) => s.values)).reduce((a, v) => a + v, 0)
const thousands = (n: number) => n.toLocaleString("en-US")

/**
 * A MetricSource over Loki. Continuous: the `query` (a LogQL metric query) as
 * a range query at the spec's `step`, points at start+step … end; every
 * finite point a sample. Counter: the `query` instantly at the window's end,
 * summed. Ratio: `errorsQuery` / `totalQuery` instantly at the end, rounded
 * to counts. Signatures: the `query` as a log query over [start, end) read
 * forward in pages of ≤ 5,000, at most `maxLines`; the exposure is
 * `totalQuery` (instant at the end) or the number of lines matched (counted
 * with `sum(count_over_time(…))` when more matched than were read), scaled by
 * read/matched when truncated. Instant queries are evaluated at the window's
 * last nanosecond (end − 1 ns), so `[{{window}}]` covers exactly [start, end).
 * No data is no sample with a reason, never a zero.
 */
export const make = (options: Options) =>
  Effect.gen(function* () {
    const client = yield* LokiClient.make(options)
    const observe = Effect.fn("SourceLoki.observe")(function* (request: MetricSource.Request) {
      const { metric } = request
      if (metric.source !== "loki") {
        return yield* new MetricSource.MetricSourceError({ reason: "Unsupported", detail: `metric ${metric.name} is a ${metric.source} metric; this source reads loki metrics` })
      }
      const shift = QueryTemplate.shiftMs(request.spec, request.track)
      const start = request.window.start - shift
      const end = request.window.end - shift
      const at = LokiClient.nanos(end) - 1n
      const none = (query: string, reason: string, warnings: ReadonlyArray<string> = []): MetricSource.Measurement => ({ sample: undefined, query, reason, warnings })

      if (metric.kind === "ratio") {
        if (metric.errorsQuery === undefined || metric.totalQuery === undefined) {
          return yield* new MetricSource.MetricSourceError({ reason: "Unsupported", detail: `ratio metric ${metric.name} needs errorsQuery and totalQuery for live analysis` })
        }
        const errorsQ = yield* render(metric.errorsQuery, request, "errorsQuery")
        const totalQ = yield* render(metric.totalQuery, request, "totalQuery")
        const query = `${errorsQ} / ${totalQ}`
        const [errors, total] = yield* Effect.all([client.query(errorsQ, at), client.query(totalQ, at)])
        const warnings = [...errors.warnings, ...total.warnings]
        if (total.series.length === 0) return none(query, "no stream matched the total query", warnings)
        const t = Math.round(sumOf(total))
        // an empty errors vector is "no error line in the window", not missing data
        const e = errors.series.length === 0 ? 0 : Math.round(sumOf(errors))
        if (e > t) return yield* new MetricSource.MetricSourceError({ reason: "BadResponse", detail: `metric ${metric.name}: ${e} errors out of ${t} (are the two queries over the same streams?)`, query })
        return { sample: { _tag: "Counts" as const, errors: e, total: t }, query, warnings }
      }

      if (metric.query === undefined) {
        return yield* new MetricSource.MetricSourceError({ reason: "Unsupported", detail: `metric ${metric.name} has no query for live analysis` })
      }
      const query = yield* render(metric.query, request, "query")

      if (metric.kind === "counter") {
        const r = yield* client.query(query, at)
        if (r.series.length === 0) return none(query, "no stream matched", r.warnings)
        return { sample: { _tag: "Values" as const, values: [sumOf(r)] }, query, warnings: r.warnings }
      }

      if (metric.kind === "continuous") {
        const step = stepSeconds(request.spec)
        const windowSeconds = (end - start) / 1000
        if (!wholeSteps(windowSeconds, step)) {
          return yield* new MetricSource.MetricSourceError({ reason: "Unsupported", detail: `metric ${metric.name}: a window of ${rangeText(end - start)} is not a whole number of ${step}s steps`, query })
        }
        const r = yield* client.queryRange(query, start + step * 1000, end, step)
        const all = r.series.flatMap((s) => s.values)
        const values = finite(all)
        const dropped = all.length - values.length
        const warnings = dropped > 0 ? [...r.warnings, `${dropped} NaN or infinite points dropped`] : r.warnings
        if (values.length === 0) return none(query, all.length === 0 ? "no stream matched" : "every point was NaN", warnings)
        return { sample: { _tag: "Values" as const, values }, query, warnings }
      }

      // signatures
      if (!isLogQuery(query)) {
        return yield* new MetricSource.MetricSourceError({ reason: "BadQuery", detail: `metric ${metric.name}: a signatures metric reads log lines, so its query must be a log query beginning with a stream selector {…}`, query })
      }
      const maxLines = metric.maxLines ?? SloSpec.defaultMaxLines
      const totalQ = metric.totalQuery === undefined ? undefined : yield* render(metric.totalQuery, request, "totalQuery")
      const read = yield* client.logs(query, start, end, maxLines)
      const warnings = [...read.warnings]
      const n = read.lines.length
      let matched = n
      if (read.capped) {
        const counted = yield* client.query(countQuery(query, end - start), at)
        warnings.push(...counted.warnings)
        matched = Math.max(n, Math.round(sumOf(counted)))
      }
      const truncated = matched > n
      let exposure = matched
      if (totalQ !== undefined) {
        const t = yield* client.query(totalQ, at)
        warnings.push(...t.warnings)
        if (t.series.length === 0) return none(query, "no stream matched the total query", [...new Set(warnings)])
        exposure = Math.round(sumOf(t))
      }
      if (n === 0 && exposure === 0) return none(query, totalQ === undefined ? "no log line matched" : "the total query counted nothing", [...new Set(warnings)])
      let total = truncated ? Math.round((exposure * n) / matched) : exposure
      if (truncated) {
        warnings.push(`read ${thousands(n)} of ${thousands(matched)} matching lines (maxLines ${thousands(maxLines)}); total scaled from ${thousands(exposure)} to ${thousands(total)}`)
      }
      if (total < n) {
        warnings.push(`the total query counted ${thousands(total)}, fewer than the ${thousands(n)} lines read; the total is taken as ${thousands(n)}`)
        total = n
      }
      const lines = read.lines.map((l) => l.line)
      return { sample: { _tag: "Lines" as const, lines, total, ...(truncated ? { truncated: true } : {}) }, query, warnings: [...new Set(warnings)] }
    })
    return MetricSource.MetricSource.of({ observe })
  })

/** The MetricSource layer over Loki, with a fetch-based HTTP client. */
export const layer = (options: Options): Layer.Layer<MetricSource.MetricSource> => Layer.effect(MetricSource.MetricSource, make(options)).pipe(Layer.provide(FetchHttpClient.layer))

/**
 * Options from the environment: `LOKI_URL` (required), `LOKI_TENANT`,
 * `LOKI_TOKEN` (bearer) or `LOKI_USERNAME` + `LOKI_PASSWORD` (basic; both
 * or neither), `LOKI_TIMEOUT` (a duration, e.g. `10 seconds`), `LOKI_RETRIES`.
 * Secrets are read as `Redacted`.
 */
export const optionsConfig: Config.Config<Options> = Config.all({
  url: Config.String("LOKI_URL"),
  tenant: Config.option(Config.NonEmptyString("LOKI_TENANT")),
  token: Config.option(Config.Redacted("LOKI_TOKEN")),
  username: Config.option(Config.NonEmptyString("LOKI_USERNAME")),
  password: Config.option(Config.Redacted("LOKI_PASSWORD")),
  timeout: Config.option(Config.Duration("LOKI_TIMEOUT")),
  retries: Config.option(Config.Int("LOKI_RETRIES"))
}).pipe(
  Config.mapEffect((c) => {
    if (Option.isSome(c.username) !== Option.isSome(c.password)) {
      return Effect.fail(new Config.ConfigError(new ConfigProvider.SourceError({ message: "LOKI_USERNAME and LOKI_PASSWORD go together: set both for basic auth, or neither" })))
    }
    const options: Options = {
      url: c.url,
      ...(Option.isSome(c.tenant) ? { tenant: c.tenant.value } : {}),
      ...(Option.isSome(c.token) ? { bearerToken: c.token.value } : {}),
      ...(Option.isSome(c.username) && Option.isSome(c.password) ? { basicAuth: { username: c.username.value, password: c.password.value } } : {}),
      ...(Option.isSome(c.timeout) ? { timeout: Duration.fromInputUnsafe(c.timeout.value) } : {}),
      ...(Option.isSome(c.retries) ? { retries: c.retries.value } : {})
    }
    return Effect.succeed(options)
  })
)

/** The layer with its options read from configuration ({@link optionsConfig} unless another is given). */
export const layerConfig = (config: Config.Config<Options> = optionsConfig): Layer.Layer<MetricSource.MetricSource, Config.ConfigError> =>
  Layer.unwrap(
    Effect.gen(function* () {
      return layer(yield* config)
    })
  )
