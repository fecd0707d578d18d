import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Bucketing } from "../src/index.ts"

/** χ²(99) at 0.999: the limit a uniform hash over 100 bins stays under but for one run in a thousand. */
const CHI2_99_0999 = 148.23

describe("Bucketing (pure)", () => {
  it("stableHash is an unsigned 32-bit integer and stable", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const h = Bucketing.stableHash(text)
        expect(Number.isInteger(h)).toBe(true)
        expect(h).toBeGreaterThanOrEqual(0)
        expect(h).toBeLessThan(2 ** 32)
        expect(Bucketing.stableHash(text)).toBe(h)
      })
    )
  })

  it("unitInterval is in [0, 1) and equals stableHash / 2³²", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const u = Bucketing.unitInterval(text)
        expect(u).toBeGreaterThanOrEqual(0)
        expect(u).toBeLessThan(1)
        expect(u).toBe(Bucketing.stableHash(text) / 4294967296)
      })
    )
  })

  it("pinned values: the same numbers as target-arm's device cohorts (a change would reshuffle running rollouts)", () => {
    // target-arm's Cohorts.bucket("edge-000001", "rollout-1") hashes `${salt}\u0000${id}`
    expect(Bucketing.unitInterval("rollout-1\u0000edge-000001")).toBe(0.3250405993312597)
    expect(Bucketing.stableHash("")).toBe(2872998923)
    expect(Bucketing.stableHash("new-cart")).toBe(2611371908)
  })

  it("uniform over sequential ids: χ² over 100 bins of 100,000 ids is under the 0.999 limit", () => {
    const counts = new Array<number>(100).fill(0)
    const n = 100_000
    for (let i = 0; i < n; i++) counts[Math.floor(Bucketing.unitInterval(`salt\u0000user-${String(i).padStart(6, "0")}`) * 100)]!++
    const expected = n / 100
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0)
    expect(chi2).toBeLessThan(CHI2_99_0999)
  })
})
