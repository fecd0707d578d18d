/**
 * z-score of a value against a baseline: how many baseline standard
 * deviations it lies from the baseline mean. The analyzer uses it for sharp
 * spikes (a candidate window far outside anything the baseline does).
 */
import * as Moments from "./Moments.ts"

/** The outcome of {@link score}. */
export interface ZScore {
  /** (value - mean) / sd; see `degenerate` for the cases where sd is unusable. */
  readonly z: number
  readonly baselineMean: number
  readonly baselineSd: number
  readonly baselineCount: number
  /**
   * `"too-few"`: fewer than 2 finite baseline values, z = 0 (no evidence);
   * `"zero-variance"`: the baseline is constant, z = 0 if the value equals it
   * and ±Infinity otherwise; `"not-finite"`: the value itself is NaN or
   * infinite, z = 0. Never NaN.
   */
  readonly degenerate: "too-few" | "zero-variance" | "not-finite" | undefined
}

/**
 * z-score of `value` against a baseline given as values or as folded
 * {@link Moments.Moments}. Assumes the baseline is roughly stable and that a
 * normal-ish spread makes "3 sd" meaningful.
 */
export const score = (value: number, baseline: ArrayLike<number> | Moments.Moments): ZScore => {
  const m = isMoments(baseline) ? baseline : Moments.of(baseline)
  const sd = Moments.standardDeviation(m)
  const base = { baselineMean: m.mean, baselineSd: sd, baselineCount: m.count }
  if (!Number.isFinite(value)) return { ...base, z: 0, degenerate: "not-finite" }
  if (m.count < 2) return { ...base, z: 0, degenerate: "too-few" }
  if (!(sd > 0)) {
    const z = value === m.mean ? 0 : value > m.mean ? Infinity : -Infinity
    return { ...base, z, degenerate: "zero-variance" }
  }
  return { ...base, z: (value - m.mean) / sd, degenerate: undefined }
}

const isMoments = (b: ArrayLike<number> | Moments.Moments): b is Moments.Moments =>
  typeof (b as Moments.Moments).m2 === "number" && typeof (b as Moments.Moments).count === "number" &&
  !("length" in b)
