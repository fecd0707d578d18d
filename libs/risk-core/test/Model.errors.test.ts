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
const row = { x0: 0.7, x1: -1.2, x2: 0.1 }
const lacking = { x0: 0.7, x2: 0.1 }
const thrown = (f: () => unknown): unknown => {
  try {
    f()
  } catch (error) {
    return error
  }
  throw new Error("expected a throw")
}

describe("Model errors: one error, typed in the Effect forms, thrown by the synchronous ones", () => {
  it.each(kinds)("%s: probability, predictTable and reasons succeed with exactly what predict, predictMany and explain return", (kind) => {
    const model = models[kind]
    expect(ok(Model.probability(model, row))).toBe(Model.predict(model, row))
    expect(ok(Model.predictTable(model, data))).toEqual(Model.predictMany(model, data))
    expect(ok(Model.reasons(model, row))).toEqual(Model.explain(model, row))
  })

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

  it.each(kinds)("%s: predict, predictMany and explain throw the very RiskInputError the Effect forms fail with", (kind) => {
    const model = models[kind]
    const expected = fails(Model.probability(model, lacking))
    for (const f of [() => Model.predict(model, lacking), () => Model.explain(model, lacking)]) {
      const error = thrown(f)
      expect(error).toBeInstanceOf(RiskInputError)
      expect(error).toEqual(expected)
    }
    const error = thrown(() => Model.predictMany(model, { ...data, featureNames: ["x0", "y1", "x2"] }))
    expect(error).toBeInstanceOf(RiskInputError)
    expect((error as RiskInputError).field).toBe("x1")
  })

  it("keeps the error tagged InputError, so the CLI's exit code 3 still applies", () => {
    const result = Effect.runSync(Effect.result(Model.probability(models.gbdt, {})))
    if (!Result.isFailure(result)) throw new Error("expected a failure")
    expect(result.failure._tag).toBe("InputError")
  })
})
