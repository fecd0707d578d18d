/**
 * Decoding a model file: the format and version gates, the kind's schema
 * (through its learner), then the checks a schema cannot express — the
 * shared ones here, the kind's own in its learner.
 */
import { Effect } from "effect"
import type { RiskInputError } from "../../RiskInputError.ts"
import { isKind, kinds, learnerFor } from "./learners.ts"
import { FORMAT, invalidModel as invalid, type Model, VERSION } from "./schema.ts"

/** Structural checks a schema cannot express: lengths agree, trees are well formed. */
const checkShape = (model: Model): RiskInputError | undefined => {
  const d = model.features.length
  const names = new Set<string>()
  for (const name of model.features) {
    if (names.has(name)) return invalid(`model: feature "${name}" is listed twice`, "features")
    names.add(name)
  }
  if (model.transforms.length !== d) {
    return invalid(`model: ${model.transforms.length} transforms for ${d} features`, "transforms")
  }
  for (const derived of model.derived) {
    if (!names.has(derived.name)) return invalid(`model: derived feature "${derived.name}" is not among the features`, "derived")
    if (model.derived.some((other) => other.name === derived.a || other.name === derived.b)) {
      return invalid(`model: derived feature "${derived.name}" uses another derived feature`, "derived")
    }
  }
  if (model.calibration.method === "isotonic") {
    const { thresholds, values } = model.calibration
    if (thresholds.length === 0 || thresholds.length !== values.length) {
      return invalid("model: isotonic calibration needs as many values as thresholds (at least one)", "calibration")
    }
    for (let k = 1; k < values.length; k++) {
      if (values[k]! < values[k - 1]! || thresholds[k]! < thresholds[k - 1]!) {
        return invalid("model: isotonic calibration must be non-decreasing", "calibration")
      }
    }
  }
  return learnerFor(model.kind).check(model)
}

/**
 * Decode a model file (parsed JSON). Another format or version is rejected
 * with a message that says so (`model: format version 2 is not supported
 * (this rollwise reads version 1); retrain the model with this version`);
 * unknown fields and inconsistent shapes are rejected naming the field.
 */
export const decode = (input: unknown): Effect.Effect<Model, RiskInputError> => {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return Effect.fail(invalid("model: expected a JSON object"))
  }
  const record = input as Record<string, unknown>
  if (record["format"] !== FORMAT) {
    return Effect.fail(
      invalid(`model: not a rollwise risk model (format is ${JSON.stringify(record["format"] ?? null)}, expected "${FORMAT}")`, "format")
    )
  }
  if (record["version"] !== VERSION) {
    return Effect.fail(
      invalid(
        `model: format version ${JSON.stringify(record["version"] ?? null)} is not supported (this rollwise reads version ${VERSION}); retrain the model with this version`,
        "version"
      )
    )
  }
  const kind = record["kind"]
  const decoded: Effect.Effect<Model, RiskInputError> = isKind(kind)
    ? learnerFor(kind).decode(input)
    : Effect.fail(invalid(`model: kind: expected ${kinds.map((k) => JSON.stringify(k)).join(" | ")}, got ${JSON.stringify(kind ?? null)}`, "kind"))
  return Effect.flatMap(decoded, (model) => {
    const problem = checkShape(model)
    return problem === undefined ? Effect.succeed(model) : Effect.fail(problem)
  })
}
