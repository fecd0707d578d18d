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
  /** Relative effects after warm-up, oldest first (for the trend check). */
  readonly effects?: ReadonlyArray<number>
  /** Sequential test on tail exceedances (continuous) or on bad events (ratio). */
  readonly sequential?: Stats.ProportionTest
  /** Sequential test on log samples: is the candidate worse by more than the tolerance? (continuous, positive metrics) */
  readonly shift?: Stats.MeanTest
  /** Usable samples after warm-up, pooled over windows (continuous; badness scale; each sorted ascending). */
  readonly pooled?: { readonly candidate: Float64Array; readonly baseline: Float64Array; readonly windows: number }
}

/** The analyzer's memory between windows. */
export interface State {
  readonly policy: Policy.State
  readonly metrics: Readonly<Record<string, MetricState>>
}

export const initial: State = { policy: Policy.initial, metrics: {} }

const empty: MetricState = {}

/**
 * The mixing scale τ of a metric's sequential test, fixed by the spec (never
 * by the data, or the guarantee would not hold): for ratio metrics the rate
 * difference that matters, threshold × tolerance; for tail exceedances the
 * share of requests that matters, `Assess.tailExcess.fail`.
 */
const tau = (metric: Spec["metrics"][number]): number =>
  metric.kind === "ratio" ? Math.max(metric.threshold * metric.tolerance, 1e-4) : Assess.tailExcess.fail
const rank: Record<Status, number> = { pass: 0, nodata: 1, marginal: 1, fail: 2 }

/** Least-squares slope of a series against its index (0 for fewer than two points). */
const trend = (ys: ReadonlyArray<number>): number => {
  const n = ys.length
  if (n < 2) return 0
  const mx = (n - 1) / 2
  const my = ys.reduce((a, y) => a + y, 0) / n
  let sxy = 0
  let sxx = 0
  ys.forEach((y, x) => {
    sxy += (x - mx) * (y - my)
    sxx += (x - mx) ** 2
  })
  return sxy / sxx
}

/** One-sided confidence for "the evidence rules out a tolerated-size regression" (90 %). */
export const promotionConfidence = 0.9

/**
 * Whether the evidence pooled so far rules out a regression of the tolerated
 * size, or why not. Before promoting, a healthy-looking streak must also be
 * backed by enough samples: the 90 % upper bound of the candidate's shift
 * within the tolerance, of its tail excess within `Assess.tailExcess.fail`,
 * and of its error rate within the SLO or the tolerated rate. At low traffic
 * this holds a promotion for more windows instead of guessing.
 */
const promotionEvidence = (metric: Spec["metrics"][number], st: MetricState): string | undefined => {
  const z = 1.2815515655446004 // one-sided 90 %
  const seq = st.sequential
  if (metric.kind === "continuous" && st.pooled !== undefined && st.pooled.candidate.length > 0 && st.pooled.baseline.length > 0) {
    const c = st.pooled.candidate
    const b = st.pooled.baseline
    const scale = Assess.relativeScale(b)
    const upper = Stats.hlUpper(c, b, promotionConfidence, scale)
    if (upper > metric.tolerance * scale) {
      return `${metric.name}: pooled over ${st.pooled.windows} window${st.pooled.windows === 1 ? "" : "s"} the candidate could still be up to ${((100 * upper) / scale).toFixed(1)} % worse (90 % bound), more than the ${(100 * metric.tolerance).toFixed(0)} % tolerance`
    }
    if (seq !== undefined && seq.candidateTrials > 0 && seq.baselineTrials > 0) {
      const rc = seq.candidateSuccesses / seq.candidateTrials
      const rb = seq.baselineSuccesses / seq.baselineTrials
      const p = (seq.candidateSuccesses + seq.baselineSuccesses) / (seq.candidateTrials + seq.baselineTrials)
      const upper = rc - rb + z * Math.sqrt(Math.max(p * (1 - p), 1e-4) * (1 / seq.candidateTrials + 1 / seq.baselineTrials))
      if (upper > Assess.tailExcess.fail) {
        return `${metric.name}: the candidate's tail could still hold up to ${(100 * upper).toFixed(1)} points more slow samples than the baseline's (90 % bound over ${seq.candidateTrials} samples); waiting for more`
      }
    }
  }
  if (metric.kind === "ratio" && seq !== undefined && seq.candidateTrials > 0 && seq.baselineTrials > 0) {
    // non-inferiority on counts: the 90 % upper bound of rate_c − (1 + tolerance) · rate_b must be below 0
    const nc = seq.candidateTrials
    const nb = seq.baselineTrials
    const rc = seq.candidateSuccesses / nc
    const rb = seq.baselineSuccesses / nb
    const k = 1 + metric.tolerance
    const floor = 0.5 / Math.max(nc, nb) // a rate of zero still carries uncertainty
    const se = Math.sqrt(Math.max(rc * (1 - rc), floor) / nc + k * k * Math.max(rb * (1 - rb), floor) / nb)
    const upper = rc - k * rb + z * se
    if (upper > 0) {
      return `${metric.name}: after ${nc} requests the candidate's rate ${(100 * rc).toPrecision(3)} % could still exceed the baseline's ${(100 * rb).toPrecision(3)} % by more than the ${(100 * metric.tolerance).toFixed(0)} % tolerance (90 % bound); waiting for more traffic`
    }
  }
  return undefined
}

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
    const assessed = Assess.assess(metric, window.metrics.get(metric.name))
    const prev = state.metrics[metric.name] ?? empty
    const warmup = window.index < spec.warmupWindows && metric.kind === "continuous" && !metric.critical
    const verdict = warmup && assessed.verdict.status === "fail" ? { ...assessed.verdict, status: "marginal" as const, reason: `${assessed.verdict.reason}; warm-up window (${window.index + 1} of ${spec.warmupWindows}): holding, not failing` } : assessed.verdict
    // warm-up windows feed no cross-window evidence
    const evidence = warmup ? {} : assessed.evidence
    let status = verdict.status
    const extra: Array<string> = []
    let ewma = prev.ewma
    let effects = prev.effects
    if (verdict.status !== "nodata" && evidence.effect !== undefined && metric.kind === "continuous") {
      ewma = ewma === undefined ? evidence.effect : settings.ewmaLambda * evidence.effect + (1 - settings.ewmaLambda) * ewma
      effects = [...(effects ?? []), evidence.effect]
      if (ewma > 2 * metric.tolerance && status !== "fail" && prev.ewma !== undefined) {
        status = "fail"
        extra.push(`drift: the smoothed effect (EWMA) is ${(100 * ewma).toFixed(1)} %, over twice the tolerance`)
      } else if (ewma > metric.tolerance && rank[status] < 1 && prev.ewma !== undefined) {
        status = "marginal"
        extra.push(`drift: the smoothed effect (EWMA) is ${(100 * ewma).toFixed(1)} %, over the ${(100 * metric.tolerance).toFixed(0)} % tolerance`)
      }
      const slope = trend(effects)
      const latest = effects.at(-1)!
      if (rank[status] < 1 && slope > metric.tolerance / 4 && latest > metric.tolerance / 2) {
        status = "marginal"
        extra.push(`climbing: the effect grows ${(100 * slope).toFixed(1)} points a window (now ${(100 * latest).toFixed(1)} %): holding to see where it goes`)
      }
    }
    // sequential tests: may roll back before failAfter windows, with a false-rollback rate ≤ sequentialAlpha
    const counts =
      evidence.counts !== undefined
        ? { candidateSuccesses: evidence.counts.candidateErrors, candidateTrials: evidence.counts.candidateTotal, baselineSuccesses: evidence.counts.baselineErrors, baselineTrials: evidence.counts.baselineTotal }
        : evidence.tail !== undefined
          ? { candidateSuccesses: evidence.tail.candidateExceed, candidateTrials: evidence.tail.candidateN, baselineSuccesses: evidence.tail.baselineExceed, baselineTrials: evidence.tail.baselineN }
          : undefined
    const sequential = counts === undefined ? prev.sequential : Stats.foldProportions(prev.sequential ?? Stats.proportionTest(tau(metric), settings.sequentialAlpha), counts)
    const pooled =
      evidence.samples !== undefined && verdict.status !== "nodata"
        ? {
            candidate: prev.pooled === undefined ? evidence.samples.candidate : Stats.mergeSorted(prev.pooled.candidate, evidence.samples.candidate),
            baseline: prev.pooled === undefined ? evidence.samples.baseline : Stats.mergeSorted(prev.pooled.baseline, evidence.samples.baseline),
            windows: (prev.pooled?.windows ?? 0) + 1
          }
        : prev.pooled
    const margin = Math.log1p(metric.tolerance)
    const shift =
      evidence.logSamples !== undefined && verdict.status !== "nodata" && margin > 0
        ? Stats.foldMeans(prev.shift ?? Stats.meanExcessTest(margin, settings.sequentialAlpha), evidence.logSamples)
        : prev.shift
    if (shift !== undefined && shift.decision === "reject" && shift.difference > margin) {
      immediate.push(
        `${metric.name}: sequential test over ${shift.windows} window${shift.windows === 1 ? "" : "s"}, the candidate is ${(100 * Math.expm1(shift.difference)).toFixed(1)} % worse (geometric mean), beyond the ${(100 * metric.tolerance).toFixed(0)} % tolerance (always-valid p=${shift.pValue.toPrecision(2)} ≤ ${settings.sequentialAlpha})`
      )
    }
    next[metric.name] = {
      ...(shift !== undefined ? { shift } : {}),
      ...(ewma !== undefined ? { ewma } : {}),
      ...(effects !== undefined ? { effects } : {}),
      ...(sequential !== undefined ? { sequential } : {}),
      ...(pooled !== undefined ? { pooled } : {})
    }
    if (counts !== undefined && sequential !== undefined && sequential.decision === "reject") {
      const rateC = sequential.candidateSuccesses / sequential.candidateTrials
      const rateB = sequential.baselineSuccesses / sequential.baselineTrials
      const meaningful = metric.kind === "ratio" ? rateC > rateB * (1 + metric.tolerance) : rateC - rateB >= Assess.tailExcess.fail
      if (meaningful) {
        const what = metric.kind === "ratio" ? "bad events" : "samples beyond the tail bound"
        immediate.push(
          `${metric.name}: sequential test over ${sequential.windows} window${sequential.windows === 1 ? "" : "s"}, ${what} ${(100 * rateC).toPrecision(3)} % in the candidate vs ${(100 * rateB).toPrecision(3)} % in the baseline (always-valid p=${sequential.pValue.toPrecision(2)} ≤ ${settings.sequentialAlpha})`
        )
      }
    }
    if (evidence.z !== undefined && evidence.effect !== undefined && evidence.z > settings.spikeZ && evidence.effect > 3 * metric.tolerance && verdict.status === "fail") {
      immediate.push(`${metric.name}: spike, candidate median ${evidence.z.toFixed(1)} baseline standard deviations worse`)
    }
    metrics.push(extra.length === 0 ? { ...verdict, status } : { ...verdict, status, reason: `${verdict.reason}; ${extra.join("; ")}` })
  }
  const holdPromotion = spec.metrics.flatMap((metric) => {
    const reason = promotionEvidence(metric, next[metric.name] ?? empty)
    return reason === undefined ? [] : [reason]
  })
  const decision = Policy.step(spec, state.policy, {
    statuses: metrics.map((m) => ({ name: m.name, status: m.status })),
    immediate,
    holdPromotion
  })
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
