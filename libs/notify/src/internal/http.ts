import { Redaction } from "@rollwise/redaction"
import { Data, Duration, Effect, Schedule } from "effect"

/** One HTTP request a channel makes (always a POST of JSON). */
export interface Request {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** What came back. */
export interface Answer {
  readonly status: number
  readonly text: string
  readonly retryAfter: string | null
}

/** Why a delivery failed, by what the service said. */
export type Reason = "BadRequest" | "Unauthorized" | "Forbidden" | "NotFound" | "Gone" | "RateLimited" | "Unavailable" | "Timeout" | "Rejected" | "Secret"

/**
 * One failed attempt (or the last of them). `retryable`: 429, 5xx, no
 * answer; `retryAfterMs`: what the service asked us to wait.
 */
export class AttemptError extends Data.TaggedError("AttemptError")<{
  readonly reason: Reason
  readonly detail: string
  readonly status?: number
  readonly retryable: boolean
  readonly retryAfterMs?: number
}> {
  override get message(): string {
    return `${this.reason}: ${this.detail}`
  }
}

/** `Retry-After` in ms: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export const retryAfterMs = (header: string | null, now: number): number | undefined => {
  if (header === null || header.trim() === "") return undefined
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Math.ceil(Number(header.trim()) * 1000)
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** Retry policy in milliseconds. */
export interface RetryPolicy {
  readonly attempts: number
  readonly maxWaitMs: number
  readonly backoffMs: number
}

/**
 * The wait before retry number `retry` (1 for the first retry): the
 * service's `Retry-After` when it sent one, else the backoff doubled per
 * retry; never more than `maxWaitMs` (a Retry-After beyond it is not
 * retried at all: see {@link shouldRetry}).
 */
export const delayMs = (policy: RetryPolicy, retry: number, hintMs: number | undefined): number =>
  Math.min(policy.maxWaitMs, hintMs ?? policy.backoffMs * 2 ** Math.max(0, retry - 1))

/** Whether an attempt's failure is retried: transient, and a Retry-After within the cap (retrying earlier than asked would only be refused again). */
export const shouldRetry = (policy: RetryPolicy, error: AttemptError): boolean =>
  error.retryable && (error.retryAfterMs === undefined || error.retryAfterMs <= policy.maxWaitMs)

/** The most specific system error code in a cause chain (ECONNREFUSED …). */
const transportCode = (error: unknown): string => {
  let current: unknown = error
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === "string" && /^[A-Z][A-Z_]+$/.test(code)) return code
    current = (current as { cause?: unknown }).cause
  }
  return "transport error"
}

/** The start of a body, one line, for a message. */
export const excerpt = (text: string, max = 300): string => {
  const flat = text.replace(/\s+/g, " ").trim()
  return flat === "" ? "empty body" : flat.length > max ? `${flat.slice(0, max)}…` : flat
}

/** The reason an HTTP status stands for. */
export const reasonOf = (status: number): Reason =>
  status === 400 ? "BadRequest" : status === 401 ? "Unauthorized" : status === 403 ? "Forbidden" : status === 404 ? "NotFound" : status === 410 ? "Gone" : status === 429 ? "RateLimited" : status >= 500 ? "Unavailable" : "Rejected"

/** How a channel reads an answer: accepted (with what to keep, e.g. an issue key), or the failure. */
export type Verdict = { readonly ok: true; readonly detail?: string } | { readonly ok: false; readonly detail: string }

/** Where the channel's request goes, without the secret part, for messages. */
export const hostOf = (url: string): string => {
  try {
    return new URL(url).host
  } catch {
    return "the configured URL"
  }
}

/**
 * POST `request` once: the answer, or an AttemptError for no answer within
 * `timeoutMs` / a transport failure. Nothing of the request (it holds the
 * secret URL) reaches the error.
 */
const attempt = (request: Request, timeoutMs: number): Effect.Effect<Answer, AttemptError> =>
  Effect.tryPromise({
    try: async (signal) => {
      const response = await fetch(request.url, {
        method: "POST",
        headers: request.headers,
        body: request.body,
        redirect: "manual",
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
      })
      return { status: response.status, text: await response.text(), retryAfter: response.headers.get("retry-after") }
    },
    catch: (cause) =>
      (cause as { name?: unknown })?.name === "TimeoutError"
        ? new AttemptError({ reason: "Timeout", detail: `no answer from ${hostOf(request.url)} within ${timeoutMs} ms`, retryable: true })
        : new AttemptError({ reason: "Unavailable", detail: `cannot reach ${hostOf(request.url)} (${transportCode(cause)})`, retryable: true })
  })

/** What a successful delivery reports. */
export interface Sent {
  readonly attempts: number
  readonly detail?: string
}

/** A delivery's final failure with the attempts it took. */
export class DeliveryError extends Data.TaggedError("DeliveryError")<{
  readonly reason: Reason
  readonly detail: string
  readonly attempts: number
  readonly status?: number
}> {
  override get message(): string {
    return `${this.reason}: ${this.detail}`
  }
}

/**
 * Deliver `request` with retries: 429, 5xx, timeouts and transport failures
 * are retried up to `policy.attempts` in all, waiting the service's
 * `Retry-After` (or the doubled backoff) on the Effect Clock; other 4xx
 * answers fail at once. Every detail passes through `Redaction.redact` with
 * `secrets` (the webhook URL, the token) before it leaves.
 */
export const deliver = (options: {
  readonly request: Request
  readonly read: (answer: Answer) => Verdict
  readonly policy: RetryPolicy
  readonly timeoutMs: number
  readonly secrets: ReadonlyArray<string>
}): Effect.Effect<Sent, DeliveryError> =>
  Effect.gen(function* () {
    const clean = (text: string) => Redaction.redact(text, options.secrets)
    let attempts = 0
    const once = Effect.gen(function* () {
      attempts++
      const answer = yield* attempt(options.request, options.timeoutMs)
      const read = options.read(answer)
      if (answer.status >= 200 && answer.status < 300 && read.ok) return read.detail
      // an HTTP-date Retry-After is wall-clock time, so it is read against the wall clock
      const hint = answer.status === 429 || answer.status === 503 ? retryAfterMs(answer.retryAfter, Date.now()) : undefined
      return yield* new AttemptError({
        reason: answer.status >= 200 && answer.status < 300 ? "Rejected" : reasonOf(answer.status),
        detail: `${answer.status}: ${read.ok ? excerpt(answer.text) : read.detail}`,
        status: answer.status,
        retryable: answer.status === 429 || answer.status >= 500,
        ...(hint !== undefined ? { retryAfterMs: hint } : {})
      })
    })
    const schedule = Schedule.spaced(Duration.zero).pipe(
      Schedule.modifyDelay((meta: Schedule.Metadata<unknown, AttemptError>) => Effect.succeed(Duration.millis(delayMs(options.policy, meta.attempt, meta.input.retryAfterMs))))
    )
    return yield* once.pipe(
      Effect.retry({ schedule, times: Math.max(0, options.policy.attempts - 1), while: (e: AttemptError) => shouldRetry(options.policy, e) }),
      Effect.map((detail): Sent => ({ attempts, ...(detail !== undefined ? { detail: clean(detail) } : {}) })),
      Effect.mapError((e) => {
        const capped = e.retryable && e.retryAfterMs !== undefined && e.retryAfterMs > options.policy.maxWaitMs
        const suffix = capped ? ` (Retry-After ${Math.ceil(e.retryAfterMs! / 1000)} s is beyond the ${options.policy.maxWaitMs / 1000} s cap: not retried)` : attempts > 1 ? ` (after ${attempts} attempts)` : ""
        return new DeliveryError({ reason: e.reason, detail: clean(`${e.detail}${suffix}`), attempts, ...(e.status !== undefined ? { status: e.status } : {}) })
      })
    )
  })
