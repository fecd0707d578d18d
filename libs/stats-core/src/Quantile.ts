/**
 * Quantiles from raw samples (type 7, NumPy's default `linear` method, R's
 * default `type = 7`) and from Prometheus classic histogram buckets (exactly
 * what PromQL's `histogram_quantile` computes, including its special cases).
 */
import { prepare } from "./internal/sample.ts"

/**
 * NumPy's `_lerp`: a + (b - a)·t, evaluated from the nearer end so that t = 1
 * gives exactly b and results are monotone in t.
 */
const lerp = (a: number, b: number, t: number): number => {
  const diff = b - a
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t
}

/**
 * The type-7 quantile of an ascending, NaN-free sample: with h = (n - 1)·q,
 * interpolate linearly between the order statistics at ⌊h⌋ and ⌊h⌋ + 1 (as
 * NumPy's `quantile(..., method="linear")`). Empty sample or q outside [0, 1]
 * or NaN gives NaN.
 */
export const type7Sorted = (sorted: ArrayLike<number>, q: number): number => {
  const n = sorted.length
  if (n === 0 || !(q >= 0 && q <= 1)) return NaN
  const h = (n - 1) * q
  const below = Math.floor(h)
  if (below >= n - 1) return sorted[n - 1]!
  const gamma = h - below
  const a = sorted[below]!
  const b = sorted[below + 1]!
  return a === b ? a : lerp(a, b, gamma)
}

/**
 * Type-7 quantiles (NumPy's default) of `values` at each probability in `qs`.
 * NaN values are dropped (NumPy would propagate them); an empty sample gives
 * NaN for every q, and so does a q outside [0, 1].
 */
export const type7 = (values: ArrayLike<number>, qs: ReadonlyArray<number>): ReadonlyArray<number> => {
  const { sorted } = prepare(values)
  return qs.map((q) => type7Sorted(sorted, q))
}

/** One classic histogram bucket: the cumulative count of observations <= `upperBound` (the `le` label). */
export interface Bucket {
  readonly upperBound: number
  readonly count: number
}

/** What {@link histogramQuantile} had to repair, as Prometheus reports in its annotations. */
export interface HistogramQuantileResult {
  readonly value: number
  /** Some bucket count was lower than a lower bucket's and was raised to it. */
  readonly forcedMonotonic: boolean
  /** Some difference between neighbouring counts was below 1e-12 relative and was ignored. */
  readonly fixedPrecision: boolean
}

const SMALL_DELTA_TOLERANCE = 1e-12
const MIN_NORMAL = 2.2250738585072014e-308

/** Prometheus `util/almost.Equal`. */
const almostEqual = (a: number, b: number, epsilon: number): boolean => {
  if (Number.isNaN(a) && Number.isNaN(b)) return true
  if (a === b) return true
  const absSum = Math.abs(a) + Math.abs(b)
  const diff = Math.abs(a - b)
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon
}

/**
 * The q-quantile of a classic Prometheus histogram, exactly as PromQL's
 * `histogram_quantile` (`BucketQuantile` in promql/quantile.go):
 *
 * - q NaN → NaN; q < 0 → -Infinity; q > 1 → +Infinity.
 * - Buckets are sorted by upper bound; without a `+Inf` bucket → NaN.
 * - Buckets with the same upper bound are merged (counts added).
 * - Counts that differ from the last accepted count by less than 1e-12
 *   (relative) are set equal to it; counts that fall are raised to it
 *   (the "monotonic envelope").
 * - Fewer than 2 buckets, or no observations (+Inf count 0) → NaN.
 * - rank = q · total; the first bucket whose count >= rank holds the quantile.
 *   In the `+Inf` bucket → the highest finite upper bound. In the first
 *   bucket with upper bound <= 0 → that upper bound. Otherwise interpolate
 *   linearly inside the bucket, from 0 for the first bucket (when its upper
 *   bound is > 0) or from the previous bucket's upper bound.
 *
 * The input is not modified.
 */
export const histogramQuantileDetailed = (q: number, buckets: ReadonlyArray<Bucket>): HistogramQuantileResult => {
  const plain = (value: number): HistogramQuantileResult => ({ value, forcedMonotonic: false, fixedPrecision: false })
  if (Number.isNaN(q)) return plain(NaN)
  if (q < 0) return plain(-Infinity)
  if (q > 1) return plain(Infinity)
  if (buckets.length === 0) return plain(NaN)
  const sorted = buckets.map((b) => ({ upperBound: b.upperBound, count: b.count }))
  sorted.sort((a, b) => (a.upperBound < b.upperBound ? -1 : a.upperBound > b.upperBound ? 1 : 0))
  if (sorted[sorted.length - 1]!.upperBound !== Infinity) return plain(NaN)
  // coalesceBuckets
  const merged: Array<{ upperBound: number; count: number }> = []
  let last = { ...sorted[0]! }
  for (let i = 1; i < sorted.length; i++) {
    const b = sorted[i]!
    if (b.upperBound === last.upperBound) last.count += b.count
    else {
      merged.push(last)
      last = { ...b }
    }
  }
  merged.push(last)
  // ensureMonotonicAndIgnoreSmallDeltas
  let forcedMonotonic = false
  let fixedPrecision = false
  let prev = merged[0]!.count
  for (let i = 1; i < merged.length; i++) {
    const curr = merged[i]!.count
    if (curr === prev) continue
    if (almostEqual(prev, curr, SMALL_DELTA_TOLERANCE)) {
      merged[i]!.count = prev
      fixedPrecision = true
      continue
    }
    if (curr < prev) {
      merged[i]!.count = prev
      forcedMonotonic = true
      continue
    }
    prev = curr
  }
  if (merged.length < 2) return plain(NaN)
  const observations = merged[merged.length - 1]!.count
  if (observations === 0) return plain(NaN)
  let rank = q * observations
  // sort.Search over all but the +Inf bucket: first index with count >= rank.
  let lo = 0
  let hi = merged.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (merged[mid]!.count >= rank) hi = mid
    else lo = mid + 1
  }
  const b = lo
  const result = (value: number): HistogramQuantileResult => ({ value, forcedMonotonic, fixedPrecision })
  if (b === merged.length - 1) return result(merged[merged.length - 2]!.upperBound)
  if (b === 0 && merged[0]!.upperBound <= 0) return result(merged[0]!.upperBound)
  let bucketStart = 0
  const bucketEnd = merged[b]!.upperBound
  let count = merged[b]!.count
  if (b > 0) {
    bucketStart = merged[b - 1]!.upperBound
    count -= merged[b - 1]!.count
    rank -= merged[b - 1]!.count
  }
  return result(bucketStart + (bucketEnd - bucketStart) * (rank / count))
}

/**
 * {@link histogramQuantileDetailed} without the repair flags: the number
 * `histogram_quantile(q, …)` returns for these buckets (NaN, ±Infinity in the
 * documented special cases).
 */
export const histogramQuantile = (q: number, buckets: ReadonlyArray<Bucket>): number =>
  histogramQuantileDetailed(q, buckets).value
