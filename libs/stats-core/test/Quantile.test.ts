import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import * as Quantile from "../src/Quantile.ts"

describe("type-7 quantiles", () => {
  test.prop([fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })])(
    "monotone in q, between min and max, and hitting the order statistics at q = k/(n-1)",
    (xs, q1, q2) => {
      const sorted = [...xs].sort((a, b) => a - b)
      const [a, b] = Quantile.type7(xs, [Math.min(q1, q2), Math.max(q1, q2)])
      expect(a!).toBeLessThanOrEqual(b!)
      expect(a!).toBeGreaterThanOrEqual(sorted[0]!)
      expect(b!).toBeLessThanOrEqual(sorted[sorted.length - 1]!)
      const k = Math.floor(q1 * (xs.length - 1))
      // numeric equality: the sample may hold both -0 and +0, which sort as equal
      if (xs.length > 1) expect(Quantile.type7Sorted(sorted, k / (xs.length - 1)) === sorted[k]).toBe(true)
    }
  )

  it("empty sample, q out of range and NaN values", () => {
    expect(Quantile.type7([], [0.5])[0]).toBeNaN()
    expect(Quantile.type7([1, 2], [1.5, -0.1, NaN])).toEqual([NaN, NaN, NaN])
    expect(Quantile.type7([1, NaN, 3], [0.5])).toEqual([2])
    expect(Quantile.type7([7], [0, 0.5, 1])).toEqual([7, 7, 7])
  })
})

// Cases worked by hand from PromQL's BucketQuantile (promql/quantile.go); the
// comment on each says which rule decides it.
describe("histogram_quantile over classic buckets", () => {
  const buckets = [
    { upperBound: 0.1, count: 10 },
    { upperBound: 0.5, count: 60 },
    { upperBound: 1, count: 90 },
    { upperBound: Infinity, count: 100 }
  ]

  it("interpolates linearly inside the bucket holding rank q·total", () => {
    // rank 50 falls in (0.1, 0.5]: 0.1 + 0.4 · (50 - 10) / 50
    expect(Quantile.histogramQuantile(0.5, buckets)).toBeCloseTo(0.1 + 0.4 * (40 / 50), 15)
    // rank 75 in (0.5, 1]: 0.5 + 0.5 · 15 / 30
    expect(Quantile.histogramQuantile(0.75, buckets)).toBe(0.75)
  })

  it("the first bucket interpolates from 0 when its upper bound is positive", () => {
    // rank 5 in [0, 0.1]: 0.1 · 5 / 10
    expect(Quantile.histogramQuantile(0.05, buckets)).toBeCloseTo(0.05, 15)
    expect(Quantile.histogramQuantile(0, buckets)).toBe(0)
  })

  it("a first bucket with upper bound <= 0 returns that bound", () => {
    const negative = [{ upperBound: -1, count: 5 }, { upperBound: 1, count: 10 }, { upperBound: Infinity, count: 10 }]
    expect(Quantile.histogramQuantile(0.2, negative)).toBe(-1)
  })

  it("the +Inf bucket returns the highest finite upper bound", () => {
    // rank 95 > 90: lands in +Inf
    expect(Quantile.histogramQuantile(0.95, buckets)).toBe(1)
    expect(Quantile.histogramQuantile(1, buckets)).toBe(1)
  })

  it("q outside [0, 1] and NaN", () => {
    expect(Quantile.histogramQuantile(-0.1, buckets)).toBe(-Infinity)
    expect(Quantile.histogramQuantile(1.1, buckets)).toBe(Infinity)
    expect(Quantile.histogramQuantile(NaN, buckets)).toBeNaN()
  })

  it("no +Inf bucket, fewer than 2 buckets, no observations, no buckets: NaN", () => {
    expect(Quantile.histogramQuantile(0.5, buckets.slice(0, 3))).toBeNaN()
    expect(Quantile.histogramQuantile(0.5, [{ upperBound: Infinity, count: 3 }])).toBeNaN()
    expect(Quantile.histogramQuantile(0.5, buckets.map((b) => ({ ...b, count: 0 })))).toBeNaN()
    expect(Quantile.histogramQuantile(0.5, [])).toBeNaN()
  })

  it("an empty first bucket at q = 0 is 0/0 = NaN, as in Prometheus", () => {
    expect(Quantile.histogramQuantile(0, [{ upperBound: 1, count: 0 }, { upperBound: Infinity, count: 4 }])).toBeNaN()
  })

  it("sorts buckets and merges equal upper bounds", () => {
    const shuffled = [buckets[2]!, buckets[0]!, buckets[3]!, buckets[1]!]
    expect(Quantile.histogramQuantile(0.5, shuffled)).toBe(Quantile.histogramQuantile(0.5, buckets))
    // two series with le="0.5" (e.g. from two instances) add up
    const split = [...buckets, { upperBound: 0.5, count: 0 }]
    expect(Quantile.histogramQuantile(0.5, split)).toBe(Quantile.histogramQuantile(0.5, buckets))
  })

  it("non-monotonic counts are raised to the envelope and reported", () => {
    const broken = [
      { upperBound: 0.1, count: 10 },
      { upperBound: 0.5, count: 8 }, // decreases: raised to 10
      { upperBound: 1, count: 90 },
      { upperBound: Infinity, count: 100 }
    ]
    const r = Quantile.histogramQuantileDetailed(0.5, broken)
    // rank 50 in (0.5, 1] with counts 10 → 90: 0.5 + 0.5 · 40 / 80
    expect(r.value).toBe(0.75)
    expect(r.forcedMonotonic).toBe(true)
    expect(r.fixedPrecision).toBe(false)
  })

  it("differences below 1e-12 relative are ignored in either direction", () => {
    const noisy = [
      { upperBound: 1, count: 1e13 },
      { upperBound: 2, count: 1e13 - 1 }, // 1e-13 relative below: treated as equal
      { upperBound: Infinity, count: 2e13 }
    ]
    const r = Quantile.histogramQuantileDetailed(0.25, noisy)
    expect(r.fixedPrecision).toBe(true)
    expect(r.forcedMonotonic).toBe(false)
    // rank 5e12 in the first bucket: 1 · 5e12 / 1e13
    expect(r.value).toBe(0.5)
  })

  test.prop([fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 10 }), fc.double({ min: 0, max: 1, noNaN: true })])(
    "with monotone counts the result lies between 0 and the highest finite bound",
    (increments, q) => {
      let acc = 0
      const bs = increments.map((inc, i) => ({ upperBound: (i + 1) * 0.25, count: (acc += inc) }))
      bs.push({ upperBound: Infinity, count: acc + 1 })
      const v = Quantile.histogramQuantile(q, bs)
      if (!Number.isNaN(v)) {
        expect(v).toBeGreaterThanOrEqual(0)
        expect(v).toBeLessThanOrEqual(increments.length * 0.25)
      }
    }
  )
})
