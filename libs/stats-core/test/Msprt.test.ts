/**
 * The mSPRT's promise, checked by seeded simulation: under the null, looking
 * after every window never pushes the false-positive rate above α, while
 * re-running a fixed-horizon test after every window does.
 *
 * Monte Carlo tolerance: with R runs the standard error of an estimated rate
 * near α = 0.05 is √(α(1-α)/R) ≈ 0.0049 for R = 2000; "≤ α" is asserted as
 * ≤ α + 3 standard errors.
 */
import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import { normalSf } from "../src/Distributions.ts"
import * as Msprt from "../src/Msprt.ts"
import { mulberry32, normals } from "./support/random.ts"

const ALPHA = 0.05
const RUNS = 2000
const WINDOWS = 40
const MC_TOLERANCE = 3 * Math.sqrt((ALPHA * (1 - ALPHA)) / RUNS)

/** Two-sided z-test p-value with unpooled variances, on the data so far (what a naive analyzer re-runs each window). */
const naiveP = (c: { n: number; s: number; ss: number }, b: { n: number; s: number; ss: number }): number => {
  const mc = c.s / c.n
  const mb = b.s / b.n
  const vc = (c.ss - c.n * mc * mc) / (c.n - 1)
  const vb = (b.ss - b.n * mb * mb) / (b.n - 1)
  const z = (mc - mb) / Math.sqrt(vc / c.n + vb / b.n)
  return 2 * normalSf(Math.abs(z))
}

describe("mSPRT type-I error under continuous monitoring (seeded simulation)", () => {
  it("difference in means: monitored after each of 40 windows, false positives stay <= alpha; naive peeking inflates them", () => {
    const next = normals(2024)
    let msprtRejections = 0
    let naiveRejections = 0
    let finalOnlyRejections = 0
    for (let run = 0; run < RUNS; run++) {
      let state = Msprt.meanDifference({ tau: 0.3, alpha: ALPHA })
      const c = { n: 0, s: 0, ss: 0 }
      const b = { n: 0, s: 0, ss: 0 }
      let naive = false
      for (let w = 0; w < WINDOWS; w++) {
        // Same distribution in both groups (the null), unequal traffic: 30 candidate vs 60 baseline values.
        const candidate = Array.from({ length: 30 }, () => 5 + 2 * next())
        const baseline = Array.from({ length: 60 }, () => 5 + 2 * next())
        state = Msprt.updateMeans(state, { candidate, baseline })
        for (const v of candidate) {
          c.n++
          c.s += v
          c.ss += v * v
        }
        for (const v of baseline) {
          b.n++
          b.s += v
          b.ss += v * v
        }
        if (naiveP(c, b) < ALPHA) naive = true
      }
      if (state.decision === "reject") msprtRejections++
      if (naive) naiveRejections++
      if (naiveP(c, b) < ALPHA) finalOnlyRejections++
    }
    const msprtRate = msprtRejections / RUNS
    const naiveRate = naiveRejections / RUNS
    const fixedRate = finalOnlyRejections / RUNS
    expect(msprtRate).toBeLessThanOrEqual(ALPHA + MC_TOLERANCE)
    // A single fixed-horizon test is calibrated...
    expect(Math.abs(fixedRate - ALPHA)).toBeLessThanOrEqual(MC_TOLERANCE)
    // ...but peeking at it after every window inflates it several times over.
    expect(naiveRate).toBeGreaterThan(3 * ALPHA)
    expect(naiveRate).toBeGreaterThan(3 * msprtRate)
  })

  it("difference in proportions (error rates 2 %, equal in both groups): false positives stay <= alpha", () => {
    const uniform = mulberry32(99)
    const binomial = (n: number, p: number): number => {
      // count successes by geometric skips: about n·p + 1 uniforms per draw
      let k = 0
      let i = Math.floor(Math.log(1 - uniform()) / Math.log(1 - p))
      while (i < n) {
        k++
        i += 1 + Math.floor(Math.log(1 - uniform()) / Math.log(1 - p))
      }
      return k
    }
    let rejections = 0
    let naiveRejections = 0
    for (let run = 0; run < RUNS; run++) {
      let state = Msprt.proportionDifference({ tau: 0.01, alpha: ALPHA })
      let naive = false
      let cs = 0
      let bs = 0
      let ct = 0
      let bt = 0
      for (let w = 0; w < WINDOWS; w++) {
        const window = { candidateSuccesses: binomial(200, 0.02), candidateTrials: 200, baselineSuccesses: binomial(800, 0.02), baselineTrials: 800 }
        state = Msprt.updateProportions(state, window)
        cs += window.candidateSuccesses
        bs += window.baselineSuccesses
        ct += 200
        bt += 800
        const pooled = (cs + bs) / (ct + bt)
        const se = Math.sqrt(pooled * (1 - pooled) * (1 / ct + 1 / bt))
        if (se > 0 && 2 * normalSf(Math.abs((cs / ct - bs / bt) / se)) < ALPHA) naive = true
      }
      if (state.decision === "reject") rejections++
      if (naive) naiveRejections++
    }
    expect(rejections / RUNS).toBeLessThanOrEqual(ALPHA + MC_TOLERANCE)
    expect(naiveRejections / RUNS).toBeGreaterThan(3 * ALPHA)
  })
})

describe("mSPRT behaviour", () => {
  it("detects a real shift of half a standard deviation within a few windows", () => {
    const next = normals(7)
    let state = Msprt.meanDifference({ tau: 0.5, alternative: "greater" })
    for (let w = 0; w < 20 && state.decision === "continue"; w++) {
      state = Msprt.updateMeans(state, {
        candidate: Array.from({ length: 50 }, () => 0.5 + next()),
        baseline: Array.from({ length: 50 }, () => next())
      })
    }
    expect(state.decision).toBe("reject")
    expect(state.rejectedAt).not.toBeNull()
    expect(state.difference).toBeGreaterThan(0)
  })

  test.prop([fc.integer({ min: 2, max: 10_000 }), fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: 0.1, max: 5, noNaN: true }), fc.double({ min: 0.01, max: 5, noNaN: true })])(
    "with equal group sizes the likelihood ratio is Johari et al.'s two-sample formula",
    (n, delta, sigma, tau) => {
      const s2 = (2 * sigma * sigma) / n
      const v = 2 * sigma * sigma
      const johari = 0.5 * Math.log(v / (v + n * tau * tau)) + (n * n * tau * tau * delta * delta) / (2 * v * (v + n * tau * tau))
      expect(Msprt.logMixtureRatio(delta, s2, tau, "two-sided")).toBeCloseTo(johari, 8)
    }
  )

  it("the always-valid p-value never increases and a rejection sticks", () => {
    const next = normals(3)
    let state = Msprt.meanDifference({ tau: 1, minSamples: 5 })
    let previous = 1
    for (let w = 0; w < 30; w++) {
      state = Msprt.updateMeans(state, { candidate: [1 + next(), 1 + next()], baseline: [next(), next()] })
      expect(state.pValue).toBeLessThanOrEqual(previous)
      previous = state.pValue
      if (state.rejectedAt !== null) expect(state.decision).toBe("reject")
    }
  })

  it("no evidence before minSamples, from empty windows, or from invalid counts", () => {
    let m = Msprt.meanDifference({ tau: 1 })
    m = Msprt.updateMeans(m, { candidate: [100, 101], baseline: [0, 1] })
    expect(m).toMatchObject({ pValue: 1, logLikelihoodRatio: 0, windows: 1 })
    let p = Msprt.proportionDifference({ tau: 0.1 })
    p = Msprt.updateProportions(p, { candidateSuccesses: 5, candidateTrials: 2, baselineSuccesses: 0, baselineTrials: 10 })
    expect(p).toMatchObject({ candidateTrials: 0, pValue: 1 })
  })
})
