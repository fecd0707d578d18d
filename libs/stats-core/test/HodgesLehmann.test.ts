import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import * as HodgesLehmann from "../src/HodgesLehmann.ts"
import { kthDifference, kthDifferences, medianDifference } from "../src/internal/pairwise.ts"
import { normalSample, normals } from "./support/random.ts"

/** All pairwise differences x_i - y_j, sorted (the O(n·m) definition). */
const allDifferences = (x: ReadonlyArray<number>, y: ReadonlyArray<number>): Float64Array => {
  const d = new Float64Array(x.length * y.length)
  let t = 0
  for (const a of x) for (const b of y) d[t++] = a - b
  return d.sort()
}

const numpyMedian = (sorted: Float64Array): number => {
  const n = sorted.length
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2
}

// Values on a coarse grid produce many tied differences; doubles produce none.
const value = fc.oneof(
  fc.integer({ min: -20, max: 20 }).map((v) => v / 2),
  fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true })
)

describe("Hodges–Lehmann shift", () => {
  test.prop([fc.array(value, { minLength: 1, maxLength: 60 }), fc.array(value, { minLength: 1, maxLength: 60 })])(
    "equals the median of all pairwise differences, bit for bit",
    (x, y) => {
      expect(HodgesLehmann.shift(x, y)).toBe(numpyMedian(allDifferences(x, y)))
    }
  )

  test.prop([fc.integer({ min: 1, max: 1500 }), fc.integer({ min: 1, max: 1500 }), fc.integer(), fc.double({ min: 0, max: 1, noNaN: true })], {
    numRuns: 25
  })("selection of any order statistic matches a full sort on large samples", (n, m, seed, q) => {
    const next = normals(seed)
    const x = normalSample(next, n, 0, 3).sort()
    // coarse rounding of y makes ties among the differences
    const y = normalSample(next, m).map((v) => Math.round(v * 8) / 8).sort()
    const all = allDifferences(Array.from(x), Array.from(y))
    const k = Math.min(all.length - 1, Math.floor(q * all.length))
    expect(kthDifference(x, y, k)).toBe(all[k])
  })

  test.prop([fc.array(fc.integer({ min: -100, max: 100 }), { minLength: 1, maxLength: 40 }), fc.array(fc.integer({ min: -100, max: 100 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: -1000, max: 1000 })])(
    "shifting x by c shifts the estimate by c (integer data: exact)",
    (x, y, c) => {
      expect(HodgesLehmann.shift(x.map((v) => v + c), y)).toBe(HodgesLehmann.shift(x, y) + c)
      expect(HodgesLehmann.shift(y, x) + HodgesLehmann.shift(x, y)).toBe(0)
    }
  )

  it("ignores non-finite values and is NaN for an empty sample", () => {
    expect(HodgesLehmann.shift([1, 2, NaN, Infinity], [0])).toBe(1.5)
    expect(HodgesLehmann.shift([], [1])).toBeNaN()
  })
})

describe("Hodges–Lehmann confidence interval", () => {
  test.prop([fc.uniqueArray(fc.integer({ min: -500, max: 500 }), { minLength: 2, maxLength: 12 }), fc.uniqueArray(fc.integer({ min: 501, max: 2000 }), { minLength: 2, maxLength: 12 }), fc.constantFrom(0.8, 0.9, 0.95, 0.99)])(
    "exact method: order statistics of the differences at qwilcox, as R defines it",
    (x, y, level) => {
      const ci = HodgesLehmann.confidenceInterval(x, y, { level, method: "exact" })
      const diffs = allDifferences(x, y)
      // qu = smallest q with P(U <= q) >= alpha/2 by brute-force enumeration of rank subsets
      const n = x.length
      const m = y.length
      const counts = new Float64Array(n * m + 1)
      const enumerate = (start: number, left: number, u: number) => {
        if (left === 0) {
          counts[u]! += 1
          return
        }
        for (let pos = start; pos <= n + m - left; pos++) enumerate(pos + 1, left - 1, u + (pos - (n - left)))
      }
      if (n + m <= 16) {
        enumerate(0, n, 0)
        const total = counts.reduce((s, c) => s + c, 0)
        let acc = 0
        let qu = 0
        for (; qu <= n * m; qu++) {
          acc += counts[qu]! / total
          if (acc >= (1 - level) / 2 - 1e-15) break
        }
        if (qu === 0) qu = 1
        expect(ci.lower).toBe(diffs[qu - 1])
        expect(ci.upper).toBe(diffs[n * m - qu])
        // R's achieved level 1 - 2 P(U <= qu - 1): below `level` when the samples are too small to reach it
        let below = 0
        for (let q = 0; q <= qu - 1; q++) below += counts[q]! / total
        expect(ci.achievedLevel).toBeCloseTo(1 - 2 * below, 12)
      }
      expect(ci.method).toBe("exact")
      expect(ci.lower).toBeLessThanOrEqual(ci.estimate)
      expect(ci.upper).toBeGreaterThanOrEqual(ci.estimate)
    }
  )

  it("asymptotic interval brackets the estimate and narrows with the level", () => {
    const next = normals(11)
    const x = normalSample(next, 400, 1)
    const y = normalSample(next, 300)
    const wide = HodgesLehmann.confidenceInterval(x, y, { level: 0.99 })
    const narrow = HodgesLehmann.confidenceInterval(x, y, { level: 0.8 })
    expect(wide.method).toBe("asymptotic")
    expect(wide.lower).toBeLessThan(narrow.lower)
    expect(narrow.lower).toBeLessThan(narrow.estimate)
    expect(narrow.estimate).toBeLessThan(narrow.upper)
    expect(narrow.upper).toBeLessThan(wide.upper)
    // the true shift 1 is inside the 99 % interval
    expect(wide.lower).toBeLessThan(1)
    expect(wide.upper).toBeGreaterThan(1)
  })

  it("one-sided intervals are open on one end", () => {
    const x = [3, 5, 8, 9, 12]
    const y = [1, 2, 4, 6]
    const greater = HodgesLehmann.confidenceInterval(x, y, { alternative: "greater" })
    const less = HodgesLehmann.confidenceInterval(x, y, { alternative: "less" })
    expect(greater.upper).toBe(Infinity)
    expect(less.lower).toBe(-Infinity)
    expect(greater.lower).toBeLessThanOrEqual(greater.estimate)
    expect(less.upper).toBeGreaterThanOrEqual(less.estimate)
  })

  it("degenerate inputs: empty sample, constant samples", () => {
    expect(HodgesLehmann.confidenceInterval([], [1, 2])).toMatchObject({ lower: -Infinity, upper: Infinity, degenerate: "empty" })
    expect(HodgesLehmann.confidenceInterval([3, 3, 3], [1, 1], { method: "asymptotic" })).toMatchObject({
      estimate: 2,
      lower: 2,
      upper: 2,
      degenerate: "constant"
    })
    expect(HodgesLehmann.confidenceInterval([3], [1])).toMatchObject({ estimate: 2, lower: 2, upper: 2 })
  })

  it("compare reports the shift relative to the baseline median", () => {
    const baseline = [100, 102, 98, 101, 99, 100, 103, 97]
    const candidate = baseline.map((v) => v * 1.1)
    const c = HodgesLehmann.compare(candidate, baseline)
    expect(c.baselineMedian).toBe(100)
    expect(c.relativeEstimate).toBeCloseTo(c.estimate / 100, 15)
    expect(c.relativeEstimate!).toBeGreaterThan(0.05)
    expect(HodgesLehmann.compare([1, 2], [0, 0, 0]).relativeEstimate).toBeNull()
    expect(HodgesLehmann.compare([1, NaN], [2, Infinity]).dropped).toBe(2)
  })
})

describe("asymptotic bounds on the step (bounds: \"step\")", () => {
  // Without ties the statistic is monotone in the shift and both methods find the same jump. With
  // tied differences its value *at* a jump (half-counted ties, a smaller σ) can cross ±z where the
  // values on either side do not, and uniroot may stop there; the 1,000-value case below bounds that.
  const distinct = fc
    .uniqueArray(fc.integer({ min: -1_000_000, max: 1_000_000 }), { minLength: 2, maxLength: 80 })
    .map((xs) => xs.map((v) => v / 1024 + 1 / 3))
  const alternatives = fc.constantFrom("two-sided" as const, "greater" as const, "less" as const)
  test.prop(
    [
      distinct,
      distinct,
      fc.constantFrom(0.8, 0.9, 0.95, 0.99),
      alternatives,
      fc.boolean()
    ],
    { numRuns: 400 }
  )("land within the root finder's tolerance of R's uniroot bounds, on a pairwise difference (no ties)", (x, y, level, alternative, correct) => {
    const range = Math.max(...x) - Math.min(...y) - (Math.min(...x) - Math.max(...y))
    const tolerance = Math.max(range, 1) * 1e-9
    const options = { level, alternative, correct, method: "asymptotic" as const, tolerance }
    const r = HodgesLehmann.confidenceInterval(x, y, options)
    const s = HodgesLehmann.confidenceInterval(x, y, { ...options, bounds: "step" })
    expect(s.estimate).toBe(r.estimate)
    const differences = allDifferences(x, y)
    for (const key of ["lower", "upper"] as const) {
      if (!Number.isFinite(r[key])) {
        expect(s[key]).toBe(r[key])
        continue
      }
      expect(Math.abs(s[key] - r[key])).toBeLessThanOrEqual(2 * tolerance + 4e-16 * Math.abs(r[key]))
      // the step version sits exactly on one of the differences
      expect(differences.includes(s[key])).toBe(true)
    }
  })

  it("matches uniroot on 1,000 + 1,000 log-normal values at R's default tolerance scaled to the data", () => {
    const zx = normals(3)
    const zy = normals(4)
    // rounded to 3 digits: hundreds of tied values, as real latency histograms have
    const x = Array.from({ length: 1000 }, () => Math.round(Math.exp(0.25 * zx()) * 1e3) / 1e3)
    const y = Array.from({ length: 1000 }, () => Math.round(1.05 * Math.exp(0.25 * zy()) * 1e3) / 1e3)
    const r = HodgesLehmann.confidenceInterval(x, y, { method: "asymptotic", tolerance: 1e-6 })
    const s = HodgesLehmann.confidenceInterval(x, y, { method: "asymptotic", tolerance: 1e-6, bounds: "step" })
    expect(s.lower).toBeLessThan(s.estimate)
    expect(s.upper).toBeGreaterThan(s.estimate)
    expect(Math.abs(s.lower - r.lower)).toBeLessThanOrEqual(2e-6)
    expect(Math.abs(s.upper - r.upper)).toBeLessThanOrEqual(2e-6)
  })
})

describe("asymptoticBoundSorted", () => {
  const sorted = (xs: ReadonlyArray<number>) => Float64Array.from(xs).sort()
  test.prop([fc.array(value, { minLength: 1, maxLength: 60 }), fc.array(value, { minLength: 1, maxLength: 60 }), fc.constantFrom(0.8, 0.9, 0.95), fc.constantFrom("uniroot" as const, "step" as const)])(
    "is the one-sided interval's bound, and on the step the two-sided interval's at level 2L − 1",
    (xs, ys, level, bounds) => {
      const x = sorted(xs)
      const y = sorted(ys)
      const options = { level, bounds, method: "asymptotic" as const }
      const upper = HodgesLehmann.asymptoticBoundSorted(x, y, "upper", options)
      const lower = HodgesLehmann.asymptoticBoundSorted(x, y, "lower", options)
      expect(upper).toBe(HodgesLehmann.confidenceIntervalSorted(x, y, { ...options, alternative: "less" }).upper)
      expect(lower).toBe(HodgesLehmann.confidenceIntervalSorted(x, y, { ...options, alternative: "greater" }).lower)
      if (bounds === "step") {
        // the continuity corrections agree wherever the statistic crosses ±z (uniroot may probe elsewhere)
        const twoSided = HodgesLehmann.confidenceIntervalSorted(x, y, { ...options, level: 2 * level - 1 })
        expect(upper).toBe(twoSided.upper)
        expect(lower).toBe(twoSided.lower)
      }
    }
  )

  it("excludes nothing for an empty sample", () => {
    expect(HodgesLehmann.asymptoticBoundSorted(new Float64Array(0), Float64Array.of(1), "upper")).toBe(Infinity)
    expect(HodgesLehmann.asymptoticBoundSorted(Float64Array.of(1), new Float64Array(0), "lower")).toBe(-Infinity)
  })
})

describe("kthDifferences", () => {
  const sortedOf = (xs: ReadonlyArray<number>) => Float64Array.from(xs).sort()
  // ranks as fractions of n·m, always with the two ends and a repeated rank
  const fractions = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 })
  const ranksOf = (total: number, qs: ReadonlyArray<number>): Array<number> => {
    const inner = qs.map((q) => Math.min(total - 1, Math.floor(q * total)))
    return [0, total - 1, ...inner, ...inner.slice(0, 1)]
  }

  test.prop([fc.array(value, { minLength: 1, maxLength: 80 }), fc.array(value, { minLength: 1, maxLength: 80 }), fractions])(
    "every requested order statistic matches a full sort (ties, n = 1, m = 1, repeated ranks)",
    (xs, ys, qs) => {
      const all = allDifferences(xs, ys)
      const ranks = ranksOf(all.length, qs)
      const got = kthDifferences(sortedOf(xs), sortedOf(ys), ranks)
      ranks.forEach((k, q) => expect(got[q]).toBe(all[k]))
    }
  )

  test.prop(
    [fc.integer({ min: 1, max: 1200 }), fc.integer({ min: 1, max: 1200 }), fc.integer(), fc.constantFrom(0, 1, 3, 100), fractions],
    { numRuns: 30 }
  )("matches a full sort on large samples, from distinct values to a handful of tied ones", (n, m, seed, grid, qs) => {
    // grid 0: continuous values; otherwise rounded to `grid` steps per unit (grid 0 → integers 0..3: runs of
    // tens of thousands of equal differences, where interpolation stalls and the fallback takes over)
    const next = normals(seed)
    const round = (v: number) => (grid === 0 ? v : grid === 1 ? Math.min(3, Math.max(0, Math.round(v + 1.5))) : Math.round(v * grid) / grid)
    const x = normalSample(next, n, 0.3, 1).map(round).sort()
    const y = normalSample(next, m, 0, 2).map((v) => Math.exp(0.25 * v)).map(round).sort()
    const all = allDifferences(Array.from(x), Array.from(y))
    const ranks = ranksOf(all.length, qs)
    const got = kthDifferences(x, y, ranks)
    ranks.forEach((k, q) => expect(got[q]).toBe(all[k]))
  })

  it("agrees with kthDifference and medianDifference, and is NaN for an empty sample", () => {
    const next = normals(7)
    const x = normalSample(next, 700).map((v) => Math.round(0.1 * Math.exp(0.25 * v) * 1e5) / 1e5).sort()
    const y = normalSample(next, 600).map((v) => Math.round(0.1 * Math.exp(0.25 * v) * 1e5) / 1e5).sort()
    const total = x.length * y.length
    const ranks = [total / 2 - 1, total / 2, 0, total - 1, 1234]
    const got = kthDifferences(x, y, ranks)
    ranks.forEach((k, q) => expect(got[q]).toBe(kthDifference(x, y, k)))
    expect(medianDifference(x, y)).toBe((got[0]! + got[1]!) / 2)
    expect(Array.from(kthDifferences(new Float64Array(0), y, [0]))).toEqual([NaN])
  })
})
