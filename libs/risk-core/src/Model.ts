import { Effect, Schema } from "effect"
import * as ChangeSet from "./ChangeSet.ts"
import * as Decision from "./Decision.ts"
import * as History from "./History.ts"
import { applyIsotonic, fitIsotonic, fitPlatt } from "./internal/calibration.ts"
import { fitGbdt } from "./internal/gbdt.ts"
import { decodeInput } from "./internal/decode.ts"
import { fitLogistic } from "./internal/logistic.ts"
import { auc, sigmoid } from "./internal/metrics.ts"
import { mulberry32, permutation } from "./internal/prng.ts"
import type * as RiskPolicy from "./RiskPolicy.ts"
import { RiskInputError } from "./RiskInputError.ts"

/** The `format` marker of every model file. */
export const FORMAT = "rollwise-risk-model"

/** The model file version this library reads and writes. */
export const VERSION = 1

const NonEmpty = Schema.String.check(Schema.isMinLength(1))
const Finite = Schema.Finite
const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/**
 * How a feature is squashed before the model sees it: `none`, or `log1p`
 * (`sign(x)·ln(1 + |x|)`, for heavy-tailed counts like lines added).
 */
export const FeatureTransform = Schema.Literals(["none", "log1p"])

/** @see {@link FeatureTransform} */
export type FeatureTransform = typeof FeatureTransform.Type

/**
 * A feature computed from two inputs before transforms: `ratio` is
 * `a / (|b| + 1)` (defined everywhere, e.g. lines added per line of the
 * touched files), `product` is `a·b` (an interaction).
 */
export const DerivedFeature = Schema.Struct({
  name: NonEmpty,
  op: Schema.Literals(["ratio", "product"]),
  a: NonEmpty,
  b: NonEmpty
})

/** @see {@link DerivedFeature} */
export type DerivedFeature = typeof DerivedFeature.Type

/**
 * Maps the model's raw score (log-odds) to a probability: `none` = σ(z),
 * `platt` = σ(a·z + b), `isotonic` = a non-decreasing step function of σ(z)
 * (`values[k]` for scores up to `thresholds[k]`). Fitted on the validation
 * rows.
 */
export const Calibration = Schema.Union([
  Schema.Struct({ method: Schema.Literal("none") }),
  Schema.Struct({ method: Schema.Literal("platt"), a: Finite, b: Finite }),
  Schema.Struct({
    method: Schema.Literal("isotonic"),
    thresholds: Schema.Array(Finite),
    values: Schema.Array(Finite.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(1)))
  })
])

/** @see {@link Calibration} */
export type Calibration = typeof Calibration.Type

/**
 * What training saw: rows and positives used for fitting, the validation
 * rows (the newest ones when the split is by time), the validation AUC
 * (`null` without a validation set with both labels), and every parameter.
 */
export const Training = Schema.Struct({
  rows: Count,
  positives: Count,
  validationRows: Count,
  auc: Schema.NullOr(Finite),
  params: Schema.Record(Schema.String, Schema.Union([Finite, Schema.String, Schema.Boolean]))
})

/** @see {@link Training} */
export type Training = typeof Training.Type

/**
 * One regression tree as parallel arrays, node 0 the root. A leaf has
 * `feature` -1 and its output (log-odds, shrinkage included) in `value`. An
 * internal node sends `x[feature] <= threshold` to `left`, else `right`; its
 * `value` is the cover-weighted mean of its leaves and `cover` the hessian
 * mass of the training rows that reached it (used for contributions).
 */
export const Tree = Schema.Struct({
  feature: Schema.Array(Schema.Int.check(Schema.isGreaterThanOrEqualTo(-1))),
  threshold: Schema.Array(Finite),
  left: Schema.Array(Schema.Int),
  right: Schema.Array(Schema.Int),
  value: Schema.Array(Finite),
  cover: Schema.Array(Finite.check(Schema.isGreaterThanOrEqualTo(0)))
})

/** @see {@link Tree} */
export type Tree = typeof Tree.Type

const common = {
  format: Schema.Literal(FORMAT),
  version: Schema.Literal(VERSION),
  features: Schema.Array(NonEmpty).check(Schema.isMinLength(1)),
  derived: Schema.Array(DerivedFeature).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
  transforms: Schema.Array(FeatureTransform),
  calibration: Calibration,
  training: Training
}

/**
 * A logistic regression: `z = intercept + Σ coefficients[j]·(t(x_j) −
 * mean[j]) / std[j]` with `t` the feature's transform.
 */
export const LogisticModel = Schema.Struct({
  ...common,
  kind: Schema.Literal("logistic"),
  scaling: Schema.Struct({ mean: Schema.Array(Finite), std: Schema.Array(Finite.check(Schema.isGreaterThan(0))) }),
  intercept: Finite,
  coefficients: Schema.Array(Finite)
})

/** @see {@link LogisticModel} */
export type LogisticModel = typeof LogisticModel.Type

/** Gradient-boosted trees: `z = baseScore + Σ tree(x)` on untransformed features. */
export const GbdtModel = Schema.Struct({
  ...common,
  kind: Schema.Literal("gbdt"),
  baseScore: Finite,
  trees: Schema.Array(Tree)
})

/** @see {@link GbdtModel} */
export type GbdtModel = typeof GbdtModel.Type

/**
 * The model file (`model.json`), version 1: `{format: "rollwise-risk-model",
 * version: 1, kind, features, derived, transforms, calibration, training}`
 * plus `scaling`, `intercept` and `coefficients` (logistic) or `baseScore`
 * and `trees` (gbdt). A model is plain data: `JSON.stringify(model)` is the
 * file.
 */
export const ModelFile = Schema.Union([LogisticModel, GbdtModel])

/** A decoded model. */
export type Model = typeof ModelFile.Type

/** The kinds of model {@link train} fits. */
export type Kind = Model["kind"]

const invalid = (message: string, field?: string) =>
  new RiskInputError({ reason: "InvalidModel", message, ...(field !== undefined ? { field } : {}) })

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
  if (model.kind === "logistic") {
    if (model.coefficients.length !== d) return invalid(`model: ${model.coefficients.length} coefficients for ${d} features`, "coefficients")
    if (model.scaling.mean.length !== d || model.scaling.std.length !== d) {
      return invalid(`model: scaling must have ${d} means and ${d} standard deviations`, "scaling")
    }
    return undefined
  }
  for (let t = 0; t < model.trees.length; t++) {
    const tree = model.trees[t]!
    const m = tree.feature.length
    const field = `trees[${t}]`
    if (m === 0) return invalid(`model: ${field} has no nodes`, field)
    for (const key of ["threshold", "left", "right", "value", "cover"] as const) {
      if (tree[key].length !== m) return invalid(`model: ${field}.${key} has ${tree[key].length} entries for ${m} nodes`, `${field}.${key}`)
    }
    for (let k = 0; k < m; k++) {
      const f = tree.feature[k]!
      if (f === -1) continue
      if (f >= d) return invalid(`model: ${field} node ${k} splits on feature ${f}, but there are ${d} features`, field)
      const l = tree.left[k]!
      const r = tree.right[k]!
      // children come after their parent: no cycles, every walk ends at a leaf
      if (!(l > k && l < m && r > k && r < m)) return invalid(`model: ${field} node ${k} has invalid children`, field)
    }
  }
  return undefined
}

const decodeLogistic = decodeInput(LogisticModel, "InvalidModel", "model")
const decodeGbdt = decodeInput(GbdtModel, "InvalidModel", "model")

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
  const decoded: Effect.Effect<Model, RiskInputError> =
    record["kind"] === "logistic"
      ? decodeLogistic(input)
      : record["kind"] === "gbdt"
      ? decodeGbdt(input)
      : Effect.fail(invalid(`model: kind: expected "logistic" | "gbdt", got ${JSON.stringify(record["kind"] ?? null)}`, "kind"))
  return Effect.flatMap(decoded, (model) => {
    const problem = checkShape(model)
    return problem === undefined ? Effect.succeed(model) : Effect.fail(problem)
  })
}

// ---------------------------------------------------------------------------
// Feature vectors

const signedLog1p = (x: number): number => (x >= 0 ? Math.log1p(x) : -Math.log1p(-x))

const derive = (op: DerivedFeature["op"], a: number, b: number): number => (op === "ratio" ? a / (Math.abs(b) + 1) : a * b)

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

const missingFeature = (name: string, available: ReadonlyArray<string>) =>
  new RiskInputError({
    reason: "MissingFeature",
    field: name,
    message: `model feature "${name}" is missing from the input (available: ${available.join(", ") || "none"})`
  })

/** The model's feature vector (before transforms) for a record, or the first missing feature. */
const vectorOf = (model: Model, features: Readonly<Record<string, number>>): Float64Array | RiskInputError => {
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
const matrixOf = (model: Pick<Model, "features" | "derived">, table: History.HistoryTable): Float64Array | RiskInputError => {
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

// ---------------------------------------------------------------------------
// Scoring

const rawScore = (model: Model, x: Float64Array, offset = 0): number => {
  const d = model.features.length
  if (model.kind === "logistic") {
    let z = model.intercept
    for (let j = 0; j < d; j++) {
      const v = model.transforms[j] === "log1p" ? signedLog1p(x[offset + j]!) : x[offset + j]!
      z += (model.coefficients[j]! * (v - model.scaling.mean[j]!)) / model.scaling.std[j]!
    }
    return z
  }
  let z = model.baseScore
  for (const tree of model.trees) {
    let node = 0
    while (tree.feature[node]! !== -1) {
      node = x[offset + tree.feature[node]!]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!
    }
    z += tree.value[node]!
  }
  return z
}

const calibrate = (calibration: Calibration, z: number): number => {
  switch (calibration.method) {
    case "none":
      return sigmoid(z)
    case "platt":
      return sigmoid(calibration.a * z + calibration.b)
    case "isotonic":
      return applyIsotonic(calibration.thresholds, calibration.values, sigmoid(z))
  }
}

/**
 * The calibrated failure probability for one deploy's features (a
 * ChangeSet's {@link ChangeSet.features}, or a history row by name). Throws
 * a {@link RiskInputError} (`MissingFeature`) when a model input is absent;
 * {@link decide} checks first and fails in the error channel instead.
 */
export const predict = (model: Model, features: Readonly<Record<string, number>>): number => {
  const x = vectorOf(model, features)
  if (x instanceof RiskInputError) throw x
  return calibrate(model.calibration, rawScore(model, x))
}

/**
 * Calibrated probabilities for every row of a table, matched by column name
 * (extra columns are ignored). Throws a {@link RiskInputError}
 * (`MissingFeature`) when the table lacks a model input; use
 * {@link predictTable} for the Effect version.
 */
export const predictMany = (model: Model, table: History.HistoryTable): Float64Array => {
  const X = matrixOf(model, table)
  if (X instanceof RiskInputError) throw X
  return scoreMatrix(model, X, table.rows, true)
}

/** {@link predictMany} with a missing column as a typed failure. */
export const predictTable = (model: Model, table: History.HistoryTable): Effect.Effect<Float64Array, RiskInputError> => {
  const X = matrixOf(model, table)
  return X instanceof RiskInputError ? Effect.fail(X) : Effect.succeed(scoreMatrix(model, X, table.rows, true))
}

const scoreMatrix = (model: Model, X: Float64Array, n: number, calibrated: boolean): Float64Array => {
  const d = model.features.length
  const out = new Float64Array(n)
  if (model.kind === "logistic") {
    // fold the scaling into the coefficients once
    const w = new Float64Array(d)
    let b = model.intercept
    for (let j = 0; j < d; j++) {
      w[j] = model.coefficients[j]! / model.scaling.std[j]!
      b -= w[j]! * model.scaling.mean[j]!
    }
    const log = model.transforms.map((t) => t === "log1p")
    for (let i = 0; i < n; i++) {
      let z = b
      const row = i * d
      for (let j = 0; j < d; j++) {
        const v = X[row + j]!
        z += w[j]! * (log[j] ? (v >= 0 ? Math.log1p(v) : -Math.log1p(-v)) : v)
      }
      out[i] = z
    }
  } else {
    // all trees packed into flat typed arrays; rows in cache-sized blocks so each
    // block of the (large, row-major) matrix is read once for every tree
    let nodes = 0
    for (const tree of model.trees) nodes += tree.feature.length
    const feature = new Int32Array(nodes)
    const threshold = new Float64Array(nodes)
    const left = new Int32Array(nodes)
    const right = new Int32Array(nodes)
    const value = new Float64Array(nodes)
    const roots = new Int32Array(model.trees.length)
    let at = 0
    model.trees.forEach((tree, t) => {
      roots[t] = at
      for (let k = 0; k < tree.feature.length; k++) {
        feature[at + k] = tree.feature[k]!
        threshold[at + k] = tree.threshold[k]!
        left[at + k] = at + tree.left[k]!
        right[at + k] = at + tree.right[k]!
        value[at + k] = tree.value[k]!
      }
      at += tree.feature.length
    })
    let adjacent = true
    for (let k = 0; k < nodes && adjacent; k++) if (feature[k] !== -1 && right[k] !== left[k]! + 1) adjacent = false
    out.fill(model.baseScore)
    const block = 256
    for (let start = 0; start < n; start += block) {
      const end = Math.min(n, start + block)
      for (let t = 0; t < roots.length; t++) {
        const root = roots[t]!
        if (adjacent) {
          // right child = left child + 1: step without a data-dependent branch
          for (let i = start; i < end; i++) {
            const row = i * d
            let node = root
            let f = feature[node]!
            while (f !== -1) {
              node = left[node]! + Number(X[row + f]! > threshold[node]!)
              f = feature[node]!
            }
            out[i] = out[i]! + value[node]!
          }
        } else {
          for (let i = start; i < end; i++) {
            const row = i * d
            let node = root
            let f = feature[node]!
            while (f !== -1) {
              node = X[row + f]! <= threshold[node]! ? left[node]! : right[node]!
              f = feature[node]!
            }
            out[i] = out[i]! + value[node]!
          }
        }
      }
    }
  }
  if (calibrated) for (let i = 0; i < n; i++) out[i] = calibrate(model.calibration, out[i]!)
  return out
}

/**
 * Per-feature contributions to the model's log-odds for one deploy, largest
 * |contribution| first. Logistic: coefficient × standardized (transformed)
 * value. GBDT: path contributions (Saabas): along each tree's decision path,
 * the change in the node's expected value is credited to the feature split
 * on. In both cases the contributions add up to the raw log-odds minus the
 * model's baseline (intercept, or base score plus the trees' expected
 * values); with Platt calibration they are scaled by its slope, so they add
 * up to the calibrated log-odds minus the calibrated baseline. Throws like
 * {@link predict} on a missing input.
 */
export const explain = (model: Model, features: Readonly<Record<string, number>>): ReadonlyArray<Decision.Reason> => {
  const x = vectorOf(model, features)
  if (x instanceof RiskInputError) throw x
  const d = model.features.length
  const contributions = new Float64Array(d)
  if (model.kind === "logistic") {
    for (let j = 0; j < d; j++) {
      const v = model.transforms[j] === "log1p" ? signedLog1p(x[j]!) : x[j]!
      contributions[j] = (model.coefficients[j]! * (v - model.scaling.mean[j]!)) / model.scaling.std[j]!
    }
  } else {
    for (const tree of model.trees) {
      let node = 0
      while (tree.feature[node]! !== -1) {
        const f = tree.feature[node]!
        const next = x[f]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!
        contributions[f] = contributions[f]! + tree.value[next]! - tree.value[node]!
        node = next
      }
    }
  }
  const scale = model.calibration.method === "platt" ? model.calibration.a : 1
  return model.features
    .map((feature, j) => ({ feature, value: x[j]!, contribution: contributions[j]! * scale }))
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
}

/**
 * A short, stable fingerprint of a model's content (FNV-1a over its
 * canonical JSON, 8 hex digits): decisions carry it in `model.version` as
 * `1+<fingerprint>` so evidence says exactly which model decided.
 */
export const fingerprint = (model: Model): string => {
  const canonical = (u: unknown): string =>
    Array.isArray(u)
      ? `[${u.map(canonical).join(",")}]`
      : typeof u === "object" && u !== null
      ? `{${Object.keys(u).sort().map((k) => `${JSON.stringify(k)}:${canonical((u as Record<string, unknown>)[k])}`).join(",")}}`
      : JSON.stringify(u)
  const text = canonical(model)
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0).toString(16).padStart(8, "0")
}

/**
 * The Phase 2 decision: risk_score = 100 × calibrated failure probability,
 * reasons from {@link explain} (log-odds), and strategy, pace and steps from
 * the policy's mapping, exactly as for the heuristic ({@link Decision.make}).
 * Fails with `MissingFeature` when the ChangeSet lacks a model feature (for
 * instance an `extra.*` the model was trained with).
 */
export const decide = (
  cs: ChangeSet.ChangeSet,
  model: Model,
  policy: RiskPolicy.RiskPolicy,
  target: Decision.TargetKind
): Effect.Effect<Decision.Decision, RiskInputError> => {
  const features = ChangeSet.features(cs, policy.calendar)
  const x = vectorOf(model, features)
  if (x instanceof RiskInputError) return Effect.fail(x)
  const probability = calibrate(model.calibration, rawScore(model, x))
  return Effect.succeed(
    Decision.make(
      {
        score: 100 * probability,
        reasons: explain(model, features),
        model: { kind: model.kind, version: `${VERSION}+${fingerprint(model)}` },
        features
      },
      policy,
      target
    )
  )
}

// ---------------------------------------------------------------------------
// Training

/** How {@link train} fits a model. Every field but `kind` has a default. */
export interface TrainOptions {
  readonly kind: Kind
  /** Seeds GBDT subsampling and the random split when `timeOrdered` is false. Default 1. */
  readonly seed?: number
  /** L2 penalty: on the coefficients (logistic, sum-of-losses scale) or on leaf values (gbdt λ). Default 1. */
  readonly l2?: number
  /** GBDT: number of trees (fewer with early stopping). Default 300. */
  readonly trees?: number
  /** GBDT: tree depth. Default 3. */
  readonly depth?: number
  /** GBDT: shrinkage. Default 0.05. */
  readonly learningRate?: number
  /** GBDT: fraction of rows per tree. Default 0.8. */
  readonly subsample?: number
  /** GBDT: fraction of features per tree. Default 1. */
  readonly featureFraction?: number
  /** GBDT: minimum hessian mass per child. Default 1. */
  readonly minChildWeight?: number
  /** GBDT: bins per feature (2–256). Default 64. */
  readonly bins?: number
  /** GBDT: stop after this many trees without a better validation log loss; 0 = never. Default 50. */
  readonly earlyStoppingRounds?: number
  /** Share of rows held out for validation (AUC, calibration, early stopping), 0 to 0.9. Default 0.2. */
  readonly validationFraction?: number
  /**
   * Hold out the last rows (the newest, when the table is in time order) —
   * the default, and the only honest split for deploy history. `false`
   * holds out a seeded random sample instead.
   */
  readonly timeOrdered?: boolean
  /** Calibration fitted on the validation rows. Default `platt`. */
  readonly calibration?: "platt" | "isotonic" | "none"
  /**
   * Logistic feature transforms: `auto` (default) applies log1p to every
   * feature that is non-negative and exceeds 1 on the training rows; `none`;
   * `log1p` (every feature); or one per feature name. GBDT ignores
   * transforms (trees are invariant to monotone maps).
   */
  readonly transforms?: "auto" | "none" | "log1p" | Readonly<Record<string, FeatureTransform>>
  /** Features computed from the table's columns (ratios, interactions). */
  readonly derived?: ReadonlyArray<DerivedFeature>
  /**
   * Weigh recent history more: a training row's weight halves for every
   * `recencyHalfLife` × (training rows) rows it lies before the newest one
   * (rows in table order, i.e. time order when the table has a time column).
   * Deploy history drifts (teams, code and labelling change), so recent rows
   * are better evidence. Absent: every row weighs the same.
   */
  readonly recencyHalfLife?: number
  /**
   * After validation, fit again on every row, the newest included (they are
   * the best evidence when history drifts). The calibration and the
   * recorded validation AUC come from the model fitted before the refit;
   * GBDT refits with its early-stopped tree count scaled by the row ratio.
   * Default false: the shipped model is the validated one.
   */
  readonly refit?: boolean
}

const optionError = (message: string, field: string) =>
  new RiskInputError({ reason: "InvalidOptions", message, field })

const resolveOptions = (options: TrainOptions) => {
  const o = {
    kind: options.kind,
    seed: options.seed ?? 1,
    l2: options.l2 ?? 1,
    trees: options.trees ?? 300,
    depth: options.depth ?? 3,
    learningRate: options.learningRate ?? 0.05,
    subsample: options.subsample ?? 0.8,
    featureFraction: options.featureFraction ?? 1,
    minChildWeight: options.minChildWeight ?? 1,
    bins: options.bins ?? 64,
    earlyStoppingRounds: options.earlyStoppingRounds ?? 50,
    validationFraction: options.validationFraction ?? 0.2,
    timeOrdered: options.timeOrdered ?? true,
    calibration: options.calibration ?? "platt",
    recencyHalfLife: options.recencyHalfLife,
    refit: options.refit ?? false
  }
  const checks: ReadonlyArray<readonly [boolean, string, string]> = [
    [o.kind === "logistic" || o.kind === "gbdt", "kind", `kind must be "logistic" or "gbdt", got ${JSON.stringify(o.kind)}`],
    [Number.isInteger(o.seed), "seed", `seed must be an integer, got ${o.seed}`],
    [Number.isFinite(o.l2) && o.l2 >= 0, "l2", `l2 must be a finite number ≥ 0, got ${o.l2}`],
    [Number.isInteger(o.trees) && o.trees >= 1 && o.trees <= 100_000, "trees", `trees must be an integer from 1 to 100000, got ${o.trees}`],
    [Number.isInteger(o.depth) && o.depth >= 1 && o.depth <= 16, "depth", `depth must be an integer from 1 to 16, got ${o.depth}`],
    [o.learningRate > 0 && o.learningRate <= 1, "learningRate", `learningRate must be in (0, 1], got ${o.learningRate}`],
    [o.subsample > 0 && o.subsample <= 1, "subsample", `subsample must be in (0, 1], got ${o.subsample}`],
    [o.featureFraction > 0 && o.featureFraction <= 1, "featureFraction", `featureFraction must be in (0, 1], got ${o.featureFraction}`],
    [Number.isFinite(o.minChildWeight) && o.minChildWeight >= 0, "minChildWeight", `minChildWeight must be ≥ 0, got ${o.minChildWeight}`],
    [Number.isInteger(o.bins) && o.bins >= 2 && o.bins <= 256, "bins", `bins must be an integer from 2 to 256, got ${o.bins}`],
    [Number.isInteger(o.earlyStoppingRounds) && o.earlyStoppingRounds >= 0, "earlyStoppingRounds", `earlyStoppingRounds must be an integer ≥ 0, got ${o.earlyStoppingRounds}`],
    [o.validationFraction >= 0 && o.validationFraction <= 0.9, "validationFraction", `validationFraction must be in [0, 0.9], got ${o.validationFraction}`],
    [o.recencyHalfLife === undefined || (Number.isFinite(o.recencyHalfLife) && o.recencyHalfLife > 0), "recencyHalfLife", `recencyHalfLife must be a number > 0, got ${o.recencyHalfLife}`],
    [["platt", "isotonic", "none"].includes(o.calibration), "calibration", `calibration must be "platt", "isotonic" or "none", got ${JSON.stringify(o.calibration)}`]
  ]
  for (const [okay, field, message] of checks) if (!okay) return optionError(message, field)
  return o
}

const countPositives = (y: Uint8Array): number => {
  let p = 0
  for (let i = 0; i < y.length; i++) p += y[i]!
  return p
}

type Options = Exclude<ReturnType<typeof resolveOptions>, RiskInputError>

interface Rows {
  readonly X: Float64Array
  readonly y: Uint8Array
  readonly n: number
}

/** Row weights that halve every `halfLife` × n rows back from the newest, normalized to mean 1. */
const recencyWeights = (n: number, halfLife: number): Float64Array => {
  const weights = new Float64Array(n)
  let sum = 0
  for (let k = 0; k < n; k++) {
    weights[k] = Math.pow(0.5, (n - 1 - k) / n / halfLife)
    sum += weights[k]!
  }
  for (let k = 0; k < n; k++) weights[k] = (weights[k]! * n) / sum
  return weights
}

/** Fit one uncalibrated model on `rows` (validation rows only steer GBDT early stopping). */
const fitModel = (
  o: Options,
  features: ReadonlyArray<string>,
  derived: ReadonlyArray<DerivedFeature>,
  transformOption: TrainOptions["transforms"],
  rows: Rows,
  validation: Rows | undefined,
  trees: number,
  params: Record<string, number | string | boolean>
): Model => {
  const d = features.length
  const weights = o.recencyHalfLife === undefined ? undefined : recencyWeights(rows.n, o.recencyHalfLife)
  const training: Training = { rows: rows.n, positives: countPositives(rows.y), validationRows: validation?.n ?? 0, auc: null, params }
  if (o.kind === "logistic") {
    const transforms: Array<FeatureTransform> = features.map((name, j) => {
      const t = transformOption ?? "auto"
      if (t === "none" || t === "log1p") return t
      if (typeof t === "object") return t[name] ?? "none"
      let min = Number.POSITIVE_INFINITY
      let max = Number.NEGATIVE_INFINITY
      for (let i = 0; i < rows.n; i++) {
        const v = rows.X[i * d + j]!
        if (v < min) min = v
        if (v > max) max = v
      }
      return min >= 0 && max > 1 ? "log1p" : "none"
    })
    const mean = new Float64Array(d)
    const std = new Float64Array(d)
    const Z = new Float64Array(rows.n * d)
    for (let j = 0; j < d; j++) {
      const log = transforms[j] === "log1p"
      let sum = 0
      for (let i = 0; i < rows.n; i++) {
        const v = log ? signedLog1p(rows.X[i * d + j]!) : rows.X[i * d + j]!
        Z[i * d + j] = v
        sum += v
      }
      const mu = sum / rows.n
      let ss = 0
      for (let i = 0; i < rows.n; i++) ss += (Z[i * d + j]! - mu) ** 2
      const sigma = Math.sqrt(ss / rows.n)
      mean[j] = mu
      std[j] = sigma > 1e-12 ? sigma : 1
      for (let i = 0; i < rows.n; i++) Z[i * d + j] = (Z[i * d + j]! - mu) / std[j]!
    }
    const result = fitLogistic(Z, rows.y, rows.n, d, o.l2, weights)
    params["iterations"] = result.iterations
    params["converged"] = result.converged
    return {
      format: FORMAT,
      version: VERSION,
      kind: "logistic",
      features: [...features],
      derived: [...derived],
      transforms,
      calibration: { method: "none" },
      training,
      scaling: { mean: [...mean], std: [...std] },
      intercept: result.intercept,
      coefficients: [...result.coefficients]
    }
  }
  const result = fitGbdt(
    rows.X,
    rows.y,
    rows.n,
    d,
    {
      trees,
      depth: o.depth,
      learningRate: o.learningRate,
      l2: o.l2,
      minChildWeight: o.minChildWeight,
      subsample: o.subsample,
      featureFraction: o.featureFraction,
      bins: o.bins,
      earlyStoppingRounds: validation !== undefined ? o.earlyStoppingRounds : 0,
      seed: o.seed
    },
    validation,
    weights
  )
  params["treesKept"] = result.trees.length
  return {
    format: FORMAT,
    version: VERSION,
    kind: "gbdt",
    features: [...features],
    derived: [...derived],
    transforms: features.map(() => "none" as const),
    calibration: { method: "none" },
    training,
    baseScore: result.baseScore,
    trees: result.trees.map((t) => ({ ...t }))
  }
}

/**
 * Train a model on a history table. Checks that the table can train
 * ({@link History.checkTrainable}: both labels, no constant column), holds
 * out the last `validationFraction` of the rows (time order) for validation,
 * fits on the rest, fits the calibration on the validation rows, and records
 * the validation AUC. With `refit`, it then fits again on every row (GBDT
 * with the early-stopped tree count scaled by the row ratio) and keeps the
 * calibration. Logistic: standardized (optionally log1p-transformed)
 * features, L2, Newton/IRLS. GBDT: histogram trees on log loss with
 * shrinkage, seeded subsampling and early stopping. Deterministic for a
 * given table and options.
 */
export const train = (table: History.HistoryTable, options: TrainOptions): Effect.Effect<Model, RiskInputError> =>
  Effect.gen(function*() {
    const o = resolveOptions(options)
    if (o instanceof RiskInputError) return yield* Effect.fail(o)
    yield* History.checkTrainable(table)
    const derived = options.derived ?? []
    for (const spec of derived) {
      for (const operand of [spec.a, spec.b]) {
        if (!table.featureNames.includes(operand)) {
          return yield* Effect.fail(optionError(`derived feature "${spec.name}" uses column "${operand}", which the history lacks`, "derived"))
        }
      }
      if (table.featureNames.includes(spec.name) || derived.filter((x) => x.name === spec.name).length > 1) {
        return yield* Effect.fail(optionError(`derived feature "${spec.name}" clashes with another feature`, "derived"))
      }
    }
    const features = [...table.featureNames, ...derived.map((x) => x.name)]
    const n = table.rows
    const d = features.length
    const X = matrixOf({ features, derived }, table)
    if (X instanceof RiskInputError) return yield* Effect.fail(X)

    // split: the newest rows validate (or a seeded random sample when not time-ordered)
    const nVal = Math.floor(n * o.validationFraction)
    const order = o.timeOrdered ? undefined : permutation(n, mulberry32(o.seed))
    const trainIdx = new Uint32Array(n - nVal)
    const valIdx = new Uint32Array(nVal)
    for (let i = 0; i < n - nVal; i++) trainIdx[i] = order === undefined ? i : order[i]!
    for (let i = 0; i < nVal; i++) valIdx[i] = order === undefined ? n - nVal + i : order[n - nVal + i]!
    if (!o.timeOrdered) {
      trainIdx.sort()
      valIdx.sort()
    }
    const take = (idx: Uint32Array): Rows => {
      const out = new Float64Array(idx.length * d)
      const labels = new Uint8Array(idx.length)
      for (let k = 0; k < idx.length; k++) {
        out.set(X.subarray(idx[k]! * d, idx[k]! * d + d), k * d)
        labels[k] = table.y[idx[k]!]!
      }
      return { X: out, y: labels, n: idx.length }
    }
    const fit = take(trainIdx)
    const val = take(valIdx)
    const fitPositives = countPositives(fit.y)
    if (fitPositives === 0 || fitPositives === fit.n) {
      return yield* Effect.fail(
        new RiskInputError({
          reason: "NotTrainable",
          message: `the ${fit.n} training rows (before the validation split) all have label ${fitPositives === 0 ? 0 : 1}; lower validationFraction or add history`
        })
      )
    }

    const params: Record<string, number | string | boolean> = {
      seed: o.seed,
      l2: o.l2,
      validationFraction: o.validationFraction,
      timeOrdered: o.timeOrdered,
      calibration: o.calibration,
      refit: o.refit
    }
    if (o.recencyHalfLife !== undefined) params["recencyHalfLife"] = o.recencyHalfLife
    if (o.kind === "gbdt") {
      Object.assign(params, {
        trees: o.trees,
        depth: o.depth,
        learningRate: o.learningRate,
        subsample: o.subsample,
        featureFraction: o.featureFraction,
        minChildWeight: o.minChildWeight,
        bins: o.bins,
        earlyStoppingRounds: o.earlyStoppingRounds
      })
    }
    let model = fitModel(o, features, derived, options.transforms, fit, val.n > 0 ? val : undefined, o.trees, params)

    // calibrate and score on the validation rows
    const valPositives = countPositives(val.y)
    let calibration: Calibration = { method: "none" }
    let validationAuc: number | null = null
    if (val.n > 0 && valPositives > 0 && valPositives < val.n) {
      const z = scoreMatrix(model, val.X, val.n, false)
      if (o.calibration === "platt") calibration = { method: "platt", ...fitPlatt(z, val.y) }
      else if (o.calibration === "isotonic") {
        const iso = fitIsotonic(z.map(sigmoid), val.y)
        calibration = { method: "isotonic", thresholds: [...iso.thresholds], values: [...iso.values] }
      }
      validationAuc = auc(z, val.y)
    } else if (val.n > 0) {
      params["note"] = "validation rows have a single label: no calibration, no validation AUC"
    }
    if (o.refit && val.n > 0) {
      const all = take(Uint32Array.from({ length: n }, (_, i) => i))
      const trees = model.kind === "gbdt" ? Math.max(1, Math.round((model.trees.length * n) / fit.n)) : o.trees
      model = fitModel(o, features, derived, options.transforms, all, undefined, trees, params)
      model = { ...model, training: { ...model.training, validationRows: val.n } }
    }
    return { ...model, calibration, training: { ...model.training, auc: validationAuc } }
  })
