/**
 * Your own endpoint: the event as versioned JSON (`rollwise.notify/v1`),
 * signed with HMAC-SHA256 when a secret is configured. The signature covers
 * the timestamp and the body (`<timestamp>.<body>`), so a receiver that
 * checks both and refuses old timestamps ({@link verify}) cannot be replayed
 * an old delivery or fed an altered one.
 *
 * Headers: `Content-Type: application/json`, `X-Rollwise-Event: <kind>`,
 * `X-Rollwise-Delivery: <rolloutId>/<kind>` (the same on every retry and on
 * a resend after a crash: dedupe on it), `X-Rollwise-Timestamp: <unix
 * seconds>`, and `X-Rollwise-Signature: sha256=<hex>` with a secret.
 */
import { Clock, Effect, Redacted } from "effect"
import { createHmac, timingSafeEqual } from "node:crypto"
import { type DeliveryError, defaultTransport, type Sent, type Transport } from "./Delivery.ts"
import * as Http from "./internal/http.ts"
import type { RolloutEvent } from "./RolloutEvent.ts"

/** The body's `version`; a change that is not additive gets a new one. */
export const version = "rollwise.notify/v1"

/** The documented body: `version`, `id` (the delivery id), then every field of the event. */
export const payload = (event: RolloutEvent) => ({ version, id: `${event.rolloutId}/${event.kind}`, ...event })

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`. */
export const sign = (secret: string, timestamp: string, body: string): string => `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`

/**
 * For receivers (and the fake): whether `signature` is `body`'s signature at
 * `timestamp` under `secret`, and the timestamp within `toleranceSeconds`
 * (default 300) of `nowSeconds`. Compared in constant time.
 */
export const verify = (options: {
  readonly secret: string
  readonly timestamp: string
  readonly body: string
  readonly signature: string
  readonly nowSeconds: number
  readonly toleranceSeconds?: number
}): boolean => {
  if (!/^\d{1,12}$/.test(options.timestamp)) return false
  if (Math.abs(options.nowSeconds - Number(options.timestamp)) > (options.toleranceSeconds ?? 300)) return false
  const expected = Buffer.from(sign(options.secret, options.timestamp, options.body))
  const given = Buffer.from(options.signature)
  return expected.length === given.length && timingSafeEqual(expected, given)
}

/** The headers of a delivery at `timestamp` (unix seconds, as text). */
export const headers = (event: RolloutEvent, body: string, timestamp: string, secret?: string): Record<string, string> => ({
  "Content-Type": "application/json; charset=utf-8",
  "User-Agent": "rollwise-notify",
  "X-Rollwise-Event": event.kind,
  "X-Rollwise-Delivery": `${event.rolloutId}/${event.kind}`,
  "X-Rollwise-Timestamp": timestamp,
  ...(secret !== undefined ? { "X-Rollwise-Signature": sign(secret, timestamp, body) } : {})
})

/** Any 2xx is accepted; anything else is the receiver's refusal, shown by its start. */
export const read = (answer: Http.Answer): Http.Verdict =>
  answer.status >= 200 && answer.status < 300 ? { ok: true } : { ok: false, detail: `the endpoint says ${Http.excerpt(answer.text)}` }

/**
 * Post the event (retries per `transport`; every retry carries the same
 * timestamp and signature: it is the same delivery). The timestamp is read
 * from the Effect Clock. Details are redacted of the URL and the secret.
 */
export const send = (
  options: { readonly url: Redacted.Redacted<string>; readonly secret?: Redacted.Redacted<string>; readonly transport?: Transport },
  event: RolloutEvent
): Effect.Effect<Sent, DeliveryError> =>
  Effect.gen(function* () {
    const url = Redacted.value(options.url)
    const secret = options.secret !== undefined ? Redacted.value(options.secret) : undefined
    const transport = options.transport ?? defaultTransport
    const body = JSON.stringify(payload(event))
    const timestamp = String(Math.floor((yield* Clock.currentTimeMillis) / 1000))
    return yield* Http.deliver({
      request: { url, headers: headers(event, body, timestamp, secret), body },
      read,
      policy: transport.retry,
      timeoutMs: transport.timeoutMs,
      secrets: [url, ...(secret !== undefined ? [secret] : [])]
    })
  })
