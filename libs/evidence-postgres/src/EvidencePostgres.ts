/**
 * The EvidenceStore on PostgreSQL, for servers that run as several replicas
 * on one database: append-only, a gap-free sequence per rollout under any
 * number of concurrent writers, numbered migrations, and the driver's lease
 * with a fencing token checked inside every fenced write's transaction.
 */
import { PgClient } from "@effect/sql-pg"
import { Redaction } from "@rollwise/redaction"
import { EvidenceStore } from "@rollwise/rollout-engine"
import { Clock, Context, Duration, Effect, Layer, Redacted, type Scope } from "effect"
import { Reactivity } from "effect/reactivity"
import { toEvidenceError } from "./internal/errors.ts"
import { latestVersion, type Migration, migrationLock, migrations, versionTable } from "./internal/migrations.ts"

/** The schema version this code writes; a database migrated by a newer Rollwise is refused. */
export const schemaVersion: number = latestVersion()

/** How to open the store. */
export interface Options {
  /**
   * The database: `postgres://user:password@host:5432/dbname` (also
   * `postgresql://`; libpq's query parameters such as `sslmode=require`,
   * `host=/run/postgresql` for a unix socket, `options=-c search_path=app`).
   * The password never appears in an error or log: pass it Redacted if it
   * travels further.
   */
  readonly url: string | Redacted.Redacted<string>
  /**
   * The clock leases expire by. Default: the database server's clock
   * (`clock_timestamp()`), the one clock every replica shares. Tests inject one.
   */
  readonly now?: () => number
  /** How long a write waits for another writer's row lock before failing with Unavailable (default 5000 ms). */
  readonly lockTimeoutMs?: number
  /** How long to wait for a connection before failing with Unavailable (default 10000 ms). */
  readonly connectTimeoutMs?: number
  /** Connections in the pool (default 10). */
  readonly maxConnections?: number
}

/** A finished rollout with its decision: the same shape as `@rollwise/evidence-store`'s `EvidenceHistory.Entry`. */
export interface HistoryEntry extends EvidenceStore.Rollout {
  readonly result: EvidenceStore.Result
  readonly finishedAt: number
  readonly decision?: unknown
}

/**
 * The Postgres store: the EvidenceStore port plus the history query (the
 * same as `@rollwise/evidence-store`'s `EvidenceHistory` service, so an app
 * can provide it as both).
 */
export type Service = EvidenceStore.EvidenceStore["Service"] & {
  /** Finished rollouts, newest first, with the payload of their first `decision` event; `limit` counts finished ones. */
  readonly history: (filter?: EvidenceStore.ListFilter) => Effect.Effect<ReadonlyArray<HistoryEntry>, EvidenceStore.EvidenceError>
}

/** Whether a `--db` / `ROLLWISE_EVIDENCE_DB` value names a PostgreSQL database (`postgres://` or `postgresql://`) rather than a SQLite file. */
export const isUrl = (value: string): boolean => /^postgres(?:ql)?:\/\//i.test(value.trim())

const userinfo = /^postgres(?:ql)?:\/\/([^@/?#]*)@/i

/** The URL's password (as written and percent-decoded), for redaction. */
const passwordOf = (url: string): ReadonlyArray<string> => {
  const info = userinfo.exec(url)?.[1]
  const colon = info?.indexOf(":") ?? -1
  if (info === undefined || colon < 0) return []
  const raw = info.slice(colon + 1)
  let decoded = raw
  try {
    decoded = decodeURIComponent(raw)
  } catch {
    // a malformed escape: the literal form is still redacted
  }
  return raw === "" ? [] : [raw, decoded]
}

/** The URL as it may be shown: user and password replaced by `***` (`postgres://***@db:5432/rollwise`). */
export const redactUrl = (url: string): string => Redaction.redact(url, passwordOf(url))

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
  readonly released: boolean
}

/** The live lease a write function returns when it refuses a fenced write. */
interface LiveLeaseColumns {
  readonly l_token: number | null
  readonly l_host: string | null
  readonly l_pid: number | null
  readonly l_kind: string | null
  readonly l_expires: number | null
  readonly l_released: boolean | null
}

interface AppendRow extends LiveLeaseColumns {
  readonly outcome: "ok" | "not_found" | "superseded" | "conflict"
  readonly seq: number | null
}

interface FinishRow extends LiveLeaseColumns {
  readonly outcome: "ok" | "same" | "not_found" | "superseded" | "conflict"
  readonly result: string | null
  readonly finished_at: number | null
}

interface AcquireRow {
  readonly outcome: "ok" | "held" | "not_found"
  readonly token: number | null
  readonly host: string | null
  readonly pid: number | null
  readonly kind: string | null
  readonly acquired_at: number | null
  readonly expires_at: number | null
}

interface RenewRow extends LiveLeaseColumns {
  readonly outcome: "ok" | "not_found" | "superseded"
  readonly expires_at: number | null
}

interface HistoryRow extends RolloutRow {
  readonly decision_seq: number | null
  readonly decision_data: string | null
}

const fail = (reason: EvidenceStore.EvidenceError["reason"], detail: string) => new EvidenceStore.EvidenceError({ reason, detail })
const notFound = (rolloutId: string) => fail("NotFound", `no rollout ${rolloutId}`)

/** JSON text for a payload; `undefined` is stored as NULL and reads back as undefined. */
const toJson = (value: unknown, what: string): Effect.Effect<string | null, EvidenceStore.EvidenceError> =>
  Effect.try({
    try: () => JSON.stringify(value) ?? null,
    catch: (e) => fail("Corrupt", `${what} is not JSON-serialisable, so it would not read back: ${e instanceof Error ? e.message : String(e)}`)
  })

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

const leaseOf = (row: LeaseRow): EvidenceStore.StoredLease => ({
  rolloutId: row.rollout_id,
  token: row.token,
  holder: { host: row.host, pid: row.pid, kind: row.kind },
  acquiredAt: row.acquired_at,
  expiresAt: row.expires_at,
  released: row.released
})

/** A filter's limit as SQL's: NULL is none; the memory store's `slice` semantics for the rest. */
const limitOf = (limit: number | undefined): number | null =>
  limit === undefined || limit === Number.POSITIVE_INFINITY ? null : Math.min(2_147_483_647, Math.max(0, Math.trunc(limit)))

const rolloutColumns = "r.rollout_id, r.service, r.module, r.version, r.build_number, r.target, r.started_at, r.data, e.result, e.finished_at"
const rolloutFrom = "rollwise_rollouts r LEFT JOIN rollwise_endings e ON e.rollout_id = r.rollout_id"
/**
 * The WHERE clause and parameters of a filter: only the conditions it has,
 * so each combination gets a plan that uses its index (a generic
 * `$1 IS NULL OR …` plan would not), newest first, limited.
 */
const filterOf = (filter: EvidenceStore.ListFilter = {}): { readonly where: string; readonly params: ReadonlyArray<unknown> } => {
  const params: Array<unknown> = []
  const conditions: Array<string> = []
  if (filter.service !== undefined) conditions.push(`r.service = $${params.push(filter.service)}`)
  if (filter.module !== undefined) conditions.push(`r.module = $${params.push(filter.module)}`)
  const limit = limitOf(filter.limit)
  return {
    where: `${conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")} `}ORDER BY r.started_at DESC, r.rollout_id COLLATE "C" DESC${limit === null ? "" : ` LIMIT $${params.push(limit)}::integer`}`,
    params
  }
}
const decision = (column: string) =>
  `(SELECT d.${column} FROM rollwise_events d WHERE d.rollout_id = r.rollout_id AND d.type = 'decision' ORDER BY d.seq LIMIT 1)`

/**
 * Bring the database to the latest schema, once however many processes
 * start at the same time: one transaction holding an advisory lock, the
 * version table created if missing, every newer migration applied in order
 * and recorded. Refuses (Unavailable) a database a newer Rollwise migrated,
 * leaving it untouched. Returns the version the database is at.
 */
export const migrate = (sql: PgClient.PgClient, list: ReadonlyArray<Migration> = migrations) =>
  sql.withTransaction(
    Effect.gen(function* () {
      yield* sql.unsafe(`SELECT pg_advisory_xact_lock(${migrationLock})`).raw
      yield* sql.unsafe(
        `CREATE TABLE IF NOT EXISTS ${versionTable} (version integer NOT NULL PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`
      ).raw
      const [{ current }] = (yield* sql.unsafe(`SELECT coalesce(max(version), 0)::integer AS current FROM ${versionTable}`)) as unknown as [{ readonly current: number }]
      const latest = latestVersion(list)
      if (current > latest) {
        return yield* fail(
          "Unavailable",
          `the evidence database was migrated by a newer Rollwise (evidence schema version ${current}; this one reads up to ${latest}). Upgrade Rollwise to use it; the database was left untouched.`
        )
      }
      for (const migration of list) {
        if (migration.version <= current) continue
        for (const statement of migration.statements) yield* sql.unsafe(statement).raw
        yield* sql.unsafe(`INSERT INTO ${versionTable} (version, description) VALUES ($1, $2)`, [migration.version, migration.description]).raw
      }
      return latest
    })
  )

/**
 * Open the store for the life of the scope: a connection pool to the
 * database, migrated to the current schema. Every write is one transaction
 * that first locks the rollout's row (`SELECT … FOR UPDATE`), so writers on
 * any connection of any replica queue per rollout: the next `seq` is read
 * and inserted under that lock (no two writers get the same one, none is
 * skipped), and a fenced write checks the lease's token under it too. No
 * evidence is ever updated or deleted: the end of a rollout is a row of its
 * own, and triggers refuse UPDATE, DELETE, TRUNCATE and upserts over
 * existing rows on every evidence table. The one mutable row per rollout
 * is its driver's lease (renewed in place; its token only grows, it is
 * never deleted). Fails with Unavailable when the database cannot be
 * reached, in one line without the URL's password.
 */
export const make = (options: Options): Effect.Effect<Service, EvidenceStore.EvidenceError, Scope.Scope> =>
  onOwnClock(makeStore(options))

/**
 * The store keeps its own time: connection and pool timeouts run on the real
 * clock even when the caller's fiber runs on a TestClock (a test's simulated
 * hours must not time out a query that is still on the wire).
 */
const onOwnClock = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => Effect.provideService(effect, Clock.Clock, Clock.Clock.defaultValue())

const makeStore = (options: Options): Effect.Effect<Service, EvidenceStore.EvidenceError, Scope.Scope> =>
  Effect.gen(function* () {
    const url = typeof options.url === "string" ? options.url : Redacted.value(options.url)
    const secrets = [...passwordOf(url), url]
    const shown = redactUrl(url)
    const sqlFailure = (doing: string) => (e: unknown) => toEvidenceError(e, doing, secrets)
    if (!isUrl(url)) return yield* fail("Unavailable", `${shown} is not a PostgreSQL URL (postgres://user:password@host:5432/dbname)`)
    const sql = yield* PgClient.make({
      url: Redacted.make(url),
      applicationName: "rollwise",
      maxConnections: options.maxConnections ?? 10,
      connectTimeout: Duration.millis(options.connectTimeoutMs ?? 10_000),
      startupParameters: { lock_timeout: String(Math.max(1, Math.floor(options.lockTimeoutMs ?? 5_000))) }
    }).pipe(Effect.provide(Reactivity.layer), Effect.mapError(sqlFailure(`opening the evidence database ${shown}`)))
    yield* migrate(sql).pipe(Effect.mapError(sqlFailure(`opening the evidence database ${shown}`)))

    /** Run a query; rows typed by the caller. */
    const query = <A extends object>(text: string, params: ReadonlyArray<unknown> = []) =>
      sql.unsafe<A>(text, params) as unknown as Effect.Effect<ReadonlyArray<A>, unknown>
    /** A failure as the port's: our own errors pass through, SQL failures become an EvidenceError, a Corrupt thrown while reading rows a failure. */
    const settle = <A>(doing: string, effect: Effect.Effect<A, unknown>): Effect.Effect<A, EvidenceStore.EvidenceError | EvidenceStore.LeaseError> =>
      effect.pipe(
        Effect.mapError((e) => (e instanceof EvidenceStore.LeaseError || e instanceof EvidenceStore.EvidenceError ? e : sqlFailure(doing)(e))),
        Effect.catchDefect((d) => (d instanceof EvidenceStore.EvidenceError ? Effect.fail(d) : Effect.die(d)))
      )
    /** An unfenced write can fail only with an EvidenceError. */
    const plain = <A>(effect: Effect.Effect<A, EvidenceStore.EvidenceError | EvidenceStore.LeaseError>): Effect.Effect<A, EvidenceStore.EvidenceError> =>
      Effect.catchTag(effect, "LeaseError", (e) => Effect.die(e))
    /** One statement (or reading) outside a transaction. */
    const read = <A>(doing: string, body: Effect.Effect<A, unknown>) => plain(settle(doing, body))
    /** Rows into values, where reading may throw Corrupt. */
    const decode = <A, B>(rows: ReadonlyArray<A>, f: (a: A) => B) => Effect.try({ try: () => rows.map(f), catch: (e) => e })

    /** The clock argument of the write functions: the injected clock's time, or NULL for the database's. */
    const clockArg = () => (options.now === undefined ? null : options.now())
    const rolloutRow = (rolloutId: string) =>
      Effect.map(query<RolloutRow>(`SELECT ${rolloutColumns} FROM ${rolloutFrom} WHERE r.rollout_id = $1`, [rolloutId]), (rows) => rows[0])
    /** The Superseded refusal from the live lease a write function returned (absent or released: nobody's). */
    const superseded = (rolloutId: string, row: LiveLeaseColumns) =>
      EvidenceStore.fenceFailure(
        rolloutId,
        row.l_token === null
          ? undefined
          : leaseOf({ rollout_id: rolloutId, token: row.l_token, host: row.l_host!, pid: row.l_pid!, kind: row.l_kind!, acquired_at: 0, expires_at: row.l_expires!, released: row.l_released! }),
        Number.NaN
      )!
    const create = Effect.fn("EvidencePostgres.create")(function* (rollout: EvidenceStore.NewRollout) {
      const data = rollout.data === undefined ? null : yield* toJson(rollout.data, `the data of rollout ${rollout.rolloutId}`)
      const doing = `creating rollout ${rollout.rolloutId}`
      const rows = yield* read(
        doing,
        query<RolloutRow>(
          `INSERT INTO rollwise_rollouts (rollout_id, service, module, version, build_number, target, started_at, data)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (rollout_id) DO NOTHING
           RETURNING rollout_id, service, module, version, build_number, target, started_at, data, NULL::text AS result, NULL::float8 AS finished_at`,
          [rollout.rolloutId, rollout.service, rollout.module ?? null, rollout.version ?? null, rollout.buildNumber ?? null, rollout.target, rollout.startedAt, data]
        )
      )
      if (rows[0] === undefined) return yield* fail("Conflict", `rollout ${rollout.rolloutId} already exists`)
      return yield* read(doing, Effect.sync(() => rolloutOf(rows[0]!)))
    })

    const appendAs = Effect.fn("EvidencePostgres.append")(function* (
      rolloutId: string,
      event: EvidenceStore.NewEvent,
      expectedSeq: number | undefined,
      fence: number | undefined
    ) {
      const data = yield* toJson(event.data, `the data of ${event.type}`)
      const doing = `appending ${event.type} to rollout ${rolloutId}`
      // one statement: lock the rollout's row, check the fence, read the last seq and insert the next, atomically
      const rows = yield* settle(
        doing,
        query<AppendRow>("SELECT * FROM rollwise_append($1, $2, $3, $4, $5, $6)", [rolloutId, fence ?? null, expectedSeq ?? null, event.at, event.type, data])
      )
      const row = rows[0]!
      switch (row.outcome) {
        case "not_found":
          return yield* notFound(rolloutId)
        case "superseded":
          return yield* superseded(rolloutId, row)
        case "conflict":
          return yield* fail("Conflict", `rollout ${rolloutId} is at event ${row.seq}, not ${expectedSeq}`)
        default:
          return yield* settle(doing, Effect.sync(() => eventOf({ rollout_id: rolloutId, seq: row.seq!, at: event.at, type: event.type, data })))
      }
    })

    const finishAs = Effect.fn("EvidencePostgres.finish")(function* (rolloutId: string, result: EvidenceStore.Result, at: number, fence: number | undefined) {
      const doing = `finishing rollout ${rolloutId}`
      const rows = yield* settle(doing, query<FinishRow>("SELECT * FROM rollwise_finish($1, $2, $3, $4)", [rolloutId, fence ?? null, result, at]))
      const row = rows[0]!
      switch (row.outcome) {
        case "not_found":
          return yield* notFound(rolloutId)
        case "superseded":
          return yield* superseded(rolloutId, row)
        case "conflict":
          return yield* fail("Conflict", `rollout ${rolloutId} already ended ${row.result}`)
        default: {
          const stored = yield* settle(doing, rolloutRow(rolloutId))
          return yield* settle(doing, Effect.sync(() => rolloutOf({ ...stored!, result: row.result as EvidenceStore.Result, finished_at: row.finished_at })))
        }
      }
    })

    const acquire = Effect.fn("EvidencePostgres.acquire")(function* (rolloutId: string, holder: EvidenceStore.Holder, ttlMs: number) {
      const rows = yield* settle(
        `acquiring the driver's lease of rollout ${rolloutId}`,
        query<AcquireRow>("SELECT * FROM rollwise_acquire($1, $2, $3, $4, $5, $6)", [rolloutId, holder.host, holder.pid, holder.kind, ttlMs, clockArg()])
      )
      const row = rows[0]!
      if (row.outcome === "not_found") return yield* notFound(rolloutId)
      if (row.outcome === "held") {
        return yield* new EvidenceStore.LeaseError({
          reason: "Held",
          rolloutId,
          holder: { host: row.host!, pid: row.pid!, kind: row.kind! },
          expiresAt: row.expires_at!,
          token: row.token!
        })
      }
      return { rolloutId, token: row.token!, holder, acquiredAt: row.acquired_at!, expiresAt: row.expires_at! } satisfies EvidenceStore.Lease
    })

    const renew = Effect.fn("EvidencePostgres.renew")(function* (lease: EvidenceStore.Lease, ttlMs: number) {
      const rows = yield* settle(
        `renewing the driver's lease of rollout ${lease.rolloutId}`,
        query<RenewRow>("SELECT * FROM rollwise_renew($1, $2, $3, $4)", [lease.rolloutId, lease.token, ttlMs, clockArg()])
      )
      const row = rows[0]!
      if (row.outcome === "not_found") return yield* notFound(lease.rolloutId)
      if (row.outcome === "superseded") return yield* superseded(lease.rolloutId, row)
      return { ...lease, expiresAt: row.expires_at! } satisfies EvidenceStore.Lease
    })

    const release = Effect.fn("EvidencePostgres.release")(function* (lease: EvidenceStore.Lease) {
      yield* read(`releasing the driver's lease of rollout ${lease.rolloutId}`, query("SELECT rollwise_release($1, $2, $3)", [lease.rolloutId, lease.token, clockArg()]))
    })

    const current = Effect.fn("EvidencePostgres.lease")(function* (rolloutId: string) {
      const rows = yield* read(
        `reading the driver's lease of rollout ${rolloutId}`,
        query<{ readonly id: string } & { readonly [K in keyof LeaseRow]: LeaseRow[K] | null }>(
          `SELECT r.rollout_id AS id, l.rollout_id, l.token, l.host, l.pid, l.kind, l.acquired_at, l.expires_at, l.released
           FROM rollwise_rollouts r LEFT JOIN rollwise_leases l ON l.rollout_id = r.rollout_id WHERE r.rollout_id = $1`,
          [rolloutId]
        )
      )
      const row = rows[0]
      if (row === undefined) return yield* notFound(rolloutId)
      return row.rollout_id === null ? undefined : leaseOf(row as unknown as LeaseRow)
    })

    const get = Effect.fn("EvidencePostgres.get")(function* (rolloutId: string) {
      // one statement, so one snapshot: the rollout, its end and its events as of the same moment
      const doing = `reading rollout ${rolloutId}`
      const rows = yield* read(
        doing,
        query<RolloutRow & { readonly events: string }>(
          `SELECT ${rolloutColumns},
             (SELECT coalesce(json_agg(json_build_array(v.seq, v.at, v.type, v.data) ORDER BY v.seq), '[]')::text FROM rollwise_events v WHERE v.rollout_id = r.rollout_id) AS events
           FROM ${rolloutFrom} WHERE r.rollout_id = $1`,
          [rolloutId]
        )
      )
      const row = rows[0]
      if (row === undefined) return yield* notFound(rolloutId)
      return yield* read(
        doing,
        Effect.sync(() => {
          const events = (JSON.parse(row.events) as ReadonlyArray<readonly [number, number, string, string | null]>).map(([seq, at, type, data]) =>
            eventOf({ rollout_id: rolloutId, seq, at, type, data })
          )
          return { rollout: rolloutOf(row), events }
        })
      )
    })

    const list = Effect.fn("EvidencePostgres.list")(function* (filter?: EvidenceStore.ListFilter) {
      return yield* read(
        "listing rollouts",
        Effect.suspend(() => {
          const { where, params } = filterOf(filter)
          return Effect.flatMap(query<RolloutRow>(`SELECT ${rolloutColumns} FROM ${rolloutFrom} ${where}`, params), (rows) => decode(rows, rolloutOf))
        })
      )
    })

    const history = Effect.fn("EvidencePostgres.history")(function* (filter?: EvidenceStore.ListFilter) {
      return yield* read(
        "reading the rollout history",
        Effect.flatMap(
          Effect.suspend(() => {
            const { where, params } = filterOf(filter)
            return query<HistoryRow>(
              `SELECT ${rolloutColumns}, ${decision("seq")} AS decision_seq, ${decision("data")} AS decision_data
               FROM rollwise_rollouts r JOIN rollwise_endings e ON e.rollout_id = r.rollout_id ${where}`,
              params
            )
          }),
          (rows) =>
            decode(
              rows,
              (row): HistoryEntry => ({
                ...(rolloutOf(row) as HistoryEntry),
                ...(row.decision_seq === null ? {} : { decision: fromJson(row.decision_data, `event ${row.decision_seq} (decision) of rollout ${row.rollout_id}`) })
              })
            )
        )
      )
    })

    const leases: EvidenceStore.Leases = {
      acquire: (rolloutId, holder, ttlMs) => onOwnClock(acquire(rolloutId, holder, ttlMs)),
      renew: (lease, ttlMs) => onOwnClock(renew(lease, ttlMs)),
      release: (lease) => onOwnClock(release(lease)),
      current: (rolloutId) => onOwnClock(current(rolloutId)),
      append: (held, event, expectedSeq) => onOwnClock(appendAs(held.rolloutId, event, expectedSeq, held.token)),
      finish: (held, result, at) => onOwnClock(finishAs(held.rolloutId, result, at, held.token))
    }
    return {
      create: (rollout: EvidenceStore.NewRollout) => onOwnClock(create(rollout)),
      append: (rolloutId: string, event: EvidenceStore.NewEvent, expectedSeq?: number) => onOwnClock(plain(appendAs(rolloutId, event, expectedSeq, undefined))),
      finish: (rolloutId: string, result: EvidenceStore.Result, at: number) => onOwnClock(plain(finishAs(rolloutId, result, at, undefined))),
      get: (rolloutId: string) => onOwnClock(get(rolloutId)),
      list: (filter?: EvidenceStore.ListFilter) => onOwnClock(list(filter)),
      history: (filter?: EvidenceStore.ListFilter) => onOwnClock(history(filter)),
      leases
    } satisfies Service
  })

/** The Postgres store as the EvidenceStore; the pool is closed when the layer is released. */
export const layer = (options: Options): Layer.Layer<EvidenceStore.EvidenceStore, EvidenceStore.EvidenceError> =>
  Layer.effect(EvidenceStore.EvidenceStore, Effect.map(make(options), (service) => EvidenceStore.EvidenceStore.of(service)))

/** The store as a layer of a service key of the caller's choosing too (an app's EvidenceHistory): `layerWith(options, (s) => Context.make(...))`. */
export const layerContext = <R>(options: Options, context: (service: Service) => Context.Context<R>): Layer.Layer<R, EvidenceStore.EvidenceError> =>
  Layer.effectContext(Effect.map(make(options), context))
