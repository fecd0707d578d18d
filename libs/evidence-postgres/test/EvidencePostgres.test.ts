import { EvidenceStore } from "@rollwise/rollout-engine"
import { Effect, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { EvidencePostgres } from "../src/index.ts"
import { postgresPerFile } from "./fixtures/pg.ts"

const pg = postgresPerFile({ password: "s3cr3t:p@ss/w0rd" })

/** Run a program on a store opened on `url` (closed after). */
const withStore = <A, E>(url: string, f: (s: EvidencePostgres.Service) => Effect.Effect<A, E>, options: Partial<EvidencePostgres.Options> = {}) =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(EvidencePostgres.make({ url, ...options }), f)))

/** The error opening (or running on) a store fails with. */
const failure = <A>(url: string, f: (s: EvidencePostgres.Service) => Effect.Effect<A, EvidenceStore.EvidenceError> = () => Effect.void as never, options: Partial<EvidencePostgres.Options> = {}) =>
  Effect.runPromise(Effect.flip(Effect.scoped(Effect.flatMap(EvidencePostgres.make({ url, ...options }), f))))

const start: EvidenceStore.NewRollout = {
  rolloutId: "r1",
  service: "checkout",
  module: "payments",
  version: "2.4.1",
  buildNumber: "118",
  target: "k8s:checkout",
  startedAt: 1_000,
  data: { decision: { risk_score: 42, strategy: "canary", pace: "normal", reasons: [{ feature: "linesAdded", value: 120, contribution: 0.3 }] }, features: { linesAdded: 120 } }
}

describe("EvidencePostgres durability (real PostgreSQL)", () => {
  it("reads back after close and reopen exactly what was written; history carries the decision", async () => {
    const url = await pg.fresh()
    const written = await withStore(url, (s) =>
      Effect.gen(function* () {
        yield* s.create(start)
        yield* s.create({ rolloutId: "r2", service: "search", target: "arm:fleet", startedAt: 2_000 })
        yield* s.append("r1", { type: "decision", at: 1_001, data: { risk_score: 42, strategy: "canary" } })
        yield* s.append("r1", { type: "step.applied", at: 1_100.5, data: { weight: 10, note: "ünïcødé ✓ \u0000 nul", nested: [1, null, { deep: true }] } })
        yield* s.append("r1", { type: "marker", at: 1_300, data: undefined })
        yield* s.finish("r1", "rolled_back", 1_400)
        return { r1: yield* s.get("r1"), r2: yield* s.get("r2"), list: yield* s.list(), history: yield* s.history() }
      })
    )
    const reread = await withStore(url, (s) =>
      Effect.gen(function* () {
        return { r1: yield* s.get("r1"), r2: yield* s.get("r2"), list: yield* s.list(), history: yield* s.history() }
      })
    )
    expect(reread).toEqual(written)
    expect(reread.r1.rollout).toEqual({ ...start, result: "rolled_back", finishedAt: 1_400 })
    expect(reread.r1.events.map((e) => [e.seq, e.at])).toEqual([
      [1, 1_001],
      [2, 1_100.5],
      [3, 1_300]
    ])
    expect(reread.r1.events[1]!.data).toEqual({ weight: 10, note: "ünïcødé ✓ \u0000 nul", nested: [1, null, { deep: true }] })
    expect(reread.r1.events[2]!.data).toBeUndefined()
    expect(reread.r2.rollout).toEqual({ rolloutId: "r2", service: "search", target: "arm:fleet", startedAt: 2_000 })
    expect(reread.list.map((r) => r.rolloutId)).toEqual(["r2", "r1"])
    expect(reread.history).toEqual([{ ...start, result: "rolled_back", finishedAt: 1_400, decision: { risk_score: 42, strategy: "canary" } }])
    expect(await pg.server().psql("SELECT count(*) FROM rollwise_events", new URL(url).pathname.slice(1))).toBe("3")
  }, 60_000)

  it("a payload that is not JSON-serialisable is refused as Corrupt and nothing is written", async () => {
    const url = await pg.fresh()
    const error = await failure(url, (s) => Effect.andThen(s.create(start), s.append("r1", { type: "bad", at: 1, data: { big: 10n } })))
    expect(error.reason).toBe("Corrupt")
    expect(error.detail).toMatch(/not JSON-serialisable/)
    expect((await withStore(url, (s) => s.get("r1"))).events).toEqual([])
  }, 60_000)

  it("a row whose JSON does not parse reads back as Corrupt, and the rest of the store still reads", async () => {
    const url = await pg.fresh()
    await withStore(url, (s) => Effect.andThen(s.create(start), s.create({ ...start, rolloutId: "r2", data: undefined })))
    const db = new URL(url).pathname.slice(1)
    // someone with the database's owner rights writes around the store (triggers off for the session)
    await pg.server().psql("SET session_replication_role = replica; INSERT INTO rollwise_events VALUES ('r1', 1, 1, 'x', '{not json')", db)
    const error = await failure(url, (s) => s.get("r1"))
    expect(error.reason).toBe("Corrupt")
    expect(error.detail).toMatch(/event 1 of rollout r1 does not parse as JSON/)
    expect((await withStore(url, (s) => s.get("r2"))).rollout.rolloutId).toBe("r2")
  }, 60_000)
})

describe("EvidencePostgres is append-only (real PostgreSQL)", () => {
  it("the database itself refuses UPDATE, DELETE, TRUNCATE, upserts and MERGE over evidence, and lowering or deleting a lease", async () => {
    const url = await pg.fresh()
    await withStore(url, (s) =>
      Effect.gen(function* () {
        yield* s.create(start)
        yield* s.append("r1", { type: "verdict", at: 1_100, data: { action: "promote" } })
        yield* s.finish("r1", "promoted", 1_200)
        yield* s.leases!.acquire("r1", { host: "h", pid: 1, kind: "cli" }, 1_000)
        yield* s.leases!.acquire("r1", { host: "h", pid: 1, kind: "cli" }, 1_000).pipe(Effect.ignore)
      })
    )
    const db = new URL(url).pathname.slice(1)
    for (const sql of [
      "UPDATE rollwise_events SET data = '{}'",
      "DELETE FROM rollwise_events",
      "TRUNCATE rollwise_events",
      "UPDATE rollwise_rollouts SET service = 'other'",
      "DELETE FROM rollwise_rollouts",
      "TRUNCATE rollwise_rollouts CASCADE",
      "UPDATE rollwise_endings SET result = 'aborted'",
      "DELETE FROM rollwise_endings",
      "INSERT INTO rollwise_rollouts (rollout_id, service, target, started_at) VALUES ('r1', 'x', 'y', 1) ON CONFLICT (rollout_id) DO UPDATE SET service = EXCLUDED.service",
      "INSERT INTO rollwise_events VALUES ('r1', 1, 1, 'forged', '{}') ON CONFLICT (rollout_id, seq) DO UPDATE SET type = EXCLUDED.type",
      "MERGE INTO rollwise_endings t USING (SELECT 'r1' AS id) s ON t.rollout_id = s.id WHEN MATCHED THEN UPDATE SET result = 'aborted'",
      "INSERT INTO rollwise_events VALUES ('r1', 1, 1, 'forged', '{}')",
      "UPDATE rollwise_leases SET token = 0",
      "DELETE FROM rollwise_leases",
      "TRUNCATE rollwise_leases"
    ]) {
      await expect(pg.server().psql(sql, db), sql).rejects.toThrow(/append-only|never goes back|never deleted|duplicate key/)
    }
    const after = await withStore(url, (s) => s.get("r1"))
    expect(after.rollout.result).toBe("promoted")
    expect(after.events.map((e) => [e.type, e.data])).toEqual([["verdict", { action: "promote" }]])
  }, 60_000)
})

describe("EvidencePostgres migrations (real PostgreSQL)", () => {
  it("a fresh database is migrated to the current schema, recorded in the version table; reopening migrates nothing and keeps the data", async () => {
    const url = await pg.fresh()
    const db = new URL(url).pathname.slice(1)
    await withStore(url, (s) => s.create(start))
    const versions = await pg.server().psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM rollwise_schema_version", db)
    expect(versions).toBe(Array.from({ length: EvidencePostgres.schemaVersion }, (_, i) => i + 1).join(","))
    const stamp = await pg.server().psql("SELECT string_agg(applied_at::text, ',' ORDER BY version) FROM rollwise_schema_version", db)
    for (let i = 0; i < 3; i++) await withStore(url, (s) => s.list())
    expect(await pg.server().psql("SELECT string_agg(applied_at::text, ',' ORDER BY version) FROM rollwise_schema_version", db)).toBe(stamp)
    expect((await withStore(url, (s) => s.get("r1"))).rollout.rolloutId).toBe("r1")
  }, 60_000)

  it("eight processes' stores opening a new database at once migrate it once", async () => {
    const url = await pg.fresh()
    const db = new URL(url).pathname.slice(1)
    await Promise.all(Array.from({ length: 8 }, () => withStore(url, (s) => s.list())))
    expect(await pg.server().psql("SELECT count(*) FROM rollwise_schema_version", db)).toBe(String(EvidencePostgres.schemaVersion))
  }, 60_000)

  it("a database a newer Rollwise migrated is refused as Unavailable and left untouched", async () => {
    const url = await pg.fresh()
    const db = new URL(url).pathname.slice(1)
    await withStore(url, (s) => s.create(start))
    await pg.server().psql(`INSERT INTO rollwise_schema_version (version, description) VALUES (${EvidencePostgres.schemaVersion + 1}, 'from the future')`, db)
    const error = await failure(url)
    expect(error.reason).toBe("Unavailable")
    expect(error.message).toMatch(/migrated by a newer Rollwise \(evidence schema version \d+; this one reads up to \d+\)/)
    expect(await pg.server().psql("SELECT count(*) FROM rollwise_schema_version", db)).toBe(String(EvidencePostgres.schemaVersion + 1))
  }, 60_000)
})

describe("EvidencePostgres errors never show the password (real PostgreSQL)", () => {
  const password = "s3cr3t:p@ss/w0rd"
  const clean = (e: EvidenceStore.EvidenceError) => {
    const text = [e.message, e.detail, JSON.stringify(e.cause), String(e)].join("\n")
    expect(text).not.toContain("s3cr3t")
    expect(text).not.toContain(encodeURIComponent(password))
    expect(e.message.split("\n")).toHaveLength(1)
  }

  it("connection refused: Unavailable, one line, the URL shown without its credentials", async () => {
    const url = `postgres://rollwise:${encodeURIComponent(password)}@127.0.0.1:1/evidence`
    const error = await failure(url, undefined, { connectTimeoutMs: 5_000 })
    expect(error.reason).toBe("Unavailable")
    expect(error.message).toContain("postgres://***@127.0.0.1:1/evidence")
    expect(error.message).toMatch(/cannot reach PostgreSQL/)
    clean(error)
  }, 60_000)

  it("a wrong password: Unavailable naming the refusal, without either password", async () => {
    const url = `postgres://rollwise:wrong-${encodeURIComponent(password)}@127.0.0.1:${pg.server().port}/postgres`
    const error = await failure(url)
    expect(error.reason).toBe("Unavailable")
    expect(error.message).toMatch(/refused the credentials/)
    expect(error.message).toMatch(/password authentication failed for user "rollwise"/)
    clean(error)
  }, 60_000)

  it("the right password, given Redacted, opens the store; a missing database is Unavailable without the password", async () => {
    const url = await pg.fresh()
    expect(url).toContain(encodeURIComponent(password))
    expect(await withStore(url, (s) => s.list(), { url: Redacted.make(url) })).toEqual([])
    const missing = await failure(url.replace(/\/[^/]+$/, "/nope"))
    expect(missing.reason).toBe("Unavailable")
    expect(missing.message).toMatch(/database "nope" does not exist/)
    clean(missing)
  }, 60_000)

  it("something that is not a PostgreSQL URL is refused before connecting", async () => {
    const error = await failure("mysql://root:hunter22@db/x")
    expect(error.reason).toBe("Unavailable")
    expect(error.message).not.toContain("hunter22")
  })

  it("isUrl tells a PostgreSQL URL from a SQLite path; redactUrl hides the userinfo", () => {
    expect(EvidencePostgres.isUrl("postgres://db/rollwise")).toBe(true)
    expect(EvidencePostgres.isUrl("postgresql://u:p@db:5432/rollwise?sslmode=require")).toBe(true)
    expect(EvidencePostgres.isUrl(".rollwise/evidence.db")).toBe(false)
    expect(EvidencePostgres.isUrl("/var/lib/postgres://x")).toBe(false)
    expect(EvidencePostgres.redactUrl("postgres://rollwise:s3cr3t@db:5432/rollwise")).toBe("postgres://***@db:5432/rollwise")
    expect(EvidencePostgres.redactUrl("postgres://db:5432/rollwise")).toBe("postgres://db:5432/rollwise")
  })
})
