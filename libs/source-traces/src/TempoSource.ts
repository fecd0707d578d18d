import { MetricSource } from "@rollwise/rollout-engine"
import { QueryTemplate, type SloSpec } from "@rollwise/slo-policy"
import { Duration, Effect, Layer, Redacted, Ref, Schema } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Common from "./internal/common.ts"
import * as HttpCore from "./internal/httpCore.ts"

/**
 * How to reach Tempo (its query frontend, or a monolithic Tempo, on port 3200
 * by default). Credentials are Redacted and never reach errors, warnings or
 * evidence; `tenant` is sent as `X-Scope-OrgID` (give it Redacted when the
 * tenant id itself is confidential: it is then redacted from messages too).
 */
export interface Options {
  readonly url: string
  readonly tenant?: string | Redacted.Redacted<string>
  readonly bearerToken?: Redacted.Redacted<string>
  readonly basicAuth?: { readonly username: string; readonly password: Redacted.Redacted<string> }
  /** Per-request timeout (default 30 s: TraceQL search over backend blocks is slow). */
  readonly timeout?: Duration.Duration
  /** Retries on unreachable, timeouts, 5xx and 429 (default 2). Never on a bad query. */
  readonly retries?: number
  /** `limit` of search requests: most traces one search returns (default 1000). */
  readonly searchLimit?: number
}

/** Spans per span set asked of a search: Tempo's default `max_spans_per_span_set` (a larger `spss` is refused with 400). */
export const spansPerSpanSet = 100

/** Default most traces per search. */
export const defaultSearchLimit = 1000

const NumberLike = Schema.Union([Schema.Number, Schema.String])

/** A span of a search answer's span set (tempopb.Span as JSON: uint64 as strings, zero values left out). */
const SearchSpan = Schema.Struct({
  spanID: Schema.String,
  name: Schema.optionalKey(Schema.String),
  startTimeUnixNano: NumberLike,
  durationNanos: Schema.optionalKey(NumberLike)
})
const SpanSet = Schema.Struct({ spans: Schema.optionalKey(Schema.Array(SearchSpan)), matched: Schema.optionalKey(Schema.Number) })

/** The body of `GET /api/search` (tempopb.SearchResponse). */
export const SearchResponse = Schema.Struct({
  traces: Schema.optionalKey(
    Schema.Array(
      Schema.Struct({
        traceID: Schema.String,
        rootServiceName: Schema.optionalKey(Schema.String),
        spanSet: Schema.optionalKey(SpanSet),
        spanSets: Schema.optionalKey(Schema.Array(SpanSet))
      })
    )
  ),
  metrics: Schema.optionalKey(Schema.Struct({ completedJobs: Schema.optionalKey(Schema.Number), totalJobs: Schema.optionalKey(Schema.Number) }))
})

/** The body of `/api/metrics/query` (instant: `value`) and `/api/metrics/query_range` (`samples`). */
export const MetricsResponse = Schema.Struct({
  series: Schema.optionalKey(
    Schema.Array(
      Schema.Struct({
        value: Schema.optionalKey(NumberLike),
        samples: Schema.optionalKey(Schema.Array(Schema.Struct({ timestampMs: Schema.optionalKey(NumberLike), value: Schema.optionalKey(NumberLike) })))
      })
    )
  ),
  status: Schema.optionalKey(Schema.String),
  message: Schema.optionalKey(Schema.String)
})

const decodeSearch = Schema.decodeUnknownEffect(SearchResponse)
const decodeMetrics = Schema.decodeUnknownEffect(MetricsResponse)

/**
 * Split a TraceQL query at its first pipe outside strings and braces: the
 * span filter, and the pipeline after it (trimmed) when there is one.
 */
export const splitPipeline = (query: string): { readonly filter: string; readonly pipeline?: string } => {
  let depth = 0
  let quote: string | undefined
  for (let i = 0; i < query.length; i++) {
    const ch = query[i]!
    if (quote !== undefined) {
      if (ch === "\\" && quote === '"') i++
      else if (ch === quote) quote = undefined
      continue
    }
    if (ch === '"' || ch === "`") quote = ch
    else if (ch === "{" || ch === "(") depth++
    else if (ch === "}" || ch === ")") depth--
    else if (ch === "|" && depth === 0) {
      if (query[i + 1] === "|") {
        i++
        continue
      }
      return { filter: query.slice(0, i).trim(), pipeline: query.slice(i + 1).trim() }
    }
  }
  return { filter: query.trim() }
}

const countStage = /^(count_over_time|rate)\s*\(\s*\)$/

const toNumber = (v: number | string | undefined): number => (v === undefined ? 0 : typeof v === "number" ? v : v === "+Inf" || v === "Inf" ? Infinity : v === "-Inf" ? -Infinity : Number(v))

const nanos = (v: number | string): bigint => {
  try {
    return BigInt(typeof v === "number" ? Math.round(v) : v)
  } catch {
    return -1n
  }
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))

/** Which TraceQL metrics endpoint a Tempo serves, learned at the first count and kept. */
type MetricsApi = "instant" | "range" | "none"

/**
 * A MetricSource over Grafana Tempo. `continuous`: the durations (seconds) of
 * the spans the metric's TraceQL `query` matches, started in the window, read
 * with `/api/search` (`limit` = searchLimit traces, {@link spansPerSpanSet}
 * spans per span set; more is said in the warnings). `counter` and `ratio`
 * (`errorsQuery` / `totalQuery`): span counts from TraceQL metrics —
 * `filter | count_over_time()` at `/api/metrics/query` (instant), or
 * `/api/metrics/query_range` on a Tempo without it, summed — and, on a Tempo
 * older than 2.4 (both 404), counted from search with a warning that counts
 * are capped by the limit. Queries are templated with `QueryTemplate.render`
 * (Go-quoted strings, so a value never leaves its literal).
 */
export const make = (options: Options) =>
  Effect.gen(function* () {
    const core = yield* HttpCore.make({
      vendor: "Tempo",
      url: options.url,
      timeout: options.timeout ?? Duration.seconds(30),
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.bearerToken !== undefined ? { bearerToken: options.bearerToken } : {}),
      ...(options.basicAuth !== undefined ? { basicAuth: options.basicAuth } : {}),
      ...(options.tenant !== undefined ? { headers: { "X-Scope-OrgID": options.tenant } } : {})
    })
    const limit = Math.max(1, Math.floor(options.searchLimit ?? defaultSearchLimit))
    const metricsApi = yield* Ref.make<MetricsApi>("instant")

    /** Map a non-2xx answer Tempo gave (5xx and 429 were retried by the core). */
    const failure = (answer: HttpCore.Answer, path: string, query: string) => {
      const line = HttpCore.firstLine(answer.text) || "no message"
      if (answer.status === 400) return core.fail("BadQuery", `Tempo refused the query: ${line}`, query)
      if (answer.status === 401 || answer.status === 403) return core.fail("Unreachable", `HTTP ${answer.status} from Tempo: credentials or tenant refused (${line})`, query)
      if (answer.status === 404) return core.fail("Unreachable", `HTTP 404 from Tempo: no ${path} at ${core.base} (is the URL Tempo's query frontend?)`, query)
      return core.fail("BadResponse", `HTTP ${answer.status} from Tempo: ${line}`, query)
    }

    const search = (filter: string, start: number, end: number, query: string) =>
      Effect.gen(function* () {
        const params = {
          q: filter,
          start: String(Math.floor(start / 1000)),
          end: String(Math.max(Math.ceil(end / 1000), Math.floor(start / 1000) + 1)),
          limit: String(limit),
          spss: String(spansPerSpanSet)
        }
        const answer = yield* core.get("/api/search", params, query)
        if (answer.status !== 200) return yield* failure(answer, "/api/search", query)
        const body = yield* core.json(answer, query).pipe(
          Effect.flatMap((j) => decodeSearch(j).pipe(Effect.mapError((e) => core.fail("BadResponse", `not a Tempo search answer (${HttpCore.describeDecodeError(e)})`, query, e))))
        )
        const traces = body.traces ?? []
        const lo = BigInt(start) * 1_000_000n
        const hi = BigInt(end) * 1_000_000n
        const seen = new Set<string>()
        const durations: Array<number> = []
        let unreturned = 0
        let outside = 0
        for (const trace of traces) {
          for (const set of [...(trace.spanSets ?? []), ...(trace.spanSet !== undefined && trace.spanSets === undefined ? [trace.spanSet] : [])]) {
            const spans = set.spans ?? []
            if (set.matched !== undefined && set.matched > spans.length) unreturned += set.matched - spans.length
            for (const span of spans) {
              const key = `${trace.traceID}/${span.spanID}`
              if (seen.has(key)) continue
              seen.add(key)
              const t = nanos(span.startTimeUnixNano)
              if (t < lo || t >= hi) {
                outside++
                continue
              }
              durations.push(toNumber(span.durationNanos) / 1e9)
            }
          }
        }
        const warnings: Array<string> = []
        if (traces.length >= limit) warnings.push(`Tempo returned the search limit of ${limit} traces: more traces matched, so these spans are the first ${limit} traces Tempo found (raise searchLimit to read more)`)
        if (unreturned > 0) warnings.push(`${unreturned} matched spans were not returned (Tempo returns at most ${spansPerSpanSet} spans per trace's span set)`)
        const m = body.metrics
        if (m?.totalJobs !== undefined && m.completedJobs !== undefined && m.completedJobs < m.totalJobs) {
          warnings.push(`partial search: Tempo completed ${m.completedJobs} of ${m.totalJobs} jobs`)
        }
        return { durations, warnings, outside, traces: traces.length }
      })

    const metricsQuery = (api: "instant" | "range", q: string, start: number, end: number, query: string) =>
      Effect.gen(function* () {
        const path = api === "instant" ? "/api/metrics/query" : "/api/metrics/query_range"
        const warnings: Array<string> = []
        let params: Record<string, string>
        // the instant query counts both ends: stop 1 ns before the window's end, which belongs to the next window
        if (api === "instant") params = { q, start: `${BigInt(start) * 1_000_000n}`, end: `${BigInt(end) * 1_000_000n - 1n}` }
        else {
          // Tempo aligns a range query's start and end to multiples of its step: a step dividing both keeps the sum to the window
          const s = Math.floor(start / 1000)
          const e = Math.ceil(end / 1000)
          if (s * 1000 !== start || e * 1000 !== end) warnings.push("the window does not start and end on whole seconds: counts are over the whole seconds around it")
          const step = gcd(s, e - s) || e - s
          params = { q, start: String(s), end: String(e), step: `${step}s` }
        }
        const answer = yield* core.get(path, params, query)
        if (answer.status === 404) return undefined
        if (answer.status !== 200) return yield* failure(answer, path, query)
        const body = yield* core.json(answer, query).pipe(
          Effect.flatMap((j) => decodeMetrics(j).pipe(Effect.mapError((e) => core.fail("BadResponse", `not a TraceQL metrics answer (${HttpCore.describeDecodeError(e)})`, query, e))))
        )
        if (body.status === "PARTIAL") warnings.push(`partial TraceQL metrics answer${body.message ? `: ${core.clean(body.message)}` : ""}`)
        const series = body.series ?? []
        // a range-only Tempo (2.4–2.6) labels a bucket [t, t + step) by its start: keep the buckets that start in the window
        const lo = Math.floor(start / 1000) * 1000
        const hi = Math.ceil(end / 1000) * 1000
        const values = series.flatMap((s) =>
          api === "instant"
            ? s.value === undefined
              ? [0]
              : [toNumber(s.value)]
            : (s.samples ?? []).filter((p) => p.timestampMs === undefined || (toNumber(p.timestampMs) >= lo && toNumber(p.timestampMs) < hi)).map((p) => toNumber(p.value))
        )
        const { values: finite, warnings: dropped } = Common.finiteWithWarning(values, "TraceQL metrics values")
        return { count: series.length === 0 ? undefined : Math.round(finite.reduce((a, v) => a + v, 0)), warnings: [...warnings, ...dropped] }
      })

    /** The number of spans `query` matches in [start, end): undefined when no series (no span at all). */
    const count = (query: string, start: number, end: number, field: string, metricName: string) =>
      Effect.gen(function* () {
        const { filter, pipeline } = splitPipeline(query)
        if (pipeline !== undefined && !countStage.test(pipeline)) {
          return yield* core.fail("BadQuery", `metric ${metricName}: ${field} must be a TraceQL span filter, optionally ending in | count_over_time() or | rate(); it ends in | ${pipeline}`, query)
        }
        const q = `${filter} | count_over_time()`
        let api = yield* Ref.get(metricsApi)
        while (api !== "none") {
          const r = yield* metricsQuery(api, q, start, end, q)
          if (r !== undefined) return { ...r, query: q }
          api = api === "instant" ? "range" : "none"
          yield* Ref.set(metricsApi, api)
        }
        const s = yield* search(filter, start, end, filter)
        return {
          count: s.traces === 0 ? undefined : s.durations.length,
          query: filter,
          warnings: [`this Tempo has no TraceQL metrics API (404; it came in Tempo 2.4): spans counted from search, so counts are capped by the search limit of ${limit} traces`, ...s.warnings]
        }
      })

    const observe = Effect.fn("TempoSource.observe")(function* (request: MetricSource.Request) {
      const { metric } = request
      if (metric.source !== "tempo" || metric.kind === "signatures") {
        return yield* Common.unsupported(request, "Tempo reads tempo continuous, ratio and counter metrics")
      }
      const { start, end } = Common.shiftedWindow(request)
      const none = (query: string, reason: string, warnings: ReadonlyArray<string>): MetricSource.Measurement => ({ sample: undefined, query, reason, warnings })
      if (metric.kind === "ratio") {
        if (metric.errorsQuery === undefined || metric.totalQuery === undefined) {
          return yield* new MetricSource.MetricSourceError({ reason: "Unsupported", detail: `ratio metric ${metric.name} needs errorsQuery and totalQuery (TraceQL span filters) for Tempo` })
        }
        const errorsQ = yield* Common.renderQuoted(metric.errorsQuery, request)
        const totalQ = yield* Common.renderQuoted(metric.totalQuery, request)
        const [errors, total] = yield* Effect.all([count(errorsQ, start, end, "errorsQuery", metric.name), count(totalQ, start, end, "totalQuery", metric.name)])
        const query = `${errors.query} / ${total.query}`
        const warnings = [...new Set([...errors.warnings, ...total.warnings])]
        if (total.count === undefined || total.count === 0) return none(query, "no spans matched the total query in the window", warnings)
        const e = errors.count ?? 0
        if (e > total.count) {
          return yield* core.fail("BadResponse", `metric ${metric.name}: ${e} error spans out of ${total.count} spans (do the two queries select the same spans?)`, query)
        }
        return { sample: { _tag: "Counts" as const, errors: e, total: total.count }, query, warnings }
      }
      if (metric.query === undefined) {
        return yield* new MetricSource.MetricSourceError({ reason: "Unsupported", detail: `metric ${metric.name} has no TraceQL query for Tempo` })
      }
      const rendered = yield* Common.renderQuoted(metric.query, request)
      if (metric.kind === "counter") {
        const c = yield* count(rendered, start, end, "query", metric.name)
        if (c.count === undefined) return none(c.query, "no spans matched in the window", c.warnings)
        return { sample: { _tag: "Values" as const, values: [c.count] }, query: c.query, warnings: c.warnings }
      }
      const { filter, pipeline } = splitPipeline(rendered)
      if (pipeline !== undefined) {
        return yield* core.fail("BadQuery", `metric ${metric.name} (continuous) reads span durations from search: its query must be a TraceQL span filter without a pipeline (it ends in | ${pipeline})`, rendered)
      }
      const s = yield* search(filter, start, end, filter)
      const { values, warnings } = Common.finiteWithWarning(s.durations, "span durations")
      if (values.length === 0) return none(filter, s.traces === 0 ? "no spans matched" : "no matched span started in the window", [...s.warnings, ...warnings])
      return { sample: { _tag: "Values" as const, values }, query: filter, warnings: [...s.warnings, ...warnings] }
    })
    return MetricSource.MetricSource.of({ observe })
  })

/**
 * Check at spec load what live analysis over Tempo needs of the spec's
 * `tempo` metrics: continuous and counter metrics have a `query`, ratios an
 * `errorsQuery` and a `totalQuery`; every placeholder is known and every
 * value fits (rendered for both tracks); a continuous query is a span filter
 * without a pipeline, a count query ends in nothing but `| count_over_time()`
 * or `| rate()`. Fails with the first problem, naming the metric and field.
 */
export const checkSpec = (spec: SloSpec.Spec): Effect.Effect<void, MetricSource.MetricSourceError> =>
  Effect.gen(function* () {
    for (const metric of spec.metrics) {
      if (metric.source !== "tempo") continue
      const fail = (reason: "BadQuery" | "Unsupported", detail: string) => Effect.fail(new MetricSource.MetricSourceError({ reason, detail: `metric ${metric.name}: ${detail}` }))
      const fields = metric.kind === "ratio" ? (["errorsQuery", "totalQuery"] as const) : (["query"] as const)
      for (const field of fields) {
        const template = metric[field]
        if (template === undefined) return yield* fail("Unsupported", `a tempo ${metric.kind} metric needs ${fields.join(" and ")} (TraceQL) for live analysis`)
        for (const track of ["baseline", "candidate"] as const) {
          let rendered: string
          try {
            rendered = QueryTemplate.render(template, QueryTemplate.placeholders(spec, track, spec.windowSeconds))
          } catch (e) {
            return yield* fail("BadQuery", `${field}: ${e instanceof Error ? e.message : String(e)}`)
          }
          const { pipeline } = splitPipeline(rendered)
          if (metric.kind === "continuous" && pipeline !== undefined) return yield* fail("BadQuery", `${field} reads span durations from search, so it must be a span filter without a pipeline (it ends in | ${pipeline})`)
          if (metric.kind !== "continuous" && pipeline !== undefined && !countStage.test(pipeline)) return yield* fail("BadQuery", `${field} must be a span filter, optionally ending in | count_over_time() or | rate() (it ends in | ${pipeline})`)
        }
      }
    }
  })

/** The MetricSource layer over Tempo, with a fetch-based HTTP client. */
export const layer = (options: Options): Layer.Layer<MetricSource.MetricSource> =>
  Layer.effect(MetricSource.MetricSource, make(options)).pipe(Layer.provide(FetchHttpClient.layer))
