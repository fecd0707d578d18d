/**
 * Heavily tied samples (few distinct values, alternating 0/1, all equal):
 * the run-length selection (`kthDifferencesTied`) and the plain one
 * (`kthDifferencesPlain`) give exactly the order statistics of a full sort,
 * and both do O((n + m) log(n + m)) work, counted in array reads.
 */
import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import * as HodgesLehmann from "../src/HodgesLehmann.ts"
import * as MannWhitney from "../src/MannWhitney.ts"
import { kthDifferences, kthDifferencesPlain } from "../src/internal/pairwise.ts"
import { kthDifferencesOfRuns, kthDifferencesTied, runsOf } from "../src/internal/pairwiseTied.ts"

const allDifferences = (x: Float64Array, y: Float64Array): Float64Array => {
  const d = new Float64Array(x.length * y.length)
  let t = 0
  for (const a of x) for (const b of y) d[t++] = a - b
  return d.sort()
}

/** A Float64Array whose indexed reads are counted (`reads()`), for operation counts. */
const counted = (values: Float64Array): { readonly array: Float64Array; readonly reads: () => number } => {
  let reads = 0
  const array = new Proxy(values, {
    get(target, key) {
      if (typeof key === "string" && key.length > 0 && key.charCodeAt(0) >= 48 && key.charCodeAt(0) <= 57) reads++
      const v = Reflect.get(target, key) as unknown
      return typeof v === "function" ? (v as (...args: Array<unknown>) => unknown).bind(target) : v
    }
  })
  return { array, reads: () => reads }
}

const alternating = (n: number, offset = 0): Float64Array => Float64Array.from({ length: n }, (_, i) => (i + offset) % 2).sort()

// A handful of distinct values (some far apart, some adjacent doubles), repeated many times.
const palette = fc.uniqueArray(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0.1, 0.2, 0.30000000000000004, 1e20, -1e20, 5e-324)), {
  minLength: 1,
  maxLength: 6
})
const tiedSample = palette.chain((values) => fc.array(fc.constantFrom(...values), { minLength: 1, maxLength: 150 }))
const fractions = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 })
const ranksOf = (total: number, qs: ReadonlyArray<number>): Array<number> => [
  0,
  total - 1,
  ...qs.map((q) => Math.min(total - 1, Math.floor(q * total)))
]

describe("selection on heavily tied samples", () => {
  test.prop([tiedSample, tiedSample, fractions, fc.constantFrom(1, 4, 4096), fc.constantFrom(3, 16, 256)], { numRuns: 300 })(
    "the run-length path equals the plain path and a full sort, bit for bit (any gather size and pivot sample)",
    (xs, ys, qs, gatherBelow, sampleSize) => {
      const x = Float64Array.from(xs).sort()
      const y = Float64Array.from(ys).sort()
      const all = allDifferences(x, y)
      const ranks = ranksOf(all.length, qs)
      const tied = kthDifferencesTied(x, y, ranks, { gatherBelow, sampleSize })
      const plain = kthDifferencesPlain(x, y, ranks)
      ranks.forEach((k, q) => {
        expect(Object.is(tied[q], all[k])).toBe(true)
        expect(Object.is(plain[q], all[k])).toBe(true)
      })
    }
  )

  test.prop([fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 2 ** 31 }), fractions], {
    numRuns: 40
  })("with many distinct values and many repeats the rounds (tiny gather size) still match a full sort", (n, m, distinct, seed, qs) => {
    let s = seed | 0
    const next = () => {
      s = (Math.imul(s, 1103515245) + 12345) | 0
      return (s >>> 8) % distinct
    }
    const x = Float64Array.from({ length: n }, () => next() * 0.7).sort()
    const y = Float64Array.from({ length: m }, () => next() * 0.3 + 1).sort()
    const all = allDifferences(x, y)
    const ranks = ranksOf(all.length, qs)
    const got = kthDifferencesTied(x, y, ranks, { gatherBelow: 8, sampleSize: 32 })
    ranks.forEach((k, q) => expect(got[q]).toBe(all[k]))
  })

  it("differences absorbed by rounding (1e20 + k·2¹⁴ minus values in [0, 1)) are one run per row, and are selected right", () => {
    const x = Float64Array.from({ length: 300 }, (_, i) => 1e20 + (i % 100) * 16384).sort()
    const y = Float64Array.from({ length: 250 }, (_, j) => j / 250)
    const all = allDifferences(x, y)
    const ranks = [0, 1, 30_000, all.length / 2, all.length - 1]
    const tied = kthDifferencesTied(x, y, ranks, { gatherBelow: 4, sampleSize: 16 })
    const plain = kthDifferencesPlain(x, y, ranks)
    ranks.forEach((k, q) => {
      expect(tied[q]).toBe(all[k])
      expect(plain[q]).toBe(all[k])
    })
  })
})

describe("work on heavily tied samples is O((n + m) log(n + m)), counted in array reads", () => {
  // 3,000 alternating 0/1 per sample: a quadratic pass reads about n·m / 2 = 4.5 million values.
  const n = 3000
  const budget = 200 * (2 * n)

  it("the plain path gallops over runs of tied differences", () => {
    const a = counted(alternating(n))
    const b = counted(alternating(n, 1))
    const nm = n * n
    const got = kthDifferencesPlain(a.array, b.array, [nm / 2 - 1, nm / 2, Math.floor(nm * 0.2)])
    expect(Array.from(got)).toEqual([0, 0, -1])
    expect(a.reads() + b.reads()).toBeLessThan(budget)
  })

  it("the run-length path reads the compressed samples a bounded number of times, even when rounding makes every row one run", () => {
    const x = runsOf(Float64Array.from({ length: 2000 }, (_, i) => 1e20 + i * 16384))
    const y = runsOf(Float64Array.from({ length: 2000 }, (_, j) => j / 2000))
    const xv = counted(x.values)
    const yv = counted(y.values)
    const got = kthDifferencesOfRuns({ values: xv.array, weights: x.weights }, { values: yv.array, weights: y.weights }, [2_000_000], {
      gatherBelow: 4096,
      sampleSize: 256
    })
    expect(got[0]).toBe(1e20 + 1000 * 16384)
    expect(xv.reads() + yv.reads()).toBeLessThan(200 * 4000)
  })

  it("70,000 alternating 0/1 per sample: shift 0, a zero-width step interval, and R's uniroot interval of ±2e-5", () => {
    const a = alternating(70_000)
    const b = alternating(70_000, 1)
    expect(HodgesLehmann.shiftSorted(a, b)).toBe(0)
    const step = HodgesLehmann.confidenceIntervalSorted(a, b, { method: "asymptotic", bounds: "step" })
    expect([step.estimate, step.lower, step.upper]).toEqual([0, 0, 0])
    const uniroot = HodgesLehmann.confidenceIntervalSorted(a, b)
    expect(uniroot.lower).toBeCloseTo(-2.014466179751399e-5, 12)
    expect(uniroot.upper).toBeCloseTo(2.014466179751399e-5, 12)
    expect(MannWhitney.testSorted(a, b, { alternative: "greater" }).pValue).toBeCloseTo(0.5, 6)
  })

  it("all values equal: the dispatch takes the run-length path and the median is the one difference", () => {
    const a = counted(new Float64Array(50_000).fill(3))
    const b = counted(new Float64Array(40_000).fill(1))
    expect(Array.from(kthDifferences(a.array, b.array, [0, 1_000_000_000, 1_999_999_999]))).toEqual([2, 2, 2])
    // one read for the repeat check and one to compress, per value
    expect(a.reads() + b.reads()).toBeLessThan(3 * 90_000)
  })
})
