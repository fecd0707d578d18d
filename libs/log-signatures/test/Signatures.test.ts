import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import * as Signatures from "../src/Signatures.ts"
import { line, lines } from "./support/arbitraries.ts"
import { exception, service, window, withProbability } from "./support/logs.ts"

// 20 req/s over a 2-minute window: the baseline gets 90 % (2,160 requests), the candidate 10 % (240).
const BASELINE = 2160
const CANDIDATE = 240
const isException = (s: Signatures.Signature) => s.pattern.startsWith("ERROR Unhandled NullPointerException")

describe("compare: the statistics", () => {
  it("tests c given b + c against p0 = Nc(1+tol) / (Nc(1+tol) + Nb), Holm-adjusted over the templates tested", () => {
    const baseline = { lines: [...Array(40).fill("heartbeat ok"), ...Array(10).fill("cache warm")], total: 900 }
    const candidate = { lines: [...Array(5).fill("heartbeat ok"), ...Array(6).fill("boom: disk on fire"), "cache warm"], total: 100 }
    const r = Signatures.compare({ baseline, candidate }, { alpha: 0.05 })
    const p0 = (100 * 1.5) / (100 * 1.5 + 900)
    expect(r.templates).toBe(3)
    expect(r.tested).toBe(2) // "cache warm" has 1 < minCount candidate lines
    expect(r.signatures).toHaveLength(1)
    const s = r.signatures[0]!
    expect(s).toMatchObject({ pattern: "boom: disk on fire", example: "boom: disk on fire", baseline: 0, candidate: 6, kind: "new" })
    expect(s.baselineRate).toBe(0)
    expect(s.candidateRate).toBeCloseTo(0.06, 15)
    // P(X ≥ 6 | X ~ Bin(6, p0)) = p0^6, times the family size 2 (Holm's first step)
    expect(s.pValue).toBeCloseTo(2 * p0 ** 6, 15)
  })

  it("reports a known template at a much higher rate as increased", () => {
    const baseline = window(withProbability(service, "slow-query", 0.02), BASELINE, 11)
    const candidate = window(withProbability(service, "slow-query", 0.1), CANDIDATE, 12)
    const r = Signatures.compare({ baseline, candidate })
    expect(r.signatures).toHaveLength(1)
    expect(r.signatures[0]).toMatchObject({ pattern: "WARN slow query detected duration=<*> table=<*>", kind: "increased" })
    expect(r.signatures[0]!.candidateRate).toBeGreaterThan(3 * r.signatures[0]!.baselineRate)
  })

  it("falls back to the line counts when a total is not a positive number, and tests nothing without exposure", () => {
    const candidate = { lines: Array(8).fill("panic: nil map"), total: Number.NaN }
    const baseline = { lines: Array<string>(100).fill("ok"), total: -1 }
    const fallback = Signatures.compare({ baseline, candidate })
    expect(fallback.signatures.map((s) => s.pattern)).toEqual(["panic: nil map"])
    expect(fallback).toEqual(Signatures.compare({ baseline: { ...baseline, total: 100 }, candidate: { ...candidate, total: 8 } }))
    expect(Signatures.compare({ baseline: { lines: [], total: 0 }, candidate }).signatures).toEqual([])
  })
})

describe("compare: canary scenarios (seeded service logs, ~20 templates)", () => {
  it("finds a new exception in 0.5 % of candidate requests as new once 20 minutes have accumulated (10 seeds)", () => {
    // One 2-minute window holds 240 × 0.005 = 1.2 expected occurrences: too few for any test at α = 0.001
    // (see the next test). Ten windows accumulated (2,400 candidate requests, ~12 expected) find it.
    for (let seed = 0; seed < 10; seed++) {
      const baseline = window(service, BASELINE * 10, 100 + seed)
      const candidate = window([...service, exception], CANDIDATE * 10, 200 + seed)
      const r = Signatures.compare({ baseline, candidate })
      expect(r.signatures.map((s) => [isException(s), s.kind])).toEqual([[true, "new"]])
      expect(r.signatures[0]!.example).toMatch(/^ERROR Unhandled NullPointerException in CheckoutController\.applyCoupon: coupon [0-9a-f]{6} missing/)
      expect(r.signatures[0]!.baseline).toBe(0)
    }
  })

  it("in one 2-minute window a new template is flagged from 6 occurrences (2.5 % of 240 requests), not 5", () => {
    const baseline = window(service, BASELINE, 7)
    const healthy = window(service, CANDIDATE, 8)
    const withExceptions = (k: number) => ({
      lines: [...healthy.lines, ...Array.from({ length: k }, (_, i) => exception.render(() => (i + 1) / (k + 2)))],
      total: CANDIDATE
    })
    const five = Signatures.compare({ baseline, candidate: withExceptions(5) })
    const six = Signatures.compare({ baseline, candidate: withExceptions(6) })
    expect(five.signatures).toEqual([])
    expect(six.signatures.map((s) => [isException(s), s.kind, s.candidate])).toEqual([[true, "new", 6]])
  })

  it("does not report a known warning 1.5× more frequent in the candidate (tolerance 0.5), over 20 windows", () => {
    for (let seed = 0; seed < 20; seed++) {
      const baseline = window(withProbability(service, "slow-query", 0.02), BASELINE, 300 + seed)
      const candidate = window(withProbability(service, "slow-query", 0.03), CANDIDATE, 400 + seed)
      expect(Signatures.compare({ baseline, candidate }).signatures).toEqual([])
    }
  })

  it("finds nothing in 20 windows of healthy traffic", () => {
    let signatures = 0
    let tested = 0
    for (let seed = 0; seed < 20; seed++) {
      const r = Signatures.compare({ baseline: window(service, BASELINE, 500 + seed), candidate: window(service, CANDIDATE, 600 + seed) })
      signatures += r.signatures.length
      tested += r.tested
    }
    expect(tested).toBeGreaterThan(20 * 15)
    expect(signatures).toBe(0)
  })
})

const totals = fc.integer({ min: 1, max: 100_000 })
const options = fc.record({
  alpha: fc.double({ min: 1e-6, max: 0.49, noNaN: true }),
  tolerance: fc.double({ min: 0, max: 3, noNaN: true }),
  minCount: fc.integer({ min: 1, max: 5 })
})
/** Lines where some repeat many times, so signatures do appear. */
const bursty = fc.tuple(lines, fc.array(fc.tuple(line, fc.integer({ min: 1, max: 30 })), { maxLength: 4 }))
  .map(([xs, bursts]) => [...xs, ...bursts.flatMap(([x, k]) => Array<string>(k).fill(x))])

describe("compare: properties", () => {
  test.prop([lines, totals, options])("identical baseline and candidate never yield a signature", (xs, total, o) => {
    expect(Signatures.compare({ baseline: { lines: xs, total }, candidate: { lines: xs, total } }, o).signatures).toEqual([])
  })

  test.prop([lines, bursty, totals, totals, fc.integer({ min: 1, max: 20 })])(
    "adding candidate occurrences of a signature's template never removes it",
    (b, c, nb, nc, extra) => {
      const r = Signatures.compare({ baseline: { lines: b, total: nb }, candidate: { lines: c, total: nc } }, { alpha: 0.05 })
      fc.pre(r.signatures.length > 0)
      for (const s of r.signatures) {
        const more = [...c, ...Array<string>(extra).fill(s.example)]
        const after = Signatures.compare({ baseline: { lines: b, total: nb }, candidate: { lines: more, total: nc } }, { alpha: 0.05 })
        const same = after.signatures.find((x) => x.pattern === s.pattern)
        expect(same).toBeDefined()
        expect(same!.candidate).toBe(s.candidate + extra)
        expect(same!.pValue).toBeLessThanOrEqual(s.pValue)
      }
    }
  )

  test.prop([lines, bursty, totals, totals, fc.integer({ min: 2, max: 1000 }), options])(
    "scaling both totals by the same factor changes nothing but the rates",
    (b, c, nb, nc, factor, o) => {
      const r1 = Signatures.compare({ baseline: { lines: b, total: nb }, candidate: { lines: c, total: nc } }, o)
      const r2 = Signatures.compare({ baseline: { lines: b, total: nb * factor }, candidate: { lines: c, total: nc * factor } }, o)
      const strip = (r: Signatures.Comparison) => r.signatures.map(({ baselineRate: _b, candidateRate: _c, ...rest }) => rest)
      expect(strip(r2)).toEqual(strip(r1))
      expect([r2.templates, r2.tested]).toEqual([r1.templates, r1.tested])
    }
  )

  test.prop([lines, bursty, totals, totals, options])("a template only in the baseline is never a signature; results are sorted and within alpha", (b, c, nb, nc, o) => {
    const marker = Array<string>(50).fill("only-in-baseline: replica lost quorum")
    const r = Signatures.compare({ baseline: { lines: [...b, ...marker], total: nb }, candidate: { lines: c, total: nc } }, o)
    for (const s of r.signatures) {
      expect(s.candidate).toBeGreaterThanOrEqual(o.minCount)
      expect(s.pValue).toBeLessThanOrEqual(o.alpha)
      expect(s.kind).toBe(s.baseline === 0 ? "new" : "increased")
    }
    expect(r.signatures.some((s) => s.pattern.startsWith("only-in-baseline"))).toBe(false)
    const ps = r.signatures.map((s) => s.pValue)
    expect(ps).toEqual([...ps].sort((x, y) => x - y))
    expect(r.tested).toBeLessThanOrEqual(r.templates)
  })

  test.prop([lines, lines, fc.double(), fc.double()])("never throws, whatever the totals", (b, c, nb, nc) => {
    const r = Signatures.compare({ baseline: { lines: b, total: nb }, candidate: { lines: c, total: nc } })
    expect(r.signatures.length).toBeLessThanOrEqual(r.tested)
  })
})
