/**
 * Rank statistics of two samples from their sorted copies, by one merge pass
 * (O(n1 + n2)) instead of sorting the concatenation with labels.
 */

/** Rank sum of the first sample (mid-ranks for ties) and the tie term Σ(t³ - t). */
export interface RankSums {
  readonly rankSumX: number
  readonly tieTerm: number
  readonly hasTies: boolean
}

/** Merge two ascending arrays, giving mid-ranks to tied groups across both. */
export const rankSums = (x: Float64Array, y: Float64Array): RankSums => {
  const n1 = x.length
  const n2 = y.length
  let i = 0
  let j = 0
  let rank = 0 // ranks assigned so far
  let rankSumX = 0
  let tieTerm = 0
  let hasTies = false
  while (i < n1 || j < n2) {
    // The smallest remaining value and the size of its tie group in each sample.
    const v = i < n1 && (j >= n2 || x[i]! <= y[j]!) ? x[i]! : y[j]!
    let cx = 0
    while (i < n1 && x[i] === v) {
      i++
      cx++
    }
    let cy = 0
    while (j < n2 && y[j] === v) {
      j++
      cy++
    }
    const t = cx + cy
    // Mid-rank of ranks rank+1 .. rank+t.
    rankSumX += cx * (rank + (t + 1) / 2)
    rank += t
    if (t > 1) {
      hasTies = true
      tieTerm += t * t * t - t
    }
  }
  return { rankSumX, tieTerm, hasTies }
}
