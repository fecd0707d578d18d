import { Effect, Result } from "effect"
import { describe, expect, it } from "vitest"
import { Model, RiskInputError } from "../src/index.ts"
import { logisticLabels, table } from "./generate.ts"
import { fails, ok } from "./helpers.ts"

const data = table(1200, 3, 31, logisticLabels(-0.5, [1, -1, 0.5]))
const derived = [{ name: "x0PerX1", op: "ratio", a: "x0", b: "x1" }] as const
const models = {
  logistic: ok(Model.train(data, { kind: "logistic", derived })),
  gbdt: ok(Model.train(data, { kind: "gbdt", trees: 30, derived }))
}
const kinds = ["logistic", "gbdt"] as const
const lacking = { x0: 0.7, x2: 0.1 }
describe("Model errors: one error, in the Effect's error channel, never thrown", () => {
  it.each(kinds)("%s: a missing input fails as MissingFeature naming it, in the error channel, never as a defect", (kind) => {
    const model = models[kind]
    for (const error of [fails(Model.probability(model, lacking)), fails(Model.reasons(model, lacking))]) {
      expect(error.reason).toBe("MissingFeature")
      expect(error.field).toBe("x1")
      expect(error.message).toBe('model feature "x1" is missing from the input (available: x0, x2)')
    }
    const narrow = { ...data, featureNames: ["x0", "y1", "x2"] }
    const error = fails(Model.predictTable(model, narrow))
    expect([error.reason, error.field]).toEqual(["MissingFeature", "x1"])
    const exit = Effect.runSync(Effect.exit(Model.probability(model, lacking)))
    expect(exit._tag).toBe("Failure")
  })

  it.each(kinds)("%s: no scoring function throws on a missing input: each answers with the failure", (kind) => {
    const model = models[kind]
    const narrow = { ...data, featureNames: ["x0", "y1", "x2"] }
    for (const effect of [Model.probability(model, lacking), Model.reasons(model, lacking), Model.predictTable(model, narrow)]) {
      const exit = Effect.runSync(Effect.exit(effect as Effect.Effect<unknown, RiskInputError>))
      expect(exit._tag).toBe("Failure")
      expect(fails(effect as Effect.Effect<unknown, RiskInputError>)).toBeInstanceOf(RiskInputError)
    }
  })

  it("tags the error RiskInputError, which the CLI maps to exit code 3", () => {
    const result = Effect.runSync(Effect.result(Model.probability(models.gbdt, {})))
    if (!Result.isFailure(result)) throw new Error("expected a failure")
    expect(result.failure._tag).toBe("RiskInputError")
  })
})
