/**
 * Sorting a sample once for several tests. `MannWhitney.testSorted`,
 * `HodgesLehmann.shiftSorted` / `compareSorted` and `Quantile.type7Sorted`
 * take the arrays made here, so an analyzer that runs all of them on the same
 * window pays for one sort per group instead of one per test.
 */
import { medianOfSorted, prepare } from "./internal/sample.ts"

/** An ascending copy of a sample and how many values were left out. */
export interface Sorted {
  readonly values: Float64Array
  readonly dropped: number
}

/**
 * Ascending copy of the finite values (NaN and ±Infinity left out and counted).
 * This is what every test accepts; Mann–Whitney alone could also rank
 * infinities (see {@link sortedWithoutNaN}).
 */
export const sortedFinite = (values: ArrayLike<number>): Sorted => {
  const { sorted, dropped } = prepare(values)
  let from = 0
  let to = sorted.length
  while (from < to && sorted[from] === -Infinity) from++
  while (to > from && sorted[to - 1] === Infinity) to--
  return { values: from === 0 && to === sorted.length ? sorted : sorted.subarray(from, to), dropped: dropped + sorted.length - (to - from) }
}

/** Ascending copy without NaN; ±Infinity kept (they rank as the extremes in Mann–Whitney). */
export const sortedWithoutNaN = (values: ArrayLike<number>): Sorted => {
  const { sorted, dropped } = prepare(values)
  return { values: sorted, dropped }
}

/** Median of an ascending array; NaN when empty. */
export const median = (sorted: Float64Array): number => medianOfSorted(sorted)
