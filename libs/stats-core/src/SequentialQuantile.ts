/**
 * Anytime-valid test that a candidate's latency quantile (p50, p99…) differs
 * from its baseline's, in the spirit of Lindon, Sanden & Shirikian (KDD 2022,
 * sequential tests of stochastic order for canaries) using time-uniform
 * confidence sequences for quantiles (Howard & Ramdas, "Sequential
 * estimation of quantiles", 2022). No distributional assumption: only ranks
 * (order statistics) are used, so skewed, heavy-tailed latencies are fine.
 *
 * For each group, with t observations and q* its true p-quantile, the counts
 * S_t = Σ (1{X_i ≤ q*} - p) form a sub-Gaussian martingale with variance
 * proxy σ²·t. The two-sided normal-mixture boundary
 *
 *   u_t = √((σ² t + ρ) · ln((σ² t + ρ) / (ρ α'²)))
 *
 * is crossed with probability at most α' over all t (Ville's inequality;
 * Howard et al. 2021), so X_(⌈tp - u_t⌉) ≤ q* ≤ X_(⌊tp + u_t⌋ + 1) for every t
 * simultaneously with probability ≥ 1 - α'. With α' = α/2 per group, the test
 * rejects "candidate's quantile is higher" once the candidate's lower bound
 * passes the baseline's upper bound (and symmetrically for lower / two-sided).
 *
 * Type-I guarantee: P(ever rejecting | the null holds) ≤ α under continuous
 * monitoring, with any number of looks and windows of any sizes, and any
 * allocation between the groups. σ² is the optimal sub-Gaussian proxy of a
 * Bernoulli(p) indicator, (1 - 2p) / (2 ln((1 - p)/p)) (¼ at p = ½), which is
 * exact for continuous distributions; with `continuous: false` the
 * distribution-free ¼ (Hoeffding) is used, valid even with heavy ties.
 * ρ only tunes where the boundary is tightest (at `plannedSamples`).
 */
import type { Alternative } from "./Alternative.ts"

/** Test parameters. */
export interface Options {
  /** The quantile to compare, p in (0, 1), e.g. 0.99. */
  readonly quantile: number
  /** Significance level α in (0, 1); default 0.05. */
  readonly alpha?: number
  /** `"greater"`: candidate's quantile is higher (slower); default `"two-sided"`. */
  readonly alternative?: Alternative
  /** Sample size per group at which the bounds should be tightest; default 1000. */
  readonly plannedSamples?: number
  /** Assume no ties (continuous values); default true. See the module doc. */
  readonly continuous?: boolean
}

/** A time-uniform confidence interval for one group's quantile (±Infinity when not yet bounded). */
export interface Bounds {
  readonly lower: number
  readonly upper: number
}

/** The test after `windows` windows. */
export interface State {
  readonly quantile: number
  readonly alpha: number
  readonly alternative: Alternative
  /** Variance proxy σ² per observation. */
  readonly variance: number
  /** Mixture parameter ρ of the boundary. */
  readonly rho: number
  /** All finite observations so far, ascending. */
  readonly candidate: Float64Array
  readonly baseline: Float64Array
  readonly windows: number
  /** Bounds at level α/2 each, at the latest window. */
  readonly candidateBounds: Bounds
  readonly baselineBounds: Bounds
  /** Always-valid p-value: smallest α at which the test has rejected so far. */
  readonly pValue: number
  readonly decision: "continue" | "reject"
  readonly rejectedAt: number | null
}

/** Kearns–Saul optimal sub-Gaussian variance proxy of a centred Bernoulli(p). */
export const bernoulliVarianceProxy = (p: number): number =>
  Math.abs(p - 0.5) < 1e-12 ? 0.25 : (1 - 2 * p) / (2 * Math.log((1 - p) / p))

/** Half-width u of the two-sided normal-mixture boundary at intrinsic time v, level a. */
export const boundary = (v: number, rho: number, a: number): number => Math.sqrt((v + rho) * Math.log((v + rho) / (rho * a * a)))

/** ρ minimizing the boundary at intrinsic time v (golden-section search on ln ρ). */
const optimalRho = (v: number, a: number): number => {
  let lo = Math.log(v) - 12
  let hi = Math.log(v) + 12
  const g = (Math.sqrt(5) - 1) / 2
  for (let i = 0; i < 100; i++) {
    const m1 = hi - g * (hi - lo)
    const m2 = lo + g * (hi - lo)
    if (boundary(v, Math.exp(m1), a) < boundary(v, Math.exp(m2), a)) hi = m2
    else lo = m1
  }
  return Math.exp((lo + hi) / 2)
}

/** A fresh test. p outside (0, 1) is clamped into [1e-9, 1 - 1e-9]. */
export const make = (options: Options): State => {
  const quantile = Math.min(1 - 1e-9, Math.max(1e-9, options.quantile))
  const alpha = options.alpha ?? 0.05
  const variance = (options.continuous ?? true) ? bernoulliVarianceProxy(quantile) : 0.25
  const planned = Math.max(1, options.plannedSamples ?? 1000)
  return {
    quantile,
    alpha,
    alternative: options.alternative ?? "two-sided",
    variance,
    rho: optimalRho(variance * planned, alpha / 2),
    candidate: new Float64Array(0),
    baseline: new Float64Array(0),
    windows: 0,
    candidateBounds: { lower: -Infinity, upper: Infinity },
    baselineBounds: { lower: -Infinity, upper: Infinity },
    pValue: 1,
    decision: "continue",
    rejectedAt: null
  }
}

/** The confidence sequence of one group at level a (two-sided), from its sorted values. */
export const bounds = (sorted: Float64Array, quantile: number, variance: number, rho: number, a: number): Bounds => {
  const t = sorted.length
  if (t === 0) return { lower: -Infinity, upper: Infinity }
  const u = boundary(variance * t, rho, a)
  const kLower = Math.ceil(t * quantile - u)
  const kUpper = Math.floor(t * quantile + u) + 1
  return {
    lower: kLower >= 1 ? sorted[kLower - 1]! : -Infinity,
    upper: kUpper <= t ? sorted[kUpper - 1]! : Infinity
  }
}

const rejects = (state: State, candidate: Float64Array, baseline: Float64Array, a: number): boolean => {
  const c = bounds(candidate, state.quantile, state.variance, state.rho, a / 2)
  const b = bounds(baseline, state.quantile, state.variance, state.rho, a / 2)
  const higher = c.lower > b.upper
  const lower = c.upper < b.lower
  return state.alternative === "greater" ? higher : state.alternative === "less" ? lower : higher || lower
}

/** Merge a window's finite values into a sorted array. */
const mergeSorted = (sorted: Float64Array, values: ArrayLike<number>): Float64Array => {
  const add = new Float64Array(values.length)
  let m = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (Number.isFinite(v)) add[m++] = v
  }
  const extra = add.subarray(0, m).sort()
  const out = new Float64Array(sorted.length + m)
  let i = 0
  let j = 0
  let k = 0
  while (i < sorted.length && j < m) out[k++] = sorted[i]! <= extra[j]! ? sorted[i++]! : extra[j++]!
  while (i < sorted.length) out[k++] = sorted[i++]!
  while (j < m) out[k++] = extra[j++]!
  return out
}

/** One window of observations of both groups (non-finite values are ignored). */
export interface Window {
  readonly candidate: ArrayLike<number>
  readonly baseline: ArrayLike<number>
}

/**
 * Fold one window in: O(n) to merge it, O(1) for the bounds, and about 60
 * bound evaluations for the p-value.
 */
export const update = (state: State, window: Window): State => {
  const candidate = mergeSorted(state.candidate, window.candidate)
  const baseline = mergeSorted(state.baseline, window.baseline)
  const windows = state.windows + 1
  // Smallest a at which the bands separate now (monotone in a): bisection on ln a.
  let p = 1
  if (rejects(state, candidate, baseline, 1)) {
    let lo = Math.log(1e-300)
    let hi = 0
    if (rejects(state, candidate, baseline, Math.exp(lo))) hi = lo
    else {
      for (let i = 0; i < 60; i++) {
        const mid = (lo + hi) / 2
        if (rejects(state, candidate, baseline, Math.exp(mid))) hi = mid
        else lo = mid
      }
    }
    p = Math.exp(hi)
  }
  const pValue = Math.min(state.pValue, p)
  const reject = rejects(state, candidate, baseline, state.alpha) || pValue <= state.alpha
  return {
    ...state,
    candidate,
    baseline,
    windows,
    candidateBounds: bounds(candidate, state.quantile, state.variance, state.rho, state.alpha / 2),
    baselineBounds: bounds(baseline, state.quantile, state.variance, state.rho, state.alpha / 2),
    pValue,
    decision: reject || state.decision === "reject" ? "reject" : "continue",
    rejectedAt: state.rejectedAt ?? (reject ? windows : null)
  }
}
