/**
 * Order statistics of the n·m pairwise differences a[i] - b[j] of two sorted
 * samples without materializing them (O(n + m) memory).
 *
 * For a fixed i the differences fall as j grows, and for a fixed j they rise
 * with i, so "how many differences are <= v" is a staircase that two pointers
 * walk in O(n + m). The walk is written as a branch-free merge (each step
 * moves one pointer by the 0/1 outcome of one comparison) and four such walks
 * run interleaved in one loop: data-dependent branches there would mispredict
 * about once per row, which costs more than the comparisons themselves.
 *
 * Selection searches in value space. Each rank keeps a bracket (lo, hi] of
 * values with count(lo) <= k < count(hi). The first pass puts four probes
 * around the guess of a normal model (medians and interquartile ranges of the
 * two samples); later passes interpolate linearly inside the bracket, the
 * probes spread by the error the previous guess made, so the bracket usually
 * shrinks from n·m to a few hundred candidates in two or three passes. The
 * candidates are then gathered (their row windows found in one more walk) and
 * selected directly. Should the bracket stop shrinking (long runs of tied
 * differences, odd shapes), the search falls back to Floyd–Rivest rounds on
 * the bracket's windows, which finish in O((n + m) log(n + m)) expected time.
 *
 * Differences are always computed as `a[i] - b[j]` in double precision and
 * compared as such, so the answer is bit-for-bit the value a full sort of
 * `outer(a, b, "-")` would give. Inputs must be finite; everything is
 * deterministic (the fallback samples with a fixed-seed generator).
 */
import { normalQuantile } from "../Distributions.ts"
import { hasRepeats, kthDifferencesTied } from "./pairwiseTied.ts"
import { endOfRun, makeRandom, quickselect } from "./select.ts"

/** Brackets holding at most this many candidates are gathered and selected directly. */
const GATHER_BELOW = 512
/** Interpolation passes before falling back to Floyd–Rivest rounds. */
const MAX_PASSES = 6
/** Half-spread of the first pass's probes, as a fraction of n·m (the normal model's typical miss). */
const FIRST_SPREAD = 0.015
/** Candidates below which the fallback gathers (one pass plus O(remaining)). */
const GATHER_AT_LEAST = 4096


/**
 * Counts of the differences <= values[o..o+4), one branch-free staircase walk
 * each, interleaved. `ap` is a padded with -Infinity to length n + m + 1 and
 * `bp` is b followed by +Infinity: a walk that has finished its n rows keeps
 * stepping over the padding, each step adding m - j again, which the result
 * takes back out ((m - j)² over the m - j idle steps).
 */
const count4 = (ap: Float64Array, bp: Float64Array, n: number, m: number, values: Float64Array, o: number, out: Float64Array): void => {
  const v0 = values[o]!
  const v1 = values[o + 1]!
  const v2 = values[o + 2]!
  const v3 = values[o + 3]!
  let i0 = 0
  let j0 = 0
  let c0 = 0
  let i1 = 0
  let j1 = 0
  let c1 = 0
  let i2 = 0
  let j2 = 0
  let c2 = 0
  let i3 = 0
  let j3 = 0
  let c3 = 0
  for (let t = n + m; t > 0; t--) {
    // 1 when a[i] - b[j] > v: the row's cut is further right (j moves); 0: row i is done (i moves)
    const x0 = +(ap[i0]! - bp[j0]! > v0)
    const x1 = +(ap[i1]! - bp[j1]! > v1)
    const x2 = +(ap[i2]! - bp[j2]! > v2)
    const x3 = +(ap[i3]! - bp[j3]! > v3)
    j0 += x0
    i0 += 1 - x0
    c0 += (1 - x0) * (m - j0)
    j1 += x1
    i1 += 1 - x1
    c1 += (1 - x1) * (m - j1)
    j2 += x2
    i2 += 1 - x2
    c2 += (1 - x2) * (m - j2)
    j3 += x3
    i3 += 1 - x3
    c3 += (1 - x3) * (m - j3)
  }
  out[o] = c0 - (m - j0) * (m - j0)
  out[o + 1] = c1 - (m - j1) * (m - j1)
  out[o + 2] = c2 - (m - j2) * (m - j2)
  out[o + 3] = c3 - (m - j3) * (m - j3)
}

/**
 * Row windows of the differences in (lo, hi]: start[i] is the first column
 * with a[i] - b[j] <= hi, end[i] the first with a[i] - b[j] <= lo. Both
 * arrays need n + m + 1 slots (the idle steps write past row n - 1).
 */
const windows = (ap: Float64Array, bp: Float64Array, n: number, m: number, lo: number, hi: number, start: Int32Array, end: Int32Array): void => {
  let i0 = 0
  let j0 = 0
  let i1 = 0
  let j1 = 0
  for (let t = n + m; t > 0; t--) {
    // the last write to start[i] is made when row i is done, with its cut
    start[i0] = j0
    end[i1] = j1
    const x0 = +(ap[i0]! - bp[j0]! > hi)
    const x1 = +(ap[i1]! - bp[j1]! > lo)
    j0 += x0
    i0 += 1 - x0
    j1 += x1
    i1 += 1 - x1
  }
}

/** The k-th smallest (0-based) of a[i] - b[j] over all i, j. */
export const kthDifference = (a: Float64Array, b: Float64Array, k: number): number => kthDifferences(a, b, [k])[0]!

/**
 * The ranks[q]-th smallest (0-based) differences a[i] - b[j], in the order of
 * `ranks` (each an integer in [0, n·m)). Samples with a repeated value go to
 * {@link kthDifferencesTied} (distinct values with multiplicities: linear
 * counting passes however many differences tie); tie-free samples to
 * {@link kthDifferencesPlain}. Empty input: all NaN.
 */
export const kthDifferences = (a: Float64Array, b: Float64Array, ranks: ReadonlyArray<number>): Float64Array =>
  hasRepeats(a) || hasRepeats(b) ? kthDifferencesTied(a, b, ranks) : kthDifferencesPlain(a, b, ranks)

/**
 * {@link kthDifferences} by value-space interpolation over the uncompressed
 * samples. The ranks share the counting passes (every count narrows every
 * bracket it falls in), so several ranks cost less than as many
 * {@link kthDifference} calls. Correct on any input, but its fallback scans
 * runs of tied differences cell by cell: O(n·m) when a sample repeats values
 * (alternating 0/1), hence the dispatch above.
 */
export const kthDifferencesPlain = (a: Float64Array, b: Float64Array, ranks: ReadonlyArray<number>): Float64Array => {
  const n = a.length
  const m = b.length
  const total = n * m
  const count = ranks.length
  const result = new Float64Array(count)
  if (total === 0) return result.fill(NaN)
  const ap = new Float64Array(n + m + 1).fill(-Infinity)
  ap.set(a)
  const bp = new Float64Array(m + 1)
  bp.set(b)
  bp[m] = Infinity
  const minD = a[0]! - b[m - 1]!
  const maxD = a[n - 1]! - b[0]!
  // The answer of rank q is in (lo[q], hi[q]]; countLo/countHi are the counts <= lo/hi. lo starts
  // at -Infinity (count 0); loX is where interpolation puts it (the smallest difference at first).
  const lo = new Float64Array(count).fill(-Infinity)
  const loX = new Float64Array(count).fill(minD)
  const countLo = new Float64Array(count)
  const hi = new Float64Array(count).fill(maxD)
  const countHi = new Float64Array(count).fill(total)
  const spread = new Float64Array(count)
  // A normal model of the differences for the first guess: center and scale from the samples.
  const mu = quantileOfSorted(a, 0.5) - quantileOfSorted(b, 0.5)
  const sa = quantileOfSorted(a, 0.75) - quantileOfSorted(a, 0.25)
  const sb = quantileOfSorted(b, 0.75) - quantileOfSorted(b, 0.25)
  const sd = Math.sqrt(sa * sa + sb * sb) / 1.349
  let pending: Array<number> = []
  for (let q = 0; q < count; q++) pending.push(q)
  const probes = new Float64Array(4 * count)
  const counts = new Float64Array(4 * count)
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    pending = pending.filter((q) => countHi[q]! - countLo[q]! > GATHER_BELOW)
    if (pending.length === 0) break
    let p = 0
    // A rank whose bracket is its predecessor's (k and k + 1 of a median) rides on its probes.
    const base = pending.map((q, s) => {
      const prev = pending[s - 1]
      if (prev !== undefined && lo[prev] === lo[q] && hi[prev] === hi[q]) return -1
      p += 4
      return p - 4
    })
    p = 0
    for (const [s, q] of pending.entries()) {
      if (base[s]! < 0) continue
      const target = ranks[q]! + 0.5
      const width = countHi[q]! - countLo[q]!
      const w = Math.max(GATHER_BELOW / 4, spread[q]!)
      for (let f = -1.5; f <= 1.5; f++) {
        let v: number
        if (pass === 0 && sd > 0) {
          const fraction = (target + f * FIRST_SPREAD * total) / total
          v = mu + sd * normalQuantile(Math.min(1 - 1e-12, Math.max(1e-12, fraction)))
        } else {
          const r = Math.min(countHi[q]! - 0.5, Math.max(countLo[q]! + 0.5, target + f * w))
          v = loX[q]! + ((r - countLo[q]!) / width) * (hi[q]! - loX[q]!)
        }
        // keep probes finite and inside the bracket (the interpolation can overflow on huge ranges)
        if (!(v > loX[q]! && v < hi[q]!)) v = loX[q]! / 2 + hi[q]! / 2
        probes[p++] = v
      }
    }
    while (p % 4 !== 0) {
      probes[p] = probes[p - 1]!
      p++
    }
    for (let o = 0; o < p; o += 4) count4(ap, bp, n, m, probes, o, counts)
    pending.forEach((q, s) => {
      const k = ranks[q]!
      const before = countHi[q]! - countLo[q]!
      for (let t = 0; t < p; t++) {
        const v = probes[t]!
        const c = counts[t]!
        if (c <= k) {
          if (v > loX[q]!) {
            lo[q] = v
            loX[q] = v
            countLo[q] = c
          }
        } else if (v < hi[q]!) {
          hi[q] = v
          countHi[q] = c
        }
      }
      // How far the central guess (between this rank's middle probes) was off, scaled to the new bracket.
      const after = countHi[q]! - countLo[q]!
      const o = base[s]!
      if (o < 0) {
        spread[q] = spread[pending[s - 1]!]!
        return
      }
      const miss = Math.abs((counts[o + 1]! + counts[o + 2]!) / 2 - (k + 0.5))
      spread[q] = 1.5 * miss * (pass === 0 ? 0.3 : after / before)
    })
  }
  const start = new Int32Array(n + m + 1)
  const end = new Int32Array(n + m + 1)
  // Ranks sharing a bracket share its windows and gathered candidates.
  let windowLo = NaN
  let windowHi = NaN
  let gathered: Float64Array | undefined
  for (let q = 0; q < count; q++) {
    const remaining = countHi[q]! - countLo[q]!
    const r = ranks[q]! - countLo[q]!
    if (lo[q] !== windowLo || hi[q] !== windowHi) {
      windowLo = lo[q]!
      windowHi = hi[q]!
      windows(ap, bp, n, m, windowLo, windowHi, start, end)
      gathered = remaining <= GATHER_BELOW ? gather(a, b, start, end, remaining) : undefined
    }
    result[q] = gathered !== undefined
      ? quickselect(gathered, r)
      : selectInWindows(a, b, start.slice(0, n), end.slice(0, n), remaining, r)
  }
  return result
}

/** Linear-interpolation quantile of a sorted, non-empty sample. */
const quantileOfSorted = (sorted: Float64Array, p: number): number => {
  const h = p * (sorted.length - 1)
  const l = Math.floor(h)
  const u = Math.min(l + 1, sorted.length - 1)
  return sorted[l]! + (h - l) * (sorted[u]! - sorted[l]!)
}

/**
 * The fallback when interpolation stalls (huge runs of tied differences, very
 * skewed data): the r-th smallest of the `remaining` candidates in the row
 * windows [lo[i], hi[i]), narrowed around two pivots drawn from a random
 * sample of the candidates (the Floyd–Rivest idea applied to the implicit
 * sorted matrix of Johnson & Mizoguchi). Each round keeps about 2.5/√s of the
 * candidates for a sample of size s; pivots are differences themselves and
 * are counted with "<" and "<=", so ties end the search at once.
 */
const selectInWindows = (a: Float64Array, b: Float64Array, lo: Int32Array, hi: Int32Array, remaining: number, r: number): number => {
  const n = a.length
  const m = b.length
  // Scratch for the cut columns of the next round (swapped with lo/hi).
  let cutA: Int32Array = new Int32Array(n)
  let cutB: Int32Array = new Int32Array(n)
  let cutC: Int32Array = new Int32Array(n)
  let cutD: Int32Array = new Int32Array(n)
  const prefix = new Float64Array(n + 1)
  const random = makeRandom()
  // Bigger samples shrink the candidates more per counting pass; the pass costs O(n + m).
  const sampleSize = Math.max(256, Math.min(8192, Math.round(16 * Math.sqrt(n + m))))
  const sample = new Float64Array(sampleSize)
  // Gathering costs one pass plus O(remaining): worth it once remaining is about n + m.
  const gatherBelow = Math.max(GATHER_AT_LEAST, n + m)
  for (;;) {
    if (remaining <= gatherBelow) return quickselect(gather(a, b, lo, hi, remaining), r)
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
    const ltHigh = cutC
    const leHigh = cutD
    for (let i = 0; i < n; i++) {
      const ai = a[i]!
      const l = lo[i]!
      const h = hi[i]!
      // Pointers only move forward across rows (windows are monotone too); jumping to l is safe.
      // Walk to the first difference <= pivot; the "< pivot" cut is the end of the run of
      // differences equal to it, found by galloping (a run can fill the row: tied values).
      if (j4 < l) j4 = l
      while (j4 < h && ai - b[j4]! > pHigh) j4++
      j3 = endOfRun(ai, b, j4, h, pHigh)
      if (j2 < j4) j2 = j4
      while (j2 < h && ai - b[j2]! > pLow) j2++
      j1 = endOfRun(ai, b, j2, h, pLow)
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
    const buffers = [lo, hi, cutA, cutB, cutC, cutD]
    if (r < lessLow) {
      lo = ltLow
      remaining = lessLow
    } else if (r < lessEqLow) {
      return pLow
    } else if (r < lessHigh) {
      lo = ltHigh
      hi = leLow
      r -= lessEqLow
      remaining = lessHigh - lessEqLow
    } else if (r < lessEqHigh) {
      return pHigh
    } else {
      hi = leHigh
      r -= lessEqHigh
      remaining -= lessEqHigh
    }
    // the four buffers not holding the new windows are the next round's scratch
    const free = buffers.filter((buffer) => buffer !== lo && buffer !== hi)
    cutA = free[0]!
    cutB = free[1]!
    cutC = free[2]!
    cutD = free[3]!
  }
}


/** The differences in the row windows [lo[i], hi[i]) (`remaining` of them), unordered. */
const gather = (a: Float64Array, b: Float64Array, lo: Int32Array, hi: Int32Array, remaining: number): Float64Array => {
  const values = new Float64Array(remaining)
  let t = 0
  for (let i = 0; i < a.length; i++) {
    const ai = a[i]!
    for (let j = lo[i]!, h = hi[i]!; j < h; j++) values[t++] = ai - b[j]!
  }
  return values
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
  if (total % 2 === 1) return kthDifference(a, b, k)
  const middle = kthDifferences(a, b, [k, k + 1])
  return (middle[0]! + middle[1]!) / 2
}
