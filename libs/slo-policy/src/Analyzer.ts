import * as Assess from "./Assess.ts"
import * as Stats from "./internal/stats.ts"
import type { Release, Window } from "./Observation.ts"
import * as Policy from "./Policy.ts"
import type { Spec } from "./SloSpec.ts"
import type { Action, MetricVerdict, Status, Verdict } from "./Verdict.ts"

/**
 * The analyzer over a release's windows: assess each metric per window, fold
 * the cross-window evidence (drift, cumulative counts for the sequential
 * tests), and let the policy decide. Pure: the same windows give the same
 * verdicts, whatever order their lines came in.
 */

/** Cross-window settings (documented defaults; not yet in slo.yaml). */
export const settings = {
  /** EWMA smoothing of each metric's relative effect, for slow drift (leaks). */
  ewmaLambda: 0.3,
  /** Always-valid significance of the sequential tests that may roll back early. Type-I error ≤ this under continuous monitoring. */
  sequentialAlpha: 0.01,
  /** A candidate median this many baseline standard deviations worse, and 3× the tolerance, is a spike: rollback now. */
  spikeZ: 8
} as const

interface MetricState {
  readonly ewma?: number
  readonly tailExceed: number
  readonly tailN: number
  readonly tailP0Sum: number
  readonly cErr: number
  readonly cTot: number
  readonly bErr: number
  readonly bTot: number
}

/** The analyzer's memory between windows. */
export interface State {
  readonly policy: Policy.State
  readonly metrics: Readonly<Record<string, MetricState>>
}

export const initial: State = { policy: Policy.initial, metrics: {} }

const empty: MetricState = { tailExceed: 0, tailN: 0, tailP0Sum: 0, cErr: 0, cTot: 0, bErr: 0, bTot: 0 }
const rank: Record<Status, number> = { pass: 0, nodata: 1, marginal: 1, fail: 2 }

/** One window judged: the verdict and the state to carry on. */
export interface WindowResult {
  readonly state: State
  readonly verdict: Verdict
}

/** Judge the next window. `window.index` is reported as the verdict's window. */
export const step = (spec: Spec, state: State, window: Window): WindowResult => {
  const immediate: Array<string> = []
  const metrics: Array<MetricVerdict> = []
  const next: Record<string, MetricState> = { ...state.metrics }
  for (const metric of spec.metrics) {
    const { verdict, evidence } = Assess.assess(metric, window.metrics.get(metric.name))
    const prev = state.metrics[metric.name] ?? empty
    let status = verdict.status
    const extra: Array<string> = []
    let ewma = prev.ewma
    if (verdict.status !== "nodata" && evidence.effect !== undefined && metric.kind === "continuous") {
      ewma = ewma === undefined ? evidence.effect : settings.ewmaLambda * evidence.effect + (1 - settings.ewmaLambda) * ewma
      if (ewma > 2 * metric.tolerance && status !== "fail" && prev.ewma !== undefined) {
        status = "fail"
        extra.push(`drift: the smoothed effect (EWMA) is ${(100 * ewma).toFixed(1)} %, over twice the tolerance`)
      } else if (ewma > metric.tolerance && rank[status] < 1 && prev.ewma !== undefined) {
        status = "marginal"
        extra.push(`drift: the smoothed effect (EWMA) is ${(100 * ewma).toFixed(1)} %, over the ${(100 * metric.tolerance).toFixed(0)} % tolerance`)
      }
    }
    const tail = evidence.tail
    const counts = evidence.counts
    const folded: MetricState = {
      ...(ewma !== undefined ? { ewma } : {}),
      tailExceed: prev.tailExceed + (tail?.exceed ?? 0),
      tailN: prev.tailN + (tail?.n ?? 0),
      tailP0Sum: prev.tailP0Sum + (tail === undefined ? 0 : tail.p0 * tail.n),
      cErr: prev.cErr + (counts?.candidateErrors ?? 0),
      cTot: prev.cTot + (counts?.candidateTotal ?? 0),
      bErr: prev.bErr + (counts?.baselineErrors ?? 0),
      bTot: prev.bTot + (counts?.baselineTotal ?? 0)
    }
    next[metric.name] = folded
    // sequential tests: may roll back before failAfter windows, at a guaranteed false-rollback rate
    if (folded.cTot > 0 && folded.bTot > 0) {
      const rateC = folded.cErr / folded.cTot
      const rateB = folded.bErr / folded.bTot
      const pSeq = Stats.sequentialProportions(folded.cErr, folded.cTot, folded.bErr, folded.bTot)
      if (pSeq <= settings.sequentialAlpha && rateC > rateB * (1 + metric.tolerance) && metric.kind === "ratio") {
        immediate.push(`${metric.name}: sequential test over ${state.policy.windows + 1} windows, ${(100 * rateC).toPrecision(3)} % vs ${(100 * rateB).toPrecision(3)} % (always-valid p=${pSeq.toPrecision(2)} ≤ ${settings.sequentialAlpha})`)
      }
    }
    if (folded.tailN > 0 && metric.kind === "continuous") {
      const p0 = folded.tailP0Sum / folded.tailN
      const pSeq = Stats.sequentialBinomial(folded.tailExceed, folded.tailN, p0)
      if (pSeq <= settings.sequentialAlpha && folded.tailExceed / folded.tailN >= 3 * p0) {
        immediate.push(`${metric.name}: ${folded.tailExceed} of ${folded.tailN} candidate samples so far exceed the baseline tail (expected ${(100 * p0).toFixed(1)} %; always-valid p=${pSeq.toPrecision(2)})`)
      }
    }
    if (evidence.z !== undefined && evidence.effect !== undefined && evidence.z > settings.spikeZ && evidence.effect > 3 * metric.tolerance && verdict.status === "fail") {
      immediate.push(`${metric.name}: spike, candidate median ${evidence.z.toFixed(1)} baseline standard deviations worse`)
    }
    metrics.push(extra.length === 0 ? { ...verdict, status } : { ...verdict, status, reason: `${verdict.reason}; ${extra.join("; ")}` })
  }
  const decision = Policy.step(spec, state.policy, { statuses: metrics.map((m) => ({ name: m.name, status: m.status })), immediate })
  const weights = new Map(spec.metrics.map((m) => [m.name, m.weight]))
  const totalWeight = metrics.reduce((a, m) => a + (weights.get(m.name) ?? 1), 0)
  const credit = (s: Status) => (s === "pass" ? 1 : s === "fail" ? 0 : 0.5)
  const score = totalWeight === 0 ? 0 : (100 * metrics.reduce((a, m) => a + (weights.get(m.name) ?? 1) * credit(m.status), 0)) / totalWeight
  return {
    state: { policy: decision.state, metrics: next },
    verdict: { action: decision.action, window: window.index, metrics, reasons: [...decision.reasons], score: Math.round(score * 10) / 10 }
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

/** The verdict for the windows seen so far (the last of `run`), or `slow` with no windows at all. */
export const analyze = (spec: Spec, release: Release): Verdict =>
  run(spec, release).at(-1) ?? { action: "slow", window: -1, metrics: [], reasons: ["no windows observed yet: holding"], score: 0 }

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
