import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ChangeSet, Model, RiskPolicy } from "../src/index.ts"
import { table } from "./generate.ts"
import { explain, fails, ok, predict, predictMany } from "./helpers.ts"

const names = ["linesAdded", "linesDeleted", "filesChanged", "failureRate", "criticality"]
const history = (() => {
  const label = (row: Float64Array, random: () => number) => {
    const z = -4 + 0.4 * Math.log1p(row[0]!) + 0.1 * Math.log1p(row[1]!) + 0.3 * Math.log1p(row[2]!) + 1.5 * row[3]! + 0.4 * row[4]!
    return random() < 1 / (1 + Math.exp(-z)) ? 1 : 0
  }
  const t = table(3000, 5, 99, label, (r, j) =>
    j === 3 ? r() : j === 4 ? Math.floor(r() * 4) : Math.floor(-Math.log(Math.max(r(), 1e-12)) * 100))
  return { ...t, featureNames: names }
})()
const derived = [{ name: "addedPerFile", op: "ratio", a: "linesAdded", b: "filesChanged" }] as const
const models = {
  logistic: ok(Model.train(history, { kind: "logistic", derived })),
  gbdt: ok(Model.train(history, { kind: "gbdt", trees: 50, derived }))
}
const kinds = ["logistic", "gbdt"] as const
const roundTrip = (model: Model.Model) => ok(Model.decode(JSON.parse(JSON.stringify(model))))

const featureRecord = fc.record({
  linesAdded: fc.nat(5000),
  linesDeleted: fc.nat(5000),
  filesChanged: fc.nat(300),
  failureRate: fc.double({ min: 0, max: 1, noNaN: true }),
  criticality: fc.integer({ min: 0, max: 3 })
})

describe("model files", () => {
  it.each(kinds)("%s: JSON round-trip gives the same model and the same predictions", (kind) => {
    const model = models[kind]
    const decoded = roundTrip(model)
    expect(decoded).toEqual(model)
    fc.assert(
      fc.property(featureRecord, (features) => {
        expect(predict(decoded, features)).toBe(predict(model, features))
      })
    )
    expect(Model.fingerprint(decoded)).toBe(Model.fingerprint(model))
  })

  it.each(kinds)("%s: predictMany agrees with predict row by row", (kind) => {
    const model = models[kind]
    const many = predictMany(model, history)
    for (const i of [0, 1, 17, 2999]) {
      const row = Object.fromEntries(names.map((n, j) => [n, history.X[i * 5 + j]!]))
      expect(many[i]).toBeCloseTo(predict(model, row), 12)
    }
  })

  it("writes the documented header", () => {
    const { format, version, kind, features, transforms, training } = models.logistic
    expect({ format, version, kind }).toEqual({ format: "rollwise-risk-model", version: 1, kind: "logistic" })
    expect(features).toEqual([...names, "addedPerFile"])
    expect(transforms).toEqual(["log1p", "log1p", "log1p", "none", "log1p", "log1p"])
    expect(training.rows).toBe(2400)
    expect(training.validationRows).toBe(600)
    expect(training.auc).toBeGreaterThan(0.6)
  })

  const base = () => JSON.parse(JSON.stringify(models.logistic)) as Record<string, unknown>
  const tree = () => JSON.parse(JSON.stringify(models.gbdt)) as { trees: Array<Record<string, Array<number>>> } & Record<string, unknown>
  it.each([
    ["another version", () => ({ ...base(), version: 2 }), "version", "model: format version 2 is not supported (this rollwise reads version 1); retrain the model with this version"],
    ["no version", () => ({ ...base(), version: undefined }), "version", "model: format version null is not supported (this rollwise reads version 1); retrain the model with this version"],
    ["another format", () => ({ ...base(), format: "sklearn" }), "format", 'model: not a rollwise risk model (format is "sklearn", expected "rollwise-risk-model")'],
    ["an unknown kind", () => ({ ...base(), kind: "forest" }), "kind", 'model: kind: expected "logistic" | "gbdt", got "forest"'],
    ["an unknown field", () => ({ ...base(), colour: 1 }), "colour", 'model: colour: unknown field (not in the schema)'],
    ["a NaN coefficient", () => ({ ...base(), coefficients: [Number.NaN, 0, 0, 0, 0, 0] }), "coefficients[0]", 'model: coefficients[0]: expected a finite number, got NaN'],
    ["too few coefficients", () => ({ ...base(), coefficients: [1] }), "coefficients", "model: 1 coefficients for 6 features"],
    ["a zero std", () => {
      const b = base() as { scaling: { std: Array<number> } }
      b.scaling.std[0] = 0
      return b
    }, "scaling.std[0]", 'model: scaling.std[0]: expected a value greater than 0, got 0'],
    ["a cyclic tree", () => {
      const m = tree()
      m.trees[0]!["left"]![0] = 0
      return m
    }, "trees[0]", "model: trees[0] node 0 has invalid children"],
    ["a tree on a missing feature", () => {
      const m = tree()
      m.trees[0]!["feature"]![0] = 9
      return m
    }, "trees[0]", "model: trees[0] node 0 splits on feature 9, but there are 6 features"],
    ["a short tree array", () => {
      const m = tree()
      m.trees[0]!["cover"]!.pop()
      return m
    }, "trees[0].cover", `model: trees[0].cover has ${models.gbdt.kind === "gbdt" ? models.gbdt.trees[0]!.feature.length - 1 : 0} entries for ${models.gbdt.kind === "gbdt" ? models.gbdt.trees[0]!.feature.length : 0} nodes`],
    ["not an object", () => [1], undefined, "model: expected a JSON object"]
  ])("rejects %s", (_, make, field, message) => {
    const error = fails(Model.decode(make()))
    expect(error.reason).toBe("InvalidModel")
    expect(error.field).toBe(field)
    expect(error.message).toBe(message)
  })
})

describe("Model.explain", () => {
  it.each(kinds)("%s: contributions add up to the calibrated log-odds minus the model's baseline", (kind) => {
    const model = models[kind]
    const logit = (p: number) => Math.log(p / (1 - p))
    const zero = { linesAdded: 0, linesDeleted: 0, filesChanged: 0, failureRate: 0, criticality: 0 }
    // baseline = calibrated log-odds − Σ contributions, the same for every input
    const baseline = logit(predict(model, zero)) - explain(model, zero).reduce((a, r) => a + r.contribution, 0)
    fc.assert(
      fc.property(featureRecord, (features) => {
        const p = predict(model, features)
        fc.pre(p > 1e-9 && p < 1 - 1e-9)
        const sum = explain(model, features).reduce((a, r) => a + r.contribution, 0)
        expect(sum + baseline).toBeCloseTo(logit(p), 6)
      })
    )
  })

  it("reports every model feature with its raw value, largest |contribution| first", () => {
    const reasons = explain(models.logistic, { linesAdded: 900, linesDeleted: 10, filesChanged: 2, failureRate: 0.5, criticality: 3 })
    expect(reasons.map((r) => r.feature).sort()).toEqual([...names, "addedPerFile"].sort())
    expect(reasons.find((r) => r.feature === "addedPerFile")!.value).toBe(300)
    for (let i = 1; i < reasons.length; i++) expect(Math.abs(reasons[i]!.contribution)).toBeLessThanOrEqual(Math.abs(reasons[i - 1]!.contribution))
  })

  it("gives the coefficient times the standardized value for logistic models", () => {
    const m = models.logistic
    if (m.kind !== "logistic" || m.calibration.method !== "platt") throw new Error("expected a Platt-calibrated logistic model")
    const reasons = explain(m, { linesAdded: 900, linesDeleted: 10, filesChanged: 2, failureRate: 0.5, criticality: 3 })
    const j = m.features.indexOf("failureRate")
    const expected = (m.coefficients[j]! * (0.5 - m.scaling.mean[j]!)) / m.scaling.std[j]! * m.calibration.a
    expect(reasons.find((r) => r.feature === "failureRate")!.contribution).toBeCloseTo(expected, 12)
  })
})

describe("Model.decide", () => {
  const cs = ok(ChangeSet.decode({ service: "api", linesAdded: 900, linesDeleted: 40, filesChanged: 12, moduleHistory: { deploys: 10, failures: 4 }, criticality: "high" }))

  it.each(kinds)("%s: risk_score is 100 × the calibrated probability, reasons from explain, mapping from the policy", (kind) => {
    const model = models[kind]
    const decision = ok(Model.decide(cs, model, RiskPolicy.defaultPolicy, "k8s"))
    const features = ChangeSet.features(cs, RiskPolicy.defaultPolicy.calendar)
    expect(decision.risk_score).toBeCloseTo(100 * predict(model, features), 1)
    expect(decision.model).toEqual({ kind, version: `1+${Model.fingerprint(model)}` })
    expect(decision.reasons.map((r) => r.feature)).toEqual(explain(model, features).map((r) => r.feature))
    expect(decision.approval_required).toBe(decision.risk_score > 70)
    const expected = decision.risk_score > 70 ? "bluegreen" : decision.risk_score >= 30 ? "canary" : "rolling"
    expect(decision.strategy).toBe(expected)
  })

  it("fails naming a model feature the ChangeSet lacks", () => {
    const withExtra = { ...history, featureNames: [...names.slice(0, 4), "extra.reviewers"] }
    const model = ok(Model.train(withExtra, { kind: "logistic" }))
    const error = fails(Model.decide(cs, model, RiskPolicy.defaultPolicy, "k8s"))
    expect(error.reason).toBe("MissingFeature")
    expect(error.field).toBe("extra.reviewers")
    expect(error.message).toBe(
      'model feature "extra.reviewers" is missing from the input (available: linesAdded, linesDeleted, filesChanged, dependencyBumps, majorBumps, coverageDelta, failureRate, deploys, criticality, currentQps, peakHour)'
    )
    expect(() => predict(model, ChangeSet.features(cs, RiskPolicy.defaultPolicy.calendar))).toThrow(/extra\.reviewers/)
    expect(() => predictMany(model, history)).toThrow(/extra\.reviewers/)
  })

  it("lists the inputs a model needs", () => {
    expect(Model.inputs(models.gbdt)).toEqual(names)
  })
})
