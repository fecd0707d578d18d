/**
 * The statistics the analyzer uses, as the analyzer needs them. Every number
 * comes from stats-core; this file only adapts shapes, so the assessment reads
 * as policy rather than plumbing.
 */
import { HodgesLehmann, MannWhitney, Msprt, Proportions, Quantile, ZScore } from "@rollwise/stats-core"

/**
 * One-sided Mann–Whitney p-value that `candidate` tends to be larger than
 * `baseline` (normal approximation, tie and continuity corrected). Both
 * sorted ascending, finite.
 */
export const mwuGreater = (candidate: Float64Array, baseline: Float64Array): number =>
  MannWhitney.testSorted(candidate, baseline, { alternative: "greater", method: "asymptotic", useContinuity: true }).pValue

/**
 * Hodges–Lehmann shift (candidate − baseline) with its distribution-free
 * confidence interval: asymptotic, its bounds on the jumps of the rank
 * statistic (selection, not a root finder: the analyzer needs the statistic,
 * not R's digits). Both sorted ascending, finite.
 */
export const hlShift = (candidate: Float64Array, baseline: Float64Array, level: number, scale: number) => {
  const r = HodgesLehmann.confidenceIntervalSorted(candidate, baseline, {
    level,
    method: "asymptotic",
    bounds: "step",
    tolerance: Math.max(scale, 1e-12) * 1e-6
  })
  return { estimate: r.estimate, lower: r.lower, upper: r.upper }
}

/** The one-sided upper confidence bound of the Hodges–Lehmann shift alone (as {@link hlShift}'s, one selection instead of three). */
export const hlUpper = (candidate: Float64Array, baseline: Float64Array, level: number, scale: number): number =>
  HodgesLehmann.asymptoticBoundSorted(candidate, baseline, "upper", { level, bounds: "step", tolerance: Math.max(scale, 1e-12) * 1e-6 })

/** Type-7 quantile of a sample sorted ascending (NaN-free). */
export const quantileSorted = (sorted: Float64Array, p: number): number => Quantile.type7Sorted(sorted, p)

/** Type-7 quantile (NaN-free input, any order). */
export const quantile = (values: Float64Array, p: number): number => Quantile.type7(values, [p])[0]!

/** The two ascending samples merged into one ascending sample. */
export const mergeSorted = (a: Float64Array, b: Float64Array): Float64Array => {
  const out = new Float64Array(a.length + b.length)
  let i = 0
  let j = 0
  let k = 0
  while (i < a.length && j < b.length) out[k++] = a[i]! <= b[j]! ? a[i++]! : b[j++]!
  while (i < a.length) out[k++] = a[i++]!
  while (j < b.length) out[k++] = b[j++]!
  return out
}

/** One-sided binomial p-value that the rate exceeds p0. */
export const binomialGreater = (k: number, n: number, p0: number): number => Proportions.binomialTest(k, n, p0, "greater").pValue

/** One-sided Fisher exact p-value that the candidate's error rate exceeds the baseline's. */
export const fisherGreater = (candidateErrors: number, candidateTotal: number, baselineErrors: number, baselineTotal: number): number =>
  Proportions.fisherExact(
    [
      [candidateErrors, candidateTotal - candidateErrors],
      [baselineErrors, baselineTotal - baselineErrors]
    ],
    "greater"
  ).pValue

/** Wilson score interval of a binomial proportion (stats-core). */
export const wilson = (k: number, n: number, level: number): readonly [number, number] => {
  const r = Proportions.wilsonInterval(k, n, level)
  return [r.lower, r.upper]
}

/** A sequential (always-valid) test that the candidate's event rate exceeds the baseline's. */
export const proportionTest = (tau: number, alpha: number): Msprt.ProportionState =>
  Msprt.proportionDifference({ tau, alpha, alternative: "greater" })

/** Fold one window of counts into a sequential test. */
export const foldProportions = Msprt.updateProportions
export type ProportionTest = Msprt.ProportionState

/**
 * A sequential (always-valid) test that the candidate's mean exceeds the
 * baseline's by more than `margin` (one-sided, composite null Δ ≤ margin).
 */
export const meanExcessTest = (margin: number, alpha: number): Msprt.MeanState =>
  Msprt.meanDifference({ tau: margin, alpha, nullDifference: margin, alternative: "greater" })

/** Fold one window of samples into a mean test. */
export const foldMeans = Msprt.updateMeans
export type MeanTest = Msprt.MeanState

/**
 * How many baseline standard deviations `value` lies above the baseline's
 * mean (stats-core's z-score); 0 when the baseline cannot say (fewer than two
 * values, or no spread), so a constant baseline never makes a spike by itself.
 */
export const zScore = (value: number, baseline: Float64Array): number => {
  const r = ZScore.score(value, baseline)
  return r.degenerate === undefined ? r.z : 0
}
