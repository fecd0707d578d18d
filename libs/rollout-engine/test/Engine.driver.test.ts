import { Duration, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { DeployTarget, Engine, EvidenceStore as EvidenceStoreModule, type EvidenceStore } from "../src/index.ts"
import { DriverContract } from "../src/testing.ts"

DriverContract.suite("in-memory store", DriverContract.memory)

describe("the driver suite can fail", () => {
  it("a store whose leases grant every acquire (no lease at all, as before issue #16) lets two resumers drive at once, a step is applied twice, and the suite says so", async () => {
    const noLease = (s: EvidenceStore.EvidenceStore["Service"]): EvidenceStore.EvidenceStore["Service"] => {
      const leases = s.leases!
      let token = 0
      // every driver gets its own lease and writes unfenced: what every resumer did before
      return {
        ...s,
        leases: {
          ...leases,
          acquire: (rolloutId, holder, ttlMs) => Effect.succeed({ rolloutId, token: ++token, holder, acquiredAt: 0, expiresAt: ttlMs }),
          renew: (lease) => Effect.succeed(lease),
          release: () => Effect.void,
          append: (lease, event, expectedSeq) => s.append(lease.rolloutId, event, expectedSeq),
          finish: (lease, result, at) => s.finish(lease.rolloutId, result, at)
        }
      }
    }
    const outcome = await DriverContract.play({ drivers: 3, kills: [2] }, DriverContract.memory, noLease)
    expect(() => DriverContract.check(outcome)).toThrow()
    // two resumers drove at once: a step applied twice (and so recorded twice)
    expect(outcome.calls.length).toBeGreaterThan(4)
    expect(outcome.events.filter((t) => t === "StepApplied").length).toBeGreaterThan(3)
    expect(outcome.ends.filter((e) => e === "ok").length).toBeGreaterThan(1)
  }, 60_000)
})

describe("the driver's lease while it drives (TestClock)", () => {
  const run = <A, E>(program: (leases: EvidenceStore.Leases, store: EvidenceStore.EvidenceStore["Service"], now: { t: number }) => Effect.Effect<A, E>) =>
    Effect.runPromise(
      Effect.gen(function* () {
        const now = { t: 0 }
        const store = yield* EvidenceStoreModule.makeMemoryWith({ now: () => now.t })
        return yield* program(store.leases!, store, now)
      })
    )

  it("a driver that renews keeps its lease for as long as it drives; a second one is refused all along", async () => {
    const refusals = await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* EvidenceStoreModule.makeMemory
        const { target } = yield* DeployTarget.makeMemory({ kind: "simulated", name: "svc" })
        const fiber = yield* Effect.forkChild(
          Engine.run({ ...DriverContract.options, driver: { holder: { host: "a", pid: 1, kind: "cli" }, ttl: Duration.seconds(30) } }).pipe(
            Effect.provideService(EvidenceStoreModule.EvidenceStore, store),
            Effect.provideService(DeployTarget.DeployTarget, target),
            Effect.provide(DriverContract.healthy)
          )
        )
        const refused: Array<string> = []
        // the rollout takes minutes; try every 20 s (two thirds of a lease) to take it over
        for (let i = 0; i < 60; i++) {
          yield* TestClock.adjust("20 seconds")
          if (fiber.pollUnsafe() !== undefined) break
          const attempt = yield* Effect.flip(store.leases!.acquire("r1", { host: "b", pid: 2, kind: "server" }, 30_000))
          refused.push(attempt._tag === "LeaseError" ? `${attempt.reason}:${attempt.holder?.host}` : attempt.reason)
        }
        const final = yield* Fiber.join(fiber)
        expect(final.phase).toBe("promoted")
        // released at the end: taken at once
        expect((yield* store.leases!.acquire("r1", { host: "b", pid: 2, kind: "server" }, 30_000)).token).toBe(2)
        return refused
      }).pipe(Effect.provide(TestClock.layer()))
    )
    expect(refusals.length).toBeGreaterThan(10)
    expect(new Set(refusals)).toEqual(new Set(["Held:a"]))
  })

  it("a driver whose lease was taken over (it could not renew in time) stops at once with Superseded and touches the target no more", async () => {
    const got = await Effect.runPromise(
      Effect.gen(function* () {
        let t = 0
        const store = yield* EvidenceStoreModule.makeMemoryWith({ now: () => t })
        const { target, controls } = yield* DeployTarget.makeMemory({ kind: "simulated", name: "svc" })
        const fiber = yield* Effect.forkChild(
          Engine.run({ ...DriverContract.options, driver: { holder: { host: "a", pid: 1, kind: "cli" }, ttl: Duration.seconds(30), renewEvery: Duration.seconds(10) } }).pipe(
            Effect.provideService(EvidenceStoreModule.EvidenceStore, store),
            Effect.provideService(DeployTarget.DeployTarget, target),
            Effect.provide(DriverContract.healthy),
            Effect.flip
          )
        )
        yield* TestClock.adjust("5 seconds")
        // the store's clock jumps past the lease (the driver was paused): someone else takes it
        t += 60_000
        const other = yield* store.leases!.acquire("r1", { host: "b", pid: 2, kind: "server" }, 30_000)
        const callsAtTakeover = (yield* controls.calls).length
        for (let i = 0; i < 10 && fiber.pollUnsafe() === undefined; i++) yield* TestClock.adjust("5 seconds")
        return { error: yield* Fiber.join(fiber), other, callsAtTakeover, calls: (yield* controls.calls).length, lease: yield* store.leases!.current("r1") }
      }).pipe(Effect.provide(TestClock.layer()))
    )
    expect(got.error).toMatchObject({ _tag: "LeaseError", reason: "Superseded", holder: { host: "b" } })
    expect(got.calls).toBe(got.callsAtTakeover)
    // its release did not touch the new holder's lease
    expect(got.lease).toMatchObject({ token: got.other.token, released: false })
  })

  it("a store without leases (a stand-in) cannot drive: Unavailable before anything is recorded", async () => {
    const error = await run((_leases, store) =>
      Effect.flip(
        Engine.run(DriverContract.options).pipe(
          Effect.provideService(EvidenceStoreModule.EvidenceStore, { ...store, leases: undefined } as unknown as EvidenceStore.EvidenceStore["Service"]),
          Effect.provide(DeployTarget.layerMemory()),
          Effect.provide(DriverContract.healthy)
        )
      )
    )
    expect(error).toMatchObject({ _tag: "EvidenceError", reason: "Unavailable" })
  })
})
