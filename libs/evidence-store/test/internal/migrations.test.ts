import { EvidenceStore } from "@rollwise/rollout-engine"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { applicationId, migrate, type Migration } from "../../src/internal/migrations.ts"
import { SqliteEvidenceStore } from "../../src/index.ts"
import { raw, tempFolder } from "../fixtures/temp.ts"

const temp = tempFolder()

const open = (path: string) => Effect.runPromise(Effect.flatMap(EvidenceStore.EvidenceStore, (s) => s.list()).pipe(Effect.provide(SqliteEvidenceStore.layer({ path }))))
const openError = (path: string) =>
  Effect.runPromise(Effect.flip(Effect.flatMap(EvidenceStore.EvidenceStore, (s) => s.list()).pipe(Effect.provide(SqliteEvidenceStore.layer({ path })))))

const pragmas = (path: string) => {
  const db = raw(path)
  try {
    return {
      userVersion: db.pragma("user_version", { simple: true }),
      applicationId: db.pragma("application_id", { simple: true }),
      journalMode: db.pragma("journal_mode", { simple: true }),
      tables: (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((t) => t.name)
    }
  } finally {
    db.close()
  }
}

describe("schema migrations", () => {
  it("a fresh file gets the current schema version, and reopening it migrates nothing", async () => {
    const path = temp.fresh()
    await open(path)
    const first = pragmas(path)
    expect(SqliteEvidenceStore.schemaVersion).toBe(3)
    expect(first).toEqual({ userVersion: SqliteEvidenceStore.schemaVersion, applicationId, journalMode: "wal", tables: ["endings", "events", "leases", "rollouts"] })
    await open(path)
    expect(pragmas(path)).toEqual(first)
  })

  it("a file stamped by a newer schema is refused with a clear message and left untouched", async () => {
    const path = temp.fresh()
    const db = raw(path)
    db.exec("CREATE TABLE rollouts_v2 (id TEXT)")
    db.pragma(`application_id = ${applicationId}`)
    db.pragma(`user_version = ${SqliteEvidenceStore.schemaVersion + 1}`)
    db.close()
    const before = readFileSync(path)
    const error = await openError(path)
    expect(error.reason).toBe("Unavailable")
    expect(error.detail).toContain(
      `written by a newer Rollwise (evidence schema version ${SqliteEvidenceStore.schemaVersion + 1}; this one reads up to ${SqliteEvidenceStore.schemaVersion}). Upgrade Rollwise to open it`
    )
    expect(readFileSync(path).equals(before)).toBe(true)
    expect(pragmas(path).journalMode).toBe("delete")
  })

  const steps: ReadonlyArray<Migration> = [
    { version: 1, description: "a", sql: "CREATE TABLE a (x TEXT) STRICT;" },
    { version: 2, description: "b", sql: "CREATE TABLE b (y TEXT) STRICT; INSERT INTO b VALUES ('from 2');" },
    { version: 3, description: "c", sql: "ALTER TABLE b ADD COLUMN z TEXT; UPDATE b SET z = 'from 3';" }
  ]

  it("applies only the migrations newer than the file, in order", () => {
    const path = temp.fresh()
    const db = raw(path)
    try {
      expect(migrate(db, steps.slice(0, 1))).toBe(1)
      db.prepare("INSERT INTO a VALUES ('kept')").run()
      expect(migrate(db, steps)).toBe(3)
      expect(db.pragma("user_version", { simple: true })).toBe(3)
      expect(db.prepare("SELECT * FROM a").all()).toEqual([{ x: "kept" }])
      expect(db.prepare("SELECT * FROM b").all()).toEqual([{ y: "from 2", z: "from 3" }])
      expect(migrate(db, steps)).toBe(3)
    } finally {
      db.close()
    }
  })

  it("a failing migration leaves the file as it was (all or nothing)", () => {
    const path = temp.fresh()
    const db = raw(path)
    try {
      const broken = [...steps.slice(0, 2), { version: 3, description: "broken", sql: "CREATE TABLE c (x TEXT); SELECT no_such_function();" }]
      expect(() => migrate(db, broken)).toThrow(/no such function/)
      expect(db.pragma("user_version", { simple: true })).toBe(0)
      expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all()).toEqual([])
    } finally {
      db.close()
    }
  })
})
