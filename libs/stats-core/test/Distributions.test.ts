/**
 * Distribution functions against SciPy 1.17.1 (`scipy.stats` / `scipy.special`,
 * values printed with full precision on this repo's reference machine), to
 * 1e-12 relative unless stated, plus identities checked by fast-check.
 */
import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import * as D from "../src/Distributions.ts"
import { relativeError } from "./support/random.ts"

const REL = 1e-12

describe("Distributions against SciPy", () => {
  it("normal upper tail stays accurate far into the tail (scipy.stats.norm.sf)", () => {
    const cases: Array<[number, number]> = [
      [0.5, 0.3085375387259869],
      [3, 0.0013498980316300933],
      [8.3, 5.2055697448902465e-17],
      [20, 2.7536241186061556e-89],
      [37, 5.7255712225239266e-300]
    ]
    for (const [z, p] of cases) {
      expect(relativeError(D.normalSf(z), p)).toBeLessThan(1e-11)
      expect(relativeError(D.normalCdf(-z), p)).toBeLessThan(1e-11)
    }
  })

  it("normal quantile to full precision (scipy.stats.norm.ppf)", () => {
    const cases: Array<[number, number]> = [
      [1e-300, -37.0470962993612],
      [1e-10, -6.361340902404056],
      [0.025, -1.9599639845400545],
      [0.3, -0.5244005127080409],
      [0.975, 1.959963984540054]
    ]
    for (const [p, z] of cases) expect(relativeError(D.normalQuantile(p), z)).toBeLessThan(REL)
    // 1 - 1e-12 is not representable exactly; 1e-4 relative is what the input allows.
    expect(relativeError(D.normalQuantile(1 - 1e-12), 7.0344869100478356)).toBeLessThan(1e-4)
  })

  it("Student t, chi-square, log-gamma, incomplete beta (scipy.stats / scipy.special)", () => {
    expect(relativeError(D.studentTSf(2.1, 3.5), 0.05676291261039907)).toBeLessThan(REL)
    expect(relativeError(D.studentTSf(-1.3, 10.734), 0.8895884999020182)).toBeLessThan(REL)
    expect(relativeError(D.studentTSf(5.35, 985.8), 5.468603985360776e-8)).toBeLessThan(1e-10)
    expect(relativeError(D.studentTSf(40, 2), 0.0003122073360923703)).toBeLessThan(REL)
    expect(relativeError(D.chiSquareSf(4.3, 1), 0.0381123730452136)).toBeLessThan(REL)
    expect(relativeError(D.chiSquareSf(60, 1), 9.485737571073857e-15)).toBeLessThan(1e-11)
    expect(relativeError(D.chiSquareSf(12.5, 7), 0.08526927515826925)).toBeLessThan(REL)
    expect(relativeError(D.chiSquareSf(0.01, 3), 0.9997348349413444)).toBeLessThan(REL)
    expect(relativeError(D.logGamma(0.5), 0.5723649429247)).toBeLessThan(REL)
    expect(relativeError(D.logGamma(1e-8), 18.42068073818021)).toBeLessThan(REL)
    expect(relativeError(D.logGamma(3.7), 1.428072326665388)).toBeLessThan(REL)
    expect(relativeError(D.logGamma(171.3), 708.1149470389971)).toBeLessThan(REL)
    expect(relativeError(D.logGamma(1e6), 12815504.569147611)).toBeLessThan(REL)
    expect(relativeError(D.regularizedBeta(0.3, 2.5, 0.5), 0.018927124071945658)).toBeLessThan(REL)
    expect(relativeError(D.regularizedBeta(0.98, 1000, 20), 0.4356425645357233)).toBeLessThan(1e-11)
    expect(relativeError(D.regularizedBeta(0.01, 0.3, 4), 0.41023606739596147)).toBeLessThan(REL)
  })

  it("binomial and hypergeometric pmf/cdf/sf (scipy.stats.binom, hypergeom)", () => {
    expect(relativeError(D.binomialPmf(3, 1000, 0.01), 0.007393222778222839)).toBeLessThan(REL)
    expect(relativeError(D.binomialCdf(3, 1000, 0.01), 0.010072654772014291)).toBeLessThan(REL)
    expect(relativeError(D.binomialSf(25, 1000, 0.01), 1.558665052934539e-5)).toBeLessThan(1e-11)
    // Exact rationals (Python fractions.Fraction over math.comb), rounded to double.
    // SciPy's hypergeom gives 0.00011087931508301527 etc., about 2e-11 relative off these.
    expect(relativeError(D.hypergeometricPmf(120, 200000, 100000, 300), 0.00011087931508072409)).toBeLessThan(REL)
    expect(relativeError(D.hypergeometricCdf(120, 200000, 100000, 300), 0.0003141513028094192)).toBeLessThan(REL)
    expect(relativeError(D.hypergeometricSf(180, 200000, 100000, 300), 0.00020327198772869513)).toBeLessThan(REL)
    // and within 1e-10 of SciPy's own values
    expect(relativeError(D.hypergeometricCdf(120, 200000, 100000, 300), 0.0003141513028159107)).toBeLessThan(1e-10)
  })

  it("degenerate arguments give NaN or the limiting value, never a throw", () => {
    expect(D.normalSf(NaN)).toBeNaN()
    expect(D.normalSf(Infinity)).toBe(0)
    expect(D.normalCdf(Infinity)).toBe(1)
    expect(D.normalQuantile(0)).toBe(-Infinity)
    expect(D.normalQuantile(1)).toBe(Infinity)
    expect(D.normalQuantile(1.5)).toBeNaN()
    expect(D.studentTSf(1, 0)).toBeNaN()
    expect(D.studentTSf(1.3, Infinity)).toBe(D.normalSf(1.3))
    expect(D.chiSquareSf(0, 2)).toBe(1)
    expect(D.binomialPmf(2.5, 10, 0.5)).toBe(0)
    expect(D.binomialCdf(-1, 10, 0.5)).toBe(0)
    expect(D.binomialCdf(10, 10, 0.5)).toBe(1)
    expect(D.hypergeometricPmf(5, 10, 3, 4)).toBe(0)
    expect(D.logGamma(-1)).toBeNaN()
  })
})

describe("Distributions identities (fast-check)", () => {
  test.prop([fc.double({ min: -30, max: 30, noNaN: true })])("normal cdf + sf = 1 and quantile inverts cdf", (z) => {
    expect(Math.abs(D.normalCdf(z) + D.normalSf(z) - 1)).toBeLessThan(1e-15)
    const p = D.normalCdf(z)
    if (p > 1e-300 && p < 1 - 1e-15) expect(Math.abs(D.normalQuantile(p) - z)).toBeLessThan(1e-9 * Math.max(1, Math.abs(z)))
  })

  test.prop([fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: 0.5, max: 2000, noNaN: true })])(
    "Student t is symmetric and its tails add to 1",
    (t, df) => {
      expect(Math.abs(D.studentTSf(t, df) - D.studentTCdf(-t, df))).toBeLessThan(1e-15)
      expect(Math.abs(D.studentTSf(t, df) + D.studentTCdf(t, df) - 1)).toBeLessThan(1e-14)
    }
  )

  test.prop([fc.integer({ min: 1, max: 400 }), fc.double({ min: 0.001, max: 0.999, noNaN: true })])(
    "binomial pmf sums to 1 and cdf + sf = 1",
    (n, p) => {
      let sum = 0
      for (let k = 0; k <= n; k++) sum += D.binomialPmf(k, n, p)
      expect(Math.abs(sum - 1)).toBeLessThan(1e-12)
      const k = Math.floor(n / 3)
      expect(Math.abs(D.binomialCdf(k, n, p) + D.binomialSf(k, n, p) - 1)).toBeLessThan(1e-13)
    }
  )
})
