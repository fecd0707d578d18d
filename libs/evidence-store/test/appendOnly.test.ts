import { EvidenceStore } from "@rollwise/rollout-engine"
import type { SqliteDatabase } from "better-sqlite3"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { migrate, migrations } from "../src/internal/migrations.ts"
import { SqliteEvidenceStore } from "../src/index.ts"
import { raw, tempFolder } from "./fixtures/temp.ts"

const temp = tempFolder()

/** Everything a file holds as history, in a fixed order. */
const history = (db: SqliteDatabase) => ({
  rollouts: db.prepare("SELECT * FROM rollouts ORDER BY rollout_id").all(),
  events: db.prepare("SELECT * FROM events ORDER BY rollout_id, seq").all(),
  endings: db.prepare("SELECT * FROM endings ORDER BY rollout_id").all()
})

/**
 * Every SQL verb that could change history, each aimed at a row that exists:
 * the rollout, event 1 and the ending of rollout r1. (DROP TRIGGER is out of
 * scope: whoever may alter the schema can do anything to the file.)
 */
const rewrites: ReadonlyArray<string> = [
  "UPDATE events SET data = '{\"action\":\"rollback\"}'",
  "DELETE FROM events",
  "REPLACE INTO events (rollout_id, seq, at, type, data) VALUES ('r1', 1, 1100, 'verdict', '{\"action\":\"rollback\"}')",
  "INSERT OR REPLACE INTO events (rollout_id, seq, at, type, data) VALUES ('r1', 1, 1100, 'verdict', '{\"action\":\"rollback\"}')",
  "INSERT INTO events (rollout_id, seq, at, type, data) VALUES ('r1', 1, 1100, 'verdict', '{}') ON CONFLICT (rollout_id, seq) DO UPDATE SET data = excluded.data",
  "INSERT OR IGNORE INTO events (rollout_id, seq, at, type, data) VALUES ('r1', 1, 1100, 'verdict', '{}')",
  "UPDATE endings SET result = 'rolled_back'",
  "DELETE FROM endings",
  "REPLACE INTO endings (rollout_id, result, finished_at) VALUES ('r1', 'rolled_back', 1200)",
  "INSERT OR REPLACE INTO endings (rollout_id, result, finished_at) VALUES ('r1', 'rolled_back', 1200)",
  "INSERT INTO endings (rollout_id, result, finished_at) VALUES ('r1', 'rolled_back', 1200) ON CONFLICT (rollout_id) DO UPDATE SET result = excluded.result",
  "INSERT OR IGNORE INTO endings (rollout_id, result, finished_at) VALUES ('r1', 'rolled_back', 1200)",
  "UPDATE rollouts SET service = 'other'",
  "DELETE FROM rollouts",
  "REPLACE INTO rollouts (rollout_id, service, target, started_at) VALUES ('r1', 'other', 'k8s:other', 1)",
  "INSERT OR REPLACE INTO rollouts (rollout_id, service, target, started_at) VALUES ('r1', 'other', 'k8s:other', 1)",
  "INSERT INTO rollouts (rollout_id, service, target, started_at) VALUES ('r1', 'other', 'k8s:other', 1) ON CONFLICT (rollout_id) DO UPDATE SET service = excluded.service",
  "INSERT OR IGNORE INTO rollouts (rollout_id, service, target, started_at) VALUES ('r1', 'other', 'k8s:other', 1)"
]

/** A promoted rollout r1 with one event, written through the store. */
const promotedThroughStore = (path: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const s = yield* EvidenceStore.EvidenceStore
      yield* s.create({ rolloutId: "r1", service: "checkout", target: "k8s:checkout", startedAt: 1_000 })
      yield* s.append("r1", { type: "verdict", at: 1_100, data: { action: "promote" } })
      yield* s.finish("r1", "promoted", 1_200)
    }).pipe(Effect.provide(SqliteEvidenceStore.layer({ path })))
  )

/** The same rollout in a file made by schema version 1 (the first release), written as that version wrote it. */
const promotedInVersion1 = (path: string) => {
  const db = raw(path)
  try {
    expect(migrate(db, migrations.slice(0, 1))).toBe(1)
    db.exec(`
      INSERT INTO rollouts (rollout_id, service, target, started_at) VALUES ('r1', 'checkout', 'k8s:checkout', 1000);
      INSERT INTO events (rollout_id, seq, at, type, data) VALUES ('r1', 1, 1100, 'verdict', '{"action":"promote"}');
      INSERT INTO endings (rollout_id, result, finished_at) VALUES ('r1', 'promoted', 1200);`)
  } finally {
    db.close()
  }
}

/** Try every rewrite on the file; each must fail or change nothing, and the history must read back as written. */
const expectEveryRewriteRefused = async (path: string) => {
  const db = raw(path)
  try {
    db.pragma("foreign_keys = ON")
    const before = history(db)
    for (const sql of rewrites) {
      let changed = 0
      try {
        changed = db.prepare(sql).run().changes
      } catch (e) {
        expect(String(e), sql).toMatch(/append-only/)
      }
      expect(changed, sql).toBe(0)
      expect(history(db), sql).toEqual(before)
    }
  } finally {
    db.close()
  }
  const after = await Effect.runPromise(Effect.flatMap(EvidenceStore.EvidenceStore, (s) => s.get("r1")).pipe(Effect.provide(SqliteEvidenceStore.layer({ path }))))
  expect(after.rollout.result).toBe("promoted")
  expect(after.events.map((e) => e.data)).toEqual([{ action: "promote" }])
}

describe("SqliteEvidenceStore history cannot be rewritten by any SQL verb (real SQLite file)", () => {
  it("a store created by this version refuses UPDATE, DELETE, REPLACE, INSERT OR REPLACE, upserts and ignores a duplicate", async () => {
    const path = temp.fresh()
    await promotedThroughStore(path)
    await expectEveryRewriteRefused(path)
  })

  it("a store created by schema version 1 and migrated refuses them too", async () => {
    const path = temp.fresh()
    promotedInVersion1(path)
    // opening it through the store migrates it
    await Effect.runPromise(Effect.flatMap(EvidenceStore.EvidenceStore, (s) => s.list()).pipe(Effect.provide(SqliteEvidenceStore.layer({ path }))))
    const db = raw(path)
    expect(db.pragma("user_version", { simple: true })).toBe(SqliteEvidenceStore.schemaVersion)
    db.close()
    await expectEveryRewriteRefused(path)
  })

  it("(the bug the migration closes) a version 1 file let REPLACE rewrite an ending and an event", () => {
    const path = temp.fresh()
    promotedInVersion1(path)
    const db = raw(path)
    try {
      db.prepare("REPLACE INTO endings (rollout_id, result, finished_at) VALUES ('r1', 'rolled_back', 1200)").run()
      db.prepare("INSERT OR REPLACE INTO events (rollout_id, seq, at, type, data) VALUES ('r1', 1, 1100, 'verdict', '{\"action\":\"rollback\"}')").run()
      expect(history(db).endings).toEqual([{ rollout_id: "r1", result: "rolled_back", finished_at: 1200 }])
      expect(history(db).events).toEqual([{ rollout_id: "r1", seq: 1, at: 1100, type: "verdict", data: '{"action":"rollback"}' }])
    } finally {
      db.close()
    }
  })

  it("a lease row is never deleted, replaced or given back an older fencing token (a fenced-off driver would write again)", async () => {
    const path = temp.fresh()
    await promotedThroughStore(path)
    // two drivers in turn (the first lease expired): token 2 is the live one
    let t = 0
    await Effect.runPromise(
      Effect.gen(function* () {
        const leases = (yield* EvidenceStore.EvidenceStore).leases!
        yield* leases.acquire("r1", { host: "h", pid: 1, kind: "cli" }, 1)
        yield* leases.acquire("r1", { host: "h", pid: 2, kind: "cli" }, 1)
      }).pipe(Effect.provide(SqliteEvidenceStore.layer({ path, now: () => (t += 10) })))
    )
    const db = raw(path)
    try {
      for (const sql of [
        "DELETE FROM leases",
        "UPDATE leases SET token = 1",
        "REPLACE INTO leases (rollout_id, token, host, pid, kind, acquired_at, expires_at) VALUES ('r1', 1, 'x', 0, 'cli', 0, 0)",
        "INSERT OR REPLACE INTO leases (rollout_id, token, host, pid, kind, acquired_at, expires_at) VALUES ('r1', 1, 'x', 0, 'cli', 0, 0)"
      ]) {
        expect(() => db.exec(sql), sql).toThrow(/lease|append-only/)
      }
      expect(db.prepare("SELECT token FROM leases").all()).toEqual([{ token: 2 }])
    } finally {
      db.close()
    }
  })

  it("the store's own appends and endings still work after the migration (new keys are not refused)", async () => {
    const path = temp.fresh()
    promotedInVersion1(path)
    const got = await Effect.runPromise(
      Effect.gen(function* () {
        const s = yield* EvidenceStore.EvidenceStore
        yield* s.create({ rolloutId: "r2", service: "checkout", target: "k8s:checkout", startedAt: 2_000 })
        yield* s.append("r2", { type: "verdict", at: 2_100, data: { action: "rollback" } })
        yield* s.append("r2", { type: "RolledBack", at: 2_150, data: null })
        yield* s.finish("r2", "rolled_back", 2_200)
        return yield* s.get("r2")
      }).pipe(Effect.provide(SqliteEvidenceStore.layer({ path })))
    )
    expect(got.events.map((e) => e.seq)).toEqual([1, 2])
    expect(got.rollout.result).toBe("rolled_back")
  })
})
