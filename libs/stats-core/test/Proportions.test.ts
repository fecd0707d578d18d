import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import * as Proportions from "../src/Proportions.ts"
import { relativeError } from "./support/random.ts"

describe("two-proportion z-test", () => {
  it("matches the pooled z of the textbook formula (SciPy norm.sf on it: z 2.08831143680661)", () => {
    const r = Proportions.twoProportion(30, 1000, 18, 1100)
    expect(relativeError(r.statistic, 2.08831143680661)).toBeLessThan(1e-13)
    expect(relativeError(r.pValue, 0.03676975046074846)).toBeLessThan(1e-12)
    expect(relativeError(Proportions.twoProportion(30, 1000, 18, 1100, { alternative: "greater" }).pValue, 0.01838487523037423)).toBeLessThan(1e-12)
    expect(r.lower).toBeLessThan(r.difference)
    expect(r.upper).toBeGreaterThan(r.difference)
  })

  test.prop([fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 5000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })])(
    "z² equals the chi-square statistic without Yates on the same table",
    (n1, n2, f1, f2) => {
      const s1 = Math.round(f1 * n1)
      const s2 = Math.round(f2 * n2)
      const z = Proportions.twoProportion(s1, n1, s2, n2)
      const chi = Proportions.chiSquare2x2([[s1, n1 - s1], [s2, n2 - s2]], { yates: false })
      if (z.degenerate === undefined && chi.degenerate === undefined) {
        expect(relativeError(z.statistic * z.statistic, chi.statistic)).toBeLessThan(1e-9)
        expect(Math.abs(z.pValue - chi.pValue)).toBeLessThan(1e-9)
      } else {
        expect(z.pValue).toBe(1)
        expect(chi.pValue).toBe(1)
      }
    }
  )

  it("degenerate inputs give p = 1 with a reason", () => {
    expect(Proportions.twoProportion(0, 0, 1, 10).degenerate).toBe("no-trials")
    expect(Proportions.twoProportion(0, 10, 0, 10)).toMatchObject({ degenerate: "no-variance", pValue: 1 })
    expect(Proportions.twoProportion(11, 10, 0, 10)).toMatchObject({ degenerate: "invalid", pValue: 1 })
    expect(Proportions.twoProportion(1.5, 10, 0, 10).degenerate).toBe("invalid")
  })
})

describe("Fisher, binomial and chi-square edge cases", () => {
  const count = fc.integer({ min: 0, max: 60 })
  test.prop([count, count, count, count, fc.constantFrom("two-sided" as const, "less" as const, "greater" as const)])(
    "Fisher p is in [0, 1] and transposing the table does not change it",
    (a, b, c, d, alt) => {
      const r = Proportions.fisherExact([[a, b], [c, d]], alt)
      expect(r.pValue).toBeGreaterThanOrEqual(0)
      expect(r.pValue).toBeLessThanOrEqual(1)
      const t = Proportions.fisherExact([[a, c], [b, d]], alt)
      expect(Math.abs(t.pValue - r.pValue)).toBeLessThan(1e-12)
    }
  )

  it("Fisher: an empty row or column gives p = 1 and NaN odds ratio (SciPy's answer)", () => {
    expect(Proportions.fisherExact([[0, 0], [3, 4]])).toMatchObject({ pValue: 1, degenerate: "empty-margin" })
    expect(Proportions.fisherExact([[0, 3], [0, 4]]).oddsRatio).toBeNaN()
    expect(Proportions.fisherExact([[1, -1], [3, 4]]).degenerate).toBe("invalid")
    expect(Proportions.fisherExact([[5, 0], [3, 4]]).oddsRatio).toBe(Infinity)
  })

  it("binomial test: no trials and invalid input give p = 1", () => {
    expect(Proportions.binomialTest(0, 0, 0.5)).toMatchObject({ pValue: 1, degenerate: "no-trials" })
    expect(Proportions.binomialTest(3, 2, 0.5).degenerate).toBe("invalid")
    expect(Proportions.binomialTest(1, 2, 1.5).degenerate).toBe("invalid")
    expect(Proportions.binomialTest(5, 10, 0.5).pValue).toBe(1)
  })

  it("chi-square: a zero margin gives p = 1 (SciPy throws)", () => {
    expect(Proportions.chiSquare2x2([[0, 0], [4, 5]])).toMatchObject({ statistic: 0, pValue: 1, degenerate: "empty-margin" })
    const r = Proportions.chiSquare2x2([[10, 20], [30, 40]])
    expect(r.expected[0][0]).toBeCloseTo((30 * 40) / 100, 12)
  })
})
