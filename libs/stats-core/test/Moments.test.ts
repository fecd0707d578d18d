import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import * as Moments from "../src/Moments.ts"

const values = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 60 })

/** Two-pass mean and variance, the reference Welford must match. */
const twoPass = (xs: ReadonlyArray<number>) => {
  const mean = xs.reduce((s, v) => s + v, 0) / xs.length
  const variance = xs.length > 1 ? xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (xs.length - 1) : 0
  return { mean, variance }
}

describe("Moments (Welford)", () => {
  test.prop([values])("matches the two-pass mean and variance", (xs) => {
    const m = Moments.of(xs)
    expect(m.count).toBe(xs.length)
    if (xs.length > 0) {
      const ref = twoPass(xs)
      expect(Math.abs(m.mean - ref.mean)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(ref.mean)))
      expect(Math.abs(Moments.variance(m) - ref.variance)).toBeLessThanOrEqual(1e-9 * (1 + ref.variance))
    }
  })

  test.prop([values, values])("merging two summaries equals folding both (to rounding)", (a, b) => {
    const merged = Moments.merge(Moments.of(a), Moments.of(b))
    const folded = Moments.addAll(Moments.of(a), b)
    expect(merged.count).toBe(folded.count)
    expect(Math.abs(merged.mean - folded.mean)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(folded.mean)))
    expect(Math.abs(merged.m2 - folded.m2)).toBeLessThanOrEqual(1e-7 * (1 + folded.m2))
  })

  test.prop([values, values])("folding windows one at a time equals folding them as one batch, exactly", (a, b) => {
    expect(Moments.addAll(Moments.addAll(Moments.empty, a), b)).toEqual(Moments.addAll(Moments.empty, [...a, ...b]))
    expect(Moments.addAll(Moments.empty, a)).toEqual(a.reduce(Moments.add, Moments.empty))
  })

  it("is stable where the naive sum of squares cancels", () => {
    const xs = [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]
    expect(Moments.variance(Moments.of(xs))).toBe(30)
  })

  it("ignores non-finite values; fewer than two values have variance 0", () => {
    expect(Moments.of([1, NaN, Infinity, 3])).toEqual({ count: 2, mean: 2, m2: 2 })
    expect(Moments.variance(Moments.of([5]))).toBe(0)
  })
})
