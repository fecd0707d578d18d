/**
 * What became of one notification on one channel, for the evidence: a
 * failed delivery is data recorded beside the rollout, never a failure of it.
 */
import { Schema } from "effect"
import type { RetryPolicy } from "./internal/http.ts"
import { Kind } from "./RolloutEvent.ts"

/**
 * `sent`: the service accepted it. `failed`: it did not, after `attempts`
 * tries (`detail` says why, secrets redacted). `skipped-duplicate`: this
 * rollout's event was already sent to this channel (a resumed rollout).
 */
export const Status = Schema.Literals(["sent", "failed", "skipped-duplicate"])
/** @see {@link Status} */
export type Status = typeof Status.Type

/** One channel's outcome for one event (JSON-serialisable: append it to the evidence as it is). */
export const Delivery = Schema.Struct({
  channel: Schema.String,
  type: Schema.Literals(["slack", "teams", "webhook", "jira"]),
  kind: Kind,
  rolloutId: Schema.String,
  status: Status,
  /** HTTP requests made (0 when skipped or when a secret could not be read). */
  attempts: Schema.Int,
  /** Why it failed, or what the service answered (a Jira issue key). */
  detail: Schema.optionalKey(Schema.String)
})
/** @see {@link Delivery} */
export type Delivery = typeof Delivery.Type

export {
  /** A channel's final failure: why (`reason`, the HTTP `status`), the redacted detail, the attempts it took. */
  DeliveryError,
  /** A channel's success: attempts, and what the service answered worth keeping (a Jira key). */
  type Sent,
  /** Attempts in all, longest wait, first backoff — in milliseconds. */
  type RetryPolicy
} from "./internal/http.ts"

/** How hard a channel tries, and how long one request may take. */
export interface Transport {
  readonly retry: RetryPolicy
  readonly timeoutMs: number
}

/** 3 attempts, waits up to 30 s, first backoff 1 s, 10 s per request. */
export const defaultTransport: Transport = { retry: { attempts: 3, maxWaitMs: 30_000, backoffMs: 1_000 }, timeoutMs: 10_000 }
