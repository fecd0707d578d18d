import { SloSpec } from "@rollwise/slo-policy"
import { Cause, Clock, Context, Duration, Effect, Exit, type Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as DeployTarget from "../DeployTarget.ts"
import * as Engine from "../Engine.ts"
import { EvidenceStore, makeMemoryWith } from "../EvidenceStore.ts"
import * as MetricSource from "../MetricSource.ts"
import type * as Rollout from "../Rollout.ts"

/**
 * One driver per rollout, end to end: N drivers started at once on the same
 * rollout (a fresh start racing `--resume`s, then waves of resumers) while
 * drivers die at random transitions without releasing their lease (SIGKILL),
 * all on one store and one target, under a TestClock. Whatever the order,
 * every step is applied once, the promote runs once, and the rollout has one
 * `Promoted` event and one ending. Runs against any EvidenceStore layer whose
 * leases expire by the `now` it is given.
 */

/** The SLO every driver judges with: one latency metric, two healthy windows to promote, five at most. */
export const spec = Effect.runSync(
  SloSpec.decode({
    apiVersion: "rollwise/v1",
    kind: "SloSpec",
    service: "svc",
    window: "1m",
    maxWindows: 5,
    promoteAfter: 2,
    warmupWindows: 0,
    metrics: [{ name: "latency", kind: "continuous", threshold: 1, minSamples: 5, tolerance: 0.1 }]
  })
)

/** Three canary steps (10, 50, 100 %), two minutes each, no approval. */
export const plan: Rollout.Plan = {
  strategy: "canary",
  steps: [10, 50, 100].map((weight) => ({ step: { weight }, pauseSeconds: 120 })),
  approvalRequired: false,
  approvalTimeoutSeconds: 600,
  onApprovalTimeout: "rollback",
  maxTargetAttempts: 3,
  maxSlows: 1
}

/** Sixty latency samples spread evenly around `median` (±20 %), the same every call. */
export const lat = (median: number) => Array.from({ length: 60 }, (_, i) => median * (0.8 + (0.4 * ((i * 37) % 60)) / 60))
/** Metrics of a healthy candidate: every window passes. */
export const healthy = MetricSource.layerMemory(() => ({ _tag: "Values", values: lat(0.1) }))

/** The rollout every driver drives: three canary steps (10, 50, 100 %), two minutes each, no gates. */
export const options: Engine.Options = {
  rollout: { rolloutId: "r1", service: "svc", target: "simulated:svc", startedAt: 0 },
  plan,
  spec,
  gates: Effect.succeed({ status: "pass" as const, reasons: [] })
}

/** A kill plan: the n-th driver launched dies right after recording its `kills[n]`-th event (undefined or 0: it never dies). */
export interface Scenario {
  /** Drivers launched at once in every wave (the first wave's first one starts the rollout). */
  readonly drivers: number
  readonly kills: ReadonlyArray<number>
}

/** What a scenario left behind, for the assertions. */
export interface Outcome {
  readonly result: string | undefined
  readonly events: ReadonlyArray<string>
  readonly calls: ReadonlyArray<DeployTarget.Call>
  /** How each driver ended: `ok`, `killed`, or the failure's tag and reason. */
  readonly ends: ReadonlyArray<string>
}

const ttl = Duration.seconds(30)

/**
 * Play a scenario on a fresh store from `layer` (its lease clock is the
 * TestClock). `tamper` may change the store every driver sees (the suite's
 * own self-test breaks its leases this way).
 */
export const play = (
  scenario: Scenario,
  layer: (now: () => number) => Layer.Layer<EvidenceStore>,
  tamper: (store: EvidenceStore["Service"]) => EvidenceStore["Service"] = (s) => s
): Promise<Outcome> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const clock = yield* Clock.Clock
      // a store that answers over a socket (PostgreSQL) takes several turns of the event loop per call, and the
      // TestClock below moves 5 s per turn: its lease clock stops while a call is in flight, and every tick waits
      // until no call is, so simulated time passes between calls as with a store that answers at once
      const wire = inFlight(() => clock.currentTimeMillisUnsafe())
      const store = wire.track(Context.get(yield* Layer.build(layer(wire.now)), EvidenceStore))
      const shared = tamper(store)
      const { target, controls } = yield* DeployTarget.makeMemory({ kind: "simulated", name: "svc" })
      const ends: Array<string> = []
      let launched = 0

      const driver = (mode: "start" | "resume") => {
        const n = launched++
        const killAfter = scenario.kills[n] ?? 0
        let crashed = false
        let recorded = 0
        // a SIGKILLed process never releases its lease: the next driver waits for its expiry
        const leases = shared.leases
        const view: EvidenceStore["Service"] =
          leases === undefined ? shared : { ...shared, leases: { ...leases, release: (l) => (crashed ? Effect.void : leases.release(l)) } }
        return Engine.run(
          {
            ...options,
            driver: { holder: { host: "test", pid: n, kind: "test" }, ttl },
            onEvent: () => (killAfter > 0 && ++recorded >= killAfter ? Effect.andThen(Effect.sync(() => void (crashed = true)), Effect.interrupt) : Effect.void)
          },
          mode
        ).pipe(
          Effect.provideService(EvidenceStore, view),
          Effect.provideService(DeployTarget.DeployTarget, target),
          Effect.provide(healthy),
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
        for (let i = 0; i < scenario.drivers; i++) fibers.push(yield* Effect.forkChild(driver(wave === 0 && i === 0 ? "start" : "resume")))
        for (let tick = 0; tick < 2_000 && fibers.some((f) => f.pollUnsafe() === undefined); tick++) {
          yield* wire.settle
          yield* TestClock.adjust("5 seconds")
        }
        yield* wire.settle
        for (const f of fibers) {
          const exit = f.pollUnsafe()
          ends.push(exit !== undefined && Exit.isSuccess(exit) ? exit.value : "stuck")
        }
        if ((yield* store.get("r1").pipe(Effect.orElseSucceed(() => undefined)))?.rollout.result !== undefined) break
        // the dead driver's lease runs out before the next wave
        yield* TestClock.adjust("31 seconds")
      }
      const { rollout, events } = yield* store.get("r1")
      return { result: rollout.result, events: events.map((e) => e.type), calls: yield* controls.calls, ends }
    }).pipe(Effect.scoped, Effect.provide(TestClock.layer()))
  )

/**
 * Calls of a store in flight: `now` is `suiteNow` stopped while any is,
 * `track` counts a store's calls, `settle` waits (in real time) until none
 * has been in flight for two turns of the event loop.
 */
const inFlight = (suiteNow: () => number) => {
  let calls = 0
  let pausedAt = 0
  let paused = 0
  const tracked = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> =>
    Effect.suspend(() => {
      if (calls++ === 0) pausedAt = suiteNow()
      return Effect.ensuring(
        effect,
        Effect.sync(() => {
          if (--calls === 0) paused += suiteNow() - pausedAt
        })
      )
    })
  const track = (s: EvidenceStore["Service"]): EvidenceStore["Service"] => {
    const l = s.leases
    return {
      create: (r) => tracked(s.create(r)),
      append: (id, e, expected) => tracked(s.append(id, e, expected)),
      finish: (id, r, at) => tracked(s.finish(id, r, at)),
      get: (id) => tracked(s.get(id)),
      list: (f) => tracked(s.list(f)),
      ...(l === undefined
        ? {}
        : {
            leases: {
              acquire: (id, h, ttl) => tracked(l.acquire(id, h, ttl)),
              renew: (lease, ttl) => tracked(l.renew(lease, ttl)),
              release: (lease) => tracked(l.release(lease)),
              current: (id) => tracked(l.current(id)),
              append: (lease, e, expected) => tracked(l.append(lease, e, expected)),
              finish: (lease, r, at) => tracked(l.finish(lease, r, at))
            }
          })
    }
  }
  // a real turn of the event loop (the TestClock stops Effect's own sleeps); every JS runtime has setTimeout,
  // but this platform-free library is built without Node's or the DOM's typings
  const later = (f: () => void) => (globalThis as unknown as { readonly setTimeout: (f: () => void, ms: number) => unknown }).setTimeout(f, 0)
  const settle = Effect.promise(
    () =>
      new Promise<void>((resolve) => {
        let quiet = 0
        const check = () => {
          quiet = calls === 0 ? quiet + 1 : 0
          if (quiet >= 2) resolve()
          else later(check)
        }
        later(check)
      })
  )
  return { now: () => (calls > 0 ? pausedAt : suiteNow()) - paused, track, settle }
}

/** The invariants a user relies on, whatever the drivers did. */
export const check = (outcome: Outcome) => {
  expect(outcome.result).toBe("promoted")
  expect(outcome.events.filter((t) => t === "Promoted")).toHaveLength(1)
  expect(outcome.events.filter((t) => t === "Started")).toHaveLength(1)
  expect(outcome.events.filter((t) => t === "StepApplied")).toHaveLength(3)
  // the target saw every step once and one promote
  expect(outcome.calls).toEqual([{ op: "apply", step: { weight: 10 } }, { op: "apply", step: { weight: 50 } }, { op: "apply", step: { weight: 100 } }, { op: "promote" }])
  // a driver either drove to the end, was killed, or was refused (another held the lease, or the record did not exist yet)
  for (const end of outcome.ends) expect(["ok", "killed", "LeaseError:Held", "EvidenceError:NotFound"]).toContain(end)
  expect(outcome.ends.filter((e) => e === "ok").length).toBeGreaterThanOrEqual(1)
}

const scenarios = fc.record({
  drivers: fc.integer({ min: 2, max: 5 }),
  kills: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 7 })), { maxLength: 16 })
})

/** The suite: a few fixed cases, then `runs` random ones. */
export const suite = (name: string, layer: (now: () => number) => Layer.Layer<EvidenceStore>, runs = 25) => {
  describe(`one driver per rollout (concurrent resumers, random kills): ${name}`, () => {
    it("two drivers at once, nobody killed: one drives, the other is refused naming the holder", async () => {
      const outcome = await play({ drivers: 2, kills: [] }, layer)
      check(outcome)
      expect(outcome.ends.slice(0, 2)).toContain("ok")
      expect(outcome.ends.slice(0, 2).filter((e) => e !== "ok")).toHaveLength(1)
    }, 60_000)

    it("the driver is killed after every kind of transition, then waves of three resumers finish it", async () => {
      for (let k = 1; k <= 8; k++) check(await play({ drivers: 3, kills: [k, k, k, k, k, k] }, layer))
    }, 120_000)

    it("random waves and kills keep every invariant", async () => {
      await fc.assert(fc.asyncProperty(scenarios, async (scenario) => check(await play(scenario, layer))), { numRuns: runs })
    }, 300_000)
  })
}

/** For an adapter's own tests: the memory layer with a given lease clock. */
export const memory = (now: () => number): Layer.Layer<EvidenceStore> => Layer.effect(EvidenceStore, makeMemoryWith({ now }))
