/**
 * Mixture sequential probability ratio tests (mSPRT; Robbins 1970; Johari,
 * Pekelis & Walsh, "Always Valid Inference", 2017/2022) for the difference
 * between a candidate and its baseline — in means (latency, CPU…) or in
 * proportions (error rates) — as immutable state folded one window at a time.
 *
 * The estimate Δ̂ = candidate - baseline with variance s² = σ²_c/n_c + σ²_b/n_b
 * is compared with the null Δ = θ₀ through the normal-mixture likelihood
 * ratio (mixing distribution N(θ₀, τ²))
 *
 *   Λ = √(s² / (s² + τ²)) · exp(τ² (Δ̂ - θ₀)² / (2 s² (s² + τ²))),
 *
 * which for equal group sizes is exactly Johari et al.'s two-sample formula.
 * One-sided versions mix over a half-normal instead, which multiplies Λ by
 * 2·Φ(±τ (Δ̂ - θ₀) / (s √(s² + τ²))) and tests the composite null Δ ≤ θ₀ (or ≥).
 *
 * The always-valid p-value is p_t = min(p_{t-1}, 1/Λ_t), and the test rejects
 * as soon as p_t ≤ α.
 *
 * Type-I guarantee. For Gaussian observations with known variances and a
 * fixed candidate/baseline allocation, Λ_t is a nonnegative martingale under
 * the null, so by Ville's inequality P(∃t: p_t ≤ α) ≤ α: looking after every
 * window, any number of windows, never inflates the false-positive rate above
 * α. Here the variances are estimated (plug-in) and proportions use the
 * pooled null variance, so the guarantee is asymptotic (it holds as the
 * sample sizes grow, in the sense of Waudby-Smith et al.'s asymptotic
 * confidence sequences); `minSamples` delays any decision until the plug-in
 * is reliable. The seeded simulation in test/Msprt.test.ts measures it.
 *
 * τ is the scale of effects you care about (Johari et al. recommend matching
 * it to plausible effect sizes): take the SLO's tolerance in the metric's
 * units. It affects power, never validity.
 */
import type { Alternative } from "./Alternative.ts"
import { normalCdf } from "./Distributions.ts"
import * as Moments from "./Moments.ts"

/** Parameters shared by both tests. */
export interface Options {
  /** Mixing scale τ > 0 in the units of the difference (see module doc). */
  readonly tau: number
  /** Significance level α in (0, 1); default 0.05. */
  readonly alpha?: number
  /** Null difference θ₀; default 0. */
  readonly nullDifference?: number
  /** `"greater"`: candidate larger than baseline (e.g. slower, more errors); default `"two-sided"`. */
  readonly alternative?: Alternative
  /** No evidence is counted before each group has this many observations; default 30 (means) / 100 (proportions). */
  readonly minSamples?: number
}

/** What the test says so far. */
export type Decision = "continue" | "reject"

/** Fields common to both states. */
export interface Evidence {
  readonly tau: number
  readonly alpha: number
  readonly nullDifference: number
  readonly alternative: Alternative
  readonly minSamples: number
  /** Windows folded in. */
  readonly windows: number
  /** Candidate - baseline estimate (0 before any data). */
  readonly difference: number
  /** ln Λ at the latest window (0 before `minSamples`). */
  readonly logLikelihoodRatio: number
  /** Always-valid p-value: running minimum of 1/Λ, in (0, 1]. */
  readonly pValue: number
  /** `"reject"` once pValue <= alpha; stays rejected. */
  readonly decision: Decision
  /** Window (1-based) at which the test first rejected, null if it has not. */
  readonly rejectedAt: number | null
}

/**
 * ln Λ of the normal mixture for estimate `delta` with variance `s2`.
 * Returns 0 (no evidence) when s2 is not positive and finite.
 */
export const logMixtureRatio = (delta: number, s2: number, tau: number, alternative: Alternative): number => {
  if (!(s2 > 0) || !Number.isFinite(s2) || !Number.isFinite(delta)) return 0
  const t2 = tau * tau
  const base = 0.5 * Math.log(s2 / (s2 + t2)) + (t2 * delta * delta) / (2 * s2 * (s2 + t2))
  if (alternative === "two-sided") return base
  const signed = alternative === "greater" ? delta : -delta
  const phi = normalCdf((tau * signed) / Math.sqrt(s2 * (s2 + t2)))
  return base + Math.log(2 * phi)
}

const settle = <S extends Evidence>(state: S, difference: number, logLr: number): S => {
  const windows = state.windows + 1
  const pValue = Math.min(state.pValue, Math.min(1, Math.exp(-logLr)))
  const reject = pValue <= state.alpha
  return {
    ...state,
    windows,
    difference,
    logLikelihoodRatio: logLr,
    pValue,
    decision: reject ? "reject" : "continue",
    rejectedAt: state.rejectedAt ?? (reject ? windows : null)
  }
}

const common = (options: Options, defaultMin: number): Evidence => ({
  tau: options.tau,
  alpha: options.alpha ?? 0.05,
  nullDifference: options.nullDifference ?? 0,
  alternative: options.alternative ?? "two-sided",
  minSamples: Math.max(2, options.minSamples ?? defaultMin),
  windows: 0,
  difference: 0,
  logLikelihoodRatio: 0,
  pValue: 1,
  decision: "continue",
  rejectedAt: null
})

// ---------------------------------------------------------------------------
// Difference in means

/** mSPRT state for a difference in means: Welford summaries of both groups. */
export interface MeanState extends Evidence {
  readonly candidate: Moments.Moments
  readonly baseline: Moments.Moments
}

/** One window's observations of both groups. */
export interface MeanWindow {
  readonly candidate: ArrayLike<number>
  readonly baseline: ArrayLike<number>
}

/** A fresh mean-difference test. τ must be positive (a non-positive τ never rejects). */
export const meanDifference = (options: Options): MeanState => ({
  ...common(options, 30),
  candidate: Moments.empty,
  baseline: Moments.empty
})

/**
 * Fold one window in. Non-finite values are ignored. The evidence is
 * evaluated on all data so far, with plug-in variances.
 */
export const updateMeans = (state: MeanState, window: MeanWindow): MeanState => {
  const candidate = Moments.addAll(state.candidate, window.candidate)
  const baseline = Moments.addAll(state.baseline, window.baseline)
  const next = { ...state, candidate, baseline }
  const difference = candidate.count > 0 && baseline.count > 0 ? candidate.mean - baseline.mean : 0
  if (candidate.count < state.minSamples || baseline.count < state.minSamples || !(state.tau > 0)) {
    return settle(next, difference, 0)
  }
  const s2 = Moments.variance(candidate) / candidate.count + Moments.variance(baseline) / baseline.count
  return settle(next, difference, logMixtureRatio(difference - state.nullDifference, s2, state.tau, state.alternative))
}

// ---------------------------------------------------------------------------
// Difference in proportions

/** mSPRT state for a difference in proportions (e.g. error rates). */
export interface ProportionState extends Evidence {
  readonly candidateSuccesses: number
  readonly candidateTrials: number
  readonly baselineSuccesses: number
  readonly baselineTrials: number
}

/** One window's counts ("successes" are the events of interest, e.g. errors). */
export interface ProportionWindow {
  readonly candidateSuccesses: number
  readonly candidateTrials: number
  readonly baselineSuccesses: number
  readonly baselineTrials: number
}

/** A fresh proportion-difference test. */
export const proportionDifference = (options: Options): ProportionState => ({
  ...common(options, 100),
  candidateSuccesses: 0,
  candidateTrials: 0,
  baselineSuccesses: 0,
  baselineTrials: 0
})

/**
 * Fold one window of counts in. A window with negative, non-integer or
 * inconsistent counts (successes > trials) is ignored. The variance is the
 * pooled one under the null, p̄(1 - p̄)(1/n_c + 1/n_b), so no evidence
 * accrues while no event at all has been seen.
 */
export const updateProportions = (state: ProportionState, window: ProportionWindow): ProportionState => {
  const valid = [window.candidateSuccesses, window.candidateTrials, window.baselineSuccesses, window.baselineTrials]
    .every((v) => Number.isInteger(v) && v >= 0) &&
    window.candidateSuccesses <= window.candidateTrials && window.baselineSuccesses <= window.baselineTrials
  const w = valid ? window : { candidateSuccesses: 0, candidateTrials: 0, baselineSuccesses: 0, baselineTrials: 0 }
  const next = {
    ...state,
    candidateSuccesses: state.candidateSuccesses + w.candidateSuccesses,
    candidateTrials: state.candidateTrials + w.candidateTrials,
    baselineSuccesses: state.baselineSuccesses + w.baselineSuccesses,
    baselineTrials: state.baselineTrials + w.baselineTrials
  }
  const nc = next.candidateTrials
  const nb = next.baselineTrials
  const difference = nc > 0 && nb > 0 ? next.candidateSuccesses / nc - next.baselineSuccesses / nb : 0
  if (nc < state.minSamples || nb < state.minSamples || !(state.tau > 0)) return settle(next, difference, 0)
  const pooled = (next.candidateSuccesses + next.baselineSuccesses) / (nc + nb)
  const s2 = pooled * (1 - pooled) * (1 / nc + 1 / nb)
  return settle(next, difference, logMixtureRatio(difference - state.nullDifference, s2, state.tau, state.alternative))
}
