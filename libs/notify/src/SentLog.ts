/**
 * The port that makes notifications at-most-once per rollout event and
 * channel across restarts: the notifier asks `seen` before sending and calls
 * `record` only after the service accepted the message. A crash between the
 * send and the record resends that one message once when the rollout
 * resumes (at-least-once at that point, never lost); the lead backs this by
 * the evidence store, which outlives the process.
 */
import { Context, Data, Effect, Layer, Ref } from "effect"
import type { Delivery } from "./Delivery.ts"
import type { Kind } from "./RolloutEvent.ts"

/** What is deduplicated: one rollout, one kind of event, one configured channel (by name). */
export interface Key {
  readonly rolloutId: string
  readonly kind: Kind
  readonly channel: string
}

/** The key as one string, `<rolloutId>/<kind>/<channel>` (channel names cannot hold `/`). */
export const keyString = (key: Key): string => `${key.rolloutId}/${key.kind}/${key.channel}`

/** The log could not be read or written (the backing store failed). The notifier then sends anyway: a duplicate beats a lost incident. */
export class SentLogError extends Data.TaggedError("SentLogError")<{
  readonly reason: "Unavailable"
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.reason}: ${this.detail}`
  }
}

/** The port. */
export class SentLog extends Context.Service<
  SentLog,
  {
    /** Whether a delivery for `key` was recorded as sent. */
    readonly seen: (key: Key) => Effect.Effect<boolean, SentLogError>
    /** Remember that `key` was sent (called after the service accepted it). */
    readonly record: (key: Key, delivery: Delivery) => Effect.Effect<void, SentLogError>
  }
>()("@rollwise/notify/SentLog") {}

/** An in-memory SentLog and what it holds (tests, and a process that never resumes). */
export const makeMemory = Effect.gen(function* () {
  const ref = yield* Ref.make(new Map<string, Delivery>())
  const service = SentLog.of({
    seen: (key) => Effect.map(Ref.get(ref), (m) => m.has(keyString(key))),
    record: (key, delivery) => Ref.update(ref, (m) => new Map(m).set(keyString(key), delivery))
  })
  return { service, entries: Effect.map(Ref.get(ref), (m) => new Map(m) as ReadonlyMap<string, Delivery>) }
})

/** {@link makeMemory} as a layer. */
export const layerMemory: Layer.Layer<SentLog> = Layer.effect(SentLog, Effect.map(makeMemory, (m) => m.service))
