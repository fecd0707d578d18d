import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import { mirror } from "../src/Alternative.ts"
import * as Welch from "../src/Welch.ts"

const sample = fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 2, maxLength: 40 })
const alternative = fc.constantFrom("two-sided" as const, "less" as const, "greater" as const)

describe("Welch", () => {
  test.prop([sample, sample, alternative])("swapping samples negates t and mirrors the alternative", (x, y, alt) => {
    const r = Welch.test(x, y, { alternative: alt })
    const s = Welch.test(y, x, { alternative: mirror(alt) })
    expect(r.pValue).toBeGreaterThanOrEqual(0)
    expect(r.pValue).toBeLessThanOrEqual(1)
    if (r.degenerate === undefined) {
      expect(s.statistic).toBeCloseTo(-r.statistic, 9)
      expect(s.pValue).toBeCloseTo(r.pValue, 9)
    }
  })

  it("fewer than 2 values in a sample: t = 0, p = 1, flagged", () => {
    expect(Welch.test([1], [1, 2, 3])).toMatchObject({ statistic: 0, pValue: 1, degenerate: "too-few" })
    expect(Welch.test([], [])).toMatchObject({ pValue: 1, degenerate: "too-few" })
  })

  it("constant samples: equal means p = 1, different means the limiting p", () => {
    expect(Welch.test([2, 2], [2, 2, 2])).toMatchObject({ statistic: 0, pValue: 1, degenerate: "zero-variance" })
    expect(Welch.test([3, 3], [2, 2, 2])).toMatchObject({ statistic: Infinity, pValue: 0, degenerate: "zero-variance" })
    expect(Welch.test([3, 3], [2, 2, 2], { alternative: "less" }).pValue).toBe(1)
  })

  it("NaN and infinite values are dropped and counted", () => {
    const r = Welch.test([1, 2, NaN, 3], [4, Infinity, 5, 6])
    expect(r.dropped).toBe(2)
    expect(r.n1).toBe(3)
    expect(r.statistic).toBeCloseTo(Welch.test([1, 2, 3], [4, 5, 6]).statistic, 15)
  })
})
