import { sigmoid } from "./metrics.ts"

/**
 * Platt scaling: fit `p = σ(a·z + b)` to held-out raw scores `z` and labels
 * by Newton's method, with Platt's smoothed targets ((N₊+1)/(N₊+2) and
 * 1/(N₋+2)) so that a perfectly separated validation set still gives finite
 * parameters.
 */
export const fitPlatt = (z: ArrayLike<number>, y: ArrayLike<number>): { readonly a: number; readonly b: number } => {
  const n = z.length
  let positives = 0
  for (let i = 0; i < n; i++) positives += y[i]!
  const hi = (positives + 1) / (positives + 2)
  const lo = 1 / (n - positives + 2)
  let a = 1
  let b = 0
  const loss = (a: number, b: number) => {
    let sum = 0
    for (let i = 0; i < n; i++) {
      const t = y[i] === 1 ? hi : lo
      const f = a * z[i]! + b
      const softplus = f > 0 ? f + Math.log1p(Math.exp(-f)) : Math.log1p(Math.exp(f))
      sum += softplus - t * f
    }
    return sum
  }
  let current = loss(a, b)
  for (let it = 0; it < 100; it++) {
    let gA = 0
    let gB = 0
    let hAA = 1e-12
    let hAB = 0
    let hBB = 1e-12
    for (let i = 0; i < n; i++) {
      const t = y[i] === 1 ? hi : lo
      const zi = z[i]!
      const p = sigmoid(a * zi + b)
      const r = p - t
      const w = p * (1 - p)
      gA += r * zi
      gB += r
      hAA += w * zi * zi
      hAB += w * zi
      hBB += w
    }
    const det = hAA * hBB - hAB * hAB
    if (!(Math.abs(det) > 0)) break
    const dA = (hBB * gA - hAB * gB) / det
    const dB = (hAA * gB - hAB * gA) / det
    let step = 1
    let next = current
    let na = a
    let nb = b
    for (let h = 0; h < 40; h++) {
      na = a - step * dA
      nb = b - step * dB
      next = loss(na, nb)
      if (next <= current) break
      step /= 2
    }
    if (!(next <= current)) break
    const change = Math.abs(na - a) + Math.abs(nb - b)
    a = na
    b = nb
    current = next
    if (change < 1e-10) break
  }
  return { a, b }
}

/**
 * Isotonic calibration by pool-adjacent-violators on (score, label) sorted by
 * score: a non-decreasing step function. `thresholds[k]` is the highest score
 * of block `k` and `values[k]` its observed failure rate.
 */
export const fitIsotonic = (
  scores: ArrayLike<number>,
  y: ArrayLike<number>
): { readonly thresholds: ReadonlyArray<number>; readonly values: ReadonlyArray<number> } => {
  const n = scores.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!)
  const sums: Array<number> = []
  const counts: Array<number> = []
  const highs: Array<number> = []
  let i = 0
  while (i < n) {
    // equal scores form one initial block
    let j = i
    let sum = 0
    while (j < n && scores[order[j]!] === scores[order[i]!]) sum += y[order[j++]!]!
    sums.push(sum)
    counts.push(j - i)
    highs.push(scores[order[j - 1]!]!)
    while (sums.length > 1 && sums[sums.length - 2]! / counts[counts.length - 2]! >= sums[sums.length - 1]! / counts[counts.length - 1]!) {
      const s = sums.pop()!
      const c = counts.pop()!
      const h = highs.pop()!
      sums[sums.length - 1]! += s
      counts[counts.length - 1]! += c
      highs[highs.length - 1] = h
    }
    i = j
  }
  return { thresholds: highs, values: sums.map((s, k) => s / counts[k]!) }
}

/** Evaluate an isotonic step function: the value of the first block whose threshold is ≥ score. */
export const applyIsotonic = (thresholds: ReadonlyArray<number>, values: ReadonlyArray<number>, score: number): number => {
  let lo = 0
  let hi = thresholds.length - 1
  if (hi < 0) return score
  if (score > thresholds[hi]!) return values[hi]!
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (thresholds[mid]! >= score) hi = mid
    else lo = mid + 1
  }
  return values[lo]!
}
