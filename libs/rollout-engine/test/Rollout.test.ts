import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import { Rollout } from "../src/index.ts"

const plan = (overrides: Partial<Rollout.Plan> = {}): Rollout.Plan => ({
  strategy: "canary",
  steps: [10, 25, 50, 100].map((weight) => ({ step: { weight }, pauseSeconds: 120 })),
  approvalRequired: false,
  approvalTimeoutSeconds: 3600,
  onApprovalTimeout: "rollback",
  maxTargetAttempts: 3,
  maxSlows: 2,
  ...overrides
})

/**
 * A deterministic environment: answers each command with an event, drawn
 * from `choices` (one per command, cycling), and may inject an operator's
 * rollback before a given command. Returns the recorded events and the
 * commands issued, as the engine would see them.
 */
const simulate = (p: Rollout.Plan, choices: ReadonlyArray<number>, operatorAt = -1, start?: { state: Rollout.State; commands: ReadonlyArray<Rollout.Command>; n: number }, maxRollbackFailures = 3) => {
  let state = start?.state ?? Rollout.initial(p)
  const events: Array<Rollout.Event> = []
  const commands: Array<Rollout.Command> = []
  const queue: Array<Rollout.Command> = start === undefined ? [] : [...start.commands]
  let n = start?.n ?? 0
  let rollbackFailures = 0
  const feed = (event: Rollout.Event) => {
    events.push(event)
    const t = Rollout.transition(state, event)
    state = t.state
    commands.push(...t.commands)
    queue.push(...t.commands)
  }
  if (start === undefined) feed({ _tag: "Started", plan: p })
  for (let guard = 0; guard < 500 && queue.length > 0; guard++) {
    const command = queue.shift()!
    const c = choices[n % choices.length]!
    n++
    if (n === operatorAt) feed({ _tag: "OperatorRollback", by: "ops", reason: "manual" })
    switch (command._tag) {
      case "EvaluateGates":
        feed(c % 10 === 0 ? { _tag: "GatesBlocked", reasons: ["freeze"] } : { _tag: "GatesPassed" })
        break
      case "ApplyStep":
        feed(c % 7 === 0 ? { _tag: "TargetFailed", operation: "apply", transient: c % 2 === 0, detail: "x" } : { _tag: "StepApplied", index: command.index })
        break
      case "Analyze":
        feed({ _tag: "Analyzed", index: command.index, action: (["promote", "promote", "promote", "slow", "rollback"] as const)[c % 5]!, reasons: [] })
        break
      case "AwaitApproval":
        feed(c % 3 === 0 ? { _tag: "ApprovalTimedOut" } : { _tag: "Approved", by: "lead" })
        break
      case "Promote":
        feed(c % 9 === 0 ? { _tag: "TargetFailed", operation: "promote", transient: true, detail: "x" } : { _tag: "Promoted" })
        break
      case "Rollback":
        if ((c % 4 === 0 || maxRollbackFailures > 3) && rollbackFailures < maxRollbackFailures) {
          rollbackFailures++
          feed({ _tag: "TargetFailed", operation: "rollback", transient: true, detail: "x" })
        } else feed({ _tag: "RolledBack" })
        break
      case "Finish":
        break
    }
  }
  return { state, events, commands, n }
}

const choices = fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 40 })
const plans = fc.record({ approvalRequired: fc.boolean(), strategy: fc.constantFrom("canary" as const, "bluegreen" as const) }).map(({ approvalRequired, strategy }) =>
  plan(strategy === "bluegreen" ? { strategy, approvalRequired, steps: [{ step: { weight: 0 }, pauseSeconds: 600 }, { step: { weight: 100 }, pauseSeconds: 0 }] } : { approvalRequired })
)

describe("Rollout state machine", () => {
  it("walks a healthy canary through every step to promoted", () => {
    const { state, commands } = simulate(plan(), [1])
    expect(state.phase).toBe("promoted")
    expect(commands.filter((c) => c._tag === "ApplyStep").map((c) => (c._tag === "ApplyStep" ? c.step : null))).toEqual([{ weight: 10 }, { weight: 25 }, { weight: 50 }, { weight: 100 }])
    expect(commands.at(-1)).toEqual({ _tag: "Finish", result: "promoted", reason: "every step passed its analysis" })
  })

  it("a slow verdict inserts a smaller step with a longer pause", () => {
    const s0 = Rollout.replay(plan(), [{ _tag: "Started", plan: plan() }, { _tag: "GatesPassed" }, { _tag: "StepApplied", index: 0 }, { _tag: "Analyzed", index: 0, action: "promote", reasons: [] }, { _tag: "StepApplied", index: 1 }])
    const t = Rollout.transition(s0, { _tag: "Analyzed", index: 1, action: "slow", reasons: [] })
    expect(t.state.steps.map((s) => ("weight" in s.step ? s.step.weight : -1))).toEqual([10, 17, 25, 50, 100])
    expect(t.state.steps[1]!.pauseSeconds).toBe(240)
    expect(t.commands).toEqual([{ _tag: "ApplyStep", index: 1, step: { weight: 17 } }])
  })

  it("waits for approval before the flip and rolls back when nobody approves", () => {
    const p = plan({ strategy: "bluegreen", approvalRequired: true, steps: [{ step: { weight: 0 }, pauseSeconds: 600 }, { step: { weight: 100 }, pauseSeconds: 0 }] })
    const s = Rollout.replay(p, [{ _tag: "Started", plan: p }, { _tag: "GatesPassed" }, { _tag: "StepApplied", index: 0 }])
    const waiting = Rollout.transition(s, { _tag: "Analyzed", index: 0, action: "promote", reasons: [] })
    expect(waiting.state.phase).toBe("awaiting_approval")
    expect(waiting.commands).toEqual([{ _tag: "AwaitApproval", timeoutSeconds: 3600 }])
    expect(Rollout.transition(waiting.state, { _tag: "Approved", by: "lead" }).commands).toEqual([{ _tag: "ApplyStep", index: 1, step: { weight: 100 } }])
    expect(Rollout.transition(waiting.state, { _tag: "ApprovalTimedOut" }).state.phase).toBe("rolling_back")
  })

  it("gates that block abort before any step", () => {
    const t = Rollout.transition(Rollout.replay(plan(), [{ _tag: "Started", plan: plan() }]), { _tag: "GatesBlocked", reasons: ["freeze"] })
    expect(t.state.phase).toBe("aborted")
    expect(t.commands).toEqual([{ _tag: "Finish", result: "aborted", reason: "blocked by gates: freeze" }])
  })

  test.prop([plans, choices, fc.integer({ min: 0, max: 30 })])("a target that never manages to roll back still ends: aborted, needing a person, never promoted", (p, cs, operatorAt) => {
    const { state, events } = simulate(p, cs, operatorAt, undefined, 1000)
    expect(Rollout.isTerminal(state.phase)).toBe(true)
    if (events.some((e) => e._tag === "TargetFailed" && e.operation === "rollback")) {
      expect(state.phase).toBe("aborted")
      expect(state.reason).toContain("needs a person")
    }
    expect(events.filter((e) => e._tag === "TargetFailed" && e.operation === "rollback").length).toBeLessThanOrEqual(p.maxTargetAttempts * 3)
  })

  test.prop([plans, choices, fc.integer({ min: -1, max: 30 })])("every path ends in a terminal state within a bounded number of events", (p, cs, operatorAt) => {
    const { state, events } = simulate(p, cs, operatorAt)
    expect(Rollout.isTerminal(state.phase)).toBe(true)
    // each step can be retried, slowed and re-applied a bounded number of times
    const bound = (p.steps.length + p.maxSlows + 2) * (p.maxTargetAttempts + 3) + 10
    expect(events.length).toBeLessThanOrEqual(bound)
  })

  test.prop([plans, choices, fc.integer({ min: -1, max: 30 })])("never promotes once a rollback was asked for", (p, cs, operatorAt) => {
    const { state, commands } = simulate(p, cs, operatorAt)
    const firstRollback = commands.findIndex((c) => c._tag === "Rollback")
    if (firstRollback >= 0) {
      expect(commands.slice(firstRollback).some((c) => c._tag === "Promote")).toBe(false)
      expect(state.phase).not.toBe("promoted")
    }
  })

  test.prop([plans, choices, fc.integer({ min: -1, max: 30 }), fc.nat()])("resuming after any prefix of events reaches the same result as an uninterrupted run", (p, cs, operatorAt, cut) => {
    const full = simulate(p, cs, operatorAt)
    // crash after k recorded events: replay them, re-issue what they asked for, let the same environment answer
    const k = 1 + (cut % full.events.length)
    const replayed = Rollout.replay(p, full.events.slice(0, k))
    const commandsSoFar = full.events.slice(0, k).reduce<{ s: Rollout.State; n: number }>(
      (acc, e) => {
        const t = Rollout.transition(acc.s, e)
        return { s: t.state, n: acc.n + t.commands.filter((c) => c._tag !== "Finish").length }
      },
      { s: Rollout.initial(p), n: 0 }
    )
    const resumed = simulate(p, cs, operatorAt, { state: replayed, commands: Rollout.resume(replayed), n: commandsSoFar.n - Rollout.resume(replayed).length })
    expect(resumed.state.phase).toBe(full.state.phase)
  })
})

describe("Rollout.planOf", () => {
  it("takes strategy, steps and approval from the decision and defaults the rest", () => {
    const p = Rollout.planOf({ strategy: "bluegreen", approval_required: true, steps: [{ weight: 0, pauseSeconds: 900 }, { weight: 100, pauseSeconds: 0 }] })
    expect(p).toEqual({
      strategy: "bluegreen",
      steps: [{ step: { weight: 0 }, pauseSeconds: 900 }, { step: { weight: 100 }, pauseSeconds: 0 }],
      approvalRequired: true,
      approvalTimeoutSeconds: 3600,
      onApprovalTimeout: "rollback",
      maxTargetAttempts: 3,
      maxSlows: 2
    })
    expect(Rollout.planOf({ strategy: "canary", approval_required: false, steps: [{ cohort: 1, pauseSeconds: 60 }] }, { maxSlows: 0 }).steps).toEqual([{ step: { cohort: 1 }, pauseSeconds: 60 }])
  })
})
