import { EvidenceStore } from "@rollwise/rollout-engine"
import { Context, Effect, Layer } from "effect"

/**
 * A finished rollout as training sees it: the rollout's record with its end,
 * and the payload of its first "decision" event (risk, strategy, pace,
 * reasons) when it has one.
 */
export interface Entry extends EvidenceStore.Rollout {
  readonly result: EvidenceStore.Result
  readonly finishedAt: number
  readonly decision?: unknown
}

/** The event type whose payload becomes an entry's `decision`. */
export const decisionEventType = "decision"

/**
 * Past deploys with their outcome: what `rollwise evidence export` turns into
 * the history table `rollwise risk train` reads. Beyond the EvidenceStore
 * port because it is a query over many rollouts at once.
 */
export class EvidenceHistory extends Context.Service<
  EvidenceHistory,
  {
    /**
     * Finished rollouts, newest first (as `list` orders them), filtered by
     * service and module; `limit` counts finished rollouts only.
     */
    readonly history: (filter?: EvidenceStore.ListFilter) => Effect.Effect<ReadonlyArray<Entry>, EvidenceStore.EvidenceError>
  }
>()("rollwise/evidence-store/EvidenceHistory") {}

/** The history of the store in context. */
export const history = (filter?: EvidenceStore.ListFilter): Effect.Effect<ReadonlyArray<Entry>, EvidenceStore.EvidenceError, EvidenceHistory> =>
  Effect.gen(function* () {
    return yield* (yield* EvidenceHistory).history(filter)
  })

/** An entry from a rollout and its events; undefined while it runs. */
export const entryOf = (rollout: EvidenceStore.Rollout, events: ReadonlyArray<EvidenceStore.Event>): Entry | undefined => {
  if (rollout.result === undefined || rollout.finishedAt === undefined) return undefined
  const decision = events.find((e) => e.type === decisionEventType)
  return { ...rollout, result: rollout.result, finishedAt: rollout.finishedAt, ...(decision === undefined ? {} : { decision: decision.data }) }
}

/**
 * History over any EvidenceStore through the port alone (one `get` per
 * finished rollout): for the in-memory store and stores without a query of
 * their own. The SQLite store answers the same in one query.
 */
export const layerFromStore: Layer.Layer<EvidenceHistory, never, EvidenceStore.EvidenceStore> = Layer.effect(
  EvidenceHistory,
  Effect.gen(function* () {
    const store = yield* EvidenceStore.EvidenceStore
    return EvidenceHistory.of({
      history: Effect.fn("EvidenceHistory.history")(function* (filter?: EvidenceStore.ListFilter) {
        const { limit, ...rest } = filter ?? {}
        const finished = (yield* store.list(rest)).filter((r) => r.result !== undefined).slice(0, limit ?? Number.POSITIVE_INFINITY)
        const entries: Array<Entry> = []
        for (const r of finished) {
          const { rollout, events } = yield* store.get(r.rolloutId)
          const entry = entryOf(rollout, events)
          if (entry !== undefined) entries.push(entry)
        }
        return entries
      })
    })
  })
)
