import { Effect, type Layer } from "effect"
import { describe, expect, it } from "vitest"
import { harness } from "./contractSupport.ts"
import { type EvidenceError, EvidenceStore, type Holder, type LeaseError, type Leases, moduleHistory, type NewRollout } from "../EvidenceStore.ts"

const rollout = (id: string, overrides: Partial<NewRollout> = {}): NewRollout => ({
  rolloutId: id,
  service: "checkout",
  module: "payments",
  version: "2.4.1",
  buildNumber: "118",
  target: "k8s:checkout",
  startedAt: 1_000,
  data: { decision: { risk_score: 42, strategy: "canary" } },
  ...overrides
})

const cli: Holder = { host: "build-7", pid: 4242, kind: "cli" }
const server: Holder = { host: "api-0", pid: 17, kind: "server" }

/** The store's lease interface, or a failure the suite reports. */
const leasesOf = (s: EvidenceStore["Service"]): Effect.Effect<Leases, EvidenceError> =>
  s.leases === undefined ? Effect.die(new Error("the store has no leases: every adapter must implement them")) : Effect.succeed(s.leases)

/** The tag and reason a lease call failed with, to compare. */
const why = (e: EvidenceError | LeaseError) => `${e._tag}:${e.reason}`

/**
 * The EvidenceStore contract. `layer` must give a fresh, empty store each time
 * it is called (every test starts from nothing), whose leases expire by the
 * `now` it is given (epoch milliseconds), never its own clock.
 */
export const suite = (name: string, layer: (now: () => number) => Layer.Layer<EvidenceStore>) => {
  let clock = 1_000_000
  const now = () => clock
  const { ok, reason } = harness(
    Effect.gen(function* () {
      return yield* EvidenceStore
    }),
    () => {
      clock = 1_000_000
      return layer(now)
    }
  )

  describe(`EvidenceStore contract: ${name}`, () => {
    it("creates a rollout once; a second create with the same id is a Conflict", async () => {
      const got = await ok((s) => Effect.andThen(s.create(rollout("r1")), s.get("r1")))
      expect(got.rollout).toMatchObject(rollout("r1"))
      expect(got.events).toEqual([])
      expect(await reason((s) => Effect.andThen(s.create(rollout("r1")), s.create(rollout("r1"))))).toBe("Conflict")
    })

    it("appends events with gapless sequence numbers and reads them back in order, payloads intact", async () => {
      const got = await ok((s) =>
        Effect.gen(function* () {
          yield* s.create(rollout("r1"))
          yield* s.append("r1", { type: "gate.evaluated", at: 1_100, data: { status: "pass", gates: [{ gate: "approval", reasons: ["ok"] }] } })
          yield* s.append("r1", { type: "step.applied", at: 1_200, data: { weight: 10 } })
          yield* s.append("r1", { type: "verdict", at: 1_300, data: { action: "promote", metrics: [{ name: "latency", p_value: 0.5, ci: [-0.1, 0.05] }] } })
          return yield* s.get("r1")
        })
      )
      expect(got.events.map((e) => [e.seq, e.type, e.at])).toEqual([
        [1, "gate.evaluated", 1_100],
        [2, "step.applied", 1_200],
        [3, "verdict", 1_300]
      ])
      expect(got.events[2]!.data).toEqual({ action: "promote", metrics: [{ name: "latency", p_value: 0.5, ci: [-0.1, 0.05] }] })
    })

    it("refuses an append whose expected sequence number is stale (another writer got there first)", async () => {
      expect(
        await reason((s) =>
          Effect.gen(function* () {
            yield* s.create(rollout("r1"))
            yield* s.append("r1", { type: "a", at: 1, data: null }, 0)
            yield* s.append("r1", { type: "b", at: 2, data: null }, 0)
          })
        )
      ).toBe("Conflict")
      const got = await ok((s) =>
        Effect.gen(function* () {
          yield* s.create(rollout("r1"))
          yield* s.append("r1", { type: "a", at: 1, data: null }, 0)
          return yield* s.append("r1", { type: "b", at: 2, data: null }, 1)
        })
      )
      expect(got.seq).toBe(2)
    })

    it("unknown rollouts are NotFound", async () => {
      expect(await reason((s) => s.get("nope"))).toBe("NotFound")
      expect(await reason((s) => s.append("nope", { type: "a", at: 1, data: null }))).toBe("NotFound")
      expect(await reason((s) => s.finish("nope", "promoted", 1))).toBe("NotFound")
    })

    it("finishes once: the same result again is a no-op, another result a Conflict", async () => {
      const finished = await ok((s) =>
        Effect.gen(function* () {
          yield* s.create(rollout("r1"))
          yield* s.finish("r1", "rolled_back", 2_000)
          return yield* s.finish("r1", "rolled_back", 3_000)
        })
      )
      expect(finished).toMatchObject({ result: "rolled_back", finishedAt: 2_000 })
      expect(
        await reason((s) => Effect.andThen(s.create(rollout("r1")), Effect.andThen(s.finish("r1", "rolled_back", 2_000), s.finish("r1", "promoted", 3_000))))
      ).toBe("Conflict")
    })

    it("lists newest first, filtered by service and module, with a limit; counts module history", async () => {
      const [all, payments, limited, history] = await ok((s) =>
        Effect.gen(function* () {
          yield* s.create(rollout("a", { startedAt: 1 }))
          yield* s.create(rollout("b", { startedAt: 3 }))
          yield* s.create(rollout("c", { startedAt: 2, module: "cart" }))
          yield* s.create(rollout("d", { startedAt: 4, service: "search" }))
          yield* s.finish("a", "promoted", 10)
          yield* s.finish("b", "rolled_back", 11)
          const history = yield* moduleHistory("checkout", "payments").pipe(Effect.provideService(EvidenceStore, s))
          return [yield* s.list(), yield* s.list({ service: "checkout", module: "payments" }), yield* s.list({ limit: 2 }), history] as const
        })
      )
      expect(all.map((r) => r.rolloutId)).toEqual(["d", "b", "c", "a"])
      expect(payments.map((r) => r.rolloutId)).toEqual(["b", "a"])
      expect(limited.map((r) => r.rolloutId)).toEqual(["d", "b"])
      expect(history).toEqual({ deploys: 2, failures: 1 })
    })

    it("one driver per rollout: a second acquire is refused naming the holder and its expiry; after expiry it is taken over with a newer token", async () => {
      const got = await ok((s) =>
        Effect.gen(function* () {
          const leases = yield* leasesOf(s)
          yield* s.create(rollout("r1"))
          const first = yield* leases.acquire("r1", cli, 30_000)
          const refused = yield* Effect.flip(leases.acquire("r1", server, 30_000))
          clock += 29_999
          const stillRefused = yield* Effect.flip(leases.acquire("r1", server, 30_000))
          clock += 1
          const second = yield* leases.acquire("r1", server, 30_000)
          return { first, refused, stillRefused, second, current: yield* leases.current("r1") }
        })
      )
      expect(got.first).toEqual({ rolloutId: "r1", token: 1, holder: cli, acquiredAt: 1_000_000, expiresAt: 1_030_000 })
      expect(got.refused).toMatchObject({ _tag: "LeaseError", reason: "Held", rolloutId: "r1", holder: cli, expiresAt: 1_030_000, token: 1 })
      expect(got.refused.message).toContain("cli pid 4242 on build-7")
      expect(got.refused.message).toContain(new Date(1_030_000).toISOString())
      expect(why(got.stillRefused)).toBe("LeaseError:Held")
      expect(got.second).toEqual({ rolloutId: "r1", token: 2, holder: server, acquiredAt: 1_030_000, expiresAt: 1_060_000 })
      expect(got.current).toEqual({ ...got.second, released: false })
    })

    it("renewing keeps the lease; a released lease is taken at once; leases of other rollouts are independent; unknown rollouts are NotFound", async () => {
      const got = await ok((s) =>
        Effect.gen(function* () {
          const leases = yield* leasesOf(s)
          yield* s.create(rollout("r1"))
          yield* s.create(rollout("r2"))
          const lease = yield* leases.acquire("r1", cli, 10_000)
          const other = yield* leases.acquire("r2", server, 10_000)
          clock += 9_000
          const renewed = yield* leases.renew(lease, 10_000)
          clock += 9_000
          const refused = yield* Effect.flip(leases.acquire("r1", server, 10_000))
          yield* leases.release(renewed)
          const released = yield* leases.current("r1")
          const taken = yield* leases.acquire("r1", server, 10_000)
          // releasing a superseded lease changes nothing
          yield* leases.release(renewed)
          return { renewed, refused, released, taken, after: yield* leases.current("r1"), other, none: yield* leases.current("r2") }
        })
      )
      expect(got.renewed.expiresAt).toBe(1_019_000)
      expect(why(got.refused)).toBe("LeaseError:Held")
      expect(got.released).toMatchObject({ token: 1, released: true })
      expect(got.taken).toMatchObject({ token: 2, holder: server })
      expect(got.after).toMatchObject({ token: 2, released: false })
      expect(got.other.token).toBe(1)
      expect(await reason((s) => Effect.flatMap(leasesOf(s), (l) => l.acquire("nope", cli, 1_000)))).toBe("NotFound")
    })

    it("fencing: once a newer lease exists, the old holder's appends, finish and renewal are refused (Superseded); its last good append stays", async () => {
      const got = await ok((s) =>
        Effect.gen(function* () {
          const leases = yield* leasesOf(s)
          yield* s.create(rollout("r1"))
          const old = yield* leases.acquire("r1", cli, 5_000)
          yield* leases.append(old, { type: "StepApplied", at: 1, data: { index: 0 } })
          // paused past its expiry (a GC pause, SIGSTOP, a slow disk): an append still passes while nobody took over
          clock += 6_000
          yield* leases.append(old, { type: "Analyzed", at: 2, data: {} })
          const fresh = yield* leases.acquire("r1", server, 5_000)
          const append = yield* Effect.flip(leases.append(old, { type: "Promoted", at: 3, data: {} }))
          const finish = yield* Effect.flip(leases.finish(old, "promoted", 4))
          const renew = yield* Effect.flip(leases.renew(old, 5_000))
          const byNew = yield* leases.append(fresh, { type: "Promoted", at: 5, data: {} })
          const ended = yield* leases.finish(fresh, "promoted", 6)
          return { append, finish, renew, byNew, ended, events: (yield* s.get("r1")).events.map((e) => e.type) }
        })
      )
      expect(got.append).toMatchObject({ _tag: "LeaseError", reason: "Superseded", holder: server, token: 2 })
      expect(why(got.finish)).toBe("LeaseError:Superseded")
      expect(why(got.renew)).toBe("LeaseError:Superseded")
      expect(got.byNew.seq).toBe(3)
      expect(got.ended.result).toBe("promoted")
      expect(got.events).toEqual(["StepApplied", "Analyzed", "Promoted"])
    })

    it("a released lease fences its own holder too; operators append without a lease while a driver holds one", async () => {
      const got = await ok((s) =>
        Effect.gen(function* () {
          const leases = yield* leasesOf(s)
          yield* s.create(rollout("r1"))
          const lease = yield* leases.acquire("r1", cli, 60_000)
          const approval = yield* s.append("r1", { type: "Approved", at: 1, data: { by: "alice" } })
          const next = yield* leases.append(lease, { type: "StepApplied", at: 2, data: {} }, approval.seq)
          yield* leases.release(lease)
          const afterRelease = yield* Effect.flip(leases.append(lease, { type: "Promoted", at: 3, data: {} }))
          const rollback = yield* s.append("r1", { type: "OperatorRollback", at: 4, data: { by: "bob" } })
          return { approval, next, afterRelease, rollback }
        })
      )
      expect(got.approval.seq).toBe(1)
      expect(got.next.seq).toBe(2)
      expect(why(got.afterRelease)).toBe("LeaseError:Superseded")
      expect(got.rollback.seq).toBe(3)
    })

    it("a fenced append still honours expectedSeq (Conflict when another writer got there first)", async () => {
      expect(
        await reason((s) =>
          Effect.gen(function* () {
            const leases = yield* leasesOf(s)
            yield* s.create(rollout("r1"))
            const lease = yield* leases.acquire("r1", cli, 60_000)
            yield* s.append("r1", { type: "Approved", at: 1, data: null })
            yield* leases.append(lease, { type: "StepApplied", at: 2, data: null }, 0)
          })
        )
      ).toBe("Conflict")
    })
  })
}
