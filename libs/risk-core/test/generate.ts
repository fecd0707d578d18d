import type { History } from "../src/index.ts"
import { mulberry32 } from "../src/internal/prng.ts"

/** A standard normal from a uniform source (Box–Muller). */
export const gaussian = (random: () => number) => (): number => {
  const u = Math.max(random(), 1e-300)
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}

/**
 * A generated history table: `n` rows of `d` features drawn by `feature`,
 * labelled by `label(row, random)`. Deterministic for a seed.
 */
export const table = (
  n: number,
  d: number,
  seed: number,
  label: (row: Float64Array, random: () => number) => number,
  feature: (random: () => number, j: number) => number = (random) => gaussian(random)()
): History.HistoryTable => {
  const random = mulberry32(seed)
  const X = new Float64Array(n * d)
  const y = new Uint8Array(n)
  const lines = new Uint32Array(n)
  for (let i = 0; i < n; i++) {
    const row = X.subarray(i * d, i * d + d)
    for (let j = 0; j < d; j++) row[j] = feature(random, j)
    y[i] = label(row, random)
    lines[i] = i + 2
  }
  return { featureNames: Array.from({ length: d }, (_, j) => `x${j}`), rows: n, X, y, lines, skipped: [] }
}

/** Labels drawn from a known logistic model `σ(b + w·x)`. */
export const logisticLabels = (b: number, w: ReadonlyArray<number>) => (row: Float64Array, random: () => number): number => {
  let z = b
  for (let j = 0; j < w.length; j++) z += w[j]! * row[j]!
  return random() < 1 / (1 + Math.exp(-z)) ? 1 : 0
}
