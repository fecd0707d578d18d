/**
 * Seeded randomness for tests and benchmarks (the library itself takes no
 * randomness): mulberry32 uniforms and Box–Muller normals.
 */

export { mulberry32, normals } from "../../src/Random.ts"

/** n draws of mean + sd·Z into a Float64Array. */
export const normalSample = (next: () => number, n: number, mean = 0, sd = 1): Float64Array => {
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = mean + sd * next()
  return out
}

/** Relative difference |a - b| / |b| (absolute when b = 0). */
export const relativeError = (a: number, b: number): number => (b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b))
