import { Decode } from "@rollwise/input-schema"
import { Redaction } from "@rollwise/redaction"
import { MetricSource } from "@rollwise/rollout-engine"
import { Duration, Effect, Redacted, Schema } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"

/**
 * How to reach Loki (directly, or through a gateway that checks credentials).
 * Credentials are Redacted: they never reach logs, errors or evidence, and
 * every text Loki or a gateway sends back — error bodies, warnings, transport
 * messages — goes through `Redaction.redact` with them first.
 */
export interface Options {
  /** The base URL, e.g. `http://loki:3100` or `https://logs.example.com/loki-gw`; no credentials in it. */
  readonly url: string
  /** The tenant, sent as `X-Scope-OrgID` (required by a multi-tenant Loki: without it Loki answers 401 `no org id`). */
  readonly tenant?: string
  /** A bearer token for a gateway (Grafana Cloud, an auth proxy). */
  readonly bearerToken?: Redacted.Redacted<string>
  /** Basic credentials for a gateway (Grafana Cloud takes the tenant's numeric id as the username). */
  readonly basicAuth?: { readonly username: string; readonly password: Redacted.Redacted<string> }
  /** Per-request timeout (default 10 s). */
  readonly timeout?: Duration.Duration
  /** Retries of transient failures — unreachable, timeouts, 429, 5xx — with backoff and jitter (default 2). Never of a bad query or refused credentials. */
  readonly retries?: number
}

/** Loki's default `max_entries_limit_per_query`: a log request never asks for more lines than this. */
export const maxEntriesPerRequest = 5000

/** Most points per series of one range query: Loki refuses more than 11,000 ("exceeded maximum resolution of 11,000 points per time series"). */
export const maxPointsPerQuery = 11_000

/**
 * The longest time range of one request (720 h): Loki's default
 * `max_query_length` is 721 h ("the query time range exceeds the limit"),
 * so longer windows are asked for in consecutive parts.
 */
export const maxRangeMs = 720 * 3_600_000

/** Longest wait a `Retry-After` may impose before a retry (10 s); a longer one is cut to this. */
export const maxRetryAfterMs = 10_000

const NsText = Schema.String.check(Schema.isPattern(/^\d{1,19}$/, { expected: "nanoseconds since the epoch in a string" }))
const NumberText = Schema.String.check(
  Schema.isPattern(/^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/, { expected: 'a number in a string ("1.5", "NaN", "+Inf")' })
)
const Point = Schema.Tuple([Schema.Number, NumberText])
const Labels = Schema.Record(Schema.String, Schema.String)
/** A stream entry: `[ns, line]`, with structured metadata as a third element when the client asks for categorized labels. */
const Entry = Schema.Union([Schema.Tuple([NsText, Schema.String]), Schema.Tuple([NsText, Schema.String, Schema.Unknown])])

const Vector = Schema.Struct({ resultType: Schema.Literal("vector"), result: Schema.Array(Schema.Struct({ metric: Labels, value: Point })) })
const Matrix = Schema.Struct({ resultType: Schema.Literal("matrix"), result: Schema.Array(Schema.Struct({ metric: Labels, values: Schema.Array(Point) })) })
const Scalar = Schema.Struct({ resultType: Schema.Literal("scalar"), result: Point })
const Streams = Schema.Struct({ resultType: Schema.Literal("streams"), result: Schema.Array(Schema.Struct({ stream: Labels, values: Schema.Array(Entry) })) })

/** The body of `/loki/api/v1/query` and `/loki/api/v1/query_range` (Loki 2.x and 3.x; `stats` is ignored). */
export const Response = Schema.Struct({
  status: Schema.Literals(["success", "error"]),
  data: Schema.optionalKey(Schema.Union([Vector, Matrix, Scalar, Streams])),
  errorType: Schema.optionalKey(Schema.String),
  error: Schema.optionalKey(Schema.String),
  warnings: Schema.optionalKey(Schema.Array(Schema.String))
})
export type Response = typeof Response.Type

/** One series of a metric result: its labels and its values in time order (NaN and ±Inf as numbers). */
export interface Series {
  readonly labels: Readonly<Record<string, string>>
  readonly values: ReadonlyArray<number>
}

/** A metric query's answer: every series, and Loki's warnings (redacted). */
export interface MetricResult {
  readonly series: ReadonlyArray<Series>
  readonly warnings: ReadonlyArray<string>
}

/** One log line as read: its stream's labels, its timestamp (ns) and text. */
export interface Line {
  readonly labels: Readonly<Record<string, string>>
  readonly ts: bigint
  readonly line: string
}

/** A log query's answer, read forward with paging. */
export interface LogsResult {
  /** The lines in time order (ties in a fixed order: stream labels, then text), at most the `maxLines` asked for. */
  readonly lines: ReadonlyArray<Line>
  /** Whether Loki may hold more matching lines than were read (the reading stopped at `maxLines`). */
  readonly capped: boolean
  /** Loki's warnings and the reader's own (lines it could not page past), redacted. */
  readonly warnings: ReadonlyArray<string>
}

const toNumber = (text: string): number => (text === "+Inf" || text === "Inf" ? Number.POSITIVE_INFINITY : text === "-Inf" ? Number.NEGATIVE_INFINITY : Number(text))

/** Epoch ms as Loki's nanosecond time parameter. */
export const nanos = (ms: number): bigint => BigInt(Math.round(ms)) * 1_000_000n

/**
 * Consecutive sub-ranges (epoch ms, both ends included) covering the points
 * `start`, `start + step`, … up to `end`, each at most `maxPoints` points and
 * `maxRange` long: every point in exactly one, none added.
 */
export const subRanges = (start: number, end: number, stepMs: number, maxPoints: number = maxPointsPerQuery, maxRange: number = maxRangeMs): Array<{ readonly start: number; readonly end: number }> => {
  if (!(stepMs > 0) || !(maxPoints >= 1) || end < start) return []
  const perPart = Math.max(1, Math.min(maxPoints, Math.floor(maxRange / stepMs) + 1))
  const points = Math.floor((end - start) / stepMs) + 1
  const out: Array<{ start: number; end: number }> = []
  for (let first = 0; first < points; first += perPart) {
    const last = Math.min(points, first + perPart) - 1
    out.push({ start: start + first * stepMs, end: start + last * stepMs })
  }
  return out
}

/** Consecutive half-open parts [start, end) of at most `maxRange` ms covering [start, end). */
export const logRanges = (start: number, end: number, maxRange: number = maxRangeMs): Array<{ readonly start: number; readonly end: number }> => {
  const out: Array<{ start: number; end: number }> = []
  for (let s = start; s < end; s += maxRange) out.push({ start: s, end: Math.min(end, s + maxRange) })
  return out
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
const labelsKey = (labels: Readonly<Record<string, string>>) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => compareText(a, b)))
/** The identity of a line among the lines of one timestamp (Loki drops exact duplicates of stream, time and text). */
const lineKey = (l: Line) => `${labelsKey(l.labels)}\u0000${l.line}`
const byTime = (a: Line, b: Line) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : compareText(lineKey(a), lineKey(b)))

/** A failure of one attempt: the error, whether another attempt may help, and how long Loki asked to wait. */
interface Attempt {
  readonly error: MetricSource.MetricSourceError
  readonly retry: boolean
  readonly afterMs?: number
}

/** Loki's refusal of a `limit` above its `max_entries_limit_per_query` (2.x and 3.x wording), with the two numbers. */
const maxEntriesRefusal = /max entries limit per query exceeded, limit > max_entries_limit(?:_per_query)? \((\d+) > (\d+)\)/

const firstLine = (text: string) => text.trim().split("\n")[0]?.trim() ?? ""

/** A `Retry-After` header as ms (seconds or an HTTP date), cut to {@link maxRetryAfterMs}. */
const retryAfter = (header: string | undefined): number | undefined => {
  if (header === undefined) return undefined
  const seconds = Number(header)
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now()
  return Number.isFinite(ms) ? Math.min(maxRetryAfterMs, Math.max(0, ms)) : undefined
}

const decodeResponse = Schema.decodeUnknownEffect(Response)

/**
 * A small Loki HTTP API client: instant and range metric queries, and log
 * queries read forward in pages of at most {@link maxEntriesPerRequest}
 * lines. Decoded with Schema; typed errors; per-request timeout; bounded
 * retries of transient failures (honouring `Retry-After` on 429).
 */
export const make = (options: Options) =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    const base = options.url.replace(/\/+$/, "")
    const timeout = options.timeout ?? Duration.seconds(10)
    const retries = Math.max(0, options.retries ?? 2)
    const bearerToken = options.bearerToken !== undefined ? Redacted.value(options.bearerToken) : undefined
    const basic = options.basicAuth !== undefined ? { username: options.basicAuth.username, password: Redacted.value(options.basicAuth.password) } : undefined
    const secrets = [
      ...(bearerToken !== undefined ? [bearerToken] : []),
      ...(basic !== undefined ? [basic.password, Buffer.from(`${basic.username}:${basic.password}`).toString("base64")] : [])
    ]
    /** Upstream text as it may be shown or stored: without any credential. */
    const clean = (text: string) => Redaction.redact(text, secrets)
    const error = (reason: MetricSource.MetricSourceError["reason"], detail: string, query: string, cause?: unknown) =>
      new MetricSource.MetricSourceError({ reason, detail: clean(detail), query, ...(cause !== undefined ? { cause } : {}) })
    const attempt = (e: MetricSource.MetricSourceError, retry: boolean, afterMs?: number): Attempt => ({ error: e, retry, ...(afterMs !== undefined ? { afterMs } : {}) })

    const once = (path: string, params: Record<string, string>, query: string): Effect.Effect<Response, Attempt> =>
      Effect.gen(function* () {
        let request = HttpClientRequest.get(`${base}${path}`).pipe(HttpClientRequest.setUrlParams(params), HttpClientRequest.acceptJson)
        if (options.tenant !== undefined) request = HttpClientRequest.setHeader(request, "X-Scope-OrgID", options.tenant)
        if (bearerToken !== undefined) request = HttpClientRequest.bearerToken(request, bearerToken)
        if (basic !== undefined) request = HttpClientRequest.basicAuth(request, basic.username, basic.password)
        const response = yield* http.execute(request).pipe(
          Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(attempt(error("Timeout", `no answer from ${base} within ${Duration.format(timeout)}`, query), true)) }),
          Effect.mapError((e) => ("retry" in e ? e : attempt(error("Unreachable", `cannot reach ${base} (${describeTransport(e)})`, query, e), true)))
        )
        const text = yield* response.text.pipe(
          Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(new Error("timeout")) }),
          Effect.mapError((e) => attempt(error("Unreachable", `connection to ${base} broke while reading the answer`, query, e), true))
        )
        const status = response.status
        if (status >= 400) {
          // Loki answers errors in plain text (`http.Error`); some gateways and versions in JSON {status, error}
          let message = firstLine(text)
          try {
            const json = JSON.parse(text) as { error?: unknown; message?: unknown }
            if (typeof json.error === "string") message = firstLine(json.error)
            else if (typeof json.message === "string") message = firstLine(json.message)
          } catch {
            // plain text
          }
          const said = message === "" ? "" : `: ${message}`
          if (status === 400 || status === 422) return yield* Effect.fail(attempt(error("BadQuery", `Loki refused the query${said}`, query), false))
          if (status === 401 || status === 403) {
            return yield* Effect.fail(
              attempt(error("Unreachable", `HTTP ${status} from ${base}${said} (check the credentials${options.tenant === undefined ? " and whether this Loki needs a tenant (X-Scope-OrgID)" : " and the tenant"})`, query), false)
            )
          }
          if (status === 404) return yield* Effect.fail(attempt(error("Unreachable", `HTTP 404 from ${base}${path}${said} (is ${base} a Loki URL?)`, query), false))
          if (status === 429) return yield* Effect.fail(attempt(error("Unreachable", `HTTP 429 from ${base}${said} (Loki is overloaded; retried ${retries} times)`, query), true, retryAfter(response.headers["retry-after"])))
          if (status === 504) return yield* Effect.fail(attempt(error("Timeout", `HTTP 504 from ${base}${said}`, query), true))
          return yield* Effect.fail(attempt(error("Unreachable", `HTTP ${status} from ${base}${said}`, query), status >= 500, retryAfter(response.headers["retry-after"])))
        }
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          return yield* Effect.fail(attempt(error("BadResponse", `HTTP ${status} from ${base}: the body is not JSON`, query), false))
        }
        const body = yield* decodeResponse(json).pipe(Effect.mapError((e) => attempt(error("BadResponse", `HTTP ${status}: not a Loki API answer (${Decode.oneLine(e)})`, query, e), false)))
        if (body.status === "error") return yield* Effect.fail(attempt(error("BadQuery", `Loki refused the query: ${firstLine(body.error ?? "no message")}`, query), false))
        if (body.data === undefined) return yield* Effect.fail(attempt(error("BadResponse", "a success without data", query), false))
        return body
      })

    const call = (path: string, params: Record<string, string>, query: string): Effect.Effect<Response, MetricSource.MetricSourceError> => {
      const loop = (n: number): Effect.Effect<Response, MetricSource.MetricSourceError> =>
        once(path, params, query).pipe(
          Effect.catch((a: Attempt) => {
            if (!a.retry || n >= retries) return Effect.fail(a.error)
            const backoff = a.afterMs ?? 200 * 2 ** n * (0.5 + Math.random())
            return Effect.sleep(Duration.millis(backoff)).pipe(Effect.andThen(loop(n + 1)))
          })
        )
      return loop(0)
    }

    const metric = (body: Response, query: string, expect: "vector" | "matrix"): Effect.Effect<MetricResult, MetricSource.MetricSourceError> => {
      const warnings = (body.warnings ?? []).map(clean)
      const data = body.data!
      switch (data.resultType) {
        case "scalar":
          return Effect.succeed({ series: [{ labels: {}, values: [toNumber(data.result[1])] }], warnings })
        case "vector":
          return Effect.succeed({ series: data.result.map((s) => ({ labels: s.metric, values: [toNumber(s.value[1])] })), warnings })
        case "matrix":
          return Effect.succeed({ series: data.result.map((s) => ({ labels: s.metric, values: s.values.map((v) => toNumber(v[1])) })), warnings })
        case "streams":
          return Effect.fail(error("BadQuery", `the query is a log query, but a ${expect === "vector" ? "counter or ratio" : "continuous metric"} needs a metric query (wrap it: sum(count_over_time(<query> [{{window}}])))`, query))
      }
    }

    const queryRange = (expr: string, start: number, end: number, stepSeconds: number): Effect.Effect<MetricResult, MetricSource.MetricSourceError> =>
      Effect.forEach(subRanges(start, end, stepSeconds * 1000), (range) =>
        call("/loki/api/v1/query_range", { query: expr, start: nanos(range.start).toString(), end: nanos(range.end).toString(), step: `${stepSeconds}s` }, expr).pipe(
          Effect.flatMap((body) => metric(body, expr, "matrix"))
        )
      ).pipe(Effect.map(concat))

    /**
     * One part [start, end) read forward. Loki answers the `limit` earliest
     * lines; the next page starts at the last timestamp seen (inclusive, so
     * nothing at that nanosecond is lost) and drops the lines of that
     * timestamp it already has.
     */
    /** Lines per page: Loki's default limit, or the smaller one a Loki said it enforces. */
    let pageSize = maxEntriesPerRequest
    const readPart = (expr: string, start: bigint, end: bigint, want: number, into: Array<Line>, warnings: Array<string>) =>
      Effect.gen(function* () {
        let from = start
        /** The lines already read at timestamp `from` (when paging resumed there), by identity, with their counts. */
        let seenAtFrom = new Map<string, number>()
        for (;;) {
          const remaining = want - into.length
          if (remaining <= 0) return true
          let pending = 0
          for (const n of seenAtFrom.values()) pending += n
          const limit = Math.min(pageSize, remaining + pending)
          const answer = yield* call("/loki/api/v1/query_range", { query: expr, start: from.toString(), end: end.toString(), limit: String(limit), direction: "forward" }, expr).pipe(
            Effect.map((body) => ({ body }) as const),
            Effect.catch((e: MetricSource.MetricSourceError) => {
              // a Loki with a lower max_entries_limit_per_query says which: page by that instead
              const lower = e.reason === "BadQuery" ? maxEntriesRefusal.exec(e.detail) : null
              const max = lower === null ? Number.NaN : Number(lower[2])
              return max >= 1 && max < limit ? Effect.succeed({ lower: max } as const) : Effect.fail(e)
            })
          )
          if ("lower" in answer) {
            warnings.push(`Loki allows ${answer.lower} lines per request (max_entries_limit_per_query); paging by that`)
            pageSize = answer.lower
            continue
          }
          const body = answer.body
          for (const w of body.warnings ?? []) warnings.push(clean(w))
          const data = body.data!
          if (data.resultType !== "streams") {
            return yield* error("BadQuery", "the query is a metric query, but a signatures metric reads log lines: give a log query ({…} with line filters)", expr)
          }
          const page: Array<Line> = data.result.flatMap((s) => s.values.map((v) => ({ labels: s.stream, ts: BigInt(v[0]), line: v[1] })))
          page.sort(byTime)
          const received = page.length
          const seen = new Map(seenAtFrom)
          let added = 0
          for (const l of page) {
            if (l.ts === from) {
              const k = lineKey(l)
              const n = seen.get(k) ?? 0
              if (n > 0) {
                seen.set(k, n - 1)
                continue
              }
            }
            if (into.length >= want) return true
            into.push(l)
            added++
          }
          // a short page: Loki holds nothing more in this part
          if (received < limit) return false
          const last = page[page.length - 1]!.ts
          if (added === 0) {
            // a whole page of lines at one nanosecond, all read before: Loki cannot page inside it
            warnings.push(`${pageSize} or more lines at ${last} ns, a whole page: the rest of that nanosecond was skipped`)
            from = last + 1n
            seenAtFrom = new Map()
            continue
          }
          const atLast = new Map<string, number>()
          for (const l of into) if (l.ts === last) atLast.set(lineKey(l), (atLast.get(lineKey(l)) ?? 0) + 1)
          seenAtFrom = atLast
          from = last
        }
      })

    return {
      /** `GET /loki/api/v1/query` of a metric query at `time` (ns). */
      query: (expr: string, time: bigint) => call("/loki/api/v1/query", { query: expr, time: time.toString() }, expr).pipe(Effect.flatMap((body) => metric(body, expr, "vector"))),
      /**
       * `GET /loki/api/v1/query_range` of a metric query over [start, end]
       * (epoch ms, both included) every `stepSeconds`, in consecutive parts of
       * at most {@link maxPointsPerQuery} points and {@link maxRangeMs}; the
       * series joined by their labels (every point once).
       */
      queryRange,
      /**
       * A log query's lines in [start, end) (epoch ms), read forward in pages
       * of at most {@link maxEntriesPerRequest} lines (or the lower limit a
       * Loki says it enforces), at most `maxLines` in
       * all; `capped` says the reading stopped at `maxLines` with more possibly
       * left. Every line once, none dropped at a page boundary, even when
       * several share a nanosecond.
       */
      logs: (expr: string, start: number, end: number, maxLines: number): Effect.Effect<LogsResult, MetricSource.MetricSourceError> =>
        Effect.gen(function* () {
          const lines: Array<Line> = []
          const warnings: Array<string> = []
          let capped = false
          for (const part of logRanges(start, end)) {
            capped = yield* readPart(expr, nanos(part.start), nanos(part.end), maxLines, lines, warnings)
            if (capped) break
          }
          return { lines, capped, warnings: [...new Set(warnings)] }
        })
    }
  })

/** Series of the parts joined by their labels, each one's points in time order, in the order the series first appear. */
const concat = (parts: ReadonlyArray<MetricResult>): MetricResult => {
  if (parts.length === 1) return parts[0]!
  const byLabels = new Map<string, { labels: Readonly<Record<string, string>>; values: Array<number> }>()
  for (const part of parts) {
    for (const s of part.series) {
      const key = labelsKey(s.labels)
      const into = byLabels.get(key) ?? { labels: s.labels, values: [] }
      byLabels.set(key, into)
      for (const v of s.values) into.values.push(v)
    }
  }
  return { series: [...byLabels.values()], warnings: [...new Set(parts.flatMap((p) => p.warnings))] }
}

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
