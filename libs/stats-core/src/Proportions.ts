/**
 * Tests on counts: two-proportion z-test, Fisher's exact test and the
 * chi-square test on a 2×2 table, and the exact binomial test — with SciPy's
 * semantics (`fisher_exact`, `chi2_contingency`, `binomtest`).
 *
 * A 2×2 table is `[[a, b], [c, d]]`: rows are the two groups (e.g.
 * `[candidateErrors, candidateOk]`, `[baselineErrors, baselineOk]`), columns
 * the outcomes. Counts must be non-negative integers; anything else is
 * rejected as the `"invalid"` degenerate case with p = 1 rather than thrown.
 */
import type { Alternative } from "./Alternative.ts"
import {
  binomialCdf,
  binomialPmf,
  binomialSf,
  chiSquareSf,
  hypergeometricCdf,
  hypergeometricPmf,
  hypergeometricSf,
  normalCdf,
  normalQuantile,
  normalSf
} from "./Distributions.ts"

/** A 2×2 contingency table `[[a, b], [c, d]]` of non-negative integer counts. */
export type Table2x2 = readonly [readonly [number, number], readonly [number, number]]

const isCount = (v: number): boolean => Number.isInteger(v) && v >= 0

const validTable = (t: Table2x2): boolean => isCount(t[0][0]) && isCount(t[0][1]) && isCount(t[1][0]) && isCount(t[1][1])

// ---------------------------------------------------------------------------
// Two-proportion z-test

/** Options of {@link twoProportion}. */
export interface TwoProportionOptions {
  /** Default `"two-sided"`; `"greater"` means the first rate is higher. */
  readonly alternative?: Alternative
  /** Confidence level of the interval for the difference; default 0.95. */
  readonly level?: number
}

/** The outcome of {@link twoProportion}. */
export interface TwoProportionResult {
  /** successes1/trials1 and successes2/trials2 (0 for zero trials). */
  readonly rate1: number
  readonly rate2: number
  /** rate1 - rate2. */
  readonly difference: number
  /** z with the pooled (null) standard error; 0 when degenerate. */
  readonly statistic: number
  /** Always in [0, 1]. */
  readonly pValue: number
  /** Wald interval for the difference with the unpooled standard error. */
  readonly lower: number
  readonly upper: number
  /**
   * `"no-trials"`: a group has zero trials (p = 1, interval ±1);
   * `"no-variance"`: the pooled rate is 0 or 1, so nothing differs (p = 1);
   * `"invalid"`: counts are not integers with 0 <= successes <= trials (p = 1).
   */
  readonly degenerate: "no-trials" | "no-variance" | "invalid" | undefined
}

/**
 * Two-proportion z-test of successes1/trials1 against successes2/trials2 with
 * the pooled standard error under the null of equal rates (the
 * `statsmodels.proportions_ztest` default), and an unpooled Wald interval for
 * the difference. Assumes independent Bernoulli trials and enough of them for
 * the normal approximation (for few events prefer {@link fisherExact}).
 */
export const twoProportion = (
  successes1: number,
  trials1: number,
  successes2: number,
  trials2: number,
  options: TwoProportionOptions = {}
): TwoProportionResult => {
  const alternative = options.alternative ?? "two-sided"
  const level = options.level ?? 0.95
  const ok = isCount(successes1) && isCount(successes2) && isCount(trials1) && isCount(trials2) &&
    successes1 <= trials1 && successes2 <= trials2
  const rate1 = ok && trials1 > 0 ? successes1 / trials1 : 0
  const rate2 = ok && trials2 > 0 ? successes2 / trials2 : 0
  const difference = rate1 - rate2
  if (!ok) return { rate1, rate2, difference, statistic: 0, pValue: 1, lower: -1, upper: 1, degenerate: "invalid" }
  if (trials1 === 0 || trials2 === 0) {
    return { rate1, rate2, difference, statistic: 0, pValue: 1, lower: -1, upper: 1, degenerate: "no-trials" }
  }
  const z = normalQuantile(1 - (1 - level) / 2)
  const seWald = Math.sqrt((rate1 * (1 - rate1)) / trials1 + (rate2 * (1 - rate2)) / trials2)
  const lower = Math.max(-1, difference - z * seWald)
  const upper = Math.min(1, difference + z * seWald)
  const pooled = (successes1 + successes2) / (trials1 + trials2)
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / trials1 + 1 / trials2))
  if (!(se > 0)) return { rate1, rate2, difference, statistic: 0, pValue: 1, lower, upper, degenerate: "no-variance" }
  const statistic = difference / se
  const pValue = alternative === "greater"
    ? normalSf(statistic)
    : alternative === "less"
    ? normalCdf(statistic)
    : Math.min(1, 2 * normalSf(Math.abs(statistic)))
  return { rate1, rate2, difference, statistic, pValue, lower, upper, degenerate: undefined }
}

// ---------------------------------------------------------------------------
// Fisher's exact test

/** The outcome of {@link fisherExact}. */
export interface FisherResult {
  /** The sample odds ratio a·d / (b·c): Infinity when b·c = 0 < a·d, NaN when a row or column is empty. */
  readonly oddsRatio: number
  /** Always in [0, 1]. */
  readonly pValue: number
  /** `"empty-margin"`: a row or column sums to 0 (p = 1, odds ratio NaN, as SciPy); `"invalid"`: not a table of counts. */
  readonly degenerate: "empty-margin" | "invalid" | undefined
}

/**
 * Fisher's exact test on a 2×2 table, as `scipy.stats.fisher_exact`: the
 * p-value sums hypergeometric probabilities of tables with the same margins;
 * `"less"`/`"greater"` are about the odds ratio being below/above 1
 * (equivalently a being small/large); `"two-sided"` sums the tables no more
 * probable than the observed one (relative tolerance 1e-14, as SciPy).
 */
export const fisherExact = (table: Table2x2, alternative: Alternative = "two-sided"): FisherResult => {
  if (!validTable(table)) return { oddsRatio: NaN, pValue: 1, degenerate: "invalid" }
  const [[a, b], [c, d]] = table
  if (a + b === 0 || c + d === 0 || a + c === 0 || b + d === 0) {
    return { oddsRatio: NaN, pValue: 1, degenerate: "empty-margin" }
  }
  const oddsRatio = c > 0 && b > 0 ? (a * d) / (c * b) : Infinity
  const n1 = a + b
  const n2 = c + d
  const n = a + c
  const total = n1 + n2
  const pmf = (k: number): number => hypergeometricPmf(k, total, n1, n)
  let pValue: number
  if (alternative === "less") {
    pValue = hypergeometricCdf(a, total, n1, n)
  } else if (alternative === "greater") {
    pValue = hypergeometricCdf(b, total, n1, b + d)
  } else {
    const mode = Math.trunc(((n + 1) * (n1 + 1)) / (total + 2))
    const pExact = pmf(a)
    const pMode = pmf(mode)
    const epsilon = 1e-14
    const gamma = 1 + epsilon
    if (Math.abs(pExact - pMode) / Math.max(pExact, pMode) <= epsilon) {
      return { oddsRatio, pValue: 1, degenerate: undefined }
    }
    if (a < mode) {
      const pLower = hypergeometricCdf(a, total, n1, n)
      if (pmf(n) > pExact * gamma) return { oddsRatio, pValue: Math.min(1, pLower), degenerate: undefined }
      const guess = binarySearch((x) => -pmf(x), -pExact * gamma, mode, n)
      pValue = pLower + hypergeometricSf(guess, total, n1, n)
    } else {
      const pUpper = hypergeometricSf(a - 1, total, n1, n)
      if (pmf(0) > pExact * gamma) return { oddsRatio, pValue: Math.min(1, pUpper), degenerate: undefined }
      const guess = binarySearch(pmf, pExact * gamma, 0, mode)
      pValue = pUpper + hypergeometricCdf(guess, total, n1, n)
    }
  }
  return { oddsRatio, pValue: Math.min(1, pValue), degenerate: undefined }
}

/** SciPy's `_binary_search_for_binom_tst`: i in [lo, hi] with f(i) <= d < f(i+1), f ascending there. */
const binarySearch = (f: (x: number) => number, d: number, lo: number, hi: number): number => {
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2)
    const midval = f(mid)
    if (midval < d) lo = mid + 1
    else if (midval > d) hi = mid - 1
    else return mid
  }
  return f(lo) <= d ? lo : lo - 1
}

// ---------------------------------------------------------------------------
// Binomial test

/** The outcome of {@link binomialTest}. */
export interface BinomialResult {
  /** successes / trials (0 when trials = 0). */
  readonly rate: number
  /** Always in [0, 1]. */
  readonly pValue: number
  /** `"no-trials"`: trials = 0 (p = 1); `"invalid"`: counts or p0 out of range (p = 1). */
  readonly degenerate: "no-trials" | "invalid" | undefined
}

/**
 * Exact binomial test of `successes` out of `trials` against success
 * probability `p0`, as `scipy.stats.binomtest`: `"greater"` means the true
 * rate exceeds p0; `"two-sided"` sums the outcomes no more probable than the
 * observed one (relative tolerance 1e-7, as SciPy).
 */
export const binomialTest = (
  successes: number,
  trials: number,
  p0: number,
  alternative: Alternative = "two-sided"
): BinomialResult => {
  const k = successes
  const n = trials
  if (!isCount(k) || !isCount(n) || k > n || !(p0 >= 0 && p0 <= 1)) return { rate: 0, pValue: 1, degenerate: "invalid" }
  if (n === 0) return { rate: 0, pValue: 1, degenerate: "no-trials" }
  const rate = k / n
  let pValue: number
  if (alternative === "less") {
    pValue = binomialCdf(k, n, p0)
  } else if (alternative === "greater") {
    pValue = binomialSf(k - 1, n, p0)
  } else {
    const d = binomialPmf(k, n, p0)
    const rerr = 1 + 1e-7
    if (k === p0 * n) {
      pValue = 1
    } else if (k < p0 * n) {
      const ix = binarySearch((x) => -binomialPmf(x, n, p0), -d * rerr, Math.ceil(p0 * n), n)
      const y = n - ix + (d * rerr === binomialPmf(ix, n, p0) ? 1 : 0)
      pValue = binomialCdf(k, n, p0) + binomialSf(n - y, n, p0)
    } else {
      const ix = binarySearch((x) => binomialPmf(x, n, p0), d * rerr, 0, Math.floor(p0 * n))
      const y = ix + 1
      pValue = binomialCdf(y - 1, n, p0) + binomialSf(k - 1, n, p0)
    }
    pValue = Math.min(1, pValue)
  }
  return { rate, pValue, degenerate: undefined }
}

// ---------------------------------------------------------------------------
// Chi-square test of independence on a 2×2 table

/** Options of {@link chiSquare2x2}. */
export interface ChiSquareOptions {
  /** Yates' continuity correction (never larger than |observed - expected|); default true, as SciPy. */
  readonly yates?: boolean
}

/** The outcome of {@link chiSquare2x2}. */
export interface ChiSquareResult {
  /** Pearson's chi-square statistic (0 when degenerate). */
  readonly statistic: number
  /** Always in [0, 1]. */
  readonly pValue: number
  /** Always 1 for a 2×2 table. */
  readonly df: number
  /** Expected counts under independence: row total × column total / grand total. */
  readonly expected: Table2x2
  /** `"empty-margin"`: a row or column sums to 0, so an expected count is 0 (SciPy throws; here p = 1); `"invalid"`: not counts. */
  readonly degenerate: "empty-margin" | "invalid" | undefined
}

/**
 * Pearson's chi-square test of independence on a 2×2 table, as
 * `scipy.stats.chi2_contingency(table, correction=yates)`. Assumes expected
 * counts large enough for the chi-square approximation (≥ 5 is the usual
 * rule); otherwise prefer {@link fisherExact}.
 */
export const chiSquare2x2 = (table: Table2x2, options: ChiSquareOptions = {}): ChiSquareResult => {
  const zero: Table2x2 = [[0, 0], [0, 0]]
  if (!validTable(table)) return { statistic: 0, pValue: 1, df: 1, expected: zero, degenerate: "invalid" }
  const [[a, b], [c, d]] = table
  const total = a + b + c + d
  const rows = [a + b, c + d] as const
  const cols = [a + c, b + d] as const
  if (rows[0] === 0 || rows[1] === 0 || cols[0] === 0 || cols[1] === 0) {
    return { statistic: 0, pValue: 1, df: 1, expected: zero, degenerate: "empty-margin" }
  }
  const expected: Table2x2 = [
    [(rows[0] * cols[0]) / total, (rows[0] * cols[1]) / total],
    [(rows[1] * cols[0]) / total, (rows[1] * cols[1]) / total]
  ]
  const yates = options.yates ?? true
  let statistic = 0
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 2; j++) {
      const e = expected[i]![j]!
      let o = table[i]![j]!
      if (yates) {
        const diff = e - o
        o += Math.min(0.5, Math.abs(diff)) * Math.sign(diff)
      }
      statistic += ((o - e) * (o - e)) / e
    }
  }
  return { statistic, pValue: chiSquareSf(statistic, 1), df: 1, expected, degenerate: undefined }
}

// ---------------------------------------------------------------------------
// Wilson score interval

/** A two-sided interval for a proportion. */
export interface ProportionInterval {
  readonly lower: number
  readonly upper: number
}

/**
 * The Wilson score interval for `successes` out of `trials` at confidence
 * `level` (two-sided): unlike the normal (Wald) interval it stays inside
 * [0, 1] and is sound at small counts and at 0 or n successes. No trials, or
 * invalid counts, give the uninformative [0, 1].
 */
export const wilsonInterval = (successes: number, trials: number, level = 0.95): ProportionInterval => {
  if (!isCount(successes) || !isCount(trials) || successes > trials || trials === 0 || !(level > 0 && level < 1)) {
    return { lower: 0, upper: 1 }
  }
  const z = normalQuantile(1 - (1 - level) / 2)
  const p = successes / trials
  const z2n = (z * z) / trials
  const center = (p + z2n / 2) / (1 + z2n)
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / trials + z2n / (4 * trials))
  return { lower: Math.max(0, center - half), upper: Math.min(1, center + half) }
}
