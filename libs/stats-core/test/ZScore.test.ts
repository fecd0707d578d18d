import { describe, expect, it } from "vitest"
import * as Moments from "../src/Moments.ts"
import * as ZScore from "../src/ZScore.ts"

describe("ZScore", () => {
  it("scores against a baseline given as values or as moments", () => {
    const baseline = [10, 12, 11, 9, 13, 10, 11, 12]
    const fromValues = ZScore.score(20, baseline)
    const fromMoments = ZScore.score(20, Moments.of(baseline))
    expect(fromValues.z).toBe(fromMoments.z)
    expect(fromValues.z).toBeCloseTo((20 - 11) / Moments.standardDeviation(Moments.of(baseline)), 12)
  })

  it("degenerate baselines never give NaN", () => {
    expect(ZScore.score(3, [1])).toMatchObject({ z: 0, degenerate: "too-few" })
    expect(ZScore.score(3, [2, 2, 2])).toMatchObject({ z: Infinity, degenerate: "zero-variance" })
    expect(ZScore.score(2, [2, 2, 2])).toMatchObject({ z: 0, degenerate: "zero-variance" })
    expect(ZScore.score(NaN, [1, 2, 3])).toMatchObject({ z: 0, degenerate: "not-finite" })
  })
})
