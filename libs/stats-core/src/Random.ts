/**
 * Seeded randomness for everything that must be reproducible — simulations,
 * subsampling, synthetic data: the same seed gives the same stream on every
 * platform. Not for cryptography. The library's statistics never draw random
 * numbers themselves; callers pass these in.
 */

/** A uniform generator on [0, 1). */
export type Uniform = () => number

/** mulberry32: a small, fast 32-bit generator with a full 2³² period. */
export const mulberry32 = (seed: number): Uniform => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Standard normal draws by Box–Muller from a seed, using both outputs of each pair. */
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

/** A Fisher–Yates shuffle of 0 … n−1 driven by `random`. */
export const permutation = (n: number, random: Uniform): Uint32Array => {
  const out = new Uint32Array(n)
  for (let i = 0; i < n; i++) out[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const t = out[i]!
    out[i] = out[j]!
    out[j] = t
  }
  return out
}

/**
 * 32-bit FNV-1a of a string's UTF-8 bytes (the hash Kubernetes uses for
 * pod-template-hash): to derive an independent, reproducible seed from a
 * name — a service, a track, a window. Not for cryptography. The bytes are
 * encoded here (no TextEncoder: the library runs on any platform); a lone
 * surrogate is encoded as U+FFFD, as TextEncoder does.
 */
export const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5
  const mix = (byte: number) => {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0
  }
  for (const char of text) {
    let code = char.codePointAt(0)!
    if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd
    if (code < 0x80) mix(code)
    else if (code < 0x800) {
      mix(0xc0 | (code >> 6))
      mix(0x80 | (code & 0x3f))
    } else if (code < 0x10000) {
      mix(0xe0 | (code >> 12))
      mix(0x80 | ((code >> 6) & 0x3f))
      mix(0x80 | (code & 0x3f))
    } else {
      mix(0xf0 | (code >> 18))
      mix(0x80 | ((code >> 12) & 0x3f))
      mix(0x80 | ((code >> 6) & 0x3f))
      mix(0x80 | (code & 0x3f))
    }
  }
  return hash >>> 0
}
