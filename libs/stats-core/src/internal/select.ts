/**
 * Helpers shared by the pairwise-difference selections (`pairwise.ts`,
 * `pairwiseTied.ts`): a deterministic generator, quickselect, and the end of
 * a run of equal differences within a row found by galloping search.
 */

/** Deterministic xorshift generator for pivot sampling (fixed seed: same input, same work). */
export const makeRandom = (): (() => number) => {
  let s = 0x9e3779b9 | 0
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 4294967296
  }
}

/**
 * The first column c in [j, h) with ai - b[c] < pivot, given ai - b[c] <= pivot
 * from j on (h if none). A row's differences fall with the column, so the
 * columns equal to the pivot are a run: it is found by doubling steps and a
 * binary search, O(log run) instead of one step per tied difference (a run
 * can hold a whole row: repeated values, or differences absorbed by rounding
 * as in 1e20 - b[j]).
 */
export const endOfRun = (ai: number, b: Float64Array, j: number, h: number, pivot: number): number => {
  if (j >= h || ai - b[j]! !== pivot) return j
  // ai - b[low] === pivot; find the first column beyond it below the pivot
  let low = j
  let step = 1
  let high = j + 1
  while (high < h && ai - b[high]! === pivot) {
    low = high
    step *= 2
    high = low + step
  }
  if (high > h) high = h
  // ai - b[low] === pivot, and high === h or ai - b[high] < pivot
  while (high - low > 1) {
    const mid = (low + high) >>> 1
    if (ai - b[mid]! === pivot) low = mid
    else high = mid
  }
  return high
}

/** The r-th smallest of `values`, reordering it so that values[r+1..] >= values[r]. */
export const quickselect = (values: Float64Array, r: number): number => {
  let left = 0
  let right = values.length - 1
  while (right > left) {
    if (right - left < 32) {
      values.subarray(left, right + 1).sort()
      return values[r]!
    }
    const mid = (left + right) >>> 1
    const x = values[left]!
    const y = values[mid]!
    const z = values[right]!
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y
    let i = left
    let j = right
    while (i <= j) {
      while (values[i]! < pivot) i++
      while (values[j]! > pivot) j--
      if (i <= j) {
        const t = values[i]!
        values[i] = values[j]!
        values[j] = t
        i++
        j--
      }
    }
    if (r <= j) right = j
    else if (r >= i) left = i
    else return values[r]!
  }
  return values[r]!
}
