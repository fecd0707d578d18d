import type { Step } from "./DeployTarget.ts"

/**
 * The rollout as a pure state machine: `transition(state, event)` gives the
 * next state and the commands to carry out. The engine appends every event
 * to the evidence store *before* it runs the commands the event produces, so
 * the state of a killed rollout is `replay(recorded events)` and resuming
 * never repeats a promote. No clocks, no I/O: time and outcomes arrive as
 * events.
 */

/** What the engine follows: the decision's steps and the policy around them. */
export interface Plan {
  readonly strategy: "canary" | "bluegreen" | "rolling"
  readonly steps: ReadonlyArray<{ readonly step: Step; readonly pauseSeconds: number }>
  /** A person must approve before the step that reaches 100 % (the blue/green flip, the last canary step). */
  readonly approvalRequired: boolean
  /** How long to wait for that approval; then `onApprovalTimeout`. */
  readonly approvalTimeoutSeconds: number
  readonly onApprovalTimeout: "rollback" | "abort"
  /** Attempts per target operation before a safe rollback (transient failures only). */
  readonly maxTargetAttempts: number
  /** Analyses of a step that end undecided (`slow`) before the rollout rolls back. */
  readonly maxSlows: number
}

/** Where a rollout is. Terminal: promoted, rolled_back, aborted. */
export type Phase =
  | "pending"
  | "gating"
  | "stepping"
  | "analyzing"
  | "awaiting_approval"
  | "promoting"
  | "rolling_back"
  | "promoted"
  | "rolled_back"
  | "aborted"

export interface State {
  readonly phase: Phase
  readonly plan: Plan
  /** Index into `steps` of the step applied or being applied. */
  readonly stepIndex: number
  /** The steps as they are now: a `slow` verdict inserts a smaller step. */
  readonly steps: ReadonlyArray<{ readonly step: Step; readonly pauseSeconds: number }>
  readonly slows: number
  readonly attempts: number
  readonly approved: boolean
  /** Why it ended (terminal phases) or why it is rolling back. */
  readonly reason?: string
}

/** Facts the engine records, in the order they happened. */
export type Event =
  | { readonly _tag: "Started"; readonly plan: Plan }
  | { readonly _tag: "GatesPassed"; readonly reasons?: ReadonlyArray<string> }
  | { readonly _tag: "GatesBlocked"; readonly reasons: ReadonlyArray<string> }
  | { readonly _tag: "StepApplied"; readonly index: number }
  | { readonly _tag: "TargetFailed"; readonly operation: "apply" | "promote" | "rollback"; readonly transient: boolean; readonly detail: string }
  | { readonly _tag: "Analyzed"; readonly index: number; readonly action: "promote" | "slow" | "rollback"; readonly reasons: ReadonlyArray<string> }
  | { readonly _tag: "Approved"; readonly by: string }
  | { readonly _tag: "ApprovalTimedOut" }
  | { readonly _tag: "OperatorRollback"; readonly by: string; readonly reason: string }
  | { readonly _tag: "Promoted" }
  | { readonly _tag: "RolledBack" }

/** What the engine must do next. */
export type Command =
  | { readonly _tag: "EvaluateGates" }
  | { readonly _tag: "ApplyStep"; readonly index: number; readonly step: Step }
  | { readonly _tag: "Analyze"; readonly index: number; readonly pauseSeconds: number }
  | { readonly _tag: "AwaitApproval"; readonly timeoutSeconds: number }
  | { readonly _tag: "Promote" }
  | { readonly _tag: "Rollback"; readonly reason: string }
  | { readonly _tag: "Finish"; readonly result: "promoted" | "rolled_back" | "aborted"; readonly reason: string }

export interface Transition {
  readonly state: State
  readonly commands: ReadonlyArray<Command>
}

/** Whether a phase is the end of the rollout. */
export const isTerminal = (phase: Phase): boolean => phase === "promoted" || phase === "rolled_back" || phase === "aborted"

const percent = (step: Step) => ("weight" in step ? step.weight : step.cohort)

/**
 * The index of the last step the target holds: the state's own step once
 * applied, the one before while it is being applied or awaits approval,
 * -1 before the first.
 */
export const appliedIndex = (state: State): number =>
  state.phase === "stepping" || state.phase === "awaiting_approval" ? state.stepIndex - 1 : state.stepIndex

/** The traffic share (or cohort) the target holds by the record: 100 once promoted, 0 once rolled back. */
export const appliedPercent = (state: State): number => {
  if (state.phase === "promoted") return 100
  if (state.phase === "rolled_back") return 0
  const step = state.steps[appliedIndex(state)]
  return step !== undefined ? percent(step.step) : 0
}
const withPercent = (step: Step, p: number): Step => ("weight" in step ? { weight: p } : { cohort: p })

/** The state before anything happened. */
export const initial = (plan: Plan): State => ({
  phase: "pending",
  plan,
  stepIndex: -1,
  steps: plan.steps,
  slows: 0,
  attempts: 0,
  approved: false
})

/** Why a plan cannot go on: a step it should apply is not there (a record written before plans needed a step). */
const noStep = (state: State, index: number): Transition => {
  const reason = state.steps.length === 0 ? "the plan has no steps: nothing to roll out" : `the plan has no step ${index + 1} (it has ${state.steps.length})`
  return index <= 0 || appliedIndex(state) < 0
    ? { state: { ...state, phase: "aborted", reason }, commands: [{ _tag: "Finish", result: "aborted", reason }] }
    : rollback(state, reason)
}

const apply = (state: State, index: number): Transition => {
  const next = state.steps[index]
  if (next === undefined) return noStep(state, index)
  // approval before the step that reaches 100 %
  if (state.plan.approvalRequired && !state.approved && percent(next.step) >= 100) {
    return { state: { ...state, phase: "awaiting_approval", stepIndex: index, attempts: 0 }, commands: [{ _tag: "AwaitApproval", timeoutSeconds: state.plan.approvalTimeoutSeconds }] }
  }
  return { state: { ...state, phase: "stepping", stepIndex: index, attempts: 0 }, commands: [{ _tag: "ApplyStep", index, step: next.step }] }
}

const rollback = (state: State, reason: string): Transition =>
  state.phase === "rolling_back" || isTerminal(state.phase)
    ? { state, commands: [] }
    : { state: { ...state, phase: "rolling_back", attempts: 0, reason }, commands: [{ _tag: "Rollback", reason }] }

/** Ignore an event that makes no sense now (a late verdict, a second approval): no state change, no commands. */
const ignore = (state: State): Transition => ({ state, commands: [] })

/** Advance the machine by one event. Total: every (state, event) pair gives a transition. */
export const transition = (state: State, event: Event): Transition => {
  if (isTerminal(state.phase)) return ignore(state)
  switch (event._tag) {
    case "Started":
      return state.phase === "pending" ? { state: { ...initial(event.plan), phase: "gating" }, commands: [{ _tag: "EvaluateGates" }] } : ignore(state)
    case "GatesPassed":
      return state.phase === "gating" ? apply(state, 0) : ignore(state)
    case "GatesBlocked": {
      if (state.phase !== "gating") return ignore(state)
      const reason = `blocked by gates: ${event.reasons.join("; ")}`
      return { state: { ...state, phase: "aborted", reason }, commands: [{ _tag: "Finish", result: "aborted", reason }] }
    }
    case "StepApplied": {
      if (state.phase !== "stepping" || event.index !== state.stepIndex) return ignore(state)
      const current = state.steps[state.stepIndex]
      if (current === undefined) return noStep(state, state.stepIndex)
      // at 100 % there is no baseline traffic left to compare with: the full step is the promotion
      if (percent(current.step) >= 100) return { state: { ...state, phase: "promoting", attempts: 0 }, commands: [{ _tag: "Promote" }] }
      return { state: { ...state, phase: "analyzing", attempts: 0 }, commands: [{ _tag: "Analyze", index: state.stepIndex, pauseSeconds: current.pauseSeconds }] }
    }
    case "TargetFailed": {
      const attempts = state.attempts + 1
      const retry = event.transient && attempts < state.plan.maxTargetAttempts
      if (event.operation === "rollback") {
        if (state.phase !== "rolling_back") return ignore(state)
        // a rollback is retried longest (there is no safer place to go), but not forever:
        // a target that keeps refusing needs a person, and the rollout says so
        if (attempts < state.plan.maxTargetAttempts * 3) return { state: { ...state, attempts }, commands: [{ _tag: "Rollback", reason: state.reason ?? "rollback" }] }
        const reason = `the target failed to roll back ${attempts} times (${event.detail}): it needs a person; the rollback was for: ${state.reason ?? "rollback"}`
        return { state: { ...state, phase: "aborted", attempts, reason }, commands: [{ _tag: "Finish", result: "aborted", reason }] }
      }
      if (event.operation === "apply" && state.phase === "stepping") {
        return retry
          ? { state: { ...state, attempts }, commands: [{ _tag: "ApplyStep", index: state.stepIndex, step: state.steps[state.stepIndex]!.step }] }
          : rollback(state, `the target failed to apply step ${state.stepIndex + 1} (${event.detail})`)
      }
      if (event.operation === "promote" && state.phase === "promoting") {
        return retry ? { state: { ...state, attempts }, commands: [{ _tag: "Promote" }] } : rollback(state, `the target failed to promote (${event.detail})`)
      }
      return ignore(state)
    }
    case "Analyzed": {
      if (state.phase !== "analyzing" || event.index !== state.stepIndex) return ignore(state)
      if (event.action === "rollback") return rollback(state, `analysis at step ${state.stepIndex + 1}: ${event.reasons.join("; ") || "rollback"}`)
      if (event.action === "slow") {
        const slows = state.slows + 1
        if (slows > state.plan.maxSlows) return rollback(state, `no decision after ${slows} analyses: holding no longer`)
        // hold longer at a smaller step: half-way between the last step and this one, pause doubled
        const current = state.steps[state.stepIndex]!
        const previous = state.stepIndex > 0 ? percent(state.steps[state.stepIndex - 1]!.step) : 0
        const smaller = Math.floor((previous + percent(current.step)) / 2)
        const shrink = smaller > previous && smaller < percent(current.step)
        const steps = shrink
          ? [...state.steps.slice(0, state.stepIndex), { step: withPercent(current.step, smaller), pauseSeconds: current.pauseSeconds * 2 }, ...state.steps.slice(state.stepIndex)]
          : state.steps.map((s, i) => (i === state.stepIndex ? { ...s, pauseSeconds: s.pauseSeconds * 2 } : s))
        const next: State = { ...state, slows, steps }
        return shrink ? apply(next, state.stepIndex) : { state: next, commands: [{ _tag: "Analyze", index: state.stepIndex, pauseSeconds: steps[state.stepIndex]!.pauseSeconds }] }
      }
      // promote: next step, or the end
      if (state.stepIndex + 1 < state.steps.length) return apply(state, state.stepIndex + 1)
      return { state: { ...state, phase: "promoting", attempts: 0 }, commands: [{ _tag: "Promote" }] }
    }
    case "Approved":
      return state.phase === "awaiting_approval"
        ? apply({ ...state, approved: true }, state.stepIndex)
        : state.phase === "pending" || state.phase === "gating" || state.phase === "stepping" || state.phase === "analyzing"
          ? { state: { ...state, approved: true }, commands: [] }
          : ignore(state)
    case "ApprovalTimedOut": {
      if (state.phase !== "awaiting_approval") return ignore(state)
      const reason = "nobody approved the flip in time"
      return state.plan.onApprovalTimeout === "rollback" ? rollback(state, reason) : { state: { ...state, phase: "aborted", reason }, commands: [{ _tag: "Rollback", reason }, { _tag: "Finish", result: "aborted", reason }] }
    }
    case "OperatorRollback":
      return state.phase === "pending" ? ignore(state) : state.phase === "promoting" ? ignore(state) : rollback(state, `${event.by} rolled back: ${event.reason}`)
    case "Promoted":
      return state.phase === "promoting"
        ? { state: { ...state, phase: "promoted", reason: "every step passed its analysis" }, commands: [{ _tag: "Finish", result: "promoted", reason: "every step passed its analysis" }] }
        : ignore(state)
    case "RolledBack":
      return state.phase === "rolling_back"
        ? { state: { ...state, phase: "rolled_back" }, commands: [{ _tag: "Finish", result: "rolled_back", reason: state.reason ?? "rolled back" }] }
        : ignore(state)
  }
}

/** The state after a sequence of recorded events (what `--resume` starts from). */
export const replay = (plan: Plan, events: ReadonlyArray<Event>): State =>
  events.reduce((state, event) => transition(state, event).state, initial(plan))

/**
 * The commands to run again after a restart from a replayed state: whatever
 * the last recorded event asked for and did not see answered. Terminal
 * states need nothing; a rollout that was promoting promotes again (the
 * target's promote is idempotent), one that was rolling back rolls back
 * again — a recorded promote is never repeated after its `Promoted` event.
 */
export const resume = (state: State): ReadonlyArray<Command> => {
  switch (state.phase) {
    case "pending":
      return []
    case "gating":
      return [{ _tag: "EvaluateGates" }]
    case "stepping": {
      const step = state.steps[state.stepIndex]
      return step === undefined ? [] : [{ _tag: "ApplyStep", index: state.stepIndex, step: step.step }]
    }
    case "analyzing": {
      const step = state.steps[state.stepIndex]
      return step === undefined ? [] : [{ _tag: "Analyze", index: state.stepIndex, pauseSeconds: step.pauseSeconds }]
    }
    case "awaiting_approval":
      return [{ _tag: "AwaitApproval", timeoutSeconds: state.plan.approvalTimeoutSeconds }]
    case "promoting":
      return [{ _tag: "Promote" }]
    case "rolling_back":
      return [{ _tag: "Rollback", reason: state.reason ?? "rollback" }]
    case "promoted":
    case "rolled_back":
    case "aborted":
      return []
  }
}

/** The parts of a Decision (strategy.json) a plan is made from. */
export interface DecisionLike {
  readonly strategy: Plan["strategy"]
  readonly steps: ReadonlyArray<({ readonly weight: number } | { readonly cohort: number }) & { readonly pauseSeconds: number }>
  readonly approval_required: boolean
}

/** The policy around the steps; each field has a default. */
export interface PlanOptions {
  readonly approvalTimeoutSeconds?: number
  readonly onApprovalTimeout?: Plan["onApprovalTimeout"]
  readonly maxTargetAttempts?: number
  readonly maxSlows?: number
}

/**
 * The plan for a decision: its strategy and steps (weights or cohorts, with
 * their pauses) and its approval requirement; an hour to approve (then roll
 * back), three attempts per target operation, two undecided analyses.
 */
export const planOf = (decision: DecisionLike, options: PlanOptions = {}): Plan => ({
  strategy: decision.strategy,
  steps: decision.steps.map((s) => ({ step: "weight" in s ? { weight: s.weight } : { cohort: s.cohort }, pauseSeconds: s.pauseSeconds })),
  approvalRequired: decision.approval_required,
  approvalTimeoutSeconds: options.approvalTimeoutSeconds ?? 3600,
  onApprovalTimeout: options.onApprovalTimeout ?? "rollback",
  maxTargetAttempts: options.maxTargetAttempts ?? 3,
  maxSlows: options.maxSlows ?? 2
})
