import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Model } from "../../../src/index.ts"
import { isKind, kinds, learnerOf, learners } from "../../../src/internal/model/learners.ts"
import { logisticLabels, table } from "../../generate.ts"
import { fails, ok } from "../../helpers.ts"

const data = table(1500, 4, 23, logisticLabels(0, [1, -0.5, 0.3, 0]))
const models = {
  logistic: ok(Model.train(data, { kind: "logistic" })),
  gbdt: ok(Model.train(data, { kind: "gbdt", trees: 40 }))
}

describe("learners (the one kind dispatch)", () => {
  it("has one learner per kind of model file, keyed by its own kind", () => {
    expect(kinds).toEqual(["logistic", "gbdt"])
    for (const kind of kinds) expect(learners[kind].kind).toBe(kind)
    expect(isKind("gbdt")).toBe(true)
    expect(isKind("forest")).toBe(false)
    expect(isKind("toString")).toBe(false)
  })

  it.each(kinds)("%s: scoreMatrix agrees with score row by row (gbdt exactly; logistic to a relative 1e-12, it folds the scaling in first)", (kind) => {
    const model = models[kind]
    const learner = learnerOf(model)
    const d = model.features.length
    const matrix = fc.array(fc.double({ min: -50, max: 5000, noNaN: true }), { minLength: d, maxLength: 20 * d })
      .map((xs) => Float64Array.from(xs.slice(0, xs.length - (xs.length % d))))
    fc.assert(
      fc.property(matrix, (X) => {
        const n = X.length / d
        const many = learner.scoreMatrix(model, X, n)
        for (let i = 0; i < n; i++) {
          const one = learner.score(model, X, i * d)
          if (kind === "gbdt") expect(many[i]).toBe(one)
          else expect(Math.abs(many[i]! - one)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(one)))
        }
      }),
      { numRuns: 50 }
    )
  })

  it.each(kinds)("%s: contributions add up to the raw score minus a constant baseline", (kind) => {
    const model = models[kind]
    const learner = learnerOf(model)
    const zero = new Float64Array(model.features.length)
    const baseline = learner.score(model, zero) - learner.contributions(model, zero).reduce((a, c) => a + c, 0)
    fc.assert(
      fc.property(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 4, maxLength: 4 }), (xs) => {
        const x = Float64Array.from(xs)
        const sum = learner.contributions(model, x).reduce((a, c) => a + c, 0)
        expect(sum + baseline).toBeCloseTo(learner.score(model, x), 9)
      }),
      { numRuns: 50 }
    )
  })

  it.each(kinds)("%s: fit records its own parameters and nothing of the other kind", (kind) => {
    const params = models[kind].training.params
    expect("treesKept" in params).toBe(kind === "gbdt")
    expect("depth" in params).toBe(kind === "gbdt")
    expect("iterations" in params).toBe(kind === "logistic")
  })

  it("rejects an unknown kind in options and files, listing the learners", () => {
    const options = fails(Model.train(data, { kind: "forest" } as unknown as Model.TrainOptions))
    expect(options.message).toBe('kind must be "logistic" or "gbdt", got "forest"')
    const file = fails(Model.decode({ ...JSON.parse(JSON.stringify(models.logistic)), kind: "toString" }))
    expect(file.message).toBe('model: kind: expected "logistic" | "gbdt", got "toString"')
  })

  it("checks a file with its own kind's learner (a logistic file with gbdt fields is rejected by name)", () => {
    const file = { ...JSON.parse(JSON.stringify(models.logistic)), trees: [] }
    const error = fails(Model.decode(file))
    expect([error.reason, error.field]).toEqual(["InvalidModel", "trees"])
  })
})
