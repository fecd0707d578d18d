/**
 * Distribution functions the tests in this library rest on, in double
 * precision with both tails computed where they are accurate (no `1 - p`
 * cancellation in the tail that matters). Densities use Loader's saddle-point
 * form, so binomial and hypergeometric terms stay accurate for counts in the
 * millions.
 *
 * Conventions for every function here: a NaN argument returns NaN; arguments
 * outside the support return the limiting value (0 or 1) rather than throwing.
 */
import { binomialDensity, incompleteBeta, incompleteGamma, logGamma as logGammaImpl } from "./internal/special.ts"

/**
 * ln Γ(x) for x > 0 (relative error about 1e-15). Returns +Infinity at 0 and
 * NaN for negative or NaN x.
 */
export const logGamma = (x: number): number => logGammaImpl(x)

/**
 * The regularized incomplete beta function I_x(a, b) for a, b > 0 and x in
 * [0, 1]. Clamps x outside [0, 1] to the nearest end; NaN in, NaN out.
 */
export const regularizedBeta = (x: number, a: number, b: number): number => {
  if (Number.isNaN(x) || Number.isNaN(a) || Number.isNaN(b)) return NaN
  return incompleteBeta(a, b, x, 1 - x).lower
}

/**
 * The regularized lower incomplete gamma function P(a, x) for a > 0, x >= 0
 * (x <= 0 gives 0). NaN in, NaN out.
 */
export const regularizedGammaP = (a: number, x: number): number => {
  if (Number.isNaN(x) || Number.isNaN(a)) return NaN
  return incompleteGamma(a, x).lower
}

/** The complement Q(a, x) = 1 - P(a, x), computed directly in its tail. */
export const regularizedGammaQ = (a: number, x: number): number => {
  if (Number.isNaN(x) || Number.isNaN(a)) return NaN
  return incompleteGamma(a, x).upper
}

/**
 * Standard normal upper tail P(Z > z), accurate in relative terms far into the
 * tail (it is erfc, not 1 - cdf). ±Infinity give 0 and 1.
 */
export const normalSf = (z: number): number => {
  if (Number.isNaN(z)) return NaN
  if (z === Infinity) return 0
  if (z === -Infinity) return 1
  const tails = incompleteGamma(0.5, 0.5 * z * z)
  return z >= 0 ? 0.5 * tails.upper : 0.5 + 0.5 * tails.lower
}

/** Standard normal cdf P(Z <= z); the lower tail is as accurate as {@link normalSf}. */
export const normalCdf = (z: number): number => normalSf(-z)

/** Standard normal density. */
export const normalPdf = (z: number): number => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI)

/**
 * The standard normal quantile Φ⁻¹(p): full double precision (Newton steps on
 * an accurate cdf from a rational first guess). p = 0 gives -Infinity,
 * p = 1 gives +Infinity, p outside [0, 1] or NaN gives NaN.
 */
export const normalQuantile = (p: number): number => {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN
  if (p === 0) return -Infinity
  if (p === 1) return Infinity
  if (p === 0.5) return 0
  // Solve in the lower tail for accuracy, mirror for the upper half.
  const lower = p < 0.5
  const target = lower ? p : 1 - p
  // Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4) as the starting point.
  const t = Math.sqrt(-2 * Math.log(target))
  let x = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t))
  for (let i = 0; i < 100; i++) {
    const cdf = normalCdf(x)
    const pdf = normalPdf(x)
    if (pdf === 0) break
    // Halley's step on Φ(x) - target.
    const f = (cdf - target) / pdf
    const step = f / (1 + 0.5 * x * f)
    x -= step
    if (Math.abs(step) <= 1e-16 * Math.max(1, Math.abs(x))) break
  }
  return lower ? x : -x
}

/**
 * Student's t cdf P(T <= t) with `df` > 0 degrees of freedom (any real df,
 * not only integers). df = Infinity is the normal cdf; df <= 0 gives NaN.
 */
export const studentTCdf = (t: number, df: number): number => studentTSf(-t, df)

/** Student's t upper tail P(T > t), accurate in relative terms in the tail. */
export const studentTSf = (t: number, df: number): number => {
  if (Number.isNaN(t) || Number.isNaN(df) || df <= 0) return NaN
  if (df === Infinity) return normalSf(t)
  if (t === Infinity) return 0
  if (t === -Infinity) return 1
  const t2 = t * t
  // P(|T| > |t|) = I_{df/(df+t²)}(df/2, 1/2)
  const tails = incompleteBeta(df / 2, 0.5, df / (df + t2), t2 / (df + t2))
  const twoSidedTail = tails.lower
  return t >= 0 ? 0.5 * twoSidedTail : 1 - 0.5 * twoSidedTail
}

/** Chi-square upper tail P(X > x) with `df` > 0 degrees of freedom; x <= 0 gives 1. */
export const chiSquareSf = (x: number, df: number): number => {
  if (Number.isNaN(x) || Number.isNaN(df) || df <= 0) return NaN
  return incompleteGamma(df / 2, x / 2).upper
}

/** Chi-square cdf P(X <= x); x <= 0 gives 0. */
export const chiSquareCdf = (x: number, df: number): number => {
  if (Number.isNaN(x) || Number.isNaN(df) || df <= 0) return NaN
  return incompleteGamma(df / 2, x / 2).lower
}

/**
 * Binomial probability P(X = k) for X ~ Binomial(n, p). Non-integer or
 * out-of-range k gives 0; p outside [0, 1] gives NaN.
 */
export const binomialPmf = (k: number, n: number, p: number): number => {
  if (Number.isNaN(k) || Number.isNaN(n) || Number.isNaN(p) || p < 0 || p > 1) return NaN
  if (!Number.isInteger(k) || k < 0 || k > n) return 0
  return binomialDensity(k, n, p, 1 - p)
}

/** Binomial cdf P(X <= k) (k is floored); k < 0 gives 0, k >= n gives 1. */
export const binomialCdf = (k: number, n: number, p: number): number => {
  if (Number.isNaN(k) || Number.isNaN(n) || Number.isNaN(p) || p < 0 || p > 1) return NaN
  const j = Math.floor(k)
  if (j < 0) return 0
  if (j >= n) return 1
  if (p === 0) return 1
  if (p === 1) return 0
  // P(X <= j) = I_{1-p}(n - j, j + 1)
  return incompleteBeta(n - j, j + 1, 1 - p, p).lower
}

/** Binomial upper tail P(X > k) (k is floored), computed directly (not 1 - cdf). */
export const binomialSf = (k: number, n: number, p: number): number => {
  if (Number.isNaN(k) || Number.isNaN(n) || Number.isNaN(p) || p < 0 || p > 1) return NaN
  const j = Math.floor(k)
  if (j < 0) return 1
  if (j >= n) return 0
  if (p === 0) return 0
  if (p === 1) return 1
  return incompleteBeta(n - j, j + 1, 1 - p, p).upper
}

/**
 * Hypergeometric probability P(X = k): drawing `draws` items without
 * replacement from `total` items of which `successes` are marked. Outside the
 * support gives 0.
 */
export const hypergeometricPmf = (k: number, total: number, successes: number, draws: number): number => {
  if ([k, total, successes, draws].some(Number.isNaN)) return NaN
  const failures = total - successes
  if (!Number.isInteger(k) || k < Math.max(0, draws - failures) || k > Math.min(draws, successes)) return 0
  if (draws === 0 || draws === total) return 1
  const p = draws / total
  const q = (total - draws) / total
  const p1 = binomialDensity(k, successes, p, q)
  const p2 = binomialDensity(draws - k, failures, p, q)
  const p3 = binomialDensity(draws, total, p, q)
  return (p1 * p2) / p3
}

/**
 * Hypergeometric cdf P(X <= k) by summing the shorter side of the support
 * (and complementing only when that side is the upper one).
 */
export const hypergeometricCdf = (k: number, total: number, successes: number, draws: number): number => {
  const lo = Math.max(0, draws - (total - successes))
  const hi = Math.min(draws, successes)
  const j = Math.floor(k)
  if (j < lo) return 0
  if (j >= hi) return 1
  const mode = Math.floor(((draws + 1) * (successes + 1)) / (total + 2))
  if (j < mode) return sumPmf(lo, j, total, successes, draws)
  return Math.max(0, 1 - sumPmf(j + 1, hi, total, successes, draws))
}

/** Hypergeometric upper tail P(X > k), summed directly on the short side. */
export const hypergeometricSf = (k: number, total: number, successes: number, draws: number): number => {
  const lo = Math.max(0, draws - (total - successes))
  const hi = Math.min(draws, successes)
  const j = Math.floor(k)
  if (j < lo) return 1
  if (j >= hi) return 0
  const mode = Math.floor(((draws + 1) * (successes + 1)) / (total + 2))
  if (j >= mode) return sumPmf(j + 1, hi, total, successes, draws)
  return Math.max(0, 1 - sumPmf(lo, j, total, successes, draws))
}

/** Sum of pmf over [from, to], adding the small terms first; stops once terms no longer matter. */
const sumPmf = (from: number, to: number, total: number, successes: number, draws: number): number => {
  // Sum from the tail end (smallest terms) toward the mode for accuracy.
  const mode = Math.floor(((draws + 1) * (successes + 1)) / (total + 2))
  let sum = 0
  if (to <= mode) {
    for (let i = from; i <= to; i++) sum += hypergeometricPmf(i, total, successes, draws)
  } else {
    for (let i = to; i >= from; i--) sum += hypergeometricPmf(i, total, successes, draws)
  }
  return sum
}
