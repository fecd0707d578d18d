import { Decode } from "@rollwise/input-schema"
import { Redaction } from "@rollwise/redaction"
import { MetricSource } from "@rollwise/rollout-engine"
import { Duration, Effect, Redacted, Schema } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"

/**
 * How to reach Elasticsearch (7, 8) or OpenSearch. Credentials are
 * `Redacted`: they never reach logs, errors or evidence, and every text the
 * cluster (or a proxy before it) sends back passes through
 * `Redaction.redact` with them before it becomes an error or a warning. Give
 * at most one of `apiKey`, `basicAuth`, `bearerToken`.
 */
export interface Options {
  /** The base URL, e.g. `https://es.example:9200`. `user:pass@` in it is taken off and sent as Basic credentials (when no other credentials are given), never shown. */
  readonly url: string
  /**
   * An Elasticsearch API key, sent as `Authorization: ApiKey <encoded>`:
   * either `id:api_key` (encoded here as base64) or the `encoded` value the
   * create-API-key API returns, as given. OpenSearch has no API keys: use
   * basic auth or a bearer (JWT) token there.
   */
  readonly apiKey?: Redacted.Redacted<string>
  readonly basicAuth?: { readonly username: string; readonly password: Redacted.Redacted<string> }
  readonly bearerToken?: Redacted.Redacted<string>
  /** The date field every document is timed by (default `@timestamp`); windows filter and sort on it. */
  readonly timestampField?: string
  /** Per-request timeout (default 10 s). */
  readonly timeout?: Duration.Duration
  /** Retries on transient failures — unreachable, timeouts, 429, 5xx — with exponential backoff and jitter, or the 429's `Retry-After` (default 2). Never on a bad query or bad credentials. */
  readonly retries?: number
  /** Documents per search page, 1 to 10,000 (default 10,000, the `index.max_result_window` default). */
  readonly pageSize?: number
  readonly headers?: Readonly<Record<string, string>>
}

/** Most hits one search may return: `index.max_result_window`'s default, which bounds `from + size` (so deeper reads page with `search_after`). */
export const maxResultWindow = 10_000

const ShardFailure = Schema.Struct({
  index: Schema.optionalKey(Schema.NullOr(Schema.String)),
  shard: Schema.optionalKey(Schema.Number),
  reason: Schema.optionalKey(Schema.Struct({ type: Schema.optionalKey(Schema.String), reason: Schema.optionalKey(Schema.NullOr(Schema.String)) }))
})

const Total = Schema.Union([Schema.Struct({ value: Schema.Number, relation: Schema.Literals(["eq", "gte"]) }), Schema.Number])

const Hit = Schema.Struct({
  _index: Schema.optionalKey(Schema.String),
  _id: Schema.optionalKey(Schema.String),
  _source: Schema.optionalKey(Schema.Unknown),
  fields: Schema.optionalKey(Schema.Record(Schema.String, Schema.Array(Schema.Unknown))),
  sort: Schema.optionalKey(Schema.Array(Schema.Unknown))
})

/** The parts of a `_search` answer this source reads (Elasticsearch and OpenSearch write the same). */
export const SearchResponse = Schema.Struct({
  timed_out: Schema.optionalKey(Schema.Boolean),
  _shards: Schema.optionalKey(
    Schema.Struct({ total: Schema.Number, successful: Schema.Number, skipped: Schema.optionalKey(Schema.Number), failed: Schema.Number, failures: Schema.optionalKey(Schema.Array(ShardFailure)) })
  ),
  hits: Schema.Struct({ total: Schema.optionalKey(Total), hits: Schema.Array(Hit) }),
  aggregations: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown))
})
export type SearchResponse = typeof SearchResponse.Type

/** A decoded search: the answer, and the warnings of a partial one (failed shards, a timeout), already redacted. */
export interface Search {
  readonly response: SearchResponse
  /** Shards the index expression covered (0: a pattern matched no index). */
  readonly shards: number
  readonly warnings: ReadonlyArray<string>
}

const ErrorCause = Schema.Struct({ type: Schema.optionalKey(Schema.String), reason: Schema.optionalKey(Schema.NullOr(Schema.String)) })
/** `{error: {root_cause: [...], type, reason, caused_by?, failed_shards?}, status}` — or, from old proxies, `{error: "text"}`. */
const ErrorBody = Schema.Struct({
  error: Schema.Union([
    Schema.String,
    Schema.Struct({
      root_cause: Schema.optionalKey(Schema.Array(ErrorCause)),
      type: Schema.optionalKey(Schema.String),
      reason: Schema.optionalKey(Schema.NullOr(Schema.String)),
      caused_by: Schema.optionalKey(ErrorCause),
      failed_shards: Schema.optionalKey(Schema.Array(ShardFailure.mapFields((f) => ({ ...f, reason: Schema.optionalKey(Schema.Struct({ type: Schema.optionalKey(Schema.String), reason: Schema.optionalKey(Schema.NullOr(Schema.String)), caused_by: Schema.optionalKey(ErrorCause) })) }))))
    })
  ]),
  status: Schema.optionalKey(Schema.Number)
})
type ErrorBody = typeof ErrorBody.Type

const firstLine = (text: string) => text.split(/\r?\n/)[0]!.trim()

/** An error body in one line: the root cause's type and reason, and the deepest cause a shard gave (a parser's own words). */
export const describeError = (body: ErrorBody): { readonly type: string; readonly detail: string } => {
  const e = body.error
  if (typeof e === "string") return { type: "error", detail: firstLine(e) }
  const root = e.root_cause?.[0] ?? e
  const type = root.type ?? e.type ?? "error"
  const shard = e.failed_shards?.[0]?.reason
  const deep = shard?.caused_by?.reason ?? e.caused_by?.reason
  const reason = root.reason ?? e.reason ?? "no reason given"
  return { type, detail: firstLine(`${type}: ${reason}${deep !== undefined && deep !== null && deep !== reason ? ` (${firstLine(deep)})` : ""}`) }
}

const decodeSearch = Schema.decodeUnknownEffect(SearchResponse)
const decodeError = Schema.decodeUnknownOption(ErrorBody)

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

const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64")

/** The `ApiKey` header value: `id:key` is base64-encoded; anything else is taken as the already encoded key. */
export const apiKeyHeader = (apiKey: string): string => `ApiKey ${apiKey.includes(":") ? base64(apiKey) : apiKey}`

/** A failure of one attempt, with whether another attempt may help and when. */
interface Attempt {
  readonly error: MetricSource.MetricSourceError
  readonly retry: boolean
  readonly afterMs?: number
}

/** Longest `Retry-After` honoured; a longer one fails at once (the window would be over). */
const maxRetryAfterMs = 30_000

const retryAfterMs = (header: string | undefined): number | undefined => {
  if (header === undefined) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}

/**
 * A small `_search` client: JSON bodies, Schema-decoded answers, typed
 * errors (`MetricSourceError`), per-request timeout, bounded retries on
 * transient failures only, partial answers turned into warnings.
 */
export const make = (options: Options) =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    const { base, userinfo } = splitUserinfo(options.url)
    const timeout = options.timeout ?? Duration.seconds(10)
    const retries = options.retries ?? 2
    const apiKey = options.apiKey !== undefined ? Redacted.value(options.apiKey) : undefined
    const bearer = options.bearerToken !== undefined ? Redacted.value(options.bearerToken) : undefined
    const basic =
      options.basicAuth !== undefined
        ? { username: options.basicAuth.username, password: Redacted.value(options.basicAuth.password) }
        : apiKey === undefined && bearer === undefined
          ? userinfo
          : undefined
    const secrets = [
      ...(apiKey !== undefined ? [apiKey, apiKeyHeader(apiKey).slice("ApiKey ".length), ...apiKey.split(":").slice(1)] : []),
      ...(bearer !== undefined ? [bearer] : []),
      ...(basic !== undefined ? [basic.password, base64(`${basic.username}:${basic.password}`)] : []),
      ...(userinfo !== undefined ? [userinfo.password] : [])
    ]
    /** Upstream text as it may be shown or stored: without any credential. */
    const clean = (text: string) => Redaction.redact(text, secrets)
    const error = (reason: MetricSource.MetricSourceError["reason"], detail: string, query: string, cause?: unknown) =>
      new MetricSource.MetricSourceError({ reason, detail: clean(detail), query, ...(cause !== undefined ? { cause } : {}) })
    const authorize = (request: HttpClientRequest.HttpClientRequest) => {
      let r = HttpClientRequest.setHeaders(request, options.headers ?? {})
      if (apiKey !== undefined) r = HttpClientRequest.setHeader(r, "authorization", apiKeyHeader(apiKey))
      else if (bearer !== undefined) r = HttpClientRequest.bearerToken(r, bearer)
      else if (basic !== undefined) r = HttpClientRequest.basicAuth(r, basic.username, basic.password)
      return r
    }

    const once = (index: string, body: unknown, query: string): Effect.Effect<Search, Attempt> =>
      Effect.gen(function* () {
        const fail = (reason: MetricSource.MetricSourceError["reason"], detail: string, retry = false, afterMs?: number, cause?: unknown): Attempt => ({
          error: error(reason, detail, query, cause),
          retry,
          ...(afterMs !== undefined ? { afterMs } : {})
        })
        const request = authorize(
          HttpClientRequest.post(`${base}/${encodeURIComponent(index)}/_search`).pipe(HttpClientRequest.bodyJsonUnsafe(body), HttpClientRequest.acceptJson)
        )
        const response = yield* http.execute(request).pipe(
          Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(fail("Timeout", `no answer from ${base} within ${Duration.format(timeout)}`, true)) }),
          Effect.mapError((e) => ("retry" in e ? e : fail("Unreachable", `cannot reach ${base} (${describeTransport(e)})`, true, undefined, e)))
        )
        const text = yield* response.text.pipe(
          Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(fail("Timeout", `${base} sent no whole answer within ${Duration.format(timeout)}`, true)) }),
          Effect.mapError((e) => ("retry" in e ? e : fail("Unreachable", `connection to ${base} broke while reading the answer`, true, undefined, e)))
        )
        const status = response.status
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        if (status >= 300) {
          const described = json === undefined ? undefined : decodeError(json)
          const upstream = described !== undefined && described._tag === "Some" ? describeError(described.value) : { type: "", detail: firstLine(text).slice(0, 200) || "empty body" }
          const what = `HTTP ${status} from ${base}/${index}/_search: ${upstream.detail}`
          if (status === 401) return yield* Effect.fail(fail("Unreachable", `authentication failed (${what}); check the apiKey, basicAuth or bearerToken`))
          if (status === 403) return yield* Effect.fail(fail("Unreachable", `not allowed to search ${index} (${what}); the credentials need the read privilege on it`))
          if (status === 404 && upstream.type === "index_not_found_exception") {
            return yield* Effect.fail(fail("BadQuery", `${what} (a typo in the metric's index? a pattern such as logs-* that matches nothing is no data instead)`))
          }
          if (status === 429) {
            const after = retryAfterMs(response.headers["retry-after"])
            return yield* Effect.fail(fail("Unreachable", `the cluster is overloaded (${what})`, after === undefined || after <= maxRetryAfterMs, after))
          }
          if (status === 408 || status === 504) return yield* Effect.fail(fail("Timeout", what, true))
          if (status >= 500) return yield* Effect.fail(fail("Unreachable", what, true))
          if (status === 400) return yield* Effect.fail(fail("BadQuery", what))
          return yield* Effect.fail(fail("Unreachable", what))
        }
        if (json === undefined) return yield* Effect.fail(fail("BadResponse", `HTTP ${status} from ${base}: the body is not JSON`))
        const decoded = yield* decodeSearch(json).pipe(Effect.mapError((e) => fail("BadResponse", `HTTP ${status}: not a _search answer (${Decode.oneLine(e)})`, false, undefined, e)))
        const shards = decoded._shards
        const warnings: Array<string> = []
        if (shards !== undefined && shards.failed > 0) {
          const first = shards.failures?.[0]
          const why = first === undefined ? "no reason given" : `${first.index ?? "?"}[${first.shard ?? "?"}]: ${first.reason?.type ?? "failure"}: ${firstLine(first.reason?.reason ?? "no reason given")}`
          if (shards.successful === 0) return yield* Effect.fail(fail("BadResponse", `all ${shards.total} shards failed (${clean(why)})`))
          warnings.push(clean(`${shards.failed} of ${shards.total} shards failed, results are partial (${why})`))
        }
        if (decoded.timed_out === true) warnings.push("the search timed out on some shards, results are partial")
        return { response: decoded, shards: shards?.total ?? 1, warnings }
      })

    const search = (index: string, body: unknown, query: string): Effect.Effect<Search, MetricSource.MetricSourceError> => {
      const loop = (attempt: number): Effect.Effect<Search, MetricSource.MetricSourceError> =>
        once(index, body, query).pipe(
          Effect.catch((failed: Attempt) => {
            if (!failed.retry || attempt >= retries) return Effect.fail(failed.error)
            const backoff = failed.afterMs ?? 200 * 2 ** attempt * (0.5 + Math.random())
            return Effect.sleep(Duration.millis(backoff)).pipe(Effect.andThen(loop(attempt + 1)))
          })
        )
      return loop(0)
    }

    return {
      /** `POST /{index}/_search` with `body` (a JSON object); `query` is the text errors carry for the evidence. */
      search,
      /** Upstream text without any configured credential. */
      clean,
      /** The configured date field (default `@timestamp`). */
      timestampField: options.timestampField ?? "@timestamp",
      /** Documents per page (1 to 10,000). */
      pageSize: Math.max(1, Math.min(maxResultWindow, Math.floor(options.pageSize ?? maxResultWindow)))
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
