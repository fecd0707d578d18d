import { it } from "@effect/vitest"
import { Effect } from "effect"
import { describe, expect } from "vitest"
import { EvidenceStore, Operator, Rollout } from "../src/index.ts"
// the three-step plan the driver contract and Engine's tests use
import { plan as threeSteps } from "../src/internal/driverContract.ts"

const plan = (weights: ReadonlyArray<number>): Rollout.Plan => ({
  strategy: "canary",
  steps: weights.map((weight) => ({ step: { weight }, pauseSeconds: 60 })),
  approvalRequired: false,
  approvalTimeoutSeconds: 600,
  onApprovalTimeout: "rollback",
  maxTargetAttempts: 3,
  maxSlows: 1
})

/** A record as a killed (or crashed) driver left it: these events, no ending, no live lease. */
const recordedWith = (events: ReadonlyArray<Rollout.Event>) =>
  Effect.gen(function* () {
    const store = yield* EvidenceStore.makeMemory
    yield* store.create({ rolloutId: "r1", service: "svc", target: "simulated:svc", startedAt: 0 })
    for (const [i, e] of events.entries()) yield* store.append("r1", { type: e._tag, at: i, data: e })
    return store
  })

describe("a plan with no step (issue #16 item 2)", () => {
  it("the state machine is total: gates passed on an empty plan abort with the reason, no command touches the target", () => {
    const t = Rollout.transition(Rollout.transition(Rollout.initial(plan([])), { _tag: "Started", plan: plan([]) }).state, { _tag: "GatesPassed" })
    expect(t.state.phase).toBe("aborted")
    expect(t.state.reason).toBe("the plan has no steps: nothing to roll out")
    expect(t.commands).toEqual([{ _tag: "Finish", result: "aborted", reason: "the plan has no steps: nothing to roll out" }])
    expect(Rollout.appliedPercent(t.state)).toBe(0)
    expect(Rollout.resume(t.state)).toEqual([])
  })

  it("such a record is shown, refused a promote, and ended by an operator's rollback (nobody drives it, nothing reached the target)", async () => {
    const got = await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* recordedWith([{ _tag: "Started", plan: plan([]) }, { _tag: "GatesPassed" }])
        const ops = <A, E>(e: Effect.Effect<A, E, EvidenceStore.EvidenceStore>) => Effect.provideService(e, EvidenceStore.EvidenceStore, store)
        const state = Operator.stateOf((yield* store.get("r1")).events)
        const promote = yield* Effect.flip(ops(Operator.approve("r1", "alice", 10)))
        const rollback = yield* ops(Operator.rollback("r1", "bob", "stuck", 11))
        return { state, promote, rollback, rollout: (yield* store.get("r1")).rollout }
      })
    )
    expect(got.state?.phase).toBe("aborted")
    expect(got.promote).toMatchObject({ _tag: "RolloutRefused", reason: "Aborted" })
    expect(got.rollback).toMatchObject({ outcome: "recorded", phase: "aborted" })
    expect(got.rollout).toMatchObject({ result: "aborted", finishedAt: 11 })
  })
})

describe("Operator.rollback of a rollout nobody drives", () => {
  it("before any step was attempted: records the rollback and the end at once, under the lease", async () => {
    const got = await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* recordedWith([{ _tag: "Started", plan: plan([10, 100]) }])
        const outcome = yield* Operator.rollback("r1", "bob", "wrong build", 5).pipe(Effect.provideService(EvidenceStore.EvidenceStore, store))
        const { rollout, events } = yield* store.get("r1")
        return { outcome, rollout, events: events.map((e) => e.type), lease: yield* store.leases!.current("r1") }
      })
    )
    expect(got.outcome).toMatchObject({ outcome: "recorded", phase: "rolled_back" })
    expect(got.events).toEqual(["Started", "OperatorRollback", "RolledBack"])
    expect(got.rollout.result).toBe("rolled_back")
    expect(got.lease).toMatchObject({ released: true })
  })

  it("once a step was attempted (traffic may have moved): only records the rollback, for the driver (or --resume) to carry out", async () => {
    const got = await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* recordedWith([{ _tag: "Started", plan: plan([10, 100]) }, { _tag: "GatesPassed" }])
        const outcome = yield* Operator.rollback("r1", "bob", "wrong build", 5).pipe(Effect.provideService(EvidenceStore.EvidenceStore, store))
        return { outcome, rollout: (yield* store.get("r1")).rollout }
      })
    )
    expect(got.outcome).toMatchObject({ outcome: "recorded", phase: "rolling_back" })
    expect(got.rollout.result).toBeUndefined()
  })

  it("while a driver holds the lease: only records the rollback; the driver ends it", async () => {
    const got = await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* recordedWith([{ _tag: "Started", plan: plan([10, 100]) }])
        yield* store.leases!.acquire("r1", { host: "h", pid: 1, kind: "cli" }, 60_000)
        const outcome = yield* Operator.rollback("r1", "bob", "wrong build", 5).pipe(Effect.provideService(EvidenceStore.EvidenceStore, store))
        return { outcome, rollout: (yield* store.get("r1")).rollout, lease: yield* store.leases!.current("r1") }
      })
    )
    expect(got.outcome).toMatchObject({ outcome: "recorded", phase: "rolling_back" })
    expect(got.rollout.result).toBeUndefined()
    expect(got.lease).toMatchObject({ token: 1, released: false, holder: { kind: "cli" } })
  })
})

describe("Operator (in-memory store)", () => {
  const recorded = (events: ReadonlyArray<Rollout.Event>, p: Rollout.Plan = threeSteps) =>
    Effect.gen(function* () {
      const store = yield* EvidenceStore.makeMemory
      yield* store.create({ rolloutId: "r1", service: "svc", target: "simulated:svc", startedAt: 0 })
      for (const [i, e] of [{ _tag: "Started", plan: p } as Rollout.Event, ...events].entries()) yield* store.append("r1", { type: e._tag, at: i, data: e })
      return store
    })
  const refusal = <A, E>(e: Effect.Effect<A, E>) => Effect.map(Effect.flip(e), (err) => (err as { reason?: string }).reason)

  it.effect("promote after a rollback is refused, naming why", () =>
    Effect.gen(function* () {
      const store = yield* recorded([{ _tag: "GatesPassed" }, { _tag: "StepApplied", index: 0 }, { _tag: "Analyzed", index: 0, action: "rollback", reasons: ["latency"] }, { _tag: "RolledBack" }], { ...threeSteps, approvalRequired: true })
      const error = yield* Effect.flip(Operator.approve("r1", "alice", 9).pipe(Effect.provideService(EvidenceStore.EvidenceStore, store)))
      expect(error._tag).toBe("RolloutRefused")
      expect(error.message).toContain("was rolled back")
      expect(error.message).toContain("latency")
      expect((yield* store.get("r1")).events.some((e) => e.type === "Approved")).toBe(false)
    })
  )

  it.effect("promote of a rollout that asks for no approval is refused; of a promoted one changes nothing", () =>
    Effect.gen(function* () {
      const running = yield* recorded([{ _tag: "GatesPassed" }])
      expect(yield* refusal(Operator.approve("r1", "a", 1).pipe(Effect.provideService(EvidenceStore.EvidenceStore, running)))).toBe("NoApprovalNeeded")
      const done = yield* recorded([{ _tag: "GatesPassed" }, { _tag: "StepApplied", index: 0 }, { _tag: "Analyzed", index: 0, action: "promote", reasons: [] }, { _tag: "StepApplied", index: 1 }, { _tag: "Analyzed", index: 1, action: "promote", reasons: [] }, { _tag: "StepApplied", index: 2 }, { _tag: "Promoted" }])
      const outcome = yield* Operator.approve("r1", "a", 1).pipe(Effect.provideService(EvidenceStore.EvidenceStore, done))
      expect(outcome.outcome).toBe("already")
    })
  )

  it.effect("approving in advance and twice: recorded once", () =>
    Effect.gen(function* () {
      const store = yield* recorded([{ _tag: "GatesPassed" }, { _tag: "StepApplied", index: 0 }], { ...threeSteps, approvalRequired: true })
      const provide = Effect.provideService(EvidenceStore.EvidenceStore, store)
      expect((yield* provide(Operator.approve("r1", "a", 1))).detail).toContain("in advance")
      expect((yield* provide(Operator.approve("r1", "b", 2))).outcome).toBe("already")
      expect((yield* store.get("r1")).events.filter((e) => e.type === "Approved")).toHaveLength(1)
    })
  )

  it.effect("rollback is idempotent, refused after a promote", () =>
    Effect.gen(function* () {
      const store = yield* recorded([{ _tag: "GatesPassed" }, { _tag: "StepApplied", index: 0 }])
      const provide = Effect.provideService(EvidenceStore.EvidenceStore, store)
      expect((yield* provide(Operator.rollback("r1", "ops", "pager", 1))).outcome).toBe("recorded")
      expect((yield* provide(Operator.rollback("r1", "ops", "pager", 2))).outcome).toBe("already")
      expect((yield* store.get("r1")).events.filter((e) => e.type === "OperatorRollback")).toHaveLength(1)
      const promoted = yield* recorded([{ _tag: "GatesPassed" }, { _tag: "StepApplied", index: 0 }, { _tag: "Analyzed", index: 0, action: "promote", reasons: [] }, { _tag: "StepApplied", index: 1 }, { _tag: "Analyzed", index: 1, action: "promote", reasons: [] }, { _tag: "StepApplied", index: 2 }, { _tag: "Promoted" }])
      expect(yield* refusal(Operator.rollback("r1", "ops", "late", 3).pipe(Effect.provideService(EvidenceStore.EvidenceStore, promoted)))).toBe("Promoted")
    })
  )

  it.effect("an unknown rollout is NotFound", () =>
    Effect.gen(function* () {
      const store = yield* EvidenceStore.makeMemory
      expect(yield* refusal(Operator.rollback("nope", "ops", "x", 1).pipe(Effect.provideService(EvidenceStore.EvidenceStore, store)))).toBe("NotFound")
    })
  )
})
