/**
 * The quantile test's guarantees, by seeded simulation: its bounds cover the
 * true quantile at every look, it stays at or below α under the null while
 * monitored after every window, and it catches a slower p90.
 */
import { describe, expect, it } from "vitest"
import * as SequentialQuantile from "../src/SequentialQuantile.ts"
import { normals } from "./support/random.ts"

const ALPHA = 0.05
const RUNS = 1000

/** Log-normal latencies (ms): exp(mu + 0.6 Z). */
const latencies = (next: () => number, n: number, scale = 1): Array<number> =>
  Array.from({ length: n }, () => scale * Math.exp(4 + 0.6 * next()))

describe("SequentialQuantile", () => {
  it("monitored after each of 30 windows, false positives stay <= alpha (log-normal latencies, seeded)", () => {
    const next = normals(31)
    let rejections = 0
    for (let run = 0; run < RUNS; run++) {
      let state = SequentialQuantile.make({ quantile: 0.9, alpha: ALPHA, plannedSamples: 1500 })
      for (let w = 0; w < 30 && state.decision === "continue"; w++) {
        state = SequentialQuantile.update(state, { candidate: latencies(next, 20), baseline: latencies(next, 60) })
      }
      if (state.decision === "reject") rejections++
    }
    expect(rejections / RUNS).toBeLessThanOrEqual(ALPHA + 3 * Math.sqrt((ALPHA * (1 - ALPHA)) / RUNS))
  })

  it("the bounds cover the true p90 at every look of a long run", () => {
    const next = normals(8)
    const trueP90 = Math.exp(4 + 0.6 * 1.2815515655446004)
    let state = SequentialQuantile.make({ quantile: 0.9 })
    for (let w = 0; w < 50; w++) {
      state = SequentialQuantile.update(state, { candidate: latencies(next, 40), baseline: latencies(next, 40) })
      expect(state.candidateBounds.lower).toBeLessThanOrEqual(trueP90)
      expect(state.candidateBounds.upper).toBeGreaterThanOrEqual(trueP90)
    }
  })

  it("catches a candidate whose latencies are 30 % higher", () => {
    const next = normals(12)
    let state = SequentialQuantile.make({ quantile: 0.9, alternative: "greater" })
    for (let w = 0; w < 40 && state.decision === "continue"; w++) {
      state = SequentialQuantile.update(state, { candidate: latencies(next, 50, 1.3), baseline: latencies(next, 50) })
    }
    expect(state.decision).toBe("reject")
    expect(state.pValue).toBeLessThanOrEqual(ALPHA)
    expect(state.candidateBounds.lower).toBeGreaterThan(state.baselineBounds.upper)
  })

  it("with no data the bounds are open and nothing is rejected; NaN values are ignored", () => {
    const state = SequentialQuantile.update(SequentialQuantile.make({ quantile: 0.5 }), { candidate: [NaN], baseline: [] })
    expect(state.candidate.length).toBe(0)
    expect(state.candidateBounds).toEqual({ lower: -Infinity, upper: Infinity })
    expect(state.pValue).toBe(1)
  })

  it("the variance proxy is 1/4 at the median and smaller in the tails", () => {
    expect(SequentialQuantile.bernoulliVarianceProxy(0.5)).toBe(0.25)
    expect(SequentialQuantile.bernoulliVarianceProxy(0.99)).toBeCloseTo(0.10664, 4)
    expect(SequentialQuantile.bernoulliVarianceProxy(0.01)).toBeCloseTo(SequentialQuantile.bernoulliVarianceProxy(0.99), 12)
  })
})
