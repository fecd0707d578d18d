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

/** One row of the history table `rollwise risk train` reads: the change's features and the outcome. */
export type Row = Readonly<Record<string, string | number>>

/**
 * The history table from finished rollouts that recorded the numeric
 * features of their change (`data.features` at creation, as `rollwise demo`
 * and `rollwise rollout` do): one row each with `rollout`, `service`,
 * `module`, `finishedAt` (ISO), every feature, and the label `failed` — 0 for
 * promoted, 1 for rolled back or aborted. Rollouts without features are left
 * out (there is nothing to learn from them).
 */
export const rows = (entries: ReadonlyArray<Entry>): ReadonlyArray<Row> =>
  entries.flatMap((entry) => {
    const features = (entry.data as { readonly features?: unknown } | undefined)?.features
    if (typeof features !== "object" || features === null) return []
    const numeric = Object.entries(features).filter((kv): kv is [string, number] => typeof kv[1] === "number" && Number.isFinite(kv[1]))
    return [
      {
        rollout: entry.rolloutId,
        service: entry.service,
        module: entry.module ?? ".",
        finishedAt: new Date(entry.finishedAt).toISOString(),
        ...Object.fromEntries(numeric),
        failed: entry.result === "promoted" ? 0 : 1
      }
    ]
  })
