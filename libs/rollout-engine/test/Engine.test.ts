import { it } from "@effect/vitest"
import { SloSpec } from "@rollwise/slo-policy"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect } from "vitest"
import { DeployTarget, Engine, EvidenceStore, MetricSource, type Rollout } from "../src/index.ts"

const spec = Effect.runSync(
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
const plan: Rollout.Plan = {
  strategy: "canary",
  steps: [10, 50, 100].map((weight) => ({ step: { weight }, pauseSeconds: 120 })),
  approvalRequired: false,
  approvalTimeoutSeconds: 600,
  onApprovalTimeout: "rollback",
  maxTargetAttempts: 3,
  maxSlows: 1
}
const lat = (median: number) => Array.from({ length: 60 }, (_, i) => median * (0.8 + (0.4 * ((i * 37) % 60)) / 60))
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
      expect(events.map((e) => e.type)).toEqual(["Started", "GatesPassed", "StepApplied", "Analyzed", "StepApplied", "Analyzed", "StepApplied", "Promoted"])
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
})

