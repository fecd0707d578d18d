import { EvidenceStore } from "@rollwise/rollout-engine"
import { EvidenceStoreContract } from "@rollwise/rollout-engine/testing"
import { Config, Effect, Layer } from "effect"
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { EvidenceHistory, SqliteEvidenceStore } from "../src/index.ts"
import { raw, tempFolder } from "./fixtures/temp.ts"

const temp = tempFolder()

EvidenceStoreContract.suite("SQLite store (real better-sqlite3, temp file)", (now) => Layer.orDie(SqliteEvidenceStore.layer({ path: temp.fresh(), now })))

const provide = <A, E>(path: string, program: Effect.Effect<A, E, EvidenceStore.EvidenceStore | EvidenceHistory.EvidenceHistory>, busyTimeoutMs?: number) =>
  program.pipe(Effect.provide(SqliteEvidenceStore.layer({ path, ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs }) })))

/** Run a program on the store at `path`, closing it after. */
const withStore = <A, E>(path: string, program: Effect.Effect<A, E, EvidenceStore.EvidenceStore | EvidenceHistory.EvidenceHistory>, busyTimeoutMs?: number) =>
  Effect.runPromise(provide(path, program, busyTimeoutMs))

/** The error a program on the store at `path` fails with, opening included. */
const failure = <A>(path: string, program: Effect.Effect<A, EvidenceStore.EvidenceError, EvidenceStore.EvidenceStore | EvidenceHistory.EvidenceHistory>, busyTimeoutMs?: number) =>
  Effect.runPromise(Effect.flip(provide(path, program, busyTimeoutMs)))

const start: EvidenceStore.NewRollout = {
  rolloutId: "r1",
  service: "checkout",
  module: "payments",
  version: "2.4.1",
  buildNumber: "118",
  target: "k8s:checkout",
  startedAt: 1_000,
  data: { decision: { risk_score: 42, strategy: "canary", pace: "normal", reasons: [{ feature: "linesAdded", value: 120, contribution: 0.3 }] } }
}

const store = EvidenceStore.EvidenceStore

describe("SqliteEvidenceStore durability", () => {
  it("reads back after close and reopen exactly what was written, through the store and in the file", async () => {
    const path = temp.fresh()
    const written = await withStore(
      path,
      Effect.gen(function* () {
        const s = yield* store
        yield* s.create(start)
        yield* s.create({ rolloutId: "r2", service: "search", target: "arm:fleet", startedAt: 2_000 })
        yield* s.append("r1", { type: "decision", at: 1_001, data: { risk_score: 42, strategy: "canary" } })
        yield* s.append("r1", { type: "step.applied", at: 1_100, data: { weight: 10, note: "ünïcødé ✓", nested: [1, null, { deep: true }] } })
        yield* s.append("r1", { type: "verdict", at: 1_200, data: { action: "rollback", metrics: [{ name: "p99", p_value: 1e-9, ci: [-0.5, 0.25] }] } })
        yield* s.append("r1", { type: "marker", at: 1_300, data: undefined })
        yield* s.finish("r1", "rolled_back", 1_400)
        return { r1: yield* s.get("r1"), r2: yield* s.get("r2"), list: yield* s.list(), history: yield* EvidenceHistory.history() }
      })
    )
    const reread = await withStore(
      path,
      Effect.gen(function* () {
        const s = yield* store
        return { r1: yield* s.get("r1"), r2: yield* s.get("r2"), list: yield* s.list(), history: yield* EvidenceHistory.history() }
      })
    )
    expect(reread).toEqual(written)
    expect(reread.r1.rollout).toEqual({ ...start, result: "rolled_back", finishedAt: 1_400 })
    expect(reread.r1.events.map((e) => e.seq)).toEqual([1, 2, 3, 4])
    expect(reread.r1.events[1]!.data).toEqual({ weight: 10, note: "ünïcødé ✓", nested: [1, null, { deep: true }] })
    expect(reread.r1.events[3]!.data).toBeUndefined()
    expect(reread.r2.rollout).toEqual({ rolloutId: "r2", service: "search", target: "arm:fleet", startedAt: 2_000 })

    const db = raw(path)
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal")
      expect(db.prepare("SELECT count(*) AS n FROM events").get()).toEqual({ n: 4 })
      expect(db.prepare("SELECT result, finished_at FROM endings WHERE rollout_id = 'r1'").get()).toEqual({ result: "rolled_back", finished_at: 1_400 })
    } finally {
      db.close()
    }
  })

  it("creates the folder of a path that does not exist yet", async () => {
    const path = join(temp.dir, "project", ".rollwise", "evidence.db")
    await withStore(path, Effect.flatMap(store, (s) => s.create(start)))
    expect(existsSync(path)).toBe(true)
    expect(SqliteEvidenceStore.defaultPath).toBe(".rollwise/evidence.db")
  })

  it("layerConfig opens the path the configuration names", async () => {
    const path = temp.fresh()
    await Effect.runPromise(Effect.flatMap(store, (s) => s.create(start)).pipe(Effect.provide(SqliteEvidenceStore.layerConfig(Config.succeed(path)))))
    const got = await withStore(path, Effect.flatMap(store, (s) => s.get("r1")))
    expect(got.rollout.rolloutId).toBe("r1")
  })
})

describe("SqliteEvidenceStore is append-only", () => {
  it("the database itself refuses UPDATE and DELETE on every table", async () => {
    const path = temp.fresh()
    await withStore(
      path,
      Effect.gen(function* () {
        const s = yield* store
        yield* s.create(start)
        yield* s.append("r1", { type: "verdict", at: 1_100, data: { action: "promote" } })
        yield* s.finish("r1", "promoted", 1_200)
      })
    )
    const db = raw(path)
    try {
      for (const sql of [
        "UPDATE events SET data = '{}'",
        "DELETE FROM events",
        "UPDATE rollouts SET service = 'other'",
        "DELETE FROM rollouts",
        "UPDATE endings SET result = 'aborted'",
        "DELETE FROM endings"
      ]) {
        expect(() => db.exec(sql), sql).toThrow(/append-only/)
      }
    } finally {
      db.close()
    }
    const after = await withStore(path, Effect.flatMap(store, (s) => s.get("r1")))
    expect(after.rollout.result).toBe("promoted")
    expect(after.events.map((e) => e.data)).toEqual([{ action: "promote" }])
  })

  it("a payload that is not JSON-serialisable is refused as Corrupt and nothing is written", async () => {
    const path = temp.fresh()
    const error = await failure(
      path,
      Effect.gen(function* () {
        const s = yield* store
        yield* s.create(start)
        yield* s.append("r1", { type: "bad", at: 1, data: { big: 10n } })
      })
    )
    expect(error.reason).toBe("Corrupt")
    expect(error.detail).toMatch(/not JSON-serialisable/)
    const after = await withStore(path, Effect.flatMap(store, (s) => s.get("r1")))
    expect(after.events).toEqual([])
  })
})

describe("SqliteEvidenceStore errors", () => {
  it("a row whose JSON does not parse reads back as Corrupt, and the rest of the store still reads", async () => {
    const path = temp.fresh()
    await withStore(
      path,
      Effect.gen(function* () {
        const s = yield* store
        yield* s.create(start)
        yield* s.create({ ...start, rolloutId: "r2", startedAt: 2_000 })
        yield* s.create({ ...start, rolloutId: "good", startedAt: 500 })
        yield* s.append("r1", { type: "step.applied", at: 1_100, data: { weight: 10 } })
      })
    )
    const db = raw(path)
    try {
      db.prepare("INSERT INTO events (rollout_id, seq, at, type, data) VALUES ('r1', 2, 1200, 'verdict', '{\"action\": \"prom')").run()
      db.prepare("INSERT INTO rollouts (rollout_id, service, target, started_at, data) VALUES ('r3', 'checkout', 'k8s:checkout', 3000, 'not json')").run()
    } finally {
      db.close()
    }
    const [events, rollout, listed, good] = await withStore(
      path,
      Effect.gen(function* () {
        const s = yield* store
        return [
          yield* Effect.flip(s.get("r1")),
          yield* Effect.flip(s.get("r3")),
          yield* Effect.flip(s.list()),
          yield* s.get("good")
        ] as const
      })
    )
    expect(events.reason).toBe("Corrupt")
    expect(events.detail).toMatch(/event 2 of rollout r1 does not parse as JSON/)
    expect(rollout.reason).toBe("Corrupt")
    expect(rollout.detail).toMatch(/the data of rollout r3/)
    expect(listed.reason).toBe("Corrupt")
    expect(good.rollout.rolloutId).toBe("good")
  })

  it("a write that waits past the busy timeout for another writer's lock is Unavailable", async () => {
    const path = temp.fresh()
    const db = raw(path)
    try {
      const error = await withStore(
        path,
        Effect.gen(function* () {
          const s = yield* store
          yield* s.create(start)
          db.exec("BEGIN IMMEDIATE")
          const began = Date.now()
          const e = yield* Effect.flip(s.append("r1", { type: "step.applied", at: 1, data: null }))
          expect(Date.now() - began).toBeGreaterThanOrEqual(90)
          db.exec("ROLLBACK")
          return e
        }),
        100
      )
      expect(error.reason).toBe("Unavailable")
      expect(error.detail).toMatch(/locked by another writer \(SQLITE_BUSY/)
      expect(error.detail).not.toMatch(/\n\s+at /)
    } finally {
      db.close()
    }
  })

  it("a file that is not a SQLite database is Corrupt; another application's database is refused", async () => {
    const garbage = temp.fresh()
    writeFileSync(garbage, "this is not a database, it is a text file that is long enough to have a header page at all".repeat(20))
    const notADb = await failure(garbage, store)
    expect(notADb.reason).toBe("Corrupt")
    expect(notADb.detail).toMatch(/file is not a database/)

    const foreign = temp.fresh()
    const db = raw(foreign)
    db.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY)")
    db.close()
    const other = await failure(foreign, store)
    expect(other.reason).toBe("Corrupt")
    expect(other.detail).toMatch(/not a Rollwise evidence database/)
  })

  it("a path that cannot be opened is Unavailable with SQLite's message", async () => {
    const error = await failure(temp.dir, store)
    expect(error.reason).toBe("Unavailable")
    expect(error.detail).toContain(temp.dir)
  })
})
