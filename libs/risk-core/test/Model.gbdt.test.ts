import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Evaluation, History, Model } from "../src/index.ts"
import { logisticLabels, table } from "./generate.ts"
import { ok, predictMany } from "./helpers.ts"

const gbdt = (m: Model.Model): Model.GbdtModel => {
  if (m.kind !== "gbdt") throw new Error("expected a gbdt model")
  return m
}

describe("Model.train (gbdt)", () => {
  it("ranks trivially separable data with training AUC ≥ 0.99", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (d, seed) => {
        const data = table(400, d, seed, (row) => (row.reduce((a, x) => a + x, 0) > 0 ? 1 : 0))
        fc.pre(data.y.includes(0) && data.y.includes(1))
        const model = ok(Model.train(data, { kind: "gbdt", validationFraction: 0, trees: 100, seed }))
        expect(Evaluation.auc(predictMany(model, data), data.y)).toBeGreaterThanOrEqual(0.99)
      }),
      { numRuns: 10 }
    )
  })

  it("has held-out AUC near 0.5 when labels are independent of the features (|AUC − 0.5| < 0.05)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const data = table(8000, 5, seed, (_, random) => (random() < 0.3 ? 1 : 0))
        const model = ok(Model.train(History.slice(data, 0, 4000), { kind: "gbdt", seed }))
        const heldOut = History.slice(data, 4000, 8000)
        expect(Math.abs(Evaluation.auc(predictMany(model, heldOut), heldOut.y) - 0.5)).toBeLessThan(0.05)
      }),
      { numRuns: 5 }
    )
  })

  it("learns an interaction a linear model cannot (x0·x1 > 0)", () => {
    const data = table(6000, 3, 17, (row) => (row[0]! * row[1]! > 0 ? 1 : 0))
    const trainPart = History.slice(data, 0, 4000)
    const heldOut = History.slice(data, 4000, 6000)
    const trees = ok(Model.train(trainPart, { kind: "gbdt", depth: 3, trees: 300, learningRate: 0.1 }))
    const linear = ok(Model.train(trainPart, { kind: "logistic", transforms: "none" }))
    expect(Evaluation.auc(predictMany(trees, heldOut), heldOut.y)).toBeGreaterThan(0.95)
    expect(Math.abs(Evaluation.auc(predictMany(linear, heldOut), heldOut.y) - 0.5)).toBeLessThan(0.05)
  })

  it("is deterministic for a seed; the seed drives subsampling", () => {
    const data = table(1500, 4, 8, logisticLabels(-0.5, [1, -1, 0.5, 0]))
    const a = ok(Model.train(data, { kind: "gbdt", seed: 42, trees: 40 }))
    expect(ok(Model.train(data, { kind: "gbdt", seed: 42, trees: 40 }))).toEqual(a)
    expect(ok(Model.train(data, { kind: "gbdt", seed: 43, trees: 40 }))).not.toEqual(a)
    const full = ok(Model.train(data, { kind: "gbdt", seed: 1, trees: 40, subsample: 1 }))
    expect(ok(Model.train(data, { kind: "gbdt", seed: 2, trees: 40, subsample: 1 }))).toEqual({
      ...full,
      training: { ...full.training, params: { ...full.training.params, seed: 2 } }
    })
  })

  it("stops early when the validation loss stops improving", () => {
    const data = table(2000, 3, 12, (_, random) => (random() < 0.4 ? 1 : 0))
    const m = gbdt(ok(Model.train(data, { kind: "gbdt", trees: 500, earlyStoppingRounds: 20, learningRate: 0.3 })))
    expect(m.trees.length).toBeLessThan(100)
    expect(m.training.params["treesKept"]).toBe(m.trees.length)
    const all = gbdt(ok(Model.train(data, { kind: "gbdt", trees: 60, earlyStoppingRounds: 0, learningRate: 0.3 })))
    expect(all.trees).toHaveLength(60)
  })

  it("refits on every row with the early-stopped tree count scaled by the row ratio", () => {
    const data = table(3000, 3, 14, logisticLabels(-0.5, [1, -1, 0.5]))
    const validated = gbdt(ok(Model.train(data, { kind: "gbdt", trees: 400, learningRate: 0.1 })))
    const refitted = gbdt(ok(Model.train(data, { kind: "gbdt", trees: 400, learningRate: 0.1, refit: true })))
    expect(refitted.trees).toHaveLength(Math.round((validated.trees.length * 3000) / 2400))
    expect(refitted.calibration).toEqual(validated.calibration)
    expect(refitted.training.auc).toBe(validated.training.auc)
    expect(refitted.training.rows).toBe(3000)
  })

  it("keeps every tree within its depth, with consistent covers and values", () => {
    const data = table(3000, 4, 30, logisticLabels(0, [1, 2, -1, 0.5]))
    const m = gbdt(ok(Model.train(data, { kind: "gbdt", depth: 4, trees: 30 })))
    for (const tree of m.trees) {
      const depthOf = (node: number): number =>
        tree.feature[node] === -1 ? 0 : 1 + Math.max(depthOf(tree.left[node]!), depthOf(tree.right[node]!))
      expect(depthOf(0)).toBeLessThanOrEqual(4)
      tree.feature.forEach((f, k) => {
        if (f === -1) return
        const l = tree.left[k]!
        const r = tree.right[k]!
        expect(tree.cover[k]).toBeCloseTo(tree.cover[l]! + tree.cover[r]!, 6)
        expect(tree.value[k]).toBeCloseTo((tree.cover[l]! * tree.value[l]! + tree.cover[r]! * tree.value[r]!) / tree.cover[k]!, 9)
      })
    }
  })
})
