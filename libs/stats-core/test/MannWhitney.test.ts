import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import { mirror } from "../src/Alternative.ts"
import * as MannWhitney from "../src/MannWhitney.ts"
import { normalSample, normals } from "./support/random.ts"

const sample = (minLength: number, maxLength: number) =>
  fc.array(fc.integer({ min: -50, max: 50 }).map((v) => v / 4), { minLength, maxLength })
const alternative = fc.constantFrom("two-sided" as const, "less" as const, "greater" as const)
const method = fc.constantFrom("auto" as const, "exact" as const, "asymptotic" as const)

describe("MannWhitney properties", () => {
  test.prop([sample(1, 30), sample(1, 30), alternative, method, fc.boolean()])(
    "U1 + U2 = n1·n2 and the p-value is in [0, 1]",
    (x, y, alt, m, useContinuity) => {
      const r = MannWhitney.test(x, y, { alternative: alt, method: m, useContinuity })
      expect(r.statistic + r.statisticY).toBe(x.length * y.length)
      expect(r.pValue).toBeGreaterThanOrEqual(0)
      expect(r.pValue).toBeLessThanOrEqual(1)
    }
  )

  test.prop([sample(1, 30), sample(1, 30), alternative, method])(
    "swapping the samples swaps U1 and U2 and mirrors the alternative",
    (x, y, alt, m) => {
      const r = MannWhitney.test(x, y, { alternative: alt, method: m })
      const s = MannWhitney.test(y, x, { alternative: mirror(alt), method: m })
      expect(s.statistic).toBe(r.statisticY)
      expect(s.pValue).toBeCloseTo(r.pValue, 14)
    }
  )

  test.prop([sample(1, 30), sample(1, 30), fc.integer({ min: -1000, max: 1000 }), alternative, method])(
    "adding the same constant to both samples changes nothing",
    (x, y, c, alt, m) => {
      const r = MannWhitney.test(x, y, { alternative: alt, method: m })
      const s = MannWhitney.test(x.map((v) => v + c), y.map((v) => v + c), { alternative: alt, method: m })
      expect(s).toEqual(r)
    }
  )

  // For 40 ≤ n1, n2 ≤ 60 without ties the continuity-corrected normal
  // approximation is within 0.004 of the exact p-value (bound checked over
  // the generated cases; the worst seen is about 1e-3).
  test.prop(
    [fc.integer({ min: 40, max: 60 }), fc.integer({ min: 40, max: 60 }), fc.double({ min: -1, max: 1, noNaN: true }), fc.integer(), alternative],
    { numRuns: 40 }
  )("exact and normal p-values agree for large samples within 0.004", (n1, n2, shift, seed, alt) => {
    const next = normals(seed)
    const x = normalSample(next, n1, shift)
    const y = normalSample(next, n2)
    const exact = MannWhitney.test(x, y, { alternative: alt, method: "exact" })
    const normal = MannWhitney.test(x, y, { alternative: alt, method: "asymptotic" })
    expect(exact.ties).toBe(false)
    expect(Math.abs(exact.pValue - normal.pValue)).toBeLessThan(0.004)
  })
})

describe("MannWhitney method choice and degenerate inputs", () => {
  it("auto follows SciPy: exact when a sample has at most 8 values and nothing is tied", () => {
    expect(MannWhitney.test([1, 2, 3], [4, 5, 6, 7, 8, 9, 10, 11, 12, 13]).method).toBe("exact")
    expect(MannWhitney.test([1, 2, 3, 4, 5, 6, 7, 8, 9], [10, 11, 12, 13, 14, 15, 16, 17, 18]).method).toBe("asymptotic")
    expect(MannWhitney.test([1, 2, 3], [3, 5]).method).toBe("asymptotic")
  })

  it("the exact distribution is symmetric and sums to 1 (sizes 1..12 exhaustively)", () => {
    for (let n1 = 1; n1 <= 12; n1++) {
      for (let n2 = 1; n2 <= 12; n2++) {
        // P(U >= 0) = 1, and P(U >= k) = P(U <= n1 n2 - k)
        const x = Array.from({ length: n1 }, (_, i) => i)
        const y = Array.from({ length: n2 }, (_, i) => 100 + i)
        // U1 = 0 here, so "less" gives P(U2 >= n1 n2) = P(U = 0) = 1 / C(n1 + n2, n1)
        const p = MannWhitney.test(x, y, { method: "exact", alternative: "less" }).pValue
        let binom = 1
        for (let i = 1; i <= n1; i++) binom = (binom * (n2 + i)) / i
        expect(p).toBeCloseTo(1 / binom, 15)
        expect(MannWhitney.test(x, y, { method: "exact", alternative: "greater" }).pValue).toBe(1)
      }
    }
  })

  it("an empty sample gives U = 0 and p = 1, flagged", () => {
    const r = MannWhitney.test([], [1, 2, 3])
    expect(r).toMatchObject({ statistic: 0, pValue: 1, degenerate: "empty", n1: 0, n2: 3 })
  })

  it("NaN values are dropped and counted; all-NaN is empty", () => {
    const r = MannWhitney.test([1, NaN, 2], [3, 4, NaN])
    expect(r.dropped).toBe(2)
    expect(r.n1).toBe(2)
    expect(r.statistic).toBe(0)
    expect(MannWhitney.test([NaN], [1]).degenerate).toBe("empty")
  })

  it("all values equal gives p = 1 without continuity correction too (SciPy would give NaN)", () => {
    for (const useContinuity of [true, false]) {
      const r = MannWhitney.test([5, 5, 5], [5, 5, 5, 5], { useContinuity, method: "asymptotic" })
      expect(r).toMatchObject({ pValue: 1, degenerate: "all-tied", statistic: 6 })
    }
  })

  it("one value each works with both methods", () => {
    expect(MannWhitney.test([1], [2], { method: "exact" }).pValue).toBe(1)
    expect(MannWhitney.test([1], [2], { method: "asymptotic", alternative: "less" }).pValue).toBe(0.5)
  })

  it("the exact distribution does not overflow for a few hundred values per sample", () => {
    const next = normals(7)
    const x = normalSample(next, 300, 0.1)
    const y = normalSample(next, 300)
    const exact = MannWhitney.test(x, y, { method: "exact" })
    const normal = MannWhitney.test(x, y, { method: "asymptotic" })
    expect(Number.isFinite(exact.pValue)).toBe(true)
    expect(Math.abs(exact.pValue - normal.pValue)).toBeLessThan(0.001)
  })
})
