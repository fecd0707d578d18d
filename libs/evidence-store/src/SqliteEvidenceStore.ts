import { EvidenceStore } from "@rollwise/rollout-engine"
import { Config, Context, Effect, Layer, type Scope } from "effect"
import * as EvidenceHistory from "./EvidenceHistory.ts"
import { latestVersion } from "./internal/migrations.ts"
import { open, toEvidenceError } from "./internal/sqlite.ts"

/** Where the store lives unless told otherwise: relative to the working directory. */
export const defaultPath = ".rollwise/evidence.db"

/** The schema version this code writes; a file with a higher one is refused. */
export const schemaVersion: number = latestVersion()

/** How to open the store. */
export interface Options {
  /** The database file (default `.rollwise/evidence.db`); missing folders are created. */
  readonly path?: string
  /**
   * How long a write waits for another process's write lock before failing
   * with Unavailable (default 5000 ms). The wait blocks the thread: SQLite
   * calls are synchronous.
   */
  readonly busyTimeoutMs?: number
  /**
   * The clock leases expire by (default `Date.now`): the store's clock, the
   * same for every process on this host, never a caller's. Tests inject one.
   */
  readonly now?: () => number
}

/** The SQLite store: the EvidenceStore port plus the history query. */
export type Service = EvidenceStore.EvidenceStore["Service"] & EvidenceHistory.EvidenceHistory["Service"]

interface RolloutRow {
  readonly rollout_id: string
  readonly service: string
  readonly module: string | null
  readonly version: string | null
  readonly build_number: string | null
  readonly target: string
  readonly started_at: number
  readonly data: string | null
  readonly result: EvidenceStore.Result | null
  readonly finished_at: number | null
}

interface EventRow {
  readonly rollout_id: string
  readonly seq: number
  readonly at: number
  readonly type: string
  readonly data: string | null
}

interface LeaseRow {
  readonly rollout_id: string
  readonly token: number
  readonly host: string
  readonly pid: number
  readonly kind: string
  readonly acquired_at: number
  readonly expires_at: number
  readonly released: number
}

const leaseOf = (row: LeaseRow): EvidenceStore.Lease & { readonly released: boolean } => ({
  rolloutId: row.rollout_id,
  token: row.token,
  holder: { host: row.host, pid: row.pid, kind: row.kind },
  acquiredAt: row.acquired_at,
  expiresAt: row.expires_at,
  released: row.released === 1
})

interface HistoryRow extends RolloutRow {
  readonly decision_seq: number | null
  readonly decision_data: string | null
}

const fail = (reason: EvidenceStore.EvidenceError["reason"], detail: string) => new EvidenceStore.EvidenceError({ reason, detail })
const notFound = (rolloutId: string) => fail("NotFound", `no rollout ${rolloutId}`)

/** JSON text for a payload; `undefined` is stored as NULL and reads back as undefined. */
const toJson = (value: unknown, what: string): string | null => {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (e) {
    throw fail("Corrupt", `${what} is not JSON-serialisable, so it would not read back: ${e instanceof Error ? e.message : String(e)}`)
  }
  return text === undefined ? null : text
}

const fromJson = (text: string | null, what: string): unknown => {
  if (text === null) return undefined
  try {
    return JSON.parse(text)
  } catch (e) {
    throw fail("Corrupt", `${what} does not parse as JSON: ${e instanceof Error ? e.message : String(e)}`)
  }
}

const rolloutOf = (row: RolloutRow): EvidenceStore.Rollout => ({
  rolloutId: row.rollout_id,
  service: row.service,
  ...(row.module === null ? {} : { module: row.module }),
  ...(row.version === null ? {} : { version: row.version }),
  ...(row.build_number === null ? {} : { buildNumber: row.build_number }),
  target: row.target,
  startedAt: row.started_at,
  ...(row.data === null ? {} : { data: fromJson(row.data, `the data of rollout ${row.rollout_id}`) }),
  ...(row.result === null || row.finished_at === null ? {} : { result: row.result, finishedAt: row.finished_at })
})

const eventOf = (row: EventRow): EvidenceStore.Event => ({
  rolloutId: row.rollout_id,
  seq: row.seq,
  at: row.at,
  type: row.type,
  data: fromJson(row.data, `event ${row.seq} of rollout ${row.rollout_id}`)
})

/** SQLite's LIMIT for a filter's limit: -1 is none; the memory store's `slice` semantics for the rest. */
const limitOf = (limit: number | undefined): number =>
  limit === undefined || limit === Number.POSITIVE_INFINITY ? -1 : Math.max(0, Math.trunc(limit))

const rolloutColumns = "r.rollout_id, r.service, r.module, r.version, r.build_number, r.target, r.started_at, r.data, e.result, e.finished_at"
const filtered = "(@service IS NULL OR r.service = @service) AND (@module IS NULL OR r.module = @module)"
const newestFirst = "ORDER BY r.started_at DESC, r.rollout_id DESC LIMIT @limit"

/**
 * Open the SQLite evidence store for the life of the scope. The file is
 * migrated to the current schema (refused with Unavailable when a newer
 * Rollwise wrote it), in WAL mode with `synchronous = FULL`. Every write is
 * one BEGIN IMMEDIATE transaction, so writers in other processes queue for
 * the lock (up to the busy timeout); a call that fails has written nothing.
 * No evidence is ever updated or deleted: the end of a rollout is a row of
 * its own, and triggers refuse UPDATE, DELETE and REPLACE on every evidence
 * table. The one mutable row per rollout is its driver's lease (renewed in
 * place; its fencing token only grows, and it is never deleted).
 */
export const make = (options: Options = {}): Effect.Effect<Service, EvidenceStore.EvidenceError, Scope.Scope> =>
  Effect.gen(function* () {
    const path = options.path ?? defaultPath
    const db = yield* Effect.acquireRelease(
      Effect.try({ try: () => open({ path, busyTimeoutMs: options.busyTimeoutMs ?? 5000 }), catch: (e) => toEvidenceError(e, `opening ${path}`) }),
      (db) => Effect.sync(() => db.close())
    )
    const attempt = <A>(doing: string, f: () => A) => Effect.try({ try: f, catch: (e) => toEvidenceError(e, doing) })
    const now = options.now ?? Date.now
    /** Like `attempt`, but a LeaseError thrown inside passes through as itself. */
    const leased = <A>(doing: string, f: () => A): Effect.Effect<A, EvidenceStore.EvidenceError | EvidenceStore.LeaseError> =>
      Effect.try({ try: f, catch: (e) => (e instanceof EvidenceStore.LeaseError ? e : toEvidenceError(e, doing)) })

    const selectRollout = db.prepare(`SELECT ${rolloutColumns} FROM rollouts r LEFT JOIN endings e USING (rollout_id) WHERE r.rollout_id = ?`)
    const selectEvents = db.prepare("SELECT rollout_id, seq, at, type, data FROM events WHERE rollout_id = ? ORDER BY seq")
    const selectLastSeq = db.prepare("SELECT coalesce(max(seq), 0) AS last FROM events WHERE rollout_id = ?")
    const insertRollout = db.prepare(
      "INSERT INTO rollouts (rollout_id, service, module, version, build_number, target, started_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )
    const insertEvent = db.prepare("INSERT INTO events (rollout_id, seq, at, type, data) VALUES (?, ?, ?, ?, ?)")
    const insertEnding = db.prepare("INSERT INTO endings (rollout_id, result, finished_at) VALUES (?, ?, ?)")
    const selectLease = db.prepare("SELECT rollout_id, token, host, pid, kind, acquired_at, expires_at, released FROM leases WHERE rollout_id = ?")
    const insertLease = db.prepare(
      "INSERT INTO leases (rollout_id, token, host, pid, kind, acquired_at, expires_at, released) VALUES (@rollout_id, @token, @host, @pid, @kind, @acquired_at, @expires_at, 0)"
    )
    const takeLease = db.prepare(
      "UPDATE leases SET token = @token, host = @host, pid = @pid, kind = @kind, acquired_at = @acquired_at, expires_at = @expires_at, released = 0 WHERE rollout_id = @rollout_id AND token = @token - 1"
    )
    const renewLease = db.prepare("UPDATE leases SET expires_at = ? WHERE rollout_id = ? AND token = ? AND released = 0")
    const releaseLease = db.prepare("UPDATE leases SET released = 1, expires_at = min(expires_at, ?) WHERE rollout_id = ? AND token = ? AND released = 0")
    const leaseRow = (rolloutId: string) => {
      const row = selectLease.get(rolloutId) as LeaseRow | undefined
      return row === undefined ? undefined : leaseOf(row)
    }
    /** Inside a write transaction: throw Superseded unless `token` is the rollout's live one. */
    const checkFence = (rolloutId: string, token: number | undefined) => {
      if (token === undefined) return
      const refused = EvidenceStore.fenceFailure(rolloutId, leaseRow(rolloutId), token)
      if (refused !== undefined) throw refused
    }
    /** An unfenced write can fail only with an EvidenceError. */
    const plain = <A>(effect: Effect.Effect<A, EvidenceStore.EvidenceError | EvidenceStore.LeaseError>): Effect.Effect<A, EvidenceStore.EvidenceError> =>
      Effect.catchTag(effect, "LeaseError", (e) => Effect.die(e))
    const selectList = db.prepare(`SELECT ${rolloutColumns} FROM rollouts r LEFT JOIN endings e USING (rollout_id) WHERE ${filtered} ${newestFirst}`)
    const decision = (column: string) =>
      `(SELECT d.${column} FROM events d WHERE d.rollout_id = r.rollout_id AND d.type = '${EvidenceHistory.decisionEventType}' ORDER BY d.seq LIMIT 1)`
    const selectHistory = db.prepare(
      `SELECT ${rolloutColumns}, ${decision("seq")} AS decision_seq, ${decision("data")} AS decision_data
       FROM rollouts r JOIN endings e USING (rollout_id) WHERE ${filtered} ${newestFirst}`
    )
    const rolloutRow = (rolloutId: string) => selectRollout.get(rolloutId) as RolloutRow | undefined
    const params = (filter: EvidenceStore.ListFilter = {}) => ({ service: filter.service ?? null, module: filter.module ?? null, limit: limitOf(filter.limit) })

    const create = Effect.fn("SqliteEvidenceStore.create")(function* (rollout: EvidenceStore.NewRollout) {
      return yield* attempt(`creating rollout ${rollout.rolloutId}`, () =>
        db
          .transaction(() => {
            if (rolloutRow(rollout.rolloutId) !== undefined) throw fail("Conflict", `rollout ${rollout.rolloutId} already exists`)
            insertRollout.run(
              rollout.rolloutId,
              rollout.service,
              rollout.module ?? null,
              rollout.version ?? null,
              rollout.buildNumber ?? null,
              rollout.target,
              rollout.startedAt,
              rollout.data === undefined ? null : toJson(rollout.data, `the data of rollout ${rollout.rolloutId}`)
            )
            return rolloutOf(rolloutRow(rollout.rolloutId)!)
          })
          .immediate()
      )
    })

    const appendAs = Effect.fn("SqliteEvidenceStore.append")(function* (
      rolloutId: string,
      event: EvidenceStore.NewEvent,
      expectedSeq: number | undefined,
      fence: number | undefined
    ) {
      return yield* leased(`appending ${event.type} to rollout ${rolloutId}`, () =>
        db
          .transaction(() => {
            if (rolloutRow(rolloutId) === undefined) throw notFound(rolloutId)
            checkFence(rolloutId, fence)
            const last = (selectLastSeq.get(rolloutId) as { readonly last: number }).last
            if (expectedSeq !== undefined && expectedSeq !== last) throw fail("Conflict", `rollout ${rolloutId} is at event ${last}, not ${expectedSeq}`)
            const row: EventRow = { rollout_id: rolloutId, seq: last + 1, at: event.at, type: event.type, data: toJson(event.data, `the data of ${event.type}`) }
            insertEvent.run(row.rollout_id, row.seq, row.at, row.type, row.data)
            return eventOf(row)
          })
          .immediate()
      )
    })

    const finishAs = Effect.fn("SqliteEvidenceStore.finish")(function* (rolloutId: string, result: EvidenceStore.Result, at: number, fence: number | undefined) {
      return yield* leased(`finishing rollout ${rolloutId}`, () =>
        db
          .transaction(() => {
            const row = rolloutRow(rolloutId)
            if (row === undefined) throw notFound(rolloutId)
            checkFence(rolloutId, fence)
            if (row.result !== null) {
              if (row.result === result) return rolloutOf(row)
              throw fail("Conflict", `rollout ${rolloutId} already ended ${row.result}`)
            }
            insertEnding.run(rolloutId, result, at)
            return rolloutOf({ ...row, result, finished_at: at })
          })
          .immediate()
      )
    })

    const acquire = Effect.fn("SqliteEvidenceStore.acquire")(function* (rolloutId: string, holder: EvidenceStore.Holder, ttlMs: number) {
      return yield* leased(`acquiring the driver's lease of rollout ${rolloutId}`, () =>
        db
          .transaction((): EvidenceStore.Lease => {
            if (rolloutRow(rolloutId) === undefined) throw notFound(rolloutId)
            const t = now()
            const current = leaseRow(rolloutId)
            if (current !== undefined && !current.released && current.expiresAt > t) {
              throw new EvidenceStore.LeaseError({ reason: "Held", rolloutId, holder: current.holder, expiresAt: current.expiresAt, token: current.token })
            }
            const lease: EvidenceStore.Lease = { rolloutId, token: (current?.token ?? 0) + 1, holder, acquiredAt: t, expiresAt: t + ttlMs }
            const row = { rollout_id: rolloutId, token: lease.token, host: holder.host, pid: holder.pid, kind: holder.kind, acquired_at: t, expires_at: lease.expiresAt }
            if (current === undefined) insertLease.run(row)
            else takeLease.run(row)
            return lease
          })
          .immediate()
      )
    })

    const renew = Effect.fn("SqliteEvidenceStore.renew")(function* (lease: EvidenceStore.Lease, ttlMs: number) {
      return yield* leased(`renewing the driver's lease of rollout ${lease.rolloutId}`, () =>
        db
          .transaction((): EvidenceStore.Lease => {
            checkFence(lease.rolloutId, lease.token)
            const expiresAt = now() + ttlMs
            renewLease.run(expiresAt, lease.rolloutId, lease.token)
            return { ...lease, expiresAt }
          })
          .immediate()
      )
    })

    const release = Effect.fn("SqliteEvidenceStore.release")(function* (lease: EvidenceStore.Lease) {
      yield* attempt(`releasing the driver's lease of rollout ${lease.rolloutId}`, () => releaseLease.run(now(), lease.rolloutId, lease.token))
    })

    const current = Effect.fn("SqliteEvidenceStore.lease")(function* (rolloutId: string) {
      return yield* attempt(`reading the driver's lease of rollout ${rolloutId}`, () =>
        db
          .transaction(() => {
            if (rolloutRow(rolloutId) === undefined) throw notFound(rolloutId)
            return leaseRow(rolloutId)
          })
          .deferred()
      )
    })

    const get = Effect.fn("SqliteEvidenceStore.get")(function* (rolloutId: string) {
      // one read transaction: the rollout and its events from the same snapshot
      return yield* attempt(`reading rollout ${rolloutId}`, () =>
        db
          .transaction(() => {
            const row = rolloutRow(rolloutId)
            if (row === undefined) throw notFound(rolloutId)
            return { rollout: rolloutOf(row), events: (selectEvents.all(rolloutId) as Array<EventRow>).map(eventOf) }
          })
          .deferred()
      )
    })

    const list = Effect.fn("SqliteEvidenceStore.list")(function* (filter?: EvidenceStore.ListFilter) {
      return yield* attempt("listing rollouts", () => (selectList.all(params(filter)) as Array<RolloutRow>).map(rolloutOf))
    })

    const history = Effect.fn("SqliteEvidenceStore.history")(function* (filter?: EvidenceStore.ListFilter) {
      return yield* attempt("reading the rollout history", () =>
        (selectHistory.all(params(filter)) as Array<HistoryRow>).map(
          (row): EvidenceHistory.Entry => ({
            ...(rolloutOf(row) as EvidenceHistory.Entry),
            ...(row.decision_seq === null
              ? {}
              : { decision: fromJson(row.decision_data, `event ${row.decision_seq} (decision) of rollout ${row.rollout_id}`) })
          })
        )
      )
    })

    const leases: EvidenceStore.Leases = {
      acquire,
      renew,
      release,
      current,
      append: (held, event, expectedSeq) => appendAs(held.rolloutId, event, expectedSeq, held.token),
      finish: (held, result, at) => finishAs(held.rolloutId, result, at, held.token)
    }
    return {
      create,
      append: (rolloutId: string, event: EvidenceStore.NewEvent, expectedSeq?: number) => plain(appendAs(rolloutId, event, expectedSeq, undefined)),
      finish: (rolloutId: string, result: EvidenceStore.Result, at: number) => plain(finishAs(rolloutId, result, at, undefined)),
      get,
      list,
      history,
      leases
    } satisfies Service
  })

/** The SQLite store as both the EvidenceStore and the EvidenceHistory; the file is closed when the layer is released. */
export const layer = (options: Options = {}): Layer.Layer<EvidenceStore.EvidenceStore | EvidenceHistory.EvidenceHistory, EvidenceStore.EvidenceError> =>
  Layer.effectContext(
    Effect.map(make(options), (service) => Context.make(EvidenceStore.EvidenceStore, service).pipe(Context.add(EvidenceHistory.EvidenceHistory, service)))
  )

/** The file's path from configuration: `ROLLWISE_EVIDENCE_DB`, else `.rollwise/evidence.db`. */
export const pathConfig: Config.Config<string> = Config.String("ROLLWISE_EVIDENCE_DB").pipe(Config.withDefault(defaultPath))

/** The layer with its path read from configuration (`pathConfig` unless another is given). */
export const layerConfig = (path: Config.Config<string> = pathConfig) =>
  Layer.unwrap(
    Effect.gen(function* () {
      return layer({ path: yield* path })
    })
  )
