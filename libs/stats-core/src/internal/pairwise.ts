/**
 * Order statistics of the n·m pairwise differences a[i] - b[j] of two sorted
 * samples without materializing them (O(n + m) memory).
 *
 * For a fixed i the differences fall as j grows, and for a fixed j they rise
 * with i, so "how many differences are below v" is a staircase that two
 * pointers walk in O(n + m). Selection keeps, for each row i, the window of
 * columns [lo_i, hi_i) that can still hold the answer, and narrows it around
 * two pivots drawn from a random sample of the remaining candidates (the
 * Floyd–Rivest idea applied to the implicit sorted matrix of Johnson &
 * Mizoguchi): each round keeps about 2.5/√s of the candidates for a sample of
 * size s, so a handful of rounds brings 10^10 candidates down to a few
 * thousand, which are then selected directly. Expected time O((n + m) log(n + m)).
 *
 * Differences are always computed as `a[i] - b[j]` in double precision and
 * compared as such, so the answer is bit-for-bit the value a full sort of
 * `outer(a, b, "-")` would give. Inputs must be finite.
 */

const GATHER_AT_LEAST = 4096

/** Deterministic xorshift generator for pivot sampling (fixed seed: same input, same work). */
const makeRandom = (): (() => number) => {
  let s = 0x9e3779b9 | 0
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 4294967296
  }
}

/** The k-th smallest difference and the next one up (NaN when it was not found on the way). */
interface Selected {
  readonly value: number
  readonly next: number
}

/** The k-th smallest (0-based) of a[i] - b[j] over all i, j. */
export const kthDifference = (a: Float64Array, b: Float64Array, k: number): number => select(a, b, k).value

/**
 * Selection of the k-th smallest difference; also returns the (k+1)-th when it
 * is known without more work (it usually is: it sits beside the k-th in the
 * final candidate set).
 */
const select = (a: Float64Array, b: Float64Array, k: number): Selected => {
  const n = a.length
  const m = b.length
  // Row i holds columns j in [lo[i], hi[i]); values fall as j grows.
  let lo = new Int32Array(n)
  let hi = new Int32Array(n).fill(m)
  // Scratch for the cut columns of the next round (swapped with lo/hi).
  let cutA = new Int32Array(n)
  let cutB = new Int32Array(n)
  const prefix = new Float64Array(n + 1)
  const random = makeRandom()
  // Bigger samples shrink the candidates more per counting pass; the pass costs O(n + m).
  const sampleSize = Math.max(256, Math.min(8192, Math.round(16 * Math.sqrt(n + m))))
  const sample = new Float64Array(sampleSize)
  let remaining = n * m
  let r = k
  // Gathering costs one pass plus O(remaining): worth it once remaining is about n + m.
  const gatherBelow = Math.max(GATHER_AT_LEAST, n + m)
  for (;;) {
    if (remaining <= gatherBelow) return gatherAndSelect(a, b, lo, hi, remaining, r)
    let acc = 0
    for (let i = 0; i < n; i++) {
      prefix[i] = acc
      acc += hi[i]! - lo[i]!
    }
    prefix[n] = acc
    for (let s = 0; s < sampleSize; s++) {
      const u = Math.floor(random() * remaining)
      // last row with prefix <= u
      let l = 0
      let h = n - 1
      while (l < h) {
        const mid = (l + h + 1) >> 1
        if (prefix[mid]! <= u) l = mid
        else h = mid - 1
      }
      sample[s] = a[l]! - b[lo[l]! + (u - prefix[l]!)]!
    }
    const f = r / remaining
    const position = Math.floor(f * sampleSize)
    const delta = Math.ceil(2.5 * Math.sqrt(sampleSize * f * (1 - f))) + 1
    const highRank = Math.min(sampleSize - 1, position + delta)
    const pHigh = quickselect(sample, highRank)
    // quickselect left the ranks below highRank in sample[0, highRank)
    const pLow = quickselect(sample.subarray(0, Math.max(1, highRank)), Math.max(0, position - delta))
    // Count the window's elements below and at each pivot.
    let lessLow = 0
    let lessEqLow = 0
    let lessHigh = 0
    let lessEqHigh = 0
    let j1 = 0 // first column with difference < pLow
    let j2 = 0 // first column with difference <= pLow
    let j3 = 0 // first column with difference < pHigh
    let j4 = 0 // first column with difference <= pHigh
    const ltLow = cutA
    const leLow = cutB
    // The high-pivot cuts are written into lo/hi's own buffers only after use, so keep them apart.
    const ltHigh = new Int32Array(n)
    const leHigh = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      const ai = a[i]!
      const l = lo[i]!
      const h = hi[i]!
      // Pointers only move forward across rows (windows are monotone too); jumping to l is safe.
      // Walk to the first difference <= pivot; differences equal to the pivot are rare, so the
      // "< pivot" cut is found by a short, predictable scan from there.
      if (j4 < l) j4 = l
      while (j4 < h && ai - b[j4]! > pHigh) j4++
      j3 = j4
      while (j3 < h && ai - b[j3]! === pHigh) j3++
      if (j2 < j4) j2 = j4
      while (j2 < h && ai - b[j2]! > pLow) j2++
      j1 = j2
      while (j1 < h && ai - b[j1]! === pLow) j1++
      const c1 = j1 < h ? j1 : h
      const c2 = j2 < h ? j2 : h
      const c3 = j3 < h ? j3 : h
      const c4 = j4 < h ? j4 : h
      ltLow[i] = c1
      leLow[i] = c2
      ltHigh[i] = c3
      leHigh[i] = c4
      lessLow += h - c1
      lessEqLow += h - c2
      lessHigh += h - c3
      lessEqHigh += h - c4
    }
    if (r < lessLow) {
      cutA = lo
      lo = ltLow
      remaining = lessLow
    } else if (r < lessEqLow) {
      return { value: pLow, next: r + 1 < lessEqLow ? pLow : NaN }
    } else if (r < lessHigh) {
      cutA = lo
      cutB = hi
      lo = ltHigh
      hi = leLow
      r -= lessEqLow
      remaining = lessHigh - lessEqLow
    } else if (r < lessEqHigh) {
      return { value: pHigh, next: r + 1 < lessEqHigh ? pHigh : NaN }
    } else {
      cutB = hi
      hi = leHigh
      r -= lessEqHigh
      remaining -= lessEqHigh
    }
  }
}

const gatherAndSelect = (
  a: Float64Array,
  b: Float64Array,
  lo: Int32Array,
  hi: Int32Array,
  remaining: number,
  r: number
): Selected => {
  const values = new Float64Array(remaining)
  let t = 0
  for (let i = 0; i < a.length; i++) {
    const ai = a[i]!
    for (let j = lo[i]!; j < hi[i]!; j++) values[t++] = ai - b[j]!
  }
  const value = quickselect(values, r)
  // quickselect leaves everything after position r at or above the r-th.
  let next = NaN
  if (r + 1 < remaining) {
    next = Infinity
    for (let i = r + 1; i < remaining; i++) if (values[i]! < next) next = values[i]!
  }
  return { value, next }
}

/** The r-th smallest of `values`, reordering it so that values[r+1..] >= values[r]. */
const quickselect = (values: Float64Array, r: number): number => {
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

/** Number of differences a[i] - b[j] that are <= v. */
export const countAtMost = (a: Float64Array, b: Float64Array, v: number): number => {
  const m = b.length
  let j = 0
  let count = 0
  for (let i = 0; i < a.length; i++) {
    const ai = a[i]!
    while (j < m && ai - b[j]! > v) j++
    count += m - j
  }
  return count
}

/** The smallest difference strictly greater than v (Infinity if none). */
export const nextAbove = (a: Float64Array, b: Float64Array, v: number): number => {
  const m = b.length
  let j = 0
  let best = Infinity
  for (let i = 0; i < a.length; i++) {
    const ai = a[i]!
    while (j < m && ai - b[j]! > v) j++
    // columns < j hold values > v; the smallest of them is at j - 1
    if (j > 0) {
      const d = ai - b[j - 1]!
      if (d < best) best = d
    }
  }
  return best
}

/** The median of all pairwise differences (mean of the two middle ones when n·m is even). */
export const medianDifference = (a: Float64Array, b: Float64Array): number => {
  const total = a.length * b.length
  if (total === 0) return NaN
  const k = Math.floor((total - 1) / 2)
  const selected = select(a, b, k)
  const v1 = selected.value
  if (total % 2 === 1) return v1
  const v2 = !Number.isNaN(selected.next) ? selected.next : countAtMost(a, b, v1) >= k + 2 ? v1 : nextAbove(a, b, v1)
  return (v1 + v2) / 2
}
