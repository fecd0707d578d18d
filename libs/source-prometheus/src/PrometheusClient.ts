import { Decode } from "@rollwise/input-schema"
import { Redaction } from "@rollwise/redaction"
import { MetricSource } from "@rollwise/rollout-engine"
import { Duration, Effect, Redacted, Schedule, Schema } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import * as NativeHistogram from "./NativeHistogram.ts"

/**
 * How to reach Prometheus. Credentials are Redacted: they never reach logs,
 * errors or evidence, and every text Prometheus (or a proxy before it) sends
 * back — error bodies, warnings, transport messages — is passed through
 * `Redaction.redact` with them before it becomes an error or a warning.
 */
export interface Options {
  /** The base URL. `user:pass@` in it is taken off and sent as Basic credentials (when no other credentials are given), never shown. */
  readonly url: string
  /** Per-request timeout (default 10 s). */
  readonly timeout?: Duration.Duration
  /** Retries on transient failures — unreachable, timeouts, 5xx — with exponential backoff and jitter (default 2). Never on a bad query. */
  readonly retries?: number
  readonly bearerToken?: Redacted.Redacted<string>
  readonly basicAuth?: { readonly username: string; readonly password: Redacted.Redacted<string> }
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * A number as Prometheus writes it in JSON: a string, Go's float formatting,
 * `NaN` and `±Inf` included. Anything else is not a Prometheus answer.
 */
const NumberText = Schema.String.check(
  Schema.isPattern(/^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/, { expected: 'a number in a string ("1.5", "NaN", "+Inf")' })
)

/** `[unix seconds, "value"]`. */
const SampleValue = Schema.Tuple([Schema.Number, NumberText])

/**
 * A native histogram value (Prometheus ≥ 2.40; v2.42.0 web/api/v1/api.go
 * `marshalHistogram`): `{count, sum, buckets: [[boundaryRule, lower, upper,
 * count], …]}`, numbers as strings, empty buckets (and an all-empty
 * `buckets`) left out.
 */
const HistogramValue = Schema.Struct({
  count: NumberText,
  sum: NumberText,
  buckets: Schema.optionalKey(Schema.Array(Schema.Tuple([Schema.Literals([0, 1, 2, 3]), NumberText, NumberText, NumberText])))
})

/** `[unix seconds, <histogram>]`. */
const HistogramSample = Schema.Tuple([Schema.Number, HistogramValue])

const Labels = Schema.Record(Schema.String, Schema.String)

/** An instant vector element holds a float (`value`) or a native histogram (`histogram`), one of the two. */
const VectorElement = Schema.Struct({ metric: Labels, value: Schema.optionalKey(SampleValue), histogram: Schema.optionalKey(HistogramSample) }).check(
  Schema.makeFilter((e) => ((e.value === undefined) !== (e.histogram === undefined) ? undefined : `expected one of "value" and "histogram", got ${e.value === undefined ? "neither" : "both"}`))
)
const Vector = Schema.Struct({ resultType: Schema.Literal("vector"), result: Schema.Array(VectorElement) })
/** A range series holds floats (`values`), native histograms (`histograms`), or both (2.42 writes both for a series that changed kind). */
const Matrix = Schema.Struct({
  resultType: Schema.Literal("matrix"),
  result: Schema.Array(Schema.Struct({ metric: Labels, values: Schema.optionalKey(Schema.Array(SampleValue)), histograms: Schema.optionalKey(Schema.Array(HistogramSample)) }))
})
const Scalar = Schema.Struct({ resultType: Schema.Literal("scalar"), result: SampleValue })

/** The body of /api/v1/query and /api/v1/query_range. */
export const Response = Schema.Struct({
  status: Schema.Literals(["success", "error"]),
  data: Schema.optionalKey(Schema.Union([Vector, Matrix, Scalar])),
  errorType: Schema.optionalKey(Schema.String),
  error: Schema.optionalKey(Schema.String),
  warnings: Schema.optionalKey(Schema.Array(Schema.String)),
  infos: Schema.optionalKey(Schema.Array(Schema.String))
})
export type Response = typeof Response.Type

/** One series of a result: its float values (NaN and ±Inf as numbers) and its native histograms, each in time order. */
export interface Series {
  readonly labels: Readonly<Record<string, string>>
  readonly values: ReadonlyArray<number>
  readonly histograms: ReadonlyArray<NativeHistogram.Histogram>
}

/** A decoded query result: every series and the warnings. */
export interface Result {
  readonly series: ReadonlyArray<Series>
  readonly warnings: ReadonlyArray<string>
}

/**
 * Most points a range query may ask for per series: Prometheus refuses more
 * than 11,000 steps ("exceeded maximum resolution of 11,000 points per
 * timeseries", web/api/v1/api.go), so longer ranges are split.
 */
export const maxPointsPerQuery = 11_000

/**
 * The consecutive sub-ranges (epoch ms, both ends included, as Prometheus
 * evaluates them) that cover the points `start`, `start + step`, … up to
 * `end` with at most `maxPoints` points each: every point in exactly one,
 * none added. Empty when `end` is before `start`.
 */
export const subRanges = (start: number, end: number, stepMs: number, maxPoints: number = maxPointsPerQuery): Array<{ readonly start: number; readonly end: number }> => {
  if (!(stepMs > 0) || !(maxPoints >= 1) || end < start) return []
  const points = Math.floor((end - start) / stepMs) + 1
  const out: Array<{ start: number; end: number }> = []
  for (let first = 0; first < points; first += maxPoints) {
    const last = Math.min(points, first + maxPoints) - 1
    out.push({ start: start + first * stepMs, end: start + last * stepMs })
  }
  return out
}

const toNumber = (text: string): number => (text === "+Inf" || text === "Inf" ? Number.POSITIVE_INFINITY : text === "-Inf" ? Number.NEGATIVE_INFINITY : Number(text))

const toHistogram = (h: typeof HistogramValue.Type): NativeHistogram.Histogram => ({
  count: toNumber(h.count),
  sum: toNumber(h.sum),
  buckets: (h.buckets ?? []).map(([rule, lower, upper, count]) => ({ ...NativeHistogram.boundaryRule(rule), lower: toNumber(lower), upper: toNumber(upper), count: toNumber(count) }))
})

/** Series of the sub-ranges joined by their labels, each one's points in time order, in the order the series first appear. */
const concat = (parts: ReadonlyArray<Result>): Result => {
  if (parts.length === 1) return parts[0]!
  const byLabels = new Map<string, { labels: Readonly<Record<string, string>>; values: Array<number>; histograms: Array<NativeHistogram.Histogram> }>()
  for (const part of parts) {
    for (const s of part.series) {
      const key = JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      const into = byLabels.get(key) ?? { labels: s.labels, values: [], histograms: [] }
      byLabels.set(key, into)
      for (const v of s.values) into.values.push(v)
      for (const h of s.histograms) into.histograms.push(h)
    }
  }
  return { series: [...byLabels.values()], warnings: [...new Set(parts.flatMap((p) => p.warnings))] }
}

const decodeResponse = Schema.decodeUnknownEffect(Response)

/** The URL without its userinfo, and the userinfo's credentials (percent-decoded) when it had any. */
const splitUserinfo = (url: string): { readonly base: string; readonly userinfo?: { readonly username: string; readonly password: string } } => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return { base: url.replace(/\/+$/, "") }
  }
  if (parsed.username === "" && parsed.password === "") return { base: url.replace(/\/+$/, "") }
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s)
    } catch {
      return s
    }
  }
  const userinfo = { username: decode(parsed.username), password: decode(parsed.password) }
  parsed.username = ""
  parsed.password = ""
  return { base: parsed.toString().replace(/\/+$/, ""), userinfo }
}

/**
 * The secrets a client holds, in every form an echo can carry them: the
 * token, the password, and the Basic header value (base64 of `user:pass`).
 */
const secretsOf = (bearerToken: string | undefined, basic: { readonly username: string; readonly password: string } | undefined): ReadonlyArray<string> => [
  ...(bearerToken !== undefined ? [bearerToken] : []),
  ...(basic !== undefined ? [basic.password, btoa(String.fromCharCode(...new TextEncoder().encode(`${basic.username}:${basic.password}`)))] : [])
]

const transient = (e: MetricSource.MetricSourceError) => e.reason === "Unreachable" || e.reason === "Timeout"

/**
 * A small Prometheus HTTP API client: instant and range queries, decoded with
 * Schema, typed errors, per-request timeout, retries with backoff and jitter
 * on transient failures only.
 */
export const make = (options: Options) =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    const { base, userinfo } = splitUserinfo(options.url)
    const timeout = options.timeout ?? Duration.seconds(10)
    const bearerToken = options.bearerToken !== undefined ? Redacted.value(options.bearerToken) : undefined
    const basic =
      options.basicAuth !== undefined
        ? { username: options.basicAuth.username, password: Redacted.value(options.basicAuth.password) }
        : bearerToken === undefined
          ? userinfo
          : undefined
    const secrets = [...secretsOf(bearerToken, basic), ...(userinfo !== undefined ? [userinfo.password] : [])]
    /** Upstream text as it may be shown or stored: without any credential. */
    const clean = (text: string) => Redaction.redact(text, secrets)
    const fail = (reason: MetricSource.MetricSourceError["reason"], detail: string, query: string, cause?: unknown) =>
      new MetricSource.MetricSourceError({ reason, detail: clean(detail), query, ...(cause !== undefined ? { cause } : {}) })
    const authorize = (request: HttpClientRequest.HttpClientRequest) => {
      let r = HttpClientRequest.setHeaders(request, options.headers ?? {})
      if (bearerToken !== undefined) r = HttpClientRequest.bearerToken(r, bearerToken)
      if (basic !== undefined) r = HttpClientRequest.basicAuth(r, basic.username, basic.password)
      return r
    }

    const call = (path: string, params: Record<string, string>, query: string): Effect.Effect<Result, MetricSource.MetricSourceError> =>
      Effect.gen(function* () {
        const request = authorize(HttpClientRequest.post(`${base}${path}`).pipe(HttpClientRequest.bodyUrlParams(params), HttpClientRequest.acceptJson))
        const response = yield* http.execute(request).pipe(
          Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(fail("Timeout", `no answer from ${base} within ${Duration.format(timeout)}`, query)) }),
          Effect.mapError((e) => (e instanceof MetricSource.MetricSourceError ? e : fail("Unreachable", `cannot reach ${base} (${describeTransport(e)})`, query, e)))
        )
        const text = yield* response.text.pipe(Effect.mapError((e) => fail("Unreachable", `connection to ${base} broke while reading the answer`, query, e)))
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          return yield* fail(response.status >= 500 ? "Unreachable" : "BadResponse", `HTTP ${response.status} from ${base}: the body is not JSON`, query)
        }
        const body = yield* decodeResponse(json).pipe(Effect.mapError((e) => fail("BadResponse", `HTTP ${response.status}: not a Prometheus API answer (${Decode.oneLine(e)})`, query, e)))
        if (body.status === "error" || response.status >= 400) {
          const detail = `${body.errorType ?? `HTTP ${response.status}`}: ${body.error ?? "no message"}`
          return yield* fail(response.status === 400 || response.status === 422 || body.errorType === "bad_data" ? "BadQuery" : "Unreachable", detail, query)
        }
        const data = body.data
        if (data === undefined) return yield* fail("BadResponse", "a success without data", query)
        const warnings = [...(body.warnings ?? []), ...(body.infos ?? [])].map(clean)
        switch (data.resultType) {
          case "scalar":
            return { series: [{ labels: {}, values: [toNumber(data.result[1])], histograms: [] }], warnings }
          case "vector":
            return {
              series: data.result.map((s) =>
                s.histogram === undefined ? { labels: s.metric, values: s.value === undefined ? [] : [toNumber(s.value[1])], histograms: [] } : { labels: s.metric, values: [], histograms: [toHistogram(s.histogram[1])] }
              ),
              warnings
            }
          case "matrix":
            return {
              series: data.result.map((s) => ({ labels: s.metric, values: (s.values ?? []).map((v) => toNumber(v[1])), histograms: (s.histograms ?? []).map((h) => toHistogram(h[1])) })),
              warnings
            }
        }
      }).pipe(
        Effect.retry({
          while: transient,
          times: options.retries ?? 2,
          schedule: Schedule.exponential(Duration.millis(200)).pipe(Schedule.jittered)
        })
      )

    return {
      /** `GET|POST /api/v1/query` at `time` (epoch ms). */
      query: (expr: string, time: number) => call("/api/v1/query", { query: expr, time: (time / 1000).toString() }, expr),
      /**
       * `/api/v1/query_range` over [start, end] (epoch ms, both included) every
       * `stepSeconds`; a range of more than {@link maxPointsPerQuery} steps is
       * asked for in consecutive sub-ranges, one after another, and the series
       * joined by their labels (every point once).
       */
      queryRange: (expr: string, start: number, end: number, stepSeconds: number) =>
        Effect.forEach(subRanges(start, end, stepSeconds * 1000), (range) =>
          call("/api/v1/query_range", { query: expr, start: (range.start / 1000).toString(), end: (range.end / 1000).toString(), step: `${stepSeconds}s` }, expr)
        ).pipe(Effect.map((parts) => (parts.length === 0 ? { series: [], warnings: [] } : concat(parts))))
    }
  })

/** The most specific system error code in a cause chain (ECONNREFUSED, ENOTFOUND, …). */
const describeTransport = (error: unknown): string => {
  let current: unknown = error
  let deepest = "transport error"
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code
    const message = (current as { message?: unknown }).message
    if (typeof message === "string" && message !== "") deepest = message
    current = (current as { cause?: unknown }).cause
  }
  return deepest
}
