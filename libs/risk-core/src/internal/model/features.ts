/**
 * Feature vectors: what a model needs from its caller (`inputs`), and one
 * deploy's record or a history table turned into the model's feature order,
 * derived features computed (transforms are the learner's business). A
 * missing input is a value (`RiskInputError`, reason `MissingFeature`), never
 * a throw: callers choose how to surface it.
 */
import type * as History from "../../History.ts"
import { RiskInputError } from "../../RiskInputError.ts"
import type { DerivedFeature, Model } from "./schema.ts"

/** `sign(x)·ln(1 + |x|)`: the `log1p` feature transform. */
export const signedLog1p = (x: number): number => (x >= 0 ? Math.log1p(x) : -Math.log1p(-x))

/** A derived feature's value from its two operands. */
export const derive = (op: DerivedFeature["op"], a: number, b: number): number => (op === "ratio" ? a / (Math.abs(b) + 1) : a * b)

/** The input features a model needs from a caller: its features minus the derived ones, plus their operands. */
export const inputs = (model: Pick<Model, "features" | "derived">): ReadonlyArray<string> => {
  const derivedNames = new Set(model.derived.map((x) => x.name))
  const out: Array<string> = []
  const add = (name: string) => {
    if (!out.includes(name)) out.push(name)
  }
  for (const name of model.features) if (!derivedNames.has(name)) add(name)
  for (const x of model.derived) {
    add(x.a)
    add(x.b)
  }
  return out
}

/** A model input absent from the caller's record or table, listing what was there. */
export const missingFeature = (name: string, available: ReadonlyArray<string>): RiskInputError =>
  new RiskInputError({
    reason: "MissingFeature",
    field: name,
    message: `model feature "${name}" is missing from the input (available: ${available.join(", ") || "none"})`
  })

/** The model's feature vector (before transforms) for a record, or the first missing feature. */
export const vectorOf = (model: Pick<Model, "features" | "derived">, features: Readonly<Record<string, number>>): Float64Array | RiskInputError => {
  const x = new Float64Array(model.features.length)
  const derived = new Map(model.derived.map((x) => [x.name, x]))
  const get = (name: string): number | undefined => (Object.hasOwn(features, name) ? features[name] : undefined)
  for (let j = 0; j < model.features.length; j++) {
    const name = model.features[j]!
    const spec = derived.get(name)
    if (spec === undefined) {
      const v = get(name)
      if (v === undefined) return missingFeature(name, Object.keys(features))
      x[j] = v
    } else {
      const a = get(spec.a)
      if (a === undefined) return missingFeature(spec.a, Object.keys(features))
      const b = get(spec.b)
      if (b === undefined) return missingFeature(spec.b, Object.keys(features))
      x[j] = derive(spec.op, a, b)
    }
  }
  return x
}

/** Column index in `table` for every model input, or the first one missing. */
const columnsOf = (model: Pick<Model, "features" | "derived">, table: History.HistoryTable): Map<string, number> | RiskInputError => {
  const out = new Map<string, number>()
  for (const name of inputs(model)) {
    const j = table.featureNames.indexOf(name)
    if (j === -1) return missingFeature(name, table.featureNames)
    out.set(name, j)
  }
  return out
}

/** The table's rows as the model's row-major feature matrix (derived features computed, no transforms). */
export const matrixOf = (model: Pick<Model, "features" | "derived">, table: History.HistoryTable): Float64Array | RiskInputError => {
  const columns = columnsOf(model, table)
  if (columns instanceof RiskInputError) return columns
  const d = model.features.length
  const w = table.featureNames.length
  const n = table.rows
  const out = new Float64Array(n * d)
  const derived = new Map(model.derived.map((x) => [x.name, x]))
  for (let j = 0; j < d; j++) {
    const name = model.features[j]!
    const spec = derived.get(name)
    if (spec === undefined) {
      const c = columns.get(name)!
      for (let i = 0; i < n; i++) out[i * d + j] = table.X[i * w + c]!
    } else {
      const a = columns.get(spec.a)!
      const b = columns.get(spec.b)!
      for (let i = 0; i < n; i++) out[i * d + j] = derive(spec.op, table.X[i * w + a]!, table.X[i * w + b]!)
    }
  }
  return out
}
