import { Clock, Context, Data, Effect, Layer, Ref } from "effect"

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

/** Who drives a rollout: enough for a person to find the process. */
export interface Holder {
  readonly host: string
  readonly pid: number
  /** What kind of process: `cli` (rollwise rollout), `server` (rollwise serve), or a test's name. */
  readonly kind: string
}

/**
 * The right to drive one rollout. `token` is the fencing token: it grows by
 * one with every acquisition of the rollout's lease, and every append or
 * finish a driver makes carries it, so a driver that lost its lease (paused
 * past its expiry, then taken over) can no longer write. Times are epoch
 * milliseconds from the *store's* clock, never the caller's.
 */
export interface Lease {
  readonly rolloutId: string
  readonly token: number
  readonly holder: Holder
  readonly acquiredAt: number
  readonly expiresAt: number
}

/**
 * A driver was refused. `Held`: another driver holds an unexpired lease
 * (`holder`, `expiresAt` say whose and until when). `Superseded`: the
 * caller's token is no longer the rollout's newest (someone took over after
 * it expired, or it was released); the caller must stop driving.
 */
export class LeaseError extends Data.TaggedError("LeaseError")<{
  readonly reason: "Held" | "Superseded"
  readonly rolloutId: string
  /** The lease's current holder (absent when none holds it). */
  readonly holder?: Holder | undefined
  readonly expiresAt?: number | undefined
  readonly token?: number | undefined
}> {
  override get message(): string {
    const who = this.holder === undefined ? "nobody" : `${this.holder.kind} pid ${this.holder.pid} on ${this.holder.host}`
    const until = this.expiresAt === undefined ? "" : ` (its lease expires at ${new Date(this.expiresAt).toISOString()})`
    return this.reason === "Held"
      ? `rollout ${this.rolloutId} is being driven by ${who}${until}; wait for it to end, or resume after the lease expires`
      : `rollout ${this.rolloutId}: this process no longer holds the driver's lease (now held by ${who}${until}); it stopped driving`
  }
}

/** Which rollouts to list, newest first. */
export interface ListFilter {
  readonly service?: string
  readonly module?: string
  readonly limit?: number
}

/** A new event: the store assigns its `seq`. */
export interface NewEvent {
  readonly type: string
  readonly at: number
  readonly data: unknown
}

/** A lease as the store keeps it: released or expired ones too. */
export interface StoredLease extends Lease {
  readonly released: boolean
}

/**
 * One driver per rollout (see ARCHITECTURE.md): the lease a driver takes
 * before it appends anything, and the driver's writes, fenced with the
 * lease's token. Operators (a person's approval or rollback) are not
 * drivers: they append through the store's plain `append` and are never
 * refused for a lease. Every adapter implements this and passes the
 * contract suite's lease tests.
 */
export interface Leases {
  /**
   * Become the rollout's one driver, atomically: granted when no lease
   * exists, the last one was released, or it expired by the store's clock
   * (the token then grows by one); otherwise LeaseError Held naming the
   * holder and its expiry. NotFound for an unknown rollout.
   */
  readonly acquire: (rolloutId: string, holder: Holder, ttlMs: number) => Effect.Effect<Lease, EvidenceError | LeaseError>
  /** Extend the lease to `ttlMs` from now (the heartbeat); Superseded once a newer lease exists or this one was released. */
  readonly renew: (lease: Lease, ttlMs: number) => Effect.Effect<Lease, EvidenceError | LeaseError>
  /** Give the lease up so the next driver need not wait for its expiry; a no-op for a lease already superseded. */
  readonly release: (lease: Lease) => Effect.Effect<void, EvidenceError>
  /** The rollout's current lease (released and expired ones included), undefined when none was ever taken. */
  readonly current: (rolloutId: string) => Effect.Effect<StoredLease | undefined, EvidenceError>
  /** `append` for the lease's holder: refused with Superseded when a newer lease exists or this one was released. */
  readonly append: (lease: Lease, event: NewEvent, expectedSeq?: number) => Effect.Effect<Event, EvidenceError | LeaseError>
  /** `finish` for the lease's holder, fenced like its `append`. */
  readonly finish: (lease: Lease, result: Result, at: number) => Effect.Effect<Rollout, EvidenceError | LeaseError>
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
     * Append an event (an operator's, or any writer that does not drive).
     * With `expectedSeq` (the last seq the writer saw), the append fails with
     * Conflict if another writer got there first.
     */
    readonly append: (rolloutId: string, event: NewEvent, expectedSeq?: number) => Effect.Effect<Event, EvidenceError>
    /** Record the end; the same result again is a no-op, another result a Conflict. */
    readonly finish: (rolloutId: string, result: Result, at: number) => Effect.Effect<Rollout, EvidenceError>
    /** A rollout and its events in order; NotFound if unknown. */
    readonly get: (rolloutId: string) => Effect.Effect<{ readonly rollout: Rollout; readonly events: ReadonlyArray<Event> }, EvidenceError>
    /** Rollouts, newest first. */
    readonly list: (filter?: ListFilter) => Effect.Effect<ReadonlyArray<Rollout>, EvidenceError>
    /**
     * The driver's lease and fenced writes. Every adapter has them; the field
     * is optional in the type only so that stand-ins which refuse everything
     * (api-contract's `noStore`) need not spell them out — a store without
     * it cannot be driven (the engine fails with Unavailable).
     */
    readonly leases?: Leases
  }
>()("rollwise/rollout-engine/EvidenceStore") {}

/** Leases of a store, or Unavailable for a stand-in that has none. */
export const leasesOf = (store: EvidenceStore["Service"]): Effect.Effect<Leases, EvidenceError> =>
  store.leases !== undefined
    ? Effect.succeed(store.leases)
    : Effect.fail(new EvidenceError({ reason: "Unavailable", detail: "this evidence store cannot lease a rollout to one driver, so it cannot drive rollouts" }))

/** What a driver's lease check says about a fence: undefined when the token is the rollout's live one. */
export const fenceFailure = (rolloutId: string, lease: StoredLease | undefined, token: number): LeaseError | undefined =>
  lease !== undefined && lease.token === token && !lease.released
    ? undefined
    : new LeaseError({
        reason: "Superseded",
        rolloutId,
        ...(lease !== undefined && !lease.released ? { holder: lease.holder, expiresAt: lease.expiresAt, token: lease.token } : {})
      })

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

/**
 * An in-memory EvidenceStore with the same semantics as the embedded one.
 * Lease times come from `now` (default: the Clock in the context where the
 * store is made, so a TestClock drives expiry in tests).
 */
export const makeMemoryWith = (options: { readonly now?: () => number } = {}) =>
  Effect.gen(function* () {
    const clock = yield* Clock.Clock
    const now = options.now ?? (() => clock.currentTimeMillisUnsafe())
    type Entry = { readonly rollout: Rollout; readonly events: ReadonlyArray<Event>; readonly lease?: StoredLease }
    type Table = Map<string, Entry>
    const state = yield* Ref.make<Table>(new Map())
    const notFound = (id: string) => new EvidenceError({ reason: "NotFound", detail: `no rollout ${id}` })
    const isError = (r: unknown): r is EvidenceError | LeaseError => r instanceof EvidenceError || r instanceof LeaseError
    /** One atomic step over the whole table: a returned error leaves it as it was. */
    const modify = <A, E extends EvidenceError | LeaseError = EvidenceError>(f: (m: Table) => A | E): Effect.Effect<A, E> =>
      Effect.flatMap(
        Ref.modify(state, (m): readonly [A | E, Table] => {
          const copy = new Map(m)
          const r = f(copy)
          return isError(r) ? [r, m] : [r, copy]
        }),
        (r) => (isError(r) ? Effect.fail(r as E) : Effect.succeed(r as A))
      )
    const fenced = (m: Table, rolloutId: string, token: number | undefined): EvidenceError | LeaseError | Entry => {
      const entry = m.get(rolloutId)
      if (entry === undefined) return notFound(rolloutId)
      return token === undefined ? entry : (fenceFailure(rolloutId, entry.lease, token) ?? entry)
    }
    const append = (rolloutId: string, event: NewEvent, expectedSeq: number | undefined, token: number | undefined) =>
      modify<Event, EvidenceError | LeaseError>((m) => {
        const entry = fenced(m, rolloutId, token)
        if (isError(entry)) return entry
        const last = entry.events.length
        if (expectedSeq !== undefined && expectedSeq !== last) {
          return new EvidenceError({ reason: "Conflict", detail: `rollout ${rolloutId} is at event ${last}, not ${expectedSeq}` })
        }
        const appended: Event = { rolloutId, seq: last + 1, at: event.at, type: event.type, data: event.data }
        m.set(rolloutId, { ...entry, events: [...entry.events, appended] })
        return appended
      })
    const finish = (rolloutId: string, result: Result, at: number, token: number | undefined) =>
      modify<Rollout, EvidenceError | LeaseError>((m) => {
        const entry = fenced(m, rolloutId, token)
        if (isError(entry)) return entry
        if (entry.rollout.result !== undefined) {
          return entry.rollout.result === result
            ? entry.rollout
            : new EvidenceError({ reason: "Conflict", detail: `rollout ${rolloutId} already ended ${entry.rollout.result}` })
        }
        const rollout = { ...entry.rollout, result, finishedAt: at }
        m.set(rolloutId, { ...entry, rollout })
        return rollout
      })
    /** An unfenced write can fail only with an EvidenceError. */
    const plain = <A>(effect: Effect.Effect<A, EvidenceError | LeaseError>): Effect.Effect<A, EvidenceError> =>
      Effect.catchTag(effect, "LeaseError", (e) => Effect.die(e))

    const leases: Leases = {
      acquire: (rolloutId, holder, ttlMs) =>
        modify<Lease, EvidenceError | LeaseError>((m) => {
          const entry = m.get(rolloutId)
          if (entry === undefined) return notFound(rolloutId)
          const t = now()
          const current = entry.lease
          if (current !== undefined && !current.released && current.expiresAt > t) {
            return new LeaseError({ reason: "Held", rolloutId, holder: current.holder, expiresAt: current.expiresAt, token: current.token })
          }
          const lease: Lease = { rolloutId, token: (current?.token ?? 0) + 1, holder, acquiredAt: t, expiresAt: t + ttlMs }
          m.set(rolloutId, { ...entry, lease: { ...lease, released: false } })
          return lease
        }),
      renew: (lease, ttlMs) =>
        modify<Lease, EvidenceError | LeaseError>((m) => {
          const entry = fenced(m, lease.rolloutId, lease.token)
          if (isError(entry)) return entry
          const renewed: Lease = { ...lease, expiresAt: now() + ttlMs }
          m.set(lease.rolloutId, { ...entry, lease: { ...renewed, released: false } })
          return renewed
        }),
      release: (lease) =>
        modify<void>((m) => {
          const entry = m.get(lease.rolloutId)
          if (entry?.lease === undefined || entry.lease.token !== lease.token || entry.lease.released) return undefined
          m.set(lease.rolloutId, { ...entry, lease: { ...entry.lease, released: true, expiresAt: Math.min(entry.lease.expiresAt, now()) } })
          return undefined
        }),
      current: (rolloutId) => Effect.flatMap(Ref.get(state), (m) => (m.has(rolloutId) ? Effect.succeed(m.get(rolloutId)!.lease) : Effect.fail(notFound(rolloutId)))),
      append: (lease, event, expectedSeq) => append(lease.rolloutId, event, expectedSeq, lease.token),
      finish: (lease, result, at) => finish(lease.rolloutId, result, at, lease.token)
    }

    return EvidenceStore.of({
      create: (rollout) =>
        modify<Rollout>((m) => {
          if (m.has(rollout.rolloutId)) return new EvidenceError({ reason: "Conflict", detail: `rollout ${rollout.rolloutId} already exists` })
          m.set(rollout.rolloutId, { rollout, events: [] })
          return rollout
        }),
      append: (rolloutId, event, expectedSeq) => plain(append(rolloutId, event, expectedSeq, undefined)),
      finish: (rolloutId, result, at) => plain(finish(rolloutId, result, at, undefined)),
      get: (rolloutId) =>
        Effect.flatMap(Ref.get(state), (m) => {
          const entry = m.get(rolloutId)
          return entry === undefined ? Effect.fail(notFound(rolloutId)) : Effect.succeed({ rollout: entry.rollout, events: entry.events })
        }),
      list: (filter = {}) =>
        Effect.map(Ref.get(state), (m) =>
          [...m.values()]
            .map((e) => e.rollout)
            .filter((r) => (filter.service === undefined || r.service === filter.service) && (filter.module === undefined || r.module === filter.module))
            .sort((a, b) => b.startedAt - a.startedAt || (a.rolloutId < b.rolloutId ? 1 : -1))
            .slice(0, filter.limit ?? Number.POSITIVE_INFINITY)
        ),
      leases
    })
  })

/** {@link makeMemoryWith} with the context's Clock. */
export const makeMemory = makeMemoryWith()

/** The in-memory EvidenceStore as a layer. */
export const layerMemory: Layer.Layer<EvidenceStore> = Layer.effect(EvidenceStore, makeMemory)
