import { MetricSource } from "@rollwise/rollout-engine"
import { Duration, Effect, Redacted, Schedule, Schema } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"

/** How to reach Prometheus. Credentials are Redacted: they never reach logs, errors or evidence. */
export interface Options {
  readonly url: string
  /** Per-request timeout (default 10 s). */
  readonly timeout?: Duration.Duration
  /** Retries on transient failures — unreachable, timeouts, 5xx — with exponential backoff and jitter (default 2). Never on a bad query. */
  readonly retries?: number
  readonly bearerToken?: Redacted.Redacted<string>
  readonly basicAuth?: { readonly username: string; readonly password: Redacted.Redacted<string> }
  readonly headers?: Readonly<Record<string, string>>
}

/** A sample value as Prometheus writes it: a string, `NaN` and `±Inf` included. */
const SampleValue = Schema.Tuple([Schema.Number, Schema.String])

const Vector = Schema.Struct({
  resultType: Schema.Literal("vector"),
  result: Schema.Array(Schema.Struct({ metric: Schema.Record(Schema.String, Schema.String), value: SampleValue }))
})
const Matrix = Schema.Struct({
  resultType: Schema.Literal("matrix"),
  result: Schema.Array(Schema.Struct({ metric: Schema.Record(Schema.String, Schema.String), values: Schema.Array(SampleValue) }))
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

/** A decoded query result: every series' numeric values (NaN and ±Inf as numbers) and the warnings. */
export interface Result {
  readonly series: ReadonlyArray<{ readonly labels: Readonly<Record<string, string>>; readonly values: ReadonlyArray<number> }>
  readonly warnings: ReadonlyArray<string>
}

const toNumber = (text: string): number => (text === "+Inf" ? Number.POSITIVE_INFINITY : text === "-Inf" ? Number.NEGATIVE_INFINITY : Number(text))

const decodeResponse = Schema.decodeUnknownEffect(Response)

const fail = (reason: MetricSource.MetricSourceError["reason"], detail: string, query: string, cause?: unknown) =>
  new MetricSource.MetricSourceError({ reason, detail, query, ...(cause !== undefined ? { cause } : {}) })

const transient = (e: MetricSource.MetricSourceError) => e.reason === "Unreachable" || e.reason === "Timeout"

/**
 * A small Prometheus HTTP API client: instant and range queries, decoded with
 * Schema, typed errors, per-request timeout, retries with backoff and jitter
 * on transient failures only.
 */
export const make = (options: Options) =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    const base = options.url.replace(/\/+$/, "")
    const timeout = options.timeout ?? Duration.seconds(10)
    const authorize = (request: HttpClientRequest.HttpClientRequest) => {
      let r = HttpClientRequest.setHeaders(request, options.headers ?? {})
      if (options.bearerToken !== undefined) r = HttpClientRequest.bearerToken(r, Redacted.value(options.bearerToken))
      if (options.basicAuth !== undefined) r = HttpClientRequest.basicAuth(r, options.basicAuth.username, Redacted.value(options.basicAuth.password))
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
        const body = yield* decodeResponse(json).pipe(Effect.mapError((e) => fail("BadResponse", `HTTP ${response.status}: not a Prometheus API answer (${e.message.split("\n")[0]})`, query, e)))
        if (body.status === "error" || response.status >= 400) {
          const detail = `${body.errorType ?? `HTTP ${response.status}`}: ${body.error ?? "no message"}`
          return yield* fail(response.status === 400 || response.status === 422 || body.errorType === "bad_data" ? "BadQuery" : "Unreachable", detail, query)
        }
        const data = body.data
        if (data === undefined) return yield* fail("BadResponse", "a success without data", query)
        const warnings = [...(body.warnings ?? []), ...(body.infos ?? [])]
        switch (data.resultType) {
          case "scalar":
            return { series: [{ labels: {}, values: [toNumber(data.result[1])] }], warnings }
          case "vector":
            return { series: data.result.map((s) => ({ labels: s.metric, values: [toNumber(s.value[1])] })), warnings }
          case "matrix":
            return { series: data.result.map((s) => ({ labels: s.metric, values: s.values.map((v) => toNumber(v[1])) })), warnings }
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
      /** `/api/v1/query_range` over [start, end] (epoch ms) every `stepSeconds`. */
      queryRange: (expr: string, start: number, end: number, stepSeconds: number) =>
        call("/api/v1/query_range", { query: expr, start: (start / 1000).toString(), end: (end / 1000).toString(), step: `${stepSeconds}s` }, expr)
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
