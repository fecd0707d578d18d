import { Decode } from "@rollwise/input-schema"
import { Redaction } from "@rollwise/redaction"
import { MetricSource } from "@rollwise/rollout-engine"
import { Duration, Effect, Redacted } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"

/** What both trace clients share: where, how long, how often, which credentials. */
export interface CoreOptions {
  /** Who answers, for messages ("Tempo", "Jaeger"). */
  readonly vendor: string
  readonly url: string
  readonly timeout?: Duration.Duration
  readonly retries?: number
  readonly bearerToken?: Redacted.Redacted<string>
  readonly basicAuth?: { readonly username: string; readonly password: Redacted.Redacted<string> }
  /** What an error body says, in one line (default: its first line); the vendor knows its envelope. */
  readonly describeBody?: (text: string) => string
  /** Extra headers (the tenant); values given Redacted are secrets too. */
  readonly headers?: Readonly<Record<string, string | Redacted.Redacted<string>>>
}

/** An answer the vendor code reads: status below 500 and not 429 (those are retried here). */
export interface Answer {
  readonly status: number
  readonly text: string
}

/** Longest Retry-After a 429 may ask for before the client gives up instead of waiting (seconds). */
export const maxRetryAfterSeconds = 10

type Reason = MetricSource.MetricSourceError["reason"]

/** The URL without its userinfo, and the userinfo's credentials when it had any. */
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

const base64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)))

/** The most specific system error code in a cause chain (ECONNREFUSED, …). */
export const describeTransport = (error: unknown): string => {
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

/** A decode failure in one line: the path and what was expected there. */
export const describeDecodeError = Decode.oneLine

/** The first non-empty line of a body, at most 300 characters. */
export const firstLine = (text: string): string => {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== "") ?? ""
  return line.length > 300 ? `${line.slice(0, 300)}…` : line.trim()
}

class Transient {
  constructor(
    readonly error: MetricSource.MetricSourceError,
    readonly retryAfterMs: number | undefined
  ) {}
}

/**
 * The small HTTP core both trace sources stand on: GET with query parameters,
 * credentials and tenant headers, a per-request timeout, bounded retries with
 * backoff and jitter on transient failures (unreachable, timeout, 5xx, 429 —
 * waiting its Retry-After when it gives one, up to {@link maxRetryAfterSeconds}),
 * and every upstream text redacted of the credentials before it is shown.
 */
export const make = (options: CoreOptions) =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    const { base, userinfo } = splitUserinfo(options.url)
    const timeout = options.timeout ?? Duration.seconds(10)
    const retries = Math.max(0, options.retries ?? 2)
    const bearerToken = options.bearerToken !== undefined ? Redacted.value(options.bearerToken) : undefined
    const basic =
      options.basicAuth !== undefined
        ? { username: options.basicAuth.username, password: Redacted.value(options.basicAuth.password) }
        : bearerToken === undefined
          ? userinfo
          : undefined
    const headers: Record<string, string> = {}
    const headerSecrets: Array<string> = []
    for (const [k, v] of Object.entries(options.headers ?? {})) {
      if (Redacted.isRedacted(v)) {
        headers[k] = Redacted.value(v)
        headerSecrets.push(Redacted.value(v))
      } else headers[k] = v
    }
    const secrets = [
      ...(bearerToken !== undefined ? [bearerToken] : []),
      ...(basic !== undefined ? [basic.password, base64(`${basic.username}:${basic.password}`)] : []),
      ...(userinfo !== undefined ? [userinfo.password] : []),
      ...headerSecrets
    ].filter((s) => s !== "")
    /** Upstream text as it may be shown or stored: without any credential. */
    const clean = (text: string) => Redaction.redact(text, secrets)
    const fail = (reason: Reason, detail: string, query?: string, cause?: unknown) =>
      new MetricSource.MetricSourceError({ reason, detail: clean(detail), ...(query !== undefined ? { query } : {}), ...(cause !== undefined ? { cause } : {}) })
    const authorize = (request: HttpClientRequest.HttpClientRequest) => {
      let r = HttpClientRequest.setHeaders(request, headers)
      if (bearerToken !== undefined) r = HttpClientRequest.bearerToken(r, bearerToken)
      if (basic !== undefined) r = HttpClientRequest.basicAuth(r, basic.username, basic.password)
      return r
    }
    const vendor = options.vendor
    const said = (text: string) => {
      try {
        return (options.describeBody ?? firstLine)(text) || firstLine(text)
      } catch {
        return firstLine(text)
      }
    }

    const once = (path: string, params: Readonly<Record<string, string>>, query: string): Effect.Effect<Answer, MetricSource.MetricSourceError | Transient> =>
      Effect.gen(function* () {
        const request = authorize(HttpClientRequest.get(`${base}${path}`).pipe(HttpClientRequest.setUrlParams(params), HttpClientRequest.acceptJson))
        const response = yield* http.execute(request).pipe(
          Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(new Transient(fail("Timeout", `no answer from ${vendor} at ${base}${path} within ${Duration.format(timeout)}`, query), undefined)) }),
          Effect.mapError((e) => (e instanceof Transient ? e : new Transient(fail("Unreachable", `cannot reach ${vendor} at ${base} (${describeTransport(e)})`, query, e), undefined)))
        )
        const text = yield* response.text.pipe(
          Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(new Transient(fail("Timeout", `${vendor} at ${base}${path} stopped sending its answer`, query), undefined)) }),
          Effect.mapError((e) => (e instanceof Transient ? e : new Transient(fail("Unreachable", `connection to ${vendor} at ${base} broke while reading the answer`, query, e), undefined)))
        )
        if (response.status === 429) {
          const header = response.headers["retry-after"]
          const seconds = header === undefined ? undefined : Number(header)
          const after = seconds !== undefined && Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined
          const error = fail("Unreachable", `HTTP 429 from ${vendor}: rate limited${after !== undefined ? ` (Retry-After ${after}s)` : ""}: ${said(text)}`, query)
          if (after !== undefined && after > maxRetryAfterSeconds) return yield* error
          return yield* Effect.fail(new Transient(error, after !== undefined ? after * 1000 : undefined))
        }
        if (response.status >= 500) return yield* Effect.fail(new Transient(fail("Unreachable", `HTTP ${response.status} from ${vendor}: ${said(text) || "no message"}`, query), undefined))
        return { status: response.status, text }
      })

    const get = (path: string, params: Readonly<Record<string, string>>, query: string): Effect.Effect<Answer, MetricSource.MetricSourceError> => {
      const attempt = (n: number): Effect.Effect<Answer, MetricSource.MetricSourceError> =>
        once(path, params, query).pipe(
          Effect.catch((e): Effect.Effect<Answer, MetricSource.MetricSourceError> => {
            if (!(e instanceof Transient)) return Effect.fail(e)
            if (n >= retries) return Effect.fail(e.error)
            const backoff = 200 * 2 ** n * (0.5 + Math.random())
            return Effect.sleep(Duration.millis(e.retryAfterMs ?? backoff)).pipe(Effect.andThen(attempt(n + 1)))
          })
        )
      return attempt(0)
    }

    /** Parse a JSON body, or fail as BadResponse naming the status. */
    const json = (answer: Answer, query: string): Effect.Effect<unknown, MetricSource.MetricSourceError> =>
      Effect.try({
        try: () => JSON.parse(answer.text) as unknown,
        catch: () => fail("BadResponse", `HTTP ${answer.status} from ${vendor}: the body is not JSON (${firstLine(answer.text).slice(0, 80) || "empty"})`, query)
      })

    return { base, get, json, clean, fail, vendor, said }
  })

/** The core's service shape. */
export type Core = Effect.Success<ReturnType<typeof make>>
