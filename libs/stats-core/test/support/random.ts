/**
 * Seeded randomness for tests and benchmarks (the library itself takes no
 * randomness): mulberry32 uniforms and Box–Muller normals.
 */

/** A seeded uniform generator on [0, 1). */
export const mulberry32 = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A seeded standard-normal generator (Box–Muller, using both outputs). */
export const normals = (seed: number): (() => number) => {
  const uniform = mulberry32(seed)
  let spare: number | undefined
  return () => {
    if (spare !== undefined) {
      const s = spare
      spare = undefined
      return s
    }
    let u = 0
    while (u === 0) u = uniform()
    const v = uniform()
    const r = Math.sqrt(-2 * Math.log(u))
    spare = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }
}

/** n draws of mean + sd·Z into a Float64Array. */
export const normalSample = (next: () => number, n: number, mean = 0, sd = 1): Float64Array => {
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = mean + sd * next()
  return out
}

/** Relative difference |a - b| / |b| (absolute when b = 0). */
export const relativeError = (a: number, b: number): number => (b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b))
