import * as Assess from "./Assess.ts"
import * as Evidence from "./internal/evidence.ts"
import * as Multivariate from "./Multivariate.ts"
import type { MetricWindow, Release, Window } from "./Observation.ts"
import * as Policy from "./Policy.ts"
import type { MetricSpec, Spec } from "./SloSpec.ts"
import type { Action, MetricVerdict, Verdict } from "./Verdict.ts"

/**
 * The analyzer over a release's windows: assess each metric per window, fold
 * the cross-window evidence (drift, cumulative counts for the sequential
 * tests), and let the policy decide. Pure: the same windows give the same
 * verdicts, whatever order their lines came in.
 */

/** Cross-window settings (documented defaults; not yet in slo.yaml). */
export const settings = Evidence.settings

/** The analyzer's memory between windows. */
export interface State {
  readonly policy: Policy.State
  readonly metrics: Readonly<Record<string, Evidence.MetricState>>
}

export const initial: State = { policy: Policy.initial, metrics: {} }

/** One-sided confidence for "the evidence rules out a tolerated-size regression" (90 %). */
export const promotionConfidence = Evidence.settings.promotionConfidence

/** One window judged: the verdict and the state to carry on. */
export interface WindowResult {
  readonly state: State
  readonly verdict: Verdict
}

/** A signatures metric's lines of the last windows, this one's appended (a window without lines on both tracks adds nothing). */
const pooledLogs = (prev: Evidence.MetricState, data: MetricWindow | undefined) => {
  const kept = prev.logs ?? []
  const b = data?.baseline
  const c = data?.candidate
  if (b?._tag !== "Lines" || c?._tag !== "Lines") return kept
  return [...kept, { baseline: b, candidate: c }].slice(-Assess.signatureWindows)
}

/**
 * A signatures metric's window: judged alone, and, when that passes, over the
 * last windows pooled — a rare new exception shows over several windows
 * before it shows enough in one. Undefined for other kinds (judged by kind).
 */
const signaturesOf = (spec: Spec, metric: MetricSpec, window: Window, logs: ReadonlyArray<{ readonly baseline: Assess.LogLines; readonly candidate: Assess.LogLines }> | undefined) => {
  if (logs === undefined) return undefined
  const alone = Assess.assess(metric, window.metrics.get(metric.name))
  if (alone.verdict.status !== "pass") return alone
  const pooled = Assess.signaturesPooled(metric, logs, spec.maxWindows)
  return pooled !== undefined && pooled.verdict.status === "fail" ? pooled : alone
}

/**
 * Judge the next window. `window.index` is reported as the verdict's window.
 * Per metric: assess the window (a multivariate metric over its features'
 * rows, against the baseline's earlier windows; its failure only holds unless
 * it is critical), then the cross-window evidence in order —
 * warm-up, drift, the sequential tests, pooling, spikes — and, over all
 * metrics, the promotion bounds and (at maxWindows) the no-harm check the
 * policy needs.
 */
export const step = (spec: Spec, state: State, window: Window): WindowResult => {
  const immediate: Array<string> = []
  const metrics: Array<MetricVerdict> = []
  const next: Record<string, Evidence.MetricState> = { ...state.metrics }
  for (const metric of spec.metrics) {
    const prev = state.metrics[metric.name] ?? Evidence.empty
    const joint = metric.kind === "multivariate" ? Multivariate.assess(metric, prev.multivariate ?? Multivariate.empty, window) : undefined
    const logs = metric.kind === "signatures" ? pooledLogs(prev, window.metrics.get(metric.name)) : undefined
    const warm = Evidence.warmUp(spec, metric, window.index, joint?.assessment ?? signaturesOf(spec, metric, window, logs) ?? Assess.assess(metric, window.metrics.get(metric.name)))
    const { verdict, evidence } = warm.assessed
    const hasData = verdict.status !== "nodata"
    const drift = Evidence.drift(metric, prev, verdict.status, evidence, warm.effect)
    const tests = Evidence.sequential(metric, prev, hasData, evidence)
    immediate.push(...tests.rollback)
    const spike = Evidence.spike(metric, verdict.status, evidence)
    if (spike !== undefined) immediate.push(spike)
    const pooled = Evidence.pool(prev, hasData, evidence)
    // a multivariate metric never rolls back alone unless critical: its failure holds (and still blocks promote-if-no-harm)
    const holdOnly = metric.kind === "multivariate" && !metric.critical && drift.status === "fail"
    const status = holdOnly ? "marginal" : drift.status
    const notes = holdOnly ? [...drift.notes, "not critical: holding, never rolling back on the joint behaviour alone"] : drift.notes
    next[metric.name] = {
      ...(joint !== undefined ? { multivariate: joint.state } : {}),
      ...(logs !== undefined ? { logs } : {}),
      ...(tests.shift !== undefined ? { shift: tests.shift } : {}),
      ...(drift.ewma !== undefined ? { ewma: drift.ewma } : {}),
      ...(drift.effects !== undefined ? { effects: drift.effects } : {}),
      ...(tests.sequential !== undefined ? { sequential: tests.sequential } : {}),
      ...(pooled !== undefined ? { pooled } : {}),
      judged: (prev.judged ?? 0) + (hasData ? 1 : 0),
      failed: (prev.failed ?? 0) + (drift.status === "fail" ? 1 : 0),
      lastHadData: hasData
    }
    metrics.push(notes.length === 0 ? { ...verdict, status } : { ...verdict, status, reason: `${verdict.reason}; ${notes.join("; ")}` })
  }
  const clearances = spec.metrics.map((metric) => Evidence.clearance(spec, metric, next[metric.name] ?? Evidence.empty))
  const holdPromotion = clearances.flatMap((c) => (c.cleared ? [] : [c.hold]))
  const cleared = clearances.flatMap((c) => (c.cleared && c.ground === "slo" ? [c.note] : []))
  const atLimit = state.policy.windows + 1 >= spec.maxWindows
  const decision = Policy.step(spec, state.policy, {
    statuses: metrics.map((m) => ({ name: m.name, status: m.status })),
    immediate,
    holdPromotion,
    promotionNotes: cleared,
    ...(atLimit && spec.onNoDecision === "promote-if-no-harm" ? { noHarm: Evidence.noHarm(spec, next, metrics) } : {})
  })
  return {
    state: { policy: decision.state, metrics: next },
    verdict: { action: decision.action, window: window.index, metrics, reasons: [...decision.reasons], score: Evidence.score(spec, metrics) }
  }
}

/** Every window's verdict until (and including) the first decisive one. */
export const run = (spec: Spec, release: Release): ReadonlyArray<Verdict> => {
  const out: Array<Verdict> = []
  let state = initial
  for (const window of release.windows) {
    const r = step(spec, state, window)
    out.push(r.verdict)
    state = r.state
    if (state.policy.decided !== undefined) break
  }
  return out
}

/** The verdict before any window: hold (`slow`), window -1, nothing judged. */
export const noWindows: Verdict = { action: "slow", window: -1, metrics: [], reasons: ["no windows observed yet: holding"], score: 0 }

/** The verdict for the windows seen so far (the last of `run`), or {@link noWindows}. */
export const analyze = (spec: Spec, release: Release): Verdict => run(spec, release).at(-1) ?? noWindows

/** One release replayed as a live rollout would have seen it. */
export interface BacktestResult {
  readonly release: string
  readonly action: Action
  readonly window: number
  readonly reasons: ReadonlyArray<string>
}

/** Replay a release and report where it decided. */
export const backtest = (spec: Spec, release: Release): BacktestResult => {
  const v = analyze(spec, release)
  return { release: release.id, action: v.action, window: v.window, reasons: v.reasons }
}
