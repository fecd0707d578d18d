import type { Spec } from "./SloSpec.ts"
import type { Action, Status } from "./Verdict.ts"

/**
 * The decision policy over windows, as a pure state machine: feed it each
 * window's per-metric statuses (plus any immediate signal such as a spike or
 * a sequential-test rejection) and it says promote, slow or rollback.
 *
 *  - a critical metric failing, or an immediate signal → rollback now;
 *  - a metric failing `failAfter` consecutive windows → rollback;
 *  - every metric passing for `promoteAfter` consecutive windows, with enough
 *    evidence pooled so far to rule out a tolerated-size regression → promote;
 *  - anything else (marginal, nodata, a first failure) → slow, and the healthy
 *    streak starts again;
 *  - `maxWindows` judged without a decision → the spec's `onNoDecision`:
 *    `slow`, `rollback`, or `promote-if-no-harm` (promote when the analyzer's
 *    no-harm check passes — every metric had data, none failed, none leans
 *    towards harm — and slow otherwise; nodata is never evidence of no harm).
 */
export interface State {
  /** Windows judged so far. */
  readonly windows: number
  readonly healthyStreak: number
  /** Consecutive failing windows per metric. */
  readonly failStreaks: Readonly<Record<string, number>>
  /** Set once a decisive action (promote or rollback) was taken; later windows change nothing. */
  readonly decided?: Action
}

/** One window's input to the policy. */
export interface WindowInput {
  readonly statuses: ReadonlyArray<{ readonly name: string; readonly status: Status }>
  /** Reasons to roll back at once regardless of streaks (crash loop, spike, sequential test). */
  readonly immediate: ReadonlyArray<string>
  /**
   * Reasons the evidence so far is not enough to promote (too few samples to
   * rule out a regression of the tolerated size). They hold a promotion that
   * the streak alone would allow; they never roll back.
   */
  readonly holdPromotion?: ReadonlyArray<string>
  /** Metrics cleared for promotion by their SLO rather than against the baseline: said in the promotion's reasons. */
  readonly promotionNotes?: ReadonlyArray<string>
  /**
   * At `maxWindows` with `onNoDecision: promote-if-no-harm`: whether the
   * evidence shows no harm (what it rested on), or what stands in the way.
   */
  readonly noHarm?: { readonly ok: true; readonly evidence: string } | { readonly ok: false; readonly blockers: ReadonlyArray<string> }
}

/** What the policy decided for a window, and why. */
export interface Step {
  readonly state: State
  readonly action: Action
  readonly reasons: ReadonlyArray<string>
}

export const initial: State = { windows: 0, healthyStreak: 0, failStreaks: {} }

/** Advance the policy by one window. Total: every input gives a state and an action. */
export const step = (spec: Spec, state: State, input: WindowInput): Step => {
  if (state.decided !== undefined) {
    return { state, action: state.decided, reasons: [`already decided: ${state.decided}`] }
  }
  const windows = state.windows + 1
  const byName = new Map(spec.metrics.map((m) => [m.name, m]))
  const failStreaks: Record<string, number> = {}
  for (const { name, status } of input.statuses) {
    failStreaks[name] = status === "fail" ? (state.failStreaks[name] ?? 0) + 1 : 0
  }
  const reasons: Array<string> = []
  const decide = (action: Action, healthyStreak: number): Step => ({
    state: { windows, healthyStreak, failStreaks, ...(action === "slow" ? {} : { decided: action }) },
    action,
    reasons
  })

  if (input.immediate.length > 0) {
    reasons.push(...input.immediate)
    return decide("rollback", 0)
  }
  const critical = input.statuses.filter((s) => s.status === "fail" && byName.get(s.name)?.critical === true)
  if (critical.length > 0) {
    reasons.push(...critical.map((s) => `critical metric ${s.name} failed: rolling back at once`))
    return decide("rollback", 0)
  }
  const sustained = input.statuses.filter((s) => s.status === "fail" && (failStreaks[s.name] ?? 0) >= (byName.get(s.name)?.failAfter ?? 2))
  if (sustained.length > 0) {
    reasons.push(...sustained.map((s) => `${s.name} failed ${failStreaks[s.name]} windows in a row (failAfter ${byName.get(s.name)?.failAfter ?? 2})`))
    return decide("rollback", 0)
  }
  const allPass = input.statuses.length > 0 && input.statuses.every((s) => s.status === "pass")
  const healthyStreak = allPass ? state.healthyStreak + 1 : 0
  const holds = input.holdPromotion ?? []
  if (allPass && healthyStreak >= spec.promoteAfter && holds.length === 0) {
    reasons.push(`${healthyStreak} consecutive healthy windows (promoteAfter ${spec.promoteAfter})`, ...(input.promotionNotes ?? []))
    return decide("promote", healthyStreak)
  }
  if (allPass && healthyStreak >= spec.promoteAfter) {
    reasons.push(`${healthyStreak} healthy windows, but not yet enough evidence to promote`, ...holds)
  }
  if (windows >= spec.maxWindows) {
    if (spec.onNoDecision === "promote-if-no-harm") {
      const noHarm = input.noHarm
      if (noHarm?.ok === true) {
        reasons.unshift(`no decision after maxWindows ${spec.maxWindows}: ${noHarm.evidence} (onNoDecision: promote-if-no-harm)`)
        return decide("promote", healthyStreak)
      }
      // the decision first: it is what a reader (and the backtest's "why") needs
      reasons.unshift(
        `no decision after maxWindows ${spec.maxWindows}: slow (onNoDecision: promote-if-no-harm, but ${noHarm === undefined ? "no evidence of no harm was given" : noHarm.blockers.join("; ")})`
      )
      return { ...decide("slow", healthyStreak), state: { windows, healthyStreak, failStreaks, decided: "slow" } }
    }
    reasons.unshift(`no decision after maxWindows ${spec.maxWindows}: ${spec.onNoDecision} (onNoDecision)`)
    return { ...decide(spec.onNoDecision, healthyStreak), state: { windows, healthyStreak, failStreaks, decided: spec.onNoDecision } }
  }
  for (const s of input.statuses) {
    if (s.status === "fail") reasons.push(`${s.name} failed (${failStreaks[s.name]} of ${byName.get(s.name)?.failAfter ?? 2} windows before rollback)`)
    else if (s.status === "marginal") reasons.push(`${s.name} is marginal: holding`)
    else if (s.status === "nodata") reasons.push(`${s.name} has no data: holding until it does`)
  }
  if (allPass && healthyStreak < spec.promoteAfter) reasons.push(`healthy window ${healthyStreak} of ${spec.promoteAfter}`)
  return decide("slow", healthyStreak)
}
