/**
 * Lindon & Malek's count test: its Bayes factor has expectation exactly 1
 * under the null at every fixed number of events (checked by exact
 * enumeration), and monitored after every window its false-positive rate stays
 * at or below α (seeded simulation, tolerance 3 Monte Carlo standard errors).
 */
import { describe, expect, it } from "vitest"
import { binomialPmf } from "../src/Distributions.ts"
import * as SequentialCounts from "../src/SequentialCounts.ts"
import { mulberry32 } from "./support/random.ts"

const ALPHA = 0.05
const RUNS = 2000

describe("SequentialCounts", () => {
  it("E[BF] = 1 under the null for every number of events (exact enumeration)", () => {
    for (const alternative of ["two-sided", "greater", "less"] as const) {
      for (const rho of [0.05, 0.3, 0.5]) {
        for (const n of [1, 5, 40, 200]) {
          let expectation = 0
          for (let k = 0; k <= n; k++) {
            expectation += binomialPmf(k, n, rho) * Math.exp(SequentialCounts.logBayesFactor(k, n - k, rho, 1, alternative))
          }
          expect(expectation).toBeCloseTo(1, 9)
        }
      }
    }
  })

  it("monitored after each of 40 windows, false positives stay <= alpha (seeded simulation)", () => {
    const uniform = mulberry32(7)
    const rho = 0.2
    let rejections = 0
    for (let run = 0; run < RUNS; run++) {
      let state = SequentialCounts.make({ candidateShare: rho, alpha: ALPHA })
      for (let w = 0; w < 40 && state.decision === "continue"; w++) {
        let candidate = 0
        let baseline = 0
        for (let e = 0; e < 15; e++) if (uniform() < rho) candidate++
        else baseline++
        state = SequentialCounts.update(state, candidate, baseline)
      }
      if (state.decision === "reject") rejections++
    }
    expect(rejections / RUNS).toBeLessThanOrEqual(ALPHA + 3 * Math.sqrt((ALPHA * (1 - ALPHA)) / RUNS))
  })

  it("flags a candidate with three times the baseline's error rate quickly", () => {
    const uniform = mulberry32(1)
    // candidate share 10 %, but its errors are 3× as likely: share of errors = 0.3 / (0.3 + 0.9) = 0.25
    let state = SequentialCounts.make({ candidateShare: 0.1, alternative: "greater" })
    let windows = 0
    while (state.decision === "continue" && windows < 100) {
      let candidate = 0
      let baseline = 0
      for (let e = 0; e < 10; e++) if (uniform() < 0.25) candidate++
      else baseline++
      state = SequentialCounts.update(state, candidate, baseline)
      windows++
    }
    expect(state.decision).toBe("reject")
    expect(windows).toBeLessThan(20)
    expect(state.rateRatio).toBeGreaterThan(2)
  })

  it("invalid counts are ignored and the state stays two integers", () => {
    const s = SequentialCounts.update(SequentialCounts.make({ candidateShare: 0.5 }), -1, 2.5)
    expect(s).toMatchObject({ candidateEvents: 0, baselineEvents: 0, pValue: 1 })
  })
})
