import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import { NativeHistogram } from "../src/index.ts"

const positive = (lower: number, upper: number, count: number): NativeHistogram.Bucket => ({ lower, upper, lowerInclusive: false, upperInclusive: true, count })
const histogram = (...buckets: Array<NativeHistogram.Bucket>): NativeHistogram.Histogram => ({ count: buckets.reduce((a, b) => a + b.count, 0), sum: 0, buckets })
const samples = (result: NativeHistogram.Samples) => {
  if (result._tag !== "Samples") throw new Error(`expected samples, got ${result.detail}`)
  return result
}

describe("NativeHistogram.representative", () => {
  it.each([
    ["a positive bucket: the geometric midpoint", 0.125, 0.25, Math.sqrt(0.125 * 0.25)],
    ["a negative bucket: minus the geometric midpoint of the magnitudes", -8, -4, -Math.sqrt(32)],
    ["the zero bucket: the plain midpoint", -0.001, 0.001, 0],
    ["a bucket open above: its lower bound", 10, Number.POSITIVE_INFINITY, 10],
    ["a bucket open below: its upper bound", Number.NEGATIVE_INFINITY, 0.005, 0.005]
  ])("%s", (_, lower, upper, expected) => {
    expect(NativeHistogram.representative({ lower, upper })).toBeCloseTo(expected, 15)
  })

  it("has none for a bucket with no finite bound or bounds out of order", () => {
    expect(NativeHistogram.representative({ lower: Number.NEGATIVE_INFINITY, upper: Number.POSITIVE_INFINITY })).toBeUndefined()
    expect(NativeHistogram.representative({ lower: 2, upper: 1 })).toBeUndefined()
    expect(NativeHistogram.representative({ lower: Number.NaN, upper: 1 })).toBeUndefined()
  })

  it("reads the API's boundary rules", () => {
    expect([0, 1, 2, 3].map((r) => NativeHistogram.boundaryRule(r as 0 | 1 | 2 | 3))).toEqual([
      { lowerInclusive: false, upperInclusive: true },
      { lowerInclusive: true, upperInclusive: false },
      { lowerInclusive: false, upperInclusive: false },
      { lowerInclusive: true, upperInclusive: true }
    ])
  })
})

describe("NativeHistogram.toSamples", () => {
  it("adds up the same bucket over points, repeats each bucket's representative by its count, ascending", () => {
    const result = samples(NativeHistogram.toSamples([histogram(positive(2, 4, 1), positive(1, 2, 2)), histogram(positive(1, 2, 1))]))
    expect(result.values).toEqual([Math.SQRT2, Math.SQRT2, Math.SQRT2, Math.sqrt(8)])
    expect(result).toMatchObject({ observations: 4, thinned: false })
  })

  it("rounds extrapolated (fractional) counts over the whole window, not per point", () => {
    // three points of 0.4 requests each are one request, not zero
    const result = samples(NativeHistogram.toSamples([histogram(positive(1, 2, 0.4)), histogram(positive(1, 2, 0.4)), histogram(positive(1, 2, 0.4))]))
    expect(result.values).toEqual([Math.SQRT2])
    expect(result.observations).toBe(1)
  })

  it("keeps negative, zero and positive buckets in order", () => {
    const result = samples(
      NativeHistogram.toSamples([
        histogram(
          { lower: -2, upper: -1, lowerInclusive: true, upperInclusive: false, count: 1 },
          { lower: -0.001, upper: 0.001, lowerInclusive: true, upperInclusive: true, count: 2 },
          positive(1, 2, 1)
        )
      ])
    )
    expect(result.values).toEqual([-Math.SQRT2, 0, 0, Math.SQRT2])
  })

  it("gives no samples for empty histograms (no buckets)", () => {
    expect(NativeHistogram.toSamples([{ count: 0, sum: 0, buckets: [] }])).toEqual({ _tag: "Samples", values: [], observations: 0, thinned: false })
  })

  it("thins above the cap, every bucket alike", () => {
    const result = samples(NativeHistogram.toSamples([histogram(positive(1, 2, 30_000), positive(2, 4, 10_000))], 10_000))
    expect(result.values).toHaveLength(10_000)
    expect(result.values.filter((v) => v === Math.SQRT2)).toHaveLength(7_500)
    expect(result).toMatchObject({ observations: 40_000, thinned: true })
  })

  it.each([
    ["a negative count", positive(1, 2, -1), "bucket (1, 2] has count -1; counts must be finite and not negative"],
    ["a NaN count", positive(1, 2, Number.NaN), "bucket (1, 2] has count NaN"],
    ["bounds out of order", positive(2, 1, 1), "bucket (2, 1] has no finite bound or its bounds are out of order"]
  ])("refuses %s, naming the bucket", (_, bucket, detail) => {
    const result = NativeHistogram.toSamples([histogram(bucket)])
    expect(result._tag).toBe("Invalid")
    expect(result._tag === "Invalid" && result.detail).toContain(detail)
  })

  const bucketsArb = fc.array(
    fc.record({ index: fc.integer({ min: -40, max: 40 }), count: fc.double({ min: 0, max: 5_000, noNaN: true }) }),
    { minLength: 1, maxLength: 30 }
  )
  test.prop([bucketsArb, fc.integer({ min: 1, max: 20_000 })])(
    "as many samples as whole observations, at most the cap, each bucket within one of its exact share",
    (raw, cap) => {
      const buckets = raw.map(({ index, count }) => positive(2 ** ((index - 1) / 8), 2 ** (index / 8), count))
      const result = samples(NativeHistogram.toSamples([histogram(...buckets)], cap))
      const byValue = new Map<number, number>()
      for (const b of buckets) {
        const v = NativeHistogram.representative(b)!
        byValue.set(v, (byValue.get(v) ?? 0) + b.count)
      }
      const total = [...byValue.values()].reduce((a, c) => a + c, 0)
      const observations = Math.round(total)
      const target = Math.min(observations, cap)
      expect(result.observations).toBe(observations)
      expect(result.values).toHaveLength(target)
      expect(result.thinned).toBe(target < observations)
      for (let i = 1; i < result.values.length; i++) expect(result.values[i]!).toBeGreaterThanOrEqual(result.values[i - 1]!)
      const got = new Map<number, number>()
      for (const x of result.values) got.set(x, (got.get(x) ?? 0) + 1)
      for (const [v, count] of byValue) expect(Math.abs((got.get(v) ?? 0) - (total > 0 ? (count * target) / total : 0))).toBeLessThan(1)
    }
  )
})
