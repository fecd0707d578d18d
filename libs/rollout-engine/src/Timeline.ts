import { percentOf, type Step } from "./DeployTarget.ts"
import type { WindowRecord } from "./Engine.ts"
import { isRolloutEvent } from "./Operator.ts"
import type * as Rollout from "./Rollout.ts"

/**
 * One readable line per recorded event — the same words in the live
 * progress of `rollwise rollout`, in `rollwise evidence show` and in the
 * HTTP API. Pure: it reads the event (and the plan's steps, for "1/4").
 */

const stepText = (step: Step | undefined): string =>
  step === undefined ? "" : "weight" in step ? `weight ${percentOf(step)} %` : `cohort ${percentOf(step)} %`

/** Whether recorded data is a window's verdict. */
export const isWindow = (data: unknown): data is WindowRecord => typeof data === "object" && data !== null && (data as { kind?: unknown }).kind === "window"

/** A state-machine event in one line; `steps` (the state's, after the event) names the step. */
export const eventLine = (event: Rollout.Event, steps: ReadonlyArray<{ readonly step: Step }> = []): string => {
  switch (event._tag) {
    case "Started":
      return `started: ${event.plan.strategy} in ${event.plan.steps.length} steps (${event.plan.steps.map((s) => percentOf(s.step)).join(" → ")} %)${event.plan.approvalRequired ? ", approval before the full step" : ""}`
    case "GatesPassed":
      return `gates pass${event.reasons !== undefined && event.reasons.length > 0 ? `: ${event.reasons.join("; ")}` : ""}`
    case "GatesBlocked":
      return `gates BLOCK: ${event.reasons.join("; ")}`
    case "StepApplied":
      return `step ${event.index + 1}${steps.length > 0 ? `/${steps.length}` : ""} applied: ${stepText(steps[event.index]?.step)}`.trimEnd()
    case "TargetFailed":
      return `target failed to ${event.operation}${event.transient ? " (transient)" : ""}: ${event.detail}`
    case "Analyzed":
      return `step ${event.index + 1} analysis: ${event.action}${event.reasons.length > 0 ? ` — ${event.reasons[0]}` : ""}`
    case "Approved":
      return `approved by ${event.by}`
    case "ApprovalTimedOut":
      return "nobody approved in time"
    case "OperatorRollback":
      return `${event.by} asked for a rollback: ${event.reason}`
    case "Promoted":
      return "PROMOTED: the candidate is the stable release"
    case "RolledBack":
      return "ROLLED BACK: all traffic on the stable release"
  }
}

/** A window's verdict in one line: each metric's status, then the action. */
export const windowLine = (w: WindowRecord): string =>
  `step ${w.stepIndex + 1} window ${w.index + 1}: ${w.verdict.metrics.map((m) => `${m.name} ${m.status}`).join(", ")} → ${w.verdict.action}`

/** Any recorded event's data in one line (unknown kinds as their type). */
export const recordLine = (type: string, data: unknown, steps: ReadonlyArray<{ readonly step: Step }> = []): string =>
  isRolloutEvent(data) ? eventLine(data, steps) : isWindow(data) ? windowLine(data) : type
