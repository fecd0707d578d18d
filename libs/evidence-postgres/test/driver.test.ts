import { Engine, EvidenceStore, DeployTarget } from "@rollwise/rollout-engine"
import { DriverContract } from "@rollwise/rollout-engine/testing"
import { Cause, Clock, Duration, Effect, Exit, type Fiber } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { EvidencePostgres } from "../src/index.ts"
import { pausedClock } from "./fixtures/pausedClock.ts"
import { postgresPerFile } from "./fixtures/pg.ts"

const pg = postgresPerFile()

/**
 * DriverContract's scenarios (its rollout, plan, metrics and invariants,
 * `DriverContract.check`) played on a real PostgreSQL. Two differences from
 * `DriverContract.play`, both because a real store answers over a socket
 * (reported to the lead; once the suite takes them, this file becomes
 * `DriverContract.suite(…)`):
 * - between two ticks of the TestClock the play waits until no store call
 *   is in flight (`pausedClock.idle`), and leases expire by the suite's
 *   clock stopped while a call is on the wire; otherwise the suite's 2 000
 *   ticks of 5 s run out while queries are still on the wire;
 * - the first wave's resumers start once the starting driver holds the
 *   lease: a resumer that wins the lease of a record without a `Started`
 *   event ends "ok" without driving (Engine.run in resume mode replays
 *   nothing), so nobody ever starts that rollout. With the synchronous
 *   stores this interleaving cannot happen.
 */
const playOnPostgres = (scenario: DriverContract.Scenario): Promise<DriverContract.Outcome> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const url = yield* Effect.promise(() => pg.fresh())
      const testClock = yield* Clock.Clock
      const suiteClock = pausedClock(() => testClock.currentTimeMillisUnsafe())
      const store = suiteClock.wrap(yield* EvidencePostgres.make({ url, now: suiteClock.now }))
      const settle = Effect.promise(() => suiteClock.idle())
      const { target, controls } = yield* DeployTarget.makeMemory({ kind: "simulated", name: "svc" })
      const ends: Array<string> = []
      let launched = 0
      const driver = (mode: "start" | "resume") => {
        const n = launched++
        const killAfter = scenario.kills[n] ?? 0
        let crashed = false
        let recorded = 0
        const leases = store.leases!
        const view: EvidenceStore.EvidenceStore["Service"] = { ...store, leases: { ...leases, release: (l) => (crashed ? Effect.void : leases.release(l)) } }
        return Engine.run(
          {
            ...DriverContract.options,
            driver: { holder: { host: "test", pid: n, kind: "test" }, ttl: Duration.seconds(30) },
            onEvent: () => (killAfter > 0 && ++recorded >= killAfter ? Effect.andThen(Effect.sync(() => void (crashed = true)), Effect.interrupt) : Effect.void)
          },
          mode
        ).pipe(
          Effect.provideService(EvidenceStore.EvidenceStore, view),
          Effect.provideService(DeployTarget.DeployTarget, target),
          Effect.provide(DriverContract.healthy),
          Effect.exit,
          Effect.map((exit) => {
            if (Exit.isSuccess(exit)) return "ok"
            if (Cause.hasInterruptsOnly(exit.cause)) return crashed ? "killed" : "interrupted"
            const error = Cause.squash(exit.cause) as { readonly _tag?: string; readonly reason?: string }
            return `${error._tag}:${error.reason}`
          })
        )
      }
      for (let wave = 0; wave < 60; wave++) {
        const fibers: Array<Fiber.Fiber<string>> = []
        for (let i = 0; i < scenario.drivers; i++) {
          const mode = wave === 0 && i === 0 ? "start" : "resume"
          fibers.push(yield* Effect.forkChild(driver(mode)))
          if (mode === "start") {
            // the starter holds the lease (or has ended) before any resumer looks
            while ((yield* store.leases!.current("r1").pipe(Effect.orElseSucceed(() => undefined))) === undefined && fibers[0]!.pollUnsafe() === undefined) yield* settle
          }
        }
        for (let tick = 0; tick < 2_000 && fibers.some((f) => f.pollUnsafe() === undefined); tick++) {
          yield* settle
          yield* TestClock.adjust("5 seconds")
        }
        yield* settle
        for (const f of fibers) {
          const exit = f.pollUnsafe()
          ends.push(exit !== undefined && Exit.isSuccess(exit) ? exit.value : "stuck")
        }
        if ((yield* store.get("r1").pipe(Effect.orElseSucceed(() => undefined)))?.rollout.result !== undefined) break
        yield* TestClock.adjust("31 seconds")
      }
      const { rollout, events } = yield* store.get("r1")
      return { result: rollout.result, events: events.map((e) => e.type), calls: yield* controls.calls, ends }
    }).pipe(Effect.scoped, Effect.provide(TestClock.layer()))
  )

describe("one driver per rollout (concurrent resumers, random kills): PostgreSQL store (real PostgreSQL)", () => {
  it("two drivers at once, nobody killed: one drives, the other is refused naming the holder", async () => {
    const outcome = await playOnPostgres({ drivers: 2, kills: [] })
    DriverContract.check(outcome)
    expect(outcome.ends).toEqual(["ok", "LeaseError:Held"])
  }, 120_000)

  it("the driver is killed after every kind of transition, then waves of three resumers finish it", async () => {
    for (let k = 1; k <= 8; k++) DriverContract.check(await playOnPostgres({ drivers: 3, kills: [k, k, k, k, k, k] }))
  }, 300_000)

  it("random waves and kills keep every invariant", async () => {
    const scenarios = fc.record({
      drivers: fc.integer({ min: 2, max: 5 }),
      kills: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 7 })), { maxLength: 16 })
    })
    await fc.assert(fc.asyncProperty(scenarios, async (scenario) => DriverContract.check(await playOnPostgres(scenario))), { numRuns: 15 })
  }, 600_000)
})
