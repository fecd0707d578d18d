import { it } from "@effect/vitest"
import { SloSpec } from "@rollwise/slo-policy"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect } from "vitest"
import { DeployTarget, Engine, EvidenceStore, MetricSource, Operator, type Rollout, Timeline } from "../src/index.ts"
// the same spec, plan and samples the driver contract uses
import { lat, plan, spec } from "../src/internal/driverContract.ts"

const metrics = (candidateMedian: number) =>
  MetricSource.layerMemory((_metric, track) => ({ _tag: "Values", values: lat(track === "candidate" ? candidateMedian : 0.1) }))
const pass = Effect.succeed({ status: "pass" as const, reasons: [] })
const options = (overrides: Partial<Engine.Options> = {}): Engine.Options => ({
  rollout: { rolloutId: "r1", service: "svc", target: "simulated:svc", startedAt: 0 },
  plan,
  spec,
  gates: pass,
  ...overrides
})

/** Run a rollout to its end with the clock pushed forward (no real sleeping). */
const drive = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.forkChild(effect)
    for (let i = 0; i < 200; i++) yield* TestClock.adjust("1 minute")
    return yield* Fiber.join(fiber)
  })

describe("Engine.run (in-memory target, store and metrics; TestClock)", () => {
  it.effect("a healthy canary goes through every step to promoted, every event recorded first", () =>
    Effect.gen(function* () {
      const { target, controls } = yield* DeployTarget.makeMemory({ kind: "simulated", name: "svc" })
      const store = yield* EvidenceStore.makeMemory
      const final = yield* drive(
        Engine.run(options()).pipe(Effect.provideService(DeployTarget.DeployTarget, target), Effect.provideService(EvidenceStore.EvidenceStore, store), Effect.provide(metrics(0.1)))
      )
      expect(final.phase).toBe("promoted")
      expect(yield* controls.calls).toEqual([{ op: "apply", step: { weight: 10 } }, { op: "apply", step: { weight: 50 } }, { op: "apply", step: { weight: 100 } }, { op: "promote" }])
      const { rollout, events } = yield* store.get("r1")
      expect(rollout.result).toBe("promoted")
      // the 100 % step is the promotion itself: no baseline traffic is left to compare with
      expect(events.filter((e) => e.type !== "Window").map((e) => e.type)).toEqual(["Started", "GatesPassed", "StepApplied", "Analyzed", "StepApplied", "Analyzed", "StepApplied", "Promoted"])
      // every window's verdict is evidence, recorded before the analysis that ends the step
      const windows = events.filter((e) => e.type === "Window")
      expect(windows.length).toBeGreaterThanOrEqual(4)
      for (const w of windows) {
        expect(Timeline.isWindow(w.data)).toBe(true)
        expect((w.data as Engine.WindowRecord).verdict.metrics.length).toBeGreaterThan(0)
      }
      const analyzed = events.findIndex((e) => e.type === "Analyzed")
      expect(events.slice(0, analyzed).some((e) => e.type === "Window" && (e.data as Engine.WindowRecord).verdict.action === "promote")).toBe(true)
    })
  )

  it.effect("a slower candidate rolls back after the first step's analysis", () =>
    Effect.gen(function* () {
      const { target, controls } = yield* DeployTarget.makeMemory({ kind: "simulated", name: "svc" })
      const store = yield* EvidenceStore.makeMemory
      const final = yield* drive(
        Engine.run(options()).pipe(Effect.provideService(DeployTarget.DeployTarget, target), Effect.provideService(EvidenceStore.EvidenceStore, store), Effect.provide(metrics(0.2)))
      )
      expect(final.phase).toBe("rolled_back")
      expect(yield* controls.calls).toEqual([{ op: "apply", step: { weight: 10 } }, { op: "rollback" }])
      expect((yield* store.get("r1")).rollout.result).toBe("rolled_back")
    })
  )

  it.effect("blocking gates abort before touching the target", () =>
    Effect.gen(function* () {
      const { target, controls } = yield* DeployTarget.makeMemory({ kind: "simulated", name: "svc" })
      const store = yield* EvidenceStore.makeMemory
      const final = yield* drive(
        Engine.run(options({ gates: Effect.succeed({ status: "block" as const, reasons: ["freeze"] }) })).pipe(
          Effect.provideService(DeployTarget.DeployTarget, target),
          Effect.provideService(EvidenceStore.EvidenceStore, store),
          Effect.provide(metrics(0.1))
        )
      )
      expect(final.phase).toBe("aborted")
      expect(yield* controls.calls).toEqual([])
      expect((yield* store.get("r1")).rollout.result).toBe("aborted")
    })
  )

  it.effect("transient target failures are retried; persistent ones roll back safely", () =>
    Effect.gen(function* () {
      const { target, controls } = yield* DeployTarget.makeMemory({ kind: "simulated", name: "svc" })
      const store = yield* EvidenceStore.makeMemory
      yield* controls.failNext("apply", new DeployTarget.DeployTargetError({ reason: "Unreachable", detail: "api down" }), 3)
      const final = yield* drive(
        Engine.run(options()).pipe(Effect.provideService(DeployTarget.DeployTarget, target), Effect.provideService(EvidenceStore.EvidenceStore, store), Effect.provide(metrics(0.1)))
      )
      expect(final.phase).toBe("rolled_back")
      expect(final.reason).toContain("failed to apply step 1")
      expect((yield* controls.calls).filter((c) => c.op === "apply")).toHaveLength(3)
    })
  )

  it.effect("an operator's rollback recorded by another process stops the analysis and rolls back", () =>
    Effect.gen(function* () {
      const { target, controls } = yield* DeployTarget.makeMemory({ kind: "simulated", name: "svc" })
      const store = yield* EvidenceStore.makeMemory
      const fiber = yield* Effect.forkChild(
        Engine.run(options()).pipe(Effect.provideService(DeployTarget.DeployTarget, target), Effect.provideService(EvidenceStore.EvidenceStore, store), Effect.provide(metrics(0.1)))
      )
      yield* TestClock.adjust("30 seconds")
      yield* store.append("r1", { type: "OperatorRollback", at: 30_000, data: { _tag: "OperatorRollback", by: "ops", reason: "pager" } })
      for (let i = 0; i < 50; i++) yield* TestClock.adjust("1 minute")
      const final = yield* Fiber.join(fiber)
      expect(final.phase).toBe("rolled_back")
      expect(final.reason).toContain("ops rolled back: pager")
      expect((yield* controls.calls).map((c) => c.op)).toEqual(["apply", "rollback"])
    })
  )

  it.effect("resume after a crash continues from the recorded state and never repeats a promote", () =>
    Effect.gen(function* () {
      const { target, controls } = yield* DeployTarget.makeMemory({ kind: "simulated", name: "svc" })
      const store = yield* EvidenceStore.makeMemory
      const provide = <A, E>(e: Effect.Effect<A, E, DeployTarget.DeployTarget | EvidenceStore.EvidenceStore | MetricSource.MetricSource>) =>
        e.pipe(Effect.provideService(DeployTarget.DeployTarget, target), Effect.provideService(EvidenceStore.EvidenceStore, store), Effect.provide(metrics(0.1)))
      // crash: interrupt the first run part-way through the second step's analysis
      const first = yield* Effect.forkChild(provide(Engine.run(options())))
      for (let i = 0; i < 3; i++) yield* TestClock.adjust("1 minute")
      yield* Fiber.interrupt(first)
      expect((yield* store.get("r1")).rollout.result).toBeUndefined()
      const before = (yield* store.get("r1")).events.length
      expect(before).toBeGreaterThan(2)
      const final = yield* drive(provide(Engine.run(options(), "resume")))
      expect(final.phase).toBe("promoted")
      const calls = yield* controls.calls
      expect(calls.filter((c) => c.op === "promote")).toHaveLength(1)
      // every step applied in order; a step interrupted before its StepApplied was recorded is applied again
      expect(calls.filter((c) => c.op === "apply").map((c) => (c.op === "apply" ? c.step : null))).toEqual(
        expect.arrayContaining([{ weight: 10 }, { weight: 50 }, { weight: 100 }])
      )
      expect((yield* store.get("r1")).rollout.result).toBe("promoted")
      // nothing recorded before the crash was lost
      expect((yield* store.get("r1")).events.length).toBeGreaterThan(before)
    })
  )

  it.effect("a step holds at least its pause: a quick promote is followed by fresh analyses until the pause is over", () =>
    Effect.gen(function* () {
      const { target } = yield* DeployTarget.makeMemory({ kind: "simulated", name: "svc" })
      const store = yield* EvidenceStore.makeMemory
      const long: Rollout.Plan = { ...plan, steps: [{ step: { weight: 10 }, pauseSeconds: 600 }, { step: { weight: 100 }, pauseSeconds: 0 }] }
      const final = yield* drive(
        Engine.run(options({ plan: long })).pipe(Effect.provideService(DeployTarget.DeployTarget, target), Effect.provideService(EvidenceStore.EvidenceStore, store), Effect.provide(metrics(0.1)))
      )
      expect(final.phase).toBe("promoted")
      const { events } = yield* store.get("r1")
      const analyzed = events.find((e) => e.type === "Analyzed")!
      const applied = events.find((e) => e.type === "StepApplied")!
      // 2 healthy 1-minute windows would promote; the 10-minute pause holds the step for 10 windows
      expect(events.filter((e) => e.type === "Window").length).toBe(10)
      expect(analyzed.at - applied.at).toBeGreaterThanOrEqual(600_000)
    })
  )

  it.effect("a target that keeps refusing to roll back ends the rollout aborted, saying it needs a person", () =>
    Effect.gen(function* () {
      const { target, controls } = yield* DeployTarget.makeMemory({ kind: "simulated", name: "svc" })
      const store = yield* EvidenceStore.makeMemory
      yield* controls.failNext("rollback", new DeployTarget.DeployTargetError({ reason: "Forbidden", detail: "no rights" }), 100)
      const final = yield* drive(
        Engine.run(options()).pipe(Effect.provideService(DeployTarget.DeployTarget, target), Effect.provideService(EvidenceStore.EvidenceStore, store), Effect.provide(metrics(0.2)))
      )
      expect(final.phase).toBe("aborted")
      expect(final.reason).toContain("needs a person")
      expect((yield* controls.calls).filter((c) => c.op === "rollback")).toHaveLength(plan.maxTargetAttempts * 3)
      expect((yield* store.get("r1")).rollout.result).toBe("aborted")
    })
  )

  it.effect("an approval recorded by another process (Operator.approve) lets the flip go ahead", () =>
    Effect.gen(function* () {
      const { target, controls } = yield* DeployTarget.makeMemory({ kind: "simulated", name: "svc" })
      const store = yield* EvidenceStore.makeMemory
      const provide = <A, E>(e: Effect.Effect<A, E, DeployTarget.DeployTarget | EvidenceStore.EvidenceStore | MetricSource.MetricSource>) =>
        e.pipe(Effect.provideService(DeployTarget.DeployTarget, target), Effect.provideService(EvidenceStore.EvidenceStore, store), Effect.provide(metrics(0.1)))
      const fiber = yield* Effect.forkChild(provide(Engine.run(options({ plan: { ...plan, approvalRequired: true } }))))
      // two 2-minute steps, then the flip waits (the approval timeout is 10 minutes)
      for (let i = 0; i < 8; i++) yield* TestClock.adjust("1 minute")
      expect(Operator.stateOf((yield* store.get("r1")).events)?.phase).toBe("awaiting_approval")
      expect((yield* controls.calls).some((c) => c.op === "promote")).toBe(false)
      const outcome = yield* Operator.approve("r1", "alice", 1).pipe(Effect.provideService(EvidenceStore.EvidenceStore, store))
      expect(outcome.outcome).toBe("recorded")
      for (let i = 0; i < 10; i++) yield* TestClock.adjust("1 minute")
      const final = yield* Fiber.join(fiber)
      expect(final.phase).toBe("promoted")
      expect((yield* store.get("r1")).events.some((e) => e.type === "Approved")).toBe(true)
    })
  )

  it.effect("an operator's rollback is acted on within the poll interval, not at the end of a long window", () =>
    Effect.gen(function* () {
      const { target, controls } = yield* DeployTarget.makeMemory({ kind: "simulated", name: "svc" })
      const store = yield* EvidenceStore.makeMemory
      const slow = Effect.runSync(SloSpec.decode({ apiVersion: "rollwise/v1", kind: "SloSpec", service: "svc", window: "30m", maxWindows: 3, promoteAfter: 2, warmupWindows: 0, metrics: [{ name: "latency", kind: "continuous", threshold: 1, minSamples: 5, tolerance: 0.1 }] }))
      const fiber = yield* Effect.forkChild(
        Engine.run(options({ spec: slow })).pipe(Effect.provideService(DeployTarget.DeployTarget, target), Effect.provideService(EvidenceStore.EvidenceStore, store), Effect.provide(metrics(0.1)))
      )
      yield* TestClock.adjust("1 minute")
      yield* Operator.rollback("r1", "ops", "pager", 60_000).pipe(Effect.provideService(EvidenceStore.EvidenceStore, store))
      yield* TestClock.adjust("10 seconds")
      expect((yield* controls.calls).map((c) => c.op)).toEqual(["apply", "rollback"])
      const final = yield* Fiber.join(fiber)
      expect(final.phase).toBe("rolled_back")
    })
  )

  it.effect("resume finishes a rollout killed after its last event but before its end was recorded", () =>
    Effect.gen(function* () {
      const { target, controls } = yield* DeployTarget.makeMemory({ kind: "simulated", name: "svc" })
      const store = yield* EvidenceStore.makeMemory
      yield* store.create({ rolloutId: "r1", service: "svc", target: "simulated:svc", startedAt: 0 })
      const events: ReadonlyArray<Rollout.Event> = [{ _tag: "Started", plan }, { _tag: "GatesPassed" }, { _tag: "StepApplied", index: 0 }, { _tag: "Analyzed", index: 0, action: "rollback", reasons: ["bad"] }, { _tag: "RolledBack" }]
      for (const [i, e] of events.entries()) yield* store.append("r1", { type: e._tag, at: i, data: e })
      const final = yield* drive(Engine.run(options(), "resume").pipe(Effect.provideService(DeployTarget.DeployTarget, target), Effect.provideService(EvidenceStore.EvidenceStore, store), Effect.provide(metrics(0.1))))
      expect(final.phase).toBe("rolled_back")
      expect((yield* store.get("r1")).rollout.result).toBe("rolled_back")
      expect(yield* controls.calls).toEqual([])
    })
  )
})
