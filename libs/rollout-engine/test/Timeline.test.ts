import { describe, expect, it } from "vitest"
import { type Engine, Timeline } from "../src/index.ts"
// the same three-step plan (10 → 50 → 100 %) the driver contract and Engine's tests use
import { plan } from "../src/internal/driverContract.ts"

/** A window's verdict as the engine records it: latency failed, errors passed, so roll back. */
const window: Engine.WindowRecord = {
  kind: "window",
  stepIndex: 1,
  index: 2,
  window: { start: 120_000, end: 180_000 },
  verdict: {
    action: "rollback",
    window: 2,
    metrics: [
      { name: "latency_p99", status: "fail", baseline: 0.1, candidate: 0.14, effect: 0.4, ci: [0.3, 0.5], p_value: 0.001, reason: "p99 40 % slower" },
      { name: "errors", status: "pass", baseline: 0.01, candidate: 0.01, effect: 0, ci: null, p_value: null, reason: "no change" }
    ],
    reasons: ["latency_p99 failed"],
    score: 50
  }
}

describe("Timeline", () => {
  it("says each event in one line", () => {
    const steps = plan.steps
    expect(Timeline.eventLine({ _tag: "StepApplied", index: 1 }, steps)).toBe("step 2/3 applied: weight 50 %")
    expect(Timeline.eventLine({ _tag: "Started", plan: { ...plan, approvalRequired: true } })).toBe("started: canary in 3 steps (10 → 50 → 100 %), approval before the full step")
    expect(Timeline.eventLine({ _tag: "GatesBlocked", reasons: ["freeze", "budget"] })).toBe("gates BLOCK: freeze; budget")
    expect(Timeline.recordLine("Custom", { x: 1 })).toBe("Custom")
  })

  it("names a step by its kind and percent when the plan's steps are given, by its number alone when not", () => {
    expect(Timeline.eventLine({ _tag: "StepApplied", index: 0 }, [{ step: { cohort: 5 } }, { step: { cohort: 100 } }])).toBe("step 1/2 applied: cohort 5 %")
    expect(Timeline.eventLine({ _tag: "StepApplied", index: 1 })).toBe("step 2 applied:")
    expect(Timeline.eventLine({ _tag: "Started", plan })).toBe("started: canary in 3 steps (10 → 50 → 100 %)")
  })

  it("says the rest of the events: reasons only when there are some, transient failures marked, the first analysis reason", () => {
    expect(Timeline.eventLine({ _tag: "GatesPassed" })).toBe("gates pass")
    expect(Timeline.eventLine({ _tag: "GatesPassed", reasons: [] })).toBe("gates pass")
    expect(Timeline.eventLine({ _tag: "GatesPassed", reasons: ["no freeze", "budget left"] })).toBe("gates pass: no freeze; budget left")
    expect(Timeline.eventLine({ _tag: "TargetFailed", operation: "apply", transient: true, detail: "503 from the API server" })).toBe("target failed to apply (transient): 503 from the API server")
    expect(Timeline.eventLine({ _tag: "TargetFailed", operation: "rollback", transient: false, detail: "forbidden" })).toBe("target failed to rollback: forbidden")
    expect(Timeline.eventLine({ _tag: "Analyzed", index: 0, action: "slow", reasons: ["p99 12 % slower", "errors up"] })).toBe("step 1 analysis: slow — p99 12 % slower")
    expect(Timeline.eventLine({ _tag: "Analyzed", index: 2, action: "promote", reasons: [] })).toBe("step 3 analysis: promote")
    expect(Timeline.eventLine({ _tag: "Approved", by: "alice" })).toBe("approved by alice")
    expect(Timeline.eventLine({ _tag: "ApprovalTimedOut" })).toBe("nobody approved in time")
    expect(Timeline.eventLine({ _tag: "OperatorRollback", by: "bob", reason: "pager" })).toBe("bob asked for a rollback: pager")
    expect(Timeline.eventLine({ _tag: "Promoted" })).toBe("PROMOTED: the candidate is the stable release")
    expect(Timeline.eventLine({ _tag: "RolledBack" })).toBe("ROLLED BACK: all traffic on the stable release")
  })

  it("says a window's verdict as each metric's status, then the action; recordLine tells windows, events and other data apart", () => {
    expect(Timeline.windowLine(window)).toBe("step 2 window 3: latency_p99 fail, errors pass → rollback")
    expect(Timeline.isWindow(window)).toBe(true)
    expect(Timeline.isWindow({ _tag: "Promoted" })).toBe(false)
    expect(Timeline.isWindow(null)).toBe(false)
    expect(Timeline.recordLine("Window", window)).toBe(Timeline.windowLine(window))
    expect(Timeline.recordLine("StepApplied", { _tag: "StepApplied", index: 0 }, plan.steps)).toBe("step 1/3 applied: weight 10 %")
    expect(Timeline.recordLine("Note", { _tag: "NotAnEvent" })).toBe("Note")
    expect(Timeline.recordLine("Empty", undefined)).toBe("Empty")
  })
})
