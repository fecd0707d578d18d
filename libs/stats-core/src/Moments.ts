/**
 * Streaming mean and variance (Welford's update, Chan et al.'s merge): a
 * numerically stable summary of a baseline that windows can be folded into
 * one value at a time, or merged from per-window summaries.
 */

/** Count, mean and sum of squared deviations M2 of the values folded in so far. */
export interface Moments {
  readonly count: number
  readonly mean: number
  /** Σ (x - mean)²; the sample variance is m2 / (count - 1). */
  readonly m2: number
}

/** No values: count 0, mean 0, m2 0. */
export const empty: Moments = { count: 0, mean: 0, m2: 0 }

/** Fold one value in (Welford). Non-finite values are ignored (returned state is unchanged). */
export const add = (moments: Moments, value: number): Moments => {
  if (!Number.isFinite(value)) return moments
  const count = moments.count + 1
  const delta = value - moments.mean
  const mean = moments.mean + delta / count
  return { count, mean, m2: moments.m2 + delta * (value - mean) }
}

/** Fold many values in order; same result as repeated {@link add}. */
export const addAll = (moments: Moments, values: ArrayLike<number>): Moments => {
  let count = moments.count
  let mean = moments.mean
  let m2 = moments.m2
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!
    if (!Number.isFinite(value)) continue
    count += 1
    const delta = value - mean
    mean += delta / count
    m2 += delta * (value - mean)
  }
  return { count, mean, m2 }
}

/** Summary of `values` (non-finite values ignored). */
export const of = (values: ArrayLike<number>): Moments => addAll(empty, values)

/**
 * Combine two summaries as if their values had been folded together (Chan,
 * Golub & LeVeque); equal to folding up to rounding.
 */
export const merge = (a: Moments, b: Moments): Moments => {
  if (a.count === 0) return b
  if (b.count === 0) return a
  const count = a.count + b.count
  const delta = b.mean - a.mean
  return {
    count,
    mean: a.mean + (delta * b.count) / count,
    m2: a.m2 + b.m2 + (delta * delta * a.count * b.count) / count
  }
}

/** Unbiased sample variance m2 / (count - 1); 0 when fewer than 2 values. */
export const variance = (moments: Moments): number => (moments.count > 1 ? moments.m2 / (moments.count - 1) : 0)

/** Sample standard deviation √variance; 0 when fewer than 2 values. */
export const standardDeviation = (moments: Moments): number => Math.sqrt(variance(moments))
