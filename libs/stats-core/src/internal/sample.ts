/**
 * Sample preparation shared by the tests: copy into a Float64Array without
 * NaN (±Infinity are kept: they rank as the extremes) and sort ascending with
 * the typed-array sort, which is much faster than sorting a JS array.
 */

/** A sorted copy of `values` without NaN, and how many NaN were dropped. */
export interface Prepared {
  readonly sorted: Float64Array
  readonly dropped: number
}

/** Sorted copy of `values` with NaN removed. */
export const prepare = (values: ArrayLike<number>): Prepared => {
  const n = values.length
  const out = new Float64Array(n)
  let m = 0
  for (let i = 0; i < n; i++) {
    const v = values[i]!
    if (v === v) out[m++] = v
  }
  const sorted = m === n ? out : out.slice(0, m)
  sorted.sort()
  return { sorted, dropped: n - m }
}

/** Median of an ascending array (NaN when empty). */
export const medianOfSorted = (sorted: Float64Array): number => {
  const n = sorted.length
  if (n === 0) return NaN
  const mid = n >> 1
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
