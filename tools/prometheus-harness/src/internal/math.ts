import { Random as StatsRandom } from "@rollwise/stats-core"

/**
 * Small numeric helpers for synthetic history: a seeded generator (so the same
 * seed always writes the same history), the normal CDF, and samplers for counts.
 */

/** A deterministic uniform generator in [0, 1) (mulberry32). */
export type Random = () => number

export const seeded = (seed: number): Random => StatsRandom.mulberry32(seed)

/** FNV-1a of a string (stats-core's), to derive one independent stream per track from one seed. */
export const hashString = StatsRandom.fnv1a

/** A standard normal draw (Box–Muller). */
export const standardNormal = (random: Random): number => {
  const u = 1 - random() // (0, 1]: log stays finite
  const v = random()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

/** Φ(x), the standard normal CDF (Abramowitz–Stegun 7.1.26 erf; |error| < 1.5e-7). */
export const normalCdf = (x: number): number => {
  if (x === Infinity) return 1
  if (x === -Infinity) return 0
  const z = Math.abs(x) / Math.SQRT2
  const t = 1 / (1 + 0.3275911 * z)
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
  const erf = 1 - poly * Math.exp(-z * z)
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf)
}

/** A Poisson draw: exact (Knuth) for small means, the normal approximation above 30. */
export const poisson = (random: Random, mean: number): number => {
  if (mean <= 0) return 0
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * standardNormal(random)))
  const limit = Math.exp(-mean)
  let k = 0
  let product = random()
  while (product > limit) {
    k++
    product *= random()
  }
  return k
}

/** A binomial draw: exact for small n, the normal approximation when n·p·(1−p) is large. */
export const binomial = (random: Random, n: number, p: number): number => {
  if (n <= 0 || p <= 0) return 0
  if (p >= 1) return n
  const variance = n * p * (1 - p)
  if (n <= 64 || variance < 9) {
    if (n <= 4096) {
      let k = 0
      for (let i = 0; i < n; i++) if (random() < p) k++
      return k
    }
    return Math.min(n, poisson(random, n * p))
  }
  return Math.min(n, Math.max(0, Math.round(n * p + Math.sqrt(variance) * standardNormal(random))))
}
