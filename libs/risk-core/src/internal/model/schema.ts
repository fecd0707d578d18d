/**
 * The model file (`model.json`, version 1): its schema and types, shared by
 * every learner. Decoding lives in `decode.ts`, the per-kind checks in each
 * learner's module.
 */
import { Effect, Schema } from "effect"
import { RiskInputError } from "../../RiskInputError.ts"

/** The `format` marker of every model file. */
export const FORMAT = "rollwise-risk-model" as const

/** The model file version this library reads and writes. */
export const VERSION = 1 as const

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

/** The kinds of model this library fits and reads, one learner each (`learners.ts`). */
export type Kind = Model["kind"]

/** A model file that cannot be used: reason `InvalidModel`, naming the field where one applies. */
export const invalidModel = (message: string, field?: string): RiskInputError =>
  new RiskInputError({ reason: "InvalidModel", message, ...(field !== undefined ? { field } : {}) })

/**
 * The fields every model file starts with, in file order. A learner's `fit`
 * spreads it before its own fields, so every kind writes the same header.
 */
export const header = <K extends Kind>(
  kind: K,
  features: ReadonlyArray<string>,
  derived: ReadonlyArray<DerivedFeature>,
  transforms: ReadonlyArray<FeatureTransform>,
  training: Training
) => ({
  format: FORMAT,
  version: VERSION,
  kind,
  features: [...features],
  derived: [...derived],
  transforms: [...transforms],
  calibration: { method: "none" } as Calibration,
  training
})
