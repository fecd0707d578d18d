import { EvidenceStore } from "@rollwise/rollout-engine"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { EvidencePostgres } from "../src/index.ts"
import { postgresPerFile } from "./fixtures/pg.ts"

const pg = postgresPerFile()

const a: EvidenceStore.Holder = { host: "replica-a", pid: 101, kind: "server" }
const b: EvidenceStore.Holder = { host: "replica-b", pid: 202, kind: "server" }

/** Wait until the rollout's lease has expired by the database's clock (not ours). */
const untilExpired = (s: EvidencePostgres.Service, rolloutId: string) =>
  Effect.gen(function* () {
    for (;;) {
      const lease = yield* s.leases!.current(rolloutId)
      const dbNow = Number(yield* Effect.promise(() => pg.server().psql("SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint")))
      if (lease === undefined || lease.expiresAt <= dbNow) return
      yield* Effect.sleep("50 millis")
    }
  })

describe("leases on the database's clock, across replicas (real PostgreSQL)", () => {
  it("after the owner stops renewing, another replica takes over; the old owner's appends, finish and renewal are refused and its last good append stays", async () => {
    const url = await pg.fresh()
    const got = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          // two replicas: two stores, two pools, one database; leases expire by the database's clock
          const ra = yield* EvidencePostgres.make({ url })
          const rb = yield* EvidencePostgres.make({ url })
          yield* ra.create({ rolloutId: "r1", service: "checkout", target: "simulated:checkout", startedAt: 1 })
          const old = yield* ra.leases!.acquire("r1", a, 400)
          yield* ra.leases!.append(old, { type: "StepApplied", at: 1, data: { index: 0 } })
          const refused = yield* Effect.flip(rb.leases!.acquire("r1", b, 30_000))
          // replica A stops renewing (SIGKILL, a pause): its lease runs out by the database's clock
          yield* untilExpired(rb, "r1")
          const fresh = yield* rb.leases!.acquire("r1", b, 30_000)
          const append = yield* Effect.flip(ra.leases!.append(old, { type: "Promoted", at: 2, data: {} }))
          const finish = yield* Effect.flip(ra.leases!.finish(old, "promoted", 3))
          const renew = yield* Effect.flip(ra.leases!.renew(old, 30_000))
          const byNew = yield* rb.leases!.append(fresh, { type: "Promoted", at: 4, data: {} })
          const ended = yield* rb.leases!.finish(fresh, "promoted", 5)
          return { old, refused, fresh, append, finish, renew, byNew, ended, record: yield* ra.get("r1"), current: yield* ra.leases!.current("r1") }
        })
      )
    )
    expect(got.refused).toMatchObject({ _tag: "LeaseError", reason: "Held", holder: a, token: 1 })
    // times come from the database's clock: now-ish epoch milliseconds
    expect(Math.abs(got.old.acquiredAt - Date.now())).toBeLessThan(10 * 60_000)
    expect(got.fresh.token).toBe(2)
    expect(got.append).toMatchObject({ _tag: "LeaseError", reason: "Superseded", holder: b, token: got.fresh.token })
    expect(got.append.message).toContain("server pid 202 on replica-b")
    expect(got.finish).toMatchObject({ _tag: "LeaseError", reason: "Superseded" })
    expect(got.renew).toMatchObject({ _tag: "LeaseError", reason: "Superseded" })
    expect(got.byNew.seq).toBe(2)
    expect(got.record.events.map((e) => [e.seq, e.type])).toEqual([
      [1, "StepApplied"],
      [2, "Promoted"]
    ])
    expect(got.record.rollout.result).toBe("promoted")
    expect(got.current).toMatchObject({ token: got.fresh.token, holder: b, released: false })
  }, 60_000)

  it("ten replicas racing for an expired lease: exactly one gets it, with the next token; the rest are told who holds it", async () => {
    const url = await pg.fresh()
    const results = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const stores = yield* Effect.all(Array.from({ length: 10 }, () => EvidencePostgres.make({ url, maxConnections: 1 })))
          yield* stores[0]!.create({ rolloutId: "r1", service: "checkout", target: "simulated:checkout", startedAt: 1 })
          const first = yield* stores[0]!.leases!.acquire("r1", a, 1)
          yield* Effect.sleep("20 millis")
          const race = yield* Effect.all(
            stores.map((s, i) => Effect.result(s.leases!.acquire("r1", { host: `replica-${i}`, pid: i, kind: "server" }, 60_000))),
            { concurrency: "unbounded" }
          )
          return { first, race }
        })
      )
    )
    const winners = results.race.flatMap((r) => (r._tag === "Success" ? [r.success] : []))
    expect(winners).toHaveLength(1)
    expect(winners[0]!.token).toBe(results.first.token + 1)
    for (const r of results.race) {
      if (r._tag === "Failure") expect(r.failure).toMatchObject({ _tag: "LeaseError", reason: "Held", holder: winners[0]!.holder, token: winners[0]!.token })
    }
  }, 60_000)
})
