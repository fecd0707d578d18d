/**
 * The exact null distribution of the Mann–Whitney U statistic without ties.
 *
 * The counts of U = u for sample sizes (n, m) are the coefficients of the
 * Gaussian binomial [n+m choose n]_q = Π_{i=1..n} (1 - q^{m+i}) / (1 - q^i).
 * Building it factor by factor and rescaling by i / (m + i) after each one
 * keeps every intermediate a probability, so nothing overflows for sample
 * sizes in the hundreds (where the raw counts exceed 1e300). Only
 * coefficients up to the needed u are kept (each step only looks down), so the
 * cost is O(min(n, m) · u) time and O(u) memory.
 */

/** P(U = u) for u = 0..maxU under the null, sizes n1, n2 (order irrelevant). */
export const exactPmf = (n1: number, n2: number, maxU: number): Float64Array => {
  const n = Math.min(n1, n2)
  const m = Math.max(n1, n2)
  const top = Math.max(0, Math.min(maxU, n * m))
  const c = new Float64Array(top + 1)
  c[0] = 1
  for (let i = 1; i <= n; i++) {
    const a = m + i
    for (let k = top; k >= a; k--) c[k]! -= c[k - a]!
    for (let k = i; k <= top; k++) c[k]! += c[k - i]!
    const scale = i / (m + i)
    for (let k = 0; k <= top; k++) c[k]! *= scale
  }
  return c
}

/**
 * P(U >= k) under the null, as SciPy's `_MWU.sf`: summed from the short side
 * using the symmetry U ~ n1·n2 - U, including the mass at k.
 */
export const exactSf = (k: number, n1: number, n2: number): number => {
  const total = n1 * n2
  if (k <= 0) return 1
  if (k > total) return 0
  const kc = total - k
  if (k < kc) {
    const pmf = exactPmf(n1, n2, k)
    let cdf = 0
    for (let u = 0; u <= k; u++) cdf += pmf[u]!
    return 1 - cdf + pmf[k]!
  }
  const pmf = exactPmf(n1, n2, kc)
  let cdf = 0
  for (let u = 0; u <= kc; u++) cdf += pmf[u]!
  return cdf
}

/** P(U <= k) under the null (exact, no ties). */
export const exactCdf = (k: number, n1: number, n2: number): number => {
  const total = n1 * n2
  if (k < 0) return 0
  if (k >= total) return 1
  return exactSf(total - k, n1, n2)
}
