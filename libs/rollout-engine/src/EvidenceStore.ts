import { Context, Data, Effect, Layer, Ref } from "effect"

/** How a rollout ended. */
export type Result = "promoted" | "rolled_back" | "aborted"

/** What is known about a rollout when it starts. */
export interface NewRollout {
  readonly rolloutId: string
  readonly service: string
  readonly module?: string
  readonly version?: string
  readonly buildNumber?: string
  /** The target's kind and name, e.g. "k8s:checkout". */
  readonly target: string
  /** Epoch milliseconds, from the Clock. */
  readonly startedAt: number
  /** Anything else worth keeping about the start (the decision, the change set). */
  readonly data?: unknown
}

/** A rollout's record: its start, and its end once it has one. */
export interface Rollout extends NewRollout {
  readonly result?: Result
  readonly finishedAt?: number
}

/**
 * One appended fact about a rollout: a gate, a step, a verdict, an action.
 * `seq` is assigned by the store, 1, 2, 3 … without gaps per rollout; events
 * are never rewritten.
 */
export interface Event {
  readonly rolloutId: string
  readonly seq: number
  /** Epoch milliseconds, from the Clock. */
  readonly at: number
  /** What happened, dotted: "gate.evaluated", "step.applied", "verdict", "action.rollback", … */
  readonly type: string
  /** JSON-serialisable payload. */
  readonly data: unknown
}

/**
 * The store could not do it. `Conflict`: someone else appended first (the
 * expected sequence number is stale), the rollout already exists, or it has
 * already finished with another result. `Unavailable`: the store itself
 * failed (disk, lock timeout). `Corrupt`: stored data does not read back.
 */
export class EvidenceError extends Data.TaggedError("EvidenceError")<{
  readonly reason: "NotFound" | "Conflict" | "Unavailable" | "Corrupt"
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.reason}: ${this.detail}`
  }
}

/** Which rollouts to list, newest first. */
export interface ListFilter {
  readonly service?: string
  readonly module?: string
  readonly limit?: number
}

/**
 * The port every decision is recorded through: the embedded SQLite store by
 * default, JFrog Artifactory build-info in production. Append-only: the
 * engine appends each transition before acting on it, so a killed rollout
 * can resume from its last recorded state.
 */
export class EvidenceStore extends Context.Service<
  EvidenceStore,
  {
    /** Record a new rollout; Conflict if the id exists. */
    readonly create: (rollout: NewRollout) => Effect.Effect<Rollout, EvidenceError>
    /**
     * Append an event. With `expectedSeq` (the last seq the writer saw), the
     * append fails with Conflict if another writer got there first.
     */
    readonly append: (
      rolloutId: string,
      event: { readonly type: string; readonly at: number; readonly data: unknown },
      expectedSeq?: number
    ) => Effect.Effect<Event, EvidenceError>
    /** Record the end; the same result again is a no-op, another result a Conflict. */
    readonly finish: (rolloutId: string, result: Result, at: number) => Effect.Effect<Rollout, EvidenceError>
    /** A rollout and its events in order; NotFound if unknown. */
    readonly get: (rolloutId: string) => Effect.Effect<{ readonly rollout: Rollout; readonly events: ReadonlyArray<Event> }, EvidenceError>
    /** Rollouts, newest first. */
    readonly list: (filter?: ListFilter) => Effect.Effect<ReadonlyArray<Rollout>, EvidenceError>
  }
>()("rollwise/rollout-engine/EvidenceStore") {}

/**
 * Past deploys of a module and how many failed (rolled back or aborted): the
 * `moduleHistory` a ChangeSet carries into the risk score.
 */
export const moduleHistory = (service: string, module: string) =>
  Effect.gen(function* () {
    const store = yield* EvidenceStore
    const finished = (yield* store.list({ service, module })).filter((r) => r.result !== undefined)
    return { deploys: finished.length, failures: finished.filter((r) => r.result !== "promoted").length }
  })

/** An in-memory EvidenceStore with the same semantics as the embedded one. */
export const makeMemory = Effect.gen(function* () {
  const state = yield* Ref.make(new Map<string, { readonly rollout: Rollout; readonly events: ReadonlyArray<Event> }>())
  const notFound = (id: string) => new EvidenceError({ reason: "NotFound", detail: `no rollout ${id}` })
  type Table = Map<string, { readonly rollout: Rollout; readonly events: ReadonlyArray<Event> }>
  const modify = <A>(f: (m: Table) => A | EvidenceError): Effect.Effect<A, EvidenceError> =>
    Effect.flatMap(
      Ref.modify(state, (m): readonly [A | EvidenceError, Table] => {
        const copy = new Map(m)
        const r = f(copy)
        return r instanceof EvidenceError ? [r, m] : [r, copy]
      }),
      (r) => (r instanceof EvidenceError ? Effect.fail(r) : Effect.succeed(r))
    )
  return EvidenceStore.of({
    create: (rollout) =>
      modify((m) => {
        if (m.has(rollout.rolloutId)) return new EvidenceError({ reason: "Conflict", detail: `rollout ${rollout.rolloutId} already exists` })
        m.set(rollout.rolloutId, { rollout, events: [] })
        const created: Rollout = rollout
        return created
      }),
    append: (rolloutId, event, expectedSeq) =>
      modify((m) => {
        const entry = m.get(rolloutId)
        if (entry === undefined) return notFound(rolloutId)
        const last = entry.events.length
        if (expectedSeq !== undefined && expectedSeq !== last) {
          return new EvidenceError({ reason: "Conflict", detail: `rollout ${rolloutId} is at event ${last}, not ${expectedSeq}` })
        }
        const appended: Event = { rolloutId, seq: last + 1, at: event.at, type: event.type, data: event.data }
        m.set(rolloutId, { ...entry, events: [...entry.events, appended] })
        return appended
      }),
    finish: (rolloutId, result, at) =>
      modify((m) => {
        const entry = m.get(rolloutId)
        if (entry === undefined) return notFound(rolloutId)
        if (entry.rollout.result !== undefined) {
          return entry.rollout.result === result
            ? entry.rollout
            : new EvidenceError({ reason: "Conflict", detail: `rollout ${rolloutId} already ended ${entry.rollout.result}` })
        }
        const rollout = { ...entry.rollout, result, finishedAt: at }
        m.set(rolloutId, { ...entry, rollout })
        return rollout
      }),
    get: (rolloutId) => Effect.flatMap(Ref.get(state), (m) => (m.has(rolloutId) ? Effect.succeed(m.get(rolloutId)!) : Effect.fail(notFound(rolloutId)))),
    list: (filter = {}) =>
      Effect.map(Ref.get(state), (m) =>
        [...m.values()]
          .map((e) => e.rollout)
          .filter((r) => (filter.service === undefined || r.service === filter.service) && (filter.module === undefined || r.module === filter.module))
          .sort((a, b) => b.startedAt - a.startedAt || (a.rolloutId < b.rolloutId ? 1 : -1))
          .slice(0, filter.limit ?? Number.POSITIVE_INFINITY)
      )
  })
})

/** The in-memory EvidenceStore as a layer. */
export const layerMemory: Layer.Layer<EvidenceStore> = Layer.effect(EvidenceStore, makeMemory)
