import { describe, expect, it } from "vitest"
import { Proportions } from "../src/index.ts"

/**
 * Wilson score intervals against values computed by hand with SciPy's
 * normal quantile (scipy.stats.norm.ppf) and the closed form
 * (center ± half-width), to 1e-12.
 */
describe("Proportions.wilsonInterval", () => {
  it.each([
    [0, 10, 0.95, 0, 0.2775327998628892],
    [3, 1000, 0.95, 0.0010207838811386186, 0.008783014053503173],
    [13, 3992, 0.9, 0.0020725588184370416, 0.005113338400228702],
    [10, 10, 0.99, 0.6011459066950919, 1]
  ])("%i of %i at %f", (k, n, level, lower, upper) => {
    const r = Proportions.wilsonInterval(k, n, level)
    expect(r.lower).toBeCloseTo(lower, 12)
    expect(r.upper).toBeCloseTo(upper, 12)
  })

  it("is [0, 1] for no trials or invalid counts", () => {
    expect(Proportions.wilsonInterval(0, 0)).toEqual({ lower: 0, upper: 1 })
    expect(Proportions.wilsonInterval(5, 3)).toEqual({ lower: 0, upper: 1 })
    expect(Proportions.wilsonInterval(-1, 3)).toEqual({ lower: 0, upper: 1 })
  })
})
