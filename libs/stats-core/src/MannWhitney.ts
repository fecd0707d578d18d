/**
 * Mann–Whitney U (Wilcoxon rank-sum) test with SciPy's semantics
 * (`scipy.stats.mannwhitneyu`, 1.17): U is the statistic of the first sample,
 * U1 = R1 - n1(n1+1)/2 = #(x > y) + ½ #(x = y); the p-value comes from the
 * exact null distribution (no tie correction) or the normal approximation
 * with tie-corrected variance and optional continuity correction.
 *
 * Cost: O(n log n) for the two sorts plus O(n) for the merge; the exact
 * distribution adds O(min(n1, n2) · U) (only chosen automatically when one
 * sample has at most 8 values).
 */
import type { Alternative } from "./Alternative.ts"
import { normalSf } from "./Distributions.ts"
import { exactSf } from "./internal/mwuExact.ts"
import { rankSums } from "./internal/ranks.ts"
import { prepare } from "./internal/sample.ts"

/** How the p-value is computed; `"auto"` picks `"exact"` when one sample has ≤ 8 values and there are no ties. */
export type Method = "auto" | "exact" | "asymptotic"

/** Options of {@link test}; every field has SciPy's default. */
export interface Options {
  /** Default `"two-sided"`. */
  readonly alternative?: Alternative
  /** Default `"auto"`. */
  readonly method?: Method
  /** Continuity correction of ½ for the normal approximation; default true. Ignored by `"exact"`. */
  readonly useContinuity?: boolean
}

/**
 * Why a result is degenerate, if it is:
 * - `"empty"`: a sample has no (non-NaN) values; U = 0, p = 1.
 * - `"all-tied"`: every value is equal, so the normal approximation has zero
 *   variance; p = 1 (SciPy gives 1 with continuity correction, NaN without).
 */
export type Degenerate = "empty" | "all-tied"

/** The outcome of {@link test}. */
export interface Result {
  /** U1, the statistic of the first sample, as SciPy reports it. */
  readonly statistic: number
  /** U2 = n1·n2 - U1, the statistic of the second sample. */
  readonly statisticY: number
  /** The p-value, always in [0, 1] and never NaN. */
  readonly pValue: number
  /** The method actually used (`"auto"` resolved). */
  readonly method: "exact" | "asymptotic"
  /** The standardized statistic of the asymptotic method (0 for the exact method and degenerate cases). */
  readonly z: number
  /** Sizes after dropping NaN. */
  readonly n1: number
  readonly n2: number
  /** Whether any value occurs more than once across both samples. */
  readonly ties: boolean
  /** NaN values dropped from x and y together. */
  readonly dropped: number
  /** `undefined` for an ordinary result. */
  readonly degenerate: Degenerate | undefined
}

/** SciPy's `_mwu_choose_method`: exact when one sample is small and nothing is tied. */
export const chooseMethod = (n1: number, n2: number, ties: boolean): "exact" | "asymptotic" =>
  (n1 > 8 && n2 > 8) || ties ? "asymptotic" : "exact"

/**
 * Mann–Whitney U test of `x` against `y`.
 *
 * Assumes independent samples; the null hypothesis is that both come from the
 * same distribution. NaN values are dropped (and counted in `dropped`);
 * ±Infinity are ranked as the extremes. Degenerate inputs never throw and
 * never give a NaN p-value: an empty sample gives U = 0 and p = 1; all values
 * equal gives p = 1 with the asymptotic method. With ties, `"exact"` ignores
 * them (as SciPy) and uses ⌊U⌋.
 */
export const test = (x: ArrayLike<number>, y: ArrayLike<number>, options: Options = {}): Result => {
  const a = prepare(x)
  const b = prepare(y)
  return testSorted(a.sorted, b.sorted, options, a.dropped + b.dropped)
}

/**
 * {@link test} on samples already sorted ascending and free of NaN (as the
 * Hodges–Lehmann functions need them too): skips the sorts.
 */
export const testSorted = (
  x: Float64Array,
  y: Float64Array,
  options: Options = {},
  dropped = 0
): Result => {
  const alternative = options.alternative ?? "two-sided"
  const useContinuity = options.useContinuity ?? true
  const n1 = x.length
  const n2 = y.length
  if (n1 === 0 || n2 === 0) {
    return {
      statistic: 0,
      statisticY: 0,
      pValue: 1,
      method: options.method === "exact" ? "exact" : "asymptotic",
      z: 0,
      n1,
      n2,
      ties: false,
      dropped,
      degenerate: "empty"
    }
  }
  const ranks = rankSums(x, y)
  const u1 = ranks.rankSumX - (n1 * (n1 + 1)) / 2
  const u2 = n1 * n2 - u1
  // The statistic whose upper tail gives the p-value, and the tail factor.
  const u = alternative === "greater" ? u1 : alternative === "less" ? u2 : Math.max(u1, u2)
  const factor = alternative === "two-sided" ? 2 : 1
  const method = options.method === undefined || options.method === "auto"
    ? chooseMethod(n1, n2, ranks.hasTies)
    : options.method
  const base = { statistic: u1, statisticY: u2, method, n1, n2, ties: ranks.hasTies, dropped }
  if (method === "exact") {
    const p = exactSf(Math.floor(u), n1, n2) * factor
    return { ...base, pValue: clamp01(p), z: 0, degenerate: undefined }
  }
  const n = n1 + n2
  const variance = ((n1 * n2) / 12) * (n + 1 - ranks.tieTerm / (n * (n - 1)))
  if (!(variance > 0)) return { ...base, pValue: 1, z: 0, degenerate: "all-tied" }
  const z = (u - (n1 * n2) / 2 - (useContinuity ? 0.5 : 0)) / Math.sqrt(variance)
  return { ...base, pValue: clamp01(normalSf(z) * factor), z, degenerate: undefined }
}

const clamp01 = (p: number): number => (p < 0 ? 0 : p > 1 ? 1 : p)
