import { type Config, Delivery, Notifier, RolloutEvent, Secrets, SentLog } from "@rollwise/notify"
import { type Engine, EvidenceStore, Operator, Rollout } from "@rollwise/rollout-engine"
import { Clock, Effect, Schema } from "effect"
import { readFile } from "node:fs/promises"

/**
 * Notifications of a rollout run (policy.yaml's `notifications:`): on a
 * rollback, an abort, an approval needed and a promotion the configured
 * channels hear of it, each at most once per rollout, event kind and channel
 * — across restarts too, because what was sent is kept in the rollout's
 * evidence as `Notified` events, which `--resume` reads back. A delivery
 * that failed is recorded the same way, and never changes the rollout.
 */

/** The evidence event type of one delivery (its data is the {@link Delivery.Delivery}). */
export const eventType = "Notified"

const isDelivery = Schema.is(Delivery.Delivery)

const asSentLogError = (e: { readonly message: string }) => new SentLog.SentLogError({ reason: "Unavailable", detail: e.message, cause: e })

/** The deliveries of a record, read back. */
export const deliveriesOf = (events: ReadonlyArray<EvidenceStore.Event>): ReadonlyArray<Delivery.Delivery> =>
  events.flatMap((e) => (e.type === eventType && isDelivery(e.data) ? [e.data] : []))

/** A SentLog over the evidence store: sent when the rollout's record holds a `Notified` event for the key with status `sent`. */
export const sentLogOver = (store: EvidenceStore.EvidenceStore["Service"]): SentLog.SentLog["Service"] => ({
  seen: (key) =>
    store.get(key.rolloutId).pipe(
      Effect.map(({ events }) => deliveriesOf(events).some((d) => d.status === "sent" && d.kind === key.kind && d.channel === key.channel)),
      Effect.mapError(asSentLogError)
    ),
  record: (key, delivery) =>
    Clock.currentTimeMillis.pipe(
      Effect.flatMap((at) => store.append(key.rolloutId, { type: eventType, at, data: delivery })),
      Effect.asVoid,
      Effect.mapError(asSentLogError)
    )
})

/** What {@link make} needs from the run. */
export interface Options {
  readonly config: Config.Notifications
  readonly rollout: EvidenceStore.NewRollout
  readonly riskScore?: number | undefined
  readonly env: Readonly<Record<string, string | undefined>>
  /** Each event's deliveries (progress output). */
  readonly onDelivered?: ((deliveries: ReadonlyArray<Delivery.Delivery>) => Effect.Effect<void>) | undefined
}

/** The hooks a run calls: after each window (its verdict goes with the next notification) and after each event. */
export interface Hooks {
  readonly onWindow: NonNullable<Engine.Options["onWindow"]>
  readonly onEvent: NonNullable<Engine.Options["onEvent"]>
  /** On resume: notify what the record shows and no delivery does yet (killed between the event and its message). */
  readonly catchUp: (plan: Rollout.Plan, recorded: ReadonlyArray<EvidenceStore.Event>) => Effect.Effect<void>
}

/** The notification hooks of one run, or undefined when no channel is configured. */
export const make = (options: Options) =>
  Effect.gen(function* () {
    if (options.config.channels.length === 0) return undefined
    const store = yield* EvidenceStore.EvidenceStore
    const secrets = Secrets.make({ env: options.env, readFile: (path) => readFile(path, "utf8") })
    const notifier = yield* Notifier.make(options.config).pipe(Effect.provideService(Secrets.Secrets, secrets), Effect.provideService(SentLog.SentLog, sentLogOver(store)))
    let verdict: RolloutEvent.Verdict | undefined

    const notify = (event: Rollout.Event, state: Rollout.State) =>
      Effect.gen(function* () {
        const at = yield* Clock.currentTimeMillis
        const message = RolloutEvent.fromEngine(event, state, {
          rollout: options.rollout,
          at,
          ...(verdict !== undefined ? { verdict } : {}),
          ...(options.riskScore !== undefined ? { riskScore: options.riskScore } : {})
        })
        if (message === undefined) return
        const deliveries = yield* notifier.notify(message)
        // a sent one is in the evidence already (the SentLog); a failed one goes there too, and changes nothing else
        for (const d of deliveries) {
          if (d.status === "failed") yield* store.append(options.rollout.rolloutId, { type: eventType, at, data: d }).pipe(Effect.ignore)
        }
        if (options.onDelivered !== undefined && deliveries.length > 0) yield* options.onDelivered(deliveries)
      })

    const hooks: Hooks = {
      onWindow: (report) =>
        Effect.sync(() => {
          verdict = { action: report.verdict.action, score: report.verdict.score, reasons: report.verdict.reasons }
        }),
      onEvent: (event, state) => notify(event, state),
      catchUp: (plan, recorded) =>
        Effect.gen(function* () {
          let state = Rollout.initial(plan)
          for (const e of recorded) {
            if (!Operator.isRolloutEvent(e.data)) continue
            state = Rollout.transition(state, e.data).state
            if (RolloutEvent.kindOf(e.data, state) !== undefined) yield* notify(e.data, state)
          }
        })
    }
    return hooks
  })
