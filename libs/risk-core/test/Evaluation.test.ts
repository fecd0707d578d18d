import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Evaluation, History } from "../src/index.ts"
import { ok } from "./helpers.ts"
import { testdata } from "./testdata.ts"

/** AUC by definition: over all (positive, negative) pairs, 1 if the positive scores higher, 1/2 on a tie. */
const pairwiseAuc = (scores: ReadonlyArray<number>, labels: ReadonlyArray<number>): number => {
  let wins = 0
  let pairs = 0
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue
      pairs++
      wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0
    }
  }
  return wins / pairs
}

describe("Evaluation.auc", () => {
  it("equals the pairwise definition, ties included", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 1 })), { minLength: 2, maxLength: 60 }),
        (rows) => {
          const scores = rows.map(([s]) => s)
          const labels = rows.map(([, l]) => l)
          const both = labels.includes(1) && labels.includes(0)
          const area = Evaluation.auc(scores, labels)
          if (both) expect(area).toBeCloseTo(pairwiseAuc(scores, labels), 12)
          else expect(area).toBeNaN()
        }
      )
    )
  })

  it.each([
    [[0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 0.75],
    [[1, 2, 3, 4], [0, 0, 1, 1], 1],
    [[4, 3, 2, 1], [0, 0, 1, 1], 0],
    [[1, 1, 1, 1], [0, 1, 0, 1], 0.5]
  ])("auc(%j, %j) = %d", (scores, labels, expected) => {
    expect(Evaluation.auc(scores, labels)).toBe(expected)
  })

  it("reproduces the published lines-added-alone AUC of the ISSTA 2021 benchmark (mean .725)", () => {
    const projects = ["qt", "openstack", "jdt", "platform", "gerrit", "go"]
    const areas = projects.map((project) => {
      const test = ok(History.parseCsv(testdata(`jit/issta21/${project}_k_test.csv`), { label: "bug", features: ["la"] }))
      return Evaluation.auc(test.X, test.y)
    })
    const mean = areas.reduce((a, b) => a + b, 0) / areas.length
    // the paper reports three digits
    expect(Math.abs(mean - 0.725)).toBeLessThan(0.0005 + 1e-9)
  })
})

describe("Evaluation.brier and logLoss", () => {
  it("match hand computations", () => {
    expect(Evaluation.brier([0.9, 0.2, 0.5], [1, 0, 1])).toBeCloseTo((0.01 + 0.04 + 0.25) / 3, 15)
    expect(Evaluation.logLoss([0.9, 0.2, 0.5], [1, 0, 1])).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8) + Math.log(0.5)) / 3, 15)
  })

  it("clips certain mistakes instead of returning infinity", () => {
    // 1 − (1 − 1e-15) is not exactly 1e-15 in binary floating point: compare to 3 significant digits
    expect(Evaluation.logLoss([0, 1], [1, 0])).toBeCloseTo(-Math.log(1e-15), 2)
  })
})

describe("Evaluation.calibrationTable", () => {
  it("bins predictions by value and compares them with outcomes", () => {
    const table = Evaluation.calibrationTable([0.05, 0.15, 0.12, 0.95, 1], [0, 1, 0, 1, 1], 5)
    expect(table).toEqual([
      { from: 0, to: 0.2, count: 3, meanPredicted: (0.05 + 0.15 + 0.12) / 3, observedRate: 1 / 3 },
      { from: 0.2, to: 0.4, count: 0, meanPredicted: null, observedRate: null },
      { from: 0.4, to: 0.6, count: 0, meanPredicted: null, observedRate: null },
      { from: 0.6, to: 0.8, count: 0, meanPredicted: null, observedRate: null },
      { from: 0.8, to: 1, count: 2, meanPredicted: 0.975, observedRate: 1 }
    ])
    expect(Evaluation.expectedCalibrationError(table)).toBeCloseTo((3 * Math.abs(0.32 / 3 - 1 / 3) + 2 * 0.025) / 5, 12)
  })

  it("summarize reports every metric and a null AUC for a single label", () => {
    const s = Evaluation.summarize([0.2, 0.3], [0, 0])
    expect(s.rows).toBe(2)
    expect(s.positives).toBe(0)
    expect(s.auc).toBeNull()
    expect(s.brier).toBeCloseTo(0.065, 15)
  })
})
