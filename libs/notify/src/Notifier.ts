/**
 * The one service the engine calls: `notify(event)` sends the event to every
 * configured channel whose `on:` includes its kind, all at once, and returns
 * one {@link Delivery} per channel. It never fails: a channel that refuses,
 * times out or cannot read its secret is a `failed` delivery with the
 * reason, for the evidence; the rollout's outcome never depends on it.
 *
 * Deduplicated per (rollout, kind, channel) through {@link SentLog}: asked
 * before sending, recorded after the service accepted. A crash between the
 * two resends that one message when the rollout resumes.
 */
import { Redaction } from "@rollwise/redaction"
import { Context, Effect, Layer } from "effect"
import type { Channel, Notifications, SecretRef } from "./Config.ts"
import { type Delivery, type DeliveryError, type Sent, type Transport } from "./Delivery.ts"
import * as Jira from "./Jira.ts"
import type { RolloutEvent } from "./RolloutEvent.ts"
import { Secrets, type SecretError } from "./Secrets.ts"
import { type Key, SentLog } from "./SentLog.ts"
import * as Slack from "./Slack.ts"
import * as Teams from "./Teams.ts"
import * as Webhook from "./Webhook.ts"

/** The service. */
export class Notifier extends Context.Service<
  Notifier,
  {
    /** Deliver `event` to its channels; one Delivery per channel whose `on:` matches (none when none does). Never fails. */
    readonly notify: (event: RolloutEvent) => Effect.Effect<ReadonlyArray<Delivery>>
  }
>()("@rollwise/notify/Notifier") {}

/** Overrides of the config's retry and timeout (tests use tiny waits). */
export interface Options {
  readonly transport?: Transport
}

/** The transport a config asks for. */
export const transportOf = (config: Notifications): Transport => ({
  retry: { attempts: config.retry.attempts, maxWaitMs: config.retry.maxWaitSeconds * 1000, backoffMs: config.retry.backoffSeconds * 1000 },
  timeoutMs: config.timeoutSeconds * 1000
})

/**
 * A Notifier over `config`'s channels, reading secrets through
 * {@link Secrets} at each send and deduplicating through {@link SentLog}.
 * Also deduplicates within the process: a second `notify` of the same
 * event while the first is still sending is skipped.
 */
export const make = (config: Notifications, options: Options = {}): Effect.Effect<Notifier["Service"], never, Secrets | SentLog> =>
  Effect.gen(function* () {
    const secrets = yield* Secrets
    const log = yield* SentLog
    const transport = options.transport ?? transportOf(config)
    const inFlight = new Set<string>()

    const resolve = (ref: SecretRef) => secrets.resolve(ref)

    /** One channel's send, its secrets read now. */
    const sendTo = (channel: Channel, event: RolloutEvent): Effect.Effect<Sent, DeliveryError | SecretError> =>
      Effect.gen(function* () {
        switch (channel.type) {
          case "slack":
            return yield* Slack.send({ webhook: yield* resolve(channel.webhook), transport }, event)
          case "teams":
            return yield* Teams.send({ webhook: yield* resolve(channel.webhook), transport }, event)
          case "webhook": {
            const url = yield* resolve(channel.url)
            const secret = channel.secret !== undefined ? yield* resolve(channel.secret) : undefined
            return yield* Webhook.send({ url, ...(secret !== undefined ? { secret } : {}), transport }, event)
          }
          case "jira": {
            const credentials: Jira.Credentials = "bearer" in channel.auth ? { bearer: yield* resolve(channel.auth.bearer) } : { email: channel.auth.email, token: yield* resolve(channel.auth.token) }
            return yield* Jira.send({ url: channel.url, target: channel, credentials, transport }, event)
          }
        }
      })

    const deliverTo = (channel: Channel, event: RolloutEvent): Effect.Effect<Delivery> => {
      const key: Key = { rolloutId: event.rolloutId, kind: event.kind, channel: channel.name }
      const id = `${key.rolloutId}/${key.kind}/${key.channel}`
      const base = { channel: channel.name, type: channel.type, kind: event.kind, rolloutId: event.rolloutId }
      const skipped: Delivery = { ...base, status: "skipped-duplicate", attempts: 0 }
      const claim = Effect.sync(() => (inFlight.has(id) ? false : (inFlight.add(id), true)))
      const release = Effect.sync(() => inFlight.delete(id))
      return Effect.gen(function* () {
        // checked and taken in one step: a second notify of the same event while this one is sending is a duplicate
        if (!(yield* claim)) return skipped
        return yield* Effect.gen(function* () {
          // a log that cannot answer must not silence an incident: send, and say so
          const seen = yield* log.seen(key).pipe(
            Effect.tapError((e) => Effect.logWarning(`notify: the sent log could not be read (${e.detail}); sending ${id} anyway`)),
            Effect.orElseSucceed(() => false)
          )
          if (seen) return skipped
          return yield* sendTo(channel, event).pipe(
            Effect.matchEffect({
              onFailure: (e): Effect.Effect<Delivery> =>
                Effect.succeed({ ...base, status: "failed", attempts: e._tag === "DeliveryError" ? e.attempts : 0, detail: e._tag === "SecretError" ? `secret: ${e.message}` : e.message }),
              onSuccess: (sent) => {
                const delivery: Delivery = { ...base, status: "sent", attempts: sent.attempts, ...(sent.detail !== undefined ? { detail: sent.detail } : {}) }
                return log.record(key, delivery).pipe(
                  Effect.as(delivery),
                  Effect.catch((e) => Effect.succeed<Delivery>({ ...delivery, detail: `${sent.detail !== undefined ? `${sent.detail}; ` : ""}sent, but not recorded in the sent log (${e.detail}): a resumed rollout may send it again` }))
                )
              }
            })
          )
        }).pipe(Effect.ensuring(release))
      }).pipe(
        // a defect in a channel is that channel's failed delivery, never the caller's failure
        Effect.catchDefect((defect) =>
          Effect.succeed<Delivery>({ ...base, status: "failed", attempts: 0, detail: `internal error: ${Redaction.redact(defect instanceof Error ? defect.message : String(defect))}` })
        )
      )
    }

    return Notifier.of({
      notify: (event) =>
        Effect.forEach(
          config.channels.filter((c) => c.on.includes(event.kind)),
          (channel) => deliverTo(channel, event),
          { concurrency: "unbounded" }
        ).pipe(Effect.withSpan("Notifier.notify", { attributes: { "rollwise.rollout_id": event.rolloutId, "rollwise.notify.kind": event.kind } }))
    })
  })

/** {@link make} as a layer. */
export const layer = (config: Notifications, options: Options = {}): Layer.Layer<Notifier, never, Secrets | SentLog> => Layer.effect(Notifier, make(config, options))

/** A Notifier with no channels: every `notify` returns no deliveries (no `notifications:` configured). */
export const layerNone: Layer.Layer<Notifier> = Layer.succeed(Notifier, Notifier.of({ notify: () => Effect.succeed([]) }))
