/**
 * Welch's unequal-variance t-test (`scipy.stats.ttest_ind(x, y,
 * equal_var=False)`, R's default `t.test`): t = (mean x - mean y) /
 * √(s²x/nx + s²y/ny) with Welch–Satterthwaite degrees of freedom.
 */
import type { Alternative } from "./Alternative.ts"
import { studentTCdf, studentTSf } from "./Distributions.ts"
import { meanAndVariance } from "./internal/moments.ts"

/** Options of {@link test}. */
export interface Options {
  /** Default `"two-sided"`; `"greater"` means x's mean is larger. */
  readonly alternative?: Alternative
}

/**
 * Why a result is degenerate, if it is:
 * - `"too-few"`: a sample has fewer than 2 values (no variance); t = 0, p = 1.
 * - `"zero-variance"`: both samples are constant; equal means give t = 0 and
 *   p = 1, different means give t = ±Infinity and the limiting p (0 or 1).
 */
export type Degenerate = "too-few" | "zero-variance"

/** The outcome of {@link test}. */
export interface Result {
  readonly statistic: number
  /** Welch–Satterthwaite degrees of freedom (0 when degenerate). */
  readonly df: number
  /** Always in [0, 1], never NaN. */
  readonly pValue: number
  readonly meanX: number
  readonly meanY: number
  /** mean x - mean y. */
  readonly difference: number
  /** Standard error of the difference. */
  readonly standardError: number
  readonly n1: number
  readonly n2: number
  /** NaN values dropped. */
  readonly dropped: number
  readonly degenerate: Degenerate | undefined
}

/**
 * Welch's t-test of `x` against `y`. Assumes independent samples whose means
 * are approximately normal (CLT). NaN and ±Infinity values are dropped (an
 * infinite value would make the variance infinite) and counted in `dropped`.
 * Never throws and never returns a NaN p-value; see {@link Degenerate}.
 */
export const test = (x: ArrayLike<number>, y: ArrayLike<number>, options: Options = {}): Result => {
  const alternative = options.alternative ?? "two-sided"
  const a = finite(x)
  const b = finite(y)
  const n1 = a.values.length
  const n2 = b.values.length
  const dropped = a.dropped + b.dropped
  const mx = n1 > 0 ? meanAndVariance(a.values) : { mean: NaN, variance: NaN }
  const my = n2 > 0 ? meanAndVariance(b.values) : { mean: NaN, variance: NaN }
  const base = { meanX: mx.mean, meanY: my.mean, difference: mx.mean - my.mean, n1, n2, dropped }
  if (n1 < 2 || n2 < 2) {
    return { ...base, statistic: 0, df: 0, pValue: 1, standardError: NaN, degenerate: "too-few" }
  }
  const vx = mx.variance / n1
  const vy = my.variance / n2
  const se2 = vx + vy
  const diff = mx.mean - my.mean
  if (!(se2 > 0)) {
    const t = diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity
    return { ...base, statistic: t, df: 0, pValue: limitingP(t, alternative), standardError: 0, degenerate: "zero-variance" }
  }
  // Welch–Satterthwaite on the shares of the variance (no underflow for tiny variances).
  const rx = vx / se2
  const ry = vy / se2
  const df = 1 / ((rx * rx) / (n1 - 1) + (ry * ry) / (n2 - 1))
  const t = diff / Math.sqrt(se2)
  const p =
    alternative === "less" ? studentTCdf(t, df) : alternative === "greater" ? studentTSf(t, df) : 2 * studentTSf(Math.abs(t), df)
  return { ...base, statistic: t, df, pValue: Math.min(1, p), standardError: Math.sqrt(se2), degenerate: undefined }
}

const limitingP = (t: number, alternative: Alternative): number => {
  if (t === 0) return 1
  if (alternative === "two-sided") return 0
  return (alternative === "greater") === t > 0 ? 0 : 1
}

const finite = (values: ArrayLike<number>): { readonly values: Float64Array; readonly dropped: number } => {
  const out = new Float64Array(values.length)
  let m = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (Number.isFinite(v)) out[m++] = v
  }
  return { values: out.subarray(0, m), dropped: values.length - m }
}
