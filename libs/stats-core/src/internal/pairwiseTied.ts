/**
 * Order statistics of the n·m pairwise differences a[i] - b[j] when the
 * samples have tied values, in O((n + m) log(n + m)) expected time whatever
 * the ties.
 *
 * Each sorted sample is compressed to its p (q) distinct values with their
 * multiplicities, so the implicit matrix has p·q cells, cell (i, j) holding
 * the difference a'[i] - b'[j] with weight w_a[i]·w_b[j]. Within a row the
 * values are now strictly decreasing, so "the cells equal to a pivot" is at
 * most one per row: the counting walks that went quadratic on a run of tied
 * differences (alternating 0/1 latencies: every row half full of zeros) stay
 * linear. Selection is Floyd–Rivest on the weighted matrix: pivots from a
 * sample drawn in proportion to weight (a sample of the n·m differences
 * themselves), each round one O(p + q) walk that counts weights below and at
 * both pivots, keeping the candidate cells between them; a tied block that
 * holds the rank ends the search at once. Few candidates are gathered and
 * selected by a weighted quickselect.
 *
 * Differences are computed as `a[i] - b[j]` in double precision, so the
 * answer is bit for bit what a full sort of `outer(a, b, "-")` gives.
 * Deterministic (fixed-seed sampling). Inputs sorted ascending and finite.
 */

import { endOfRun, makeRandom, quickselect } from "./select.ts"

/** Distinct values of a sorted sample and how often each occurs. */
export interface Runs {
  readonly values: Float64Array
  readonly weights: Float64Array
}

/** The runs of equal values of a sorted sample. */
export const runsOf = (sorted: Float64Array): Runs => {
  const values = new Float64Array(sorted.length)
  const weights = new Float64Array(sorted.length)
  let p = -1
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!
    if (p >= 0 && values[p] === v) weights[p]!++
    else {
      p++
      values[p] = v
      weights[p] = 1
    }
  }
  return { values: values.slice(0, p + 1), weights: weights.slice(0, p + 1) }
}

/** Whether a sorted sample repeats a value. */
export const hasRepeats = (sorted: Float64Array): boolean => {
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) return true
  return false
}


/** Tuning knobs, for tests that want the rounds exercised on small inputs. */
export interface TiedOptions {
  /** Candidate cells at or below which they are gathered and selected directly (default max(4096, p + q)). */
  readonly gatherBelow?: number
  /** Pivot sample size per round (default 16·√(p + q), within [256, 8192]). */
  readonly sampleSize?: number
}

/**
 * The ranks[q]-th smallest (0-based) differences a[i] - b[j] of two sorted,
 * finite samples, in the order of `ranks`. Any ties; empty input: all NaN.
 */
export const kthDifferencesTied = (a: Float64Array, b: Float64Array, ranks: ReadonlyArray<number>, options: TiedOptions = {}): Float64Array => {
  if (a.length === 0 || b.length === 0) return new Float64Array(ranks.length).fill(NaN)
  return kthDifferencesOfRuns(runsOf(a), runsOf(b), ranks, options)
}

/**
 * {@link kthDifferencesTied} on samples already compressed to runs (each
 * non-empty, values strictly ascending, weights positive integers).
 */
export const kthDifferencesOfRuns = (A: Runs, B: Runs, ranks: ReadonlyArray<number>, options: TiedOptions = {}): Float64Array => {
  const result = new Float64Array(ranks.length)
  const q = B.values.length
  // prefix[j] = how many values of b are below b'[j] (the weight of columns [0, j))
  const prefix = new Float64Array(q + 1)
  for (let j = 0; j < q; j++) prefix[j + 1] = prefix[j]! + B.weights[j]!
  const selector = makeSelector(A, B, prefix, options)
  ranks.forEach((k, s) => {
    result[s] = selector(k)
  })
  return result
}

const makeSelector = (A: Runs, B: Runs, prefix: Float64Array, options: TiedOptions) => {
  const av = A.values
  const aw = A.weights
  const bv = B.values
  const p = av.length
  const q = bv.length
  const gatherBelow = options.gatherBelow ?? Math.max(4096, p + q)
  const sampleSize = options.sampleSize ?? Math.max(256, Math.min(8192, Math.round(16 * Math.sqrt(p + q))))
  let totalWeight = 0
  for (let i = 0; i < p; i++) totalWeight += aw[i]!
  totalWeight *= prefix[q]!
  return (k: number): number => {
    const random = makeRandom()
    // Candidate windows [lo[i], hi[i]) per row, and scratch for the next round's cuts.
    let lo = new Int32Array(p)
    let hi = new Int32Array(p).fill(q)
    let cutA = new Int32Array(p)
    let cutB = new Int32Array(p)
    let cutC = new Int32Array(p)
    let cutD = new Int32Array(p)
    const rowWeight = new Float64Array(p + 1)
    const sample = new Float64Array(sampleSize)
    let r = k
    let remaining = totalWeight
    let cells = p * q
    for (;;) {
      if (cells <= gatherBelow) return gatherSelect(av, aw, bv, prefix, lo, hi, cells, r)
      let acc = 0
      for (let i = 0; i < p; i++) {
        rowWeight[i] = acc
        acc += aw[i]! * (prefix[hi[i]!]! - prefix[lo[i]!]!)
      }
      rowWeight[p] = acc
      for (let s = 0; s < sampleSize; s++) {
        const u = Math.floor(random() * acc)
        // last row with rowWeight <= u
        let l = 0
        let h = p - 1
        while (l < h) {
          const mid = (l + h + 1) >> 1
          if (rowWeight[mid]! <= u) l = mid
          else h = mid - 1
        }
        // the column within the row's window whose weight covers the offset
        const t = prefix[lo[l]!]! + Math.floor((u - rowWeight[l]!) / aw[l]!)
        let cl = lo[l]!
        let ch = hi[l]! - 1
        while (cl < ch) {
          const mid = (cl + ch + 1) >> 1
          if (prefix[mid]! <= t) cl = mid
          else ch = mid - 1
        }
        sample[s] = av[l]! - bv[cl]!
      }
      const f = r / remaining
      const position = Math.floor(f * sampleSize)
      const delta = Math.ceil(2.5 * Math.sqrt(sampleSize * f * (1 - f))) + 1
      const highRank = Math.min(sampleSize - 1, position + delta)
      const pHigh = quickselect(sample, highRank)
      const pLow = quickselect(sample.subarray(0, Math.max(1, highRank)), Math.max(0, position - delta))
      // Weights (and cells) of the candidates below and at each pivot.
      let lessLow = 0
      let lessEqLow = 0
      let lessHigh = 0
      let lessEqHigh = 0
      let cellsLessLow = 0
      let cellsBetween = 0
      let cellsAboveHigh = 0
      let j1 = 0 // first column with difference < pLow
      let j2 = 0 // first column with difference <= pLow
      let j3 = 0 // first column with difference < pHigh
      let j4 = 0 // first column with difference <= pHigh
      for (let i = 0; i < p; i++) {
        const ai = av[i]!
        const l = lo[i]!
        const h = hi[i]!
        // pointers only move forward across rows; the cells equal to a pivot are a run
        // (usually one cell: the values are distinct, unless rounding absorbs them)
        if (j4 < l) j4 = l
        while (j4 < h && ai - bv[j4]! > pHigh) j4++
        j3 = endOfRun(ai, bv, j4, h, pHigh)
        if (j2 < j4) j2 = j4
        while (j2 < h && ai - bv[j2]! > pLow) j2++
        j1 = endOfRun(ai, bv, j2, h, pLow)
        const c1 = j1 < h ? j1 : h
        const c2 = j2 < h ? j2 : h
        const c3 = j3 < h ? j3 : h
        const c4 = j4 < h ? j4 : h
        cutA[i] = c1
        cutB[i] = c2
        cutC[i] = c3
        cutD[i] = c4
        const w = aw[i]!
        const end = prefix[h]!
        lessLow += w * (end - prefix[c1]!)
        lessEqLow += w * (end - prefix[c2]!)
        lessHigh += w * (end - prefix[c3]!)
        lessEqHigh += w * (end - prefix[c4]!)
        cellsLessLow += h - c1
        cellsBetween += c2 - c3
        cellsAboveHigh += c4 - l
      }
      const buffers = [lo, hi, cutA, cutB, cutC, cutD]
      if (r < lessLow) {
        lo = cutA
        remaining = lessLow
        cells = cellsLessLow
      } else if (r < lessEqLow) {
        return pLow
      } else if (r < lessHigh) {
        lo = cutC
        hi = cutB
        r -= lessEqLow
        remaining = lessHigh - lessEqLow
        cells = cellsBetween
      } else if (r < lessEqHigh) {
        return pHigh
      } else {
        hi = cutD
        r -= lessEqHigh
        remaining -= lessEqHigh
        cells = cellsAboveHigh
      }
      const free = buffers.filter((buffer) => buffer !== lo && buffer !== hi)
      cutA = free[0]!
      cutB = free[1]!
      cutC = free[2]!
      cutD = free[3]!
    }
  }
}

/** The r-th smallest by weight among the `cells` candidate cells of the windows [lo[i], hi[i]). */
const gatherSelect = (
  av: Float64Array,
  aw: Float64Array,
  bv: Float64Array,
  prefix: Float64Array,
  lo: Int32Array,
  hi: Int32Array,
  cells: number,
  r: number
): number => {
  const values = new Float64Array(cells)
  const weights = new Float64Array(cells)
  let t = 0
  for (let i = 0; i < av.length; i++) {
    const ai = av[i]!
    const wi = aw[i]!
    for (let j = lo[i]!, h = hi[i]!; j < h; j++) {
      values[t] = ai - bv[j]!
      weights[t++] = wi * (prefix[j + 1]! - prefix[j]!)
    }
  }
  return weightedSelect(values, weights, r)
}

/**
 * The value v with weight(< v) <= r < weight(<= v): the r-th smallest of the
 * multiset where values[t] occurs weights[t] times. Reorders both arrays.
 */
const weightedSelect = (values: Float64Array, weights: Float64Array, r: number): number => {
  let left = 0
  let right = values.length // candidates in [left, right)
  for (;;) {
    const x = values[left]!
    const y = values[(left + right) >>> 1]!
    const z = values[right - 1]!
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y
    // three-way partition: [left, lt) < pivot, [lt, i) = pivot, (gt, right) > pivot
    let lt = left
    let i = left
    let gt = right - 1
    let less = 0
    let equal = 0
    while (i <= gt) {
      const v = values[i]!
      if (v < pivot) {
        less += weights[i]!
        swap(values, weights, lt++, i++)
      } else if (v > pivot) {
        swap(values, weights, i, gt--)
      } else {
        equal += weights[i]!
        i++
      }
    }
    if (r < less) right = lt
    else if (r < less + equal) return pivot
    else {
      r -= less + equal
      left = gt + 1
    }
  }
}

const swap = (values: Float64Array, weights: Float64Array, i: number, j: number): void => {
  const v = values[i]!
  values[i] = values[j]!
  values[j] = v
  const w = weights[i]!
  weights[i] = weights[j]!
  weights[j] = w
}

