import { Redaction } from "@rollwise/redaction"
import { DeployTarget } from "@rollwise/rollout-engine"
import { Duration, Effect } from "effect"

/** How a manager's HTTP API is reached. */
export interface ClientOptions {
  /** The manager's name in messages: `Mender`, `Balena`, `OTA service`. */
  readonly name: string
  /** The base URL (no trailing slash). */
  readonly base: string
  /** The bearer token; never logged, never in an error. */
  readonly token: string | undefined
  /** The environment variable it came from, for the 401 hint. */
  readonly tokenEnv: string
  /** Per-request timeout. */
  readonly timeoutMs: number
  /** Retries after 429, 5xx, a timeout or an unreachable server (default 4); never after another answer. */
  readonly retries?: number
  /** Longest wait honoured from a Retry-After header (default 30 s). */
  readonly maxRetryAfterMs?: number
  /** One line per call, secrets masked. */
  readonly onOutput: (line: string) => void
}

/** What a call got back. */
export interface Answer {
  readonly status: number
  readonly headers: Headers
  /** The parsed JSON body, the text when it is not JSON, undefined when empty. */
  readonly body: unknown
}

const transientStatus = (status: number) => status === 429 || status >= 500
const seconds = (ms: number) => (ms < 10_000 ? `${Number((ms / 1000).toFixed(1))} s` : `${Math.round(ms / 1000)} s`)

/** The message a body carries (`{"error": …}`, `{"message": …}`, plain text), redacted and short. */
const said = (body: unknown, secrets: ReadonlyArray<string>): string => {
  const text =
    typeof body === "string"
      ? body
      : typeof body === "object" && body !== null
        ? String((body as Record<string, unknown>).error ?? (body as Record<string, unknown>).message ?? JSON.stringify(body))
        : ""
  const one = Redaction.redact(text.replace(/\s+/g, " ").trim(), secrets)
  return one.length > 200 ? `${one.slice(0, 199)}…` : one
}

/** Retry-After in ms: seconds or an HTTP date; undefined when absent or unreadable. */
export const retryAfterMs = (header: string | null, now: number): number | undefined => {
  if (header === null) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * A small JSON-over-HTTP client for the OTA managers: bearer auth, a timeout
 * per request, retries with backoff after 429 (honouring Retry-After),
 * 5xx and network failures, and every answer's error mapped to the
 * DeployTarget's reasons (401/403 Forbidden, 404 NotFound, 409 Conflict,
 * other 4xx Rejected, still failing after the retries Unreachable or
 * Timeout). `accept` lists statuses the caller handles itself.
 */
export const client = (options: ClientOptions) => {
  const secrets = options.token !== undefined && options.token.length > 0 ? [options.token] : []
  const mask = (text: string) => Redaction.redact(text, secrets)
  const retries = options.retries ?? 4
  const maxRetryAfter = options.maxRetryAfterMs ?? 30_000

  const once = (method: string, path: string, body: unknown) =>
    Effect.tryPromise({
      try: async (signal): Promise<Answer> => {
        const timeout = AbortSignal.timeout(options.timeoutMs)
        const response = await fetch(`${options.base}${path}`, {
          method,
          headers: {
            accept: "application/json",
            ...(body !== undefined ? { "content-type": "application/json" } : {}),
            ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {})
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.any([signal, timeout])
        })
        const text = await response.text()
        let parsed: unknown = undefined
        if (text.length > 0) {
          try {
            parsed = JSON.parse(text)
          } catch {
            parsed = text
          }
        }
        return { status: response.status, headers: response.headers, body: parsed }
      },
      catch: (cause) => cause
    })

  /** Call `method path`; `what` says it in words for messages. */
  const request = (method: string, path: string, request: { readonly body?: unknown; readonly accept?: ReadonlyArray<number>; readonly note?: (answer: Answer) => string } = {}) =>
    Effect.gen(function* () {
      const call = `${method} ${path.split("?")[0]}`
      for (let attempt = 0; ; attempt++) {
        const started = Date.now()
        const result = yield* Effect.result(once(method, path, request.body))
        const last = attempt >= retries
        if (result._tag === "Failure") {
          const cause = result.failure
          const timedOut = cause instanceof Error && (cause.name === "TimeoutError" || cause.name === "AbortError")
          options.onOutput(mask(`${options.name}: ${call} → ${timedOut ? `no answer within ${seconds(options.timeoutMs)}` : "unreachable"}${last ? "" : ", retrying"}`))
          if (last) {
            return yield* new DeployTarget.DeployTargetError({
              reason: timedOut ? "Timeout" : "Unreachable",
              detail: mask(`${options.name} at ${options.base}: ${call}: ${timedOut ? `no answer within ${seconds(options.timeoutMs)}` : cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause)} (after ${attempt + 1} attempts)`),
              cause
            })
          }
          yield* Effect.sleep(Duration.millis(Math.min(8000, 500 * 2 ** attempt)))
          continue
        }
        const answer = result.success
        const ms = Date.now() - started
        const note = request.note !== undefined && answer.status < 300 ? ` (${request.note(answer)})` : ""
        options.onOutput(mask(`${options.name}: ${call} → ${answer.status}${note} ${ms} ms`))
        if (answer.status < 300 || request.accept?.includes(answer.status)) return answer
        if (transientStatus(answer.status) && !last) {
          const wait = retryAfterMs(answer.headers.get("retry-after"), Date.now())
          yield* Effect.sleep(Duration.millis(Math.min(maxRetryAfter, wait ?? Math.min(8000, 500 * 2 ** attempt))))
          continue
        }
        const text = said(answer.body, secrets)
        const detail = `${options.name}: ${call} answered ${answer.status}${text ? `: ${text}` : ""}`
        const reason: DeployTarget.DeployTargetError["reason"] =
          answer.status === 401 || answer.status === 403
            ? "Forbidden"
            : answer.status === 404
              ? "NotFound"
              : answer.status === 409
                ? "Conflict"
                : transientStatus(answer.status)
                  ? "Unreachable"
                  : "Rejected"
        return yield* new DeployTarget.DeployTargetError({
          reason,
          detail: answer.status === 401 ? `${detail} (check ${options.tokenEnv})` : transientStatus(answer.status) ? `${detail} (after ${attempt + 1} attempts)` : detail
        })
      }
    })

  return { request, mask }
}

/** A response body that is not what the API documents (a wrong URL, a proxy page): Rejected, naming what was expected. */
export const badResponse = (name: string, call: string, expected: string) =>
  new DeployTarget.DeployTargetError({ reason: "Rejected", detail: `${name}: ${call} answered something unexpected (expected ${expected})` })

/** URL-encode one path segment. */
export const seg = (s: string) => encodeURIComponent(s)
