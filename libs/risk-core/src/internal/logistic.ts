import { solveSpd } from "./linalg.ts"
import { baseLogOdds } from "./metrics.ts"

/** A fitted logistic regression on standardized columns. */
export interface LogisticFit {
  readonly intercept: number
  readonly coefficients: Float64Array
  readonly iterations: number
  readonly converged: boolean
}

const softplus = (z: number): number => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)))

/**
 * L2-regularized logistic regression by Newton's method (IRLS) with step
 * halving. Minimizes `Σ log(1 + e^η) − yη + (l2/2)·‖w‖²` over the
 * coefficients `w` and an unpenalized intercept. `Z` is row-major n×d (already
 * standardized). Optional row `weights` multiply each row's loss. Each
 * iteration costs O(n·d²); a few iterations suffice.
 */
export const fitLogistic = (
  Z: Float64Array,
  y: Uint8Array,
  n: number,
  d: number,
  l2: number,
  weights?: Float64Array,
  maxIterations = 100,
  tolerance = 1e-9
): LogisticFit => {
  const k = d + 1
  let theta = new Float64Array(k)
  // start at the base rate: fewer iterations, and a sane answer if we stop early
  theta[0] = baseLogOdds(y, n, weights)

  const loss = (t: Float64Array): number => {
    let sum = 0
    for (let i = 0; i < n; i++) {
      let eta = t[0]!
      const row = i * d
      for (let j = 0; j < d; j++) eta += t[j + 1]! * Z[row + j]!
      sum += (weights === undefined ? 1 : weights[i]!) * (softplus(eta) - (y[i] === 1 ? eta : 0))
    }
    let penalty = 0
    for (let j = 1; j < k; j++) penalty += t[j]! * t[j]!
    return sum + 0.5 * l2 * penalty
  }

  let current = loss(theta)
  const H = new Float64Array(k * k)
  const g = new Float64Array(k)
  const v = new Float64Array(k)
  let iterations = 0
  let converged = false
  while (iterations < maxIterations) {
    iterations++
    H.fill(0)
    g.fill(0)
    for (let i = 0; i < n; i++) {
      const row = i * d
      let eta = theta[0]!
      v[0] = 1
      for (let j = 0; j < d; j++) {
        const z = Z[row + j]!
        v[j + 1] = z
        eta += theta[j + 1]! * z
      }
      const p = eta >= 0 ? 1 / (1 + Math.exp(-eta)) : Math.exp(eta) / (1 + Math.exp(eta))
      const wi = weights === undefined ? 1 : weights[i]!
      const w = wi * Math.max(p * (1 - p), 1e-12)
      const r = wi * (p - y[i]!)
      for (let a = 0; a < k; a++) {
        const va = v[a]!
        g[a] = g[a]! + r * va
        const wa = w * va
        const base = a * k
        for (let b = a; b < k; b++) H[base + b] = H[base + b]! + wa * v[b]!
      }
    }
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) H[a * k + b] = H[b * k + a]!
    for (let j = 1; j < k; j++) {
      H[j * k + j] = H[j * k + j]! + l2
      g[j] = g[j]! + l2 * theta[j]!
    }
    const delta = solveSpd(H, g, k)
    let step = 1
    let next = new Float64Array(k)
    let nextLoss = Number.POSITIVE_INFINITY
    for (let halvings = 0; halvings < 40; halvings++) {
      for (let j = 0; j < k; j++) next[j] = theta[j]! - step * delta[j]!
      nextLoss = loss(next)
      if (nextLoss <= current + 1e-12 * Math.abs(current)) break
      step /= 2
    }
    if (!(nextLoss <= current + 1e-12 * Math.abs(current))) {
      converged = true
      break
    }
    let maxChange = 0
    let maxTheta = 0
    for (let j = 0; j < k; j++) {
      maxChange = Math.max(maxChange, Math.abs(next[j]! - theta[j]!))
      maxTheta = Math.max(maxTheta, Math.abs(next[j]!))
    }
    const swap = theta
    theta = next
    next = swap
    const improvement = current - nextLoss
    current = nextLoss
    if (maxChange < tolerance * (1 + maxTheta) || improvement < 1e-13 * Math.max(1, Math.abs(current))) {
      converged = true
      break
    }
  }
  return { intercept: theta[0]!, coefficients: theta.slice(1), iterations, converged }
}
