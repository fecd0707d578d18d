/**
 * What every kind of model provides: one module per learner
 * (`logistic.ts`, `gbdt.ts`) implements this, and `learners.ts` keys them by
 * `kind`. Nothing outside `learners.ts` branches on `kind`.
 */
import type { Effect } from "effect"
import type { RiskInputError } from "../../RiskInputError.ts"
import type { DerivedFeature, FeatureTransform, Kind, Model, Training } from "./schema.ts"

/** Logistic feature transforms as a caller asks for them (see `TrainOptions.transforms`). */
export type TransformChoice = "auto" | "none" | "log1p" | Readonly<Record<string, FeatureTransform>>

/** Training options with every default filled in and checked. */
export interface Settings {
  readonly kind: Kind
  readonly seed: number
  readonly l2: number
  readonly trees: number
  readonly depth: number
  readonly learningRate: number
  readonly subsample: number
  readonly featureFraction: number
  readonly minChildWeight: number
  readonly bins: number
  readonly earlyStoppingRounds: number
  readonly validationFraction: number
  readonly timeOrdered: boolean
  readonly calibration: "platt" | "isotonic" | "none"
  readonly recencyHalfLife: number | undefined
  readonly refit: boolean
}

/** Rows of a row-major feature matrix (`X[i·d + j]`, the model's feature order) with their labels. */
export interface Rows {
  readonly X: Float64Array
  readonly y: Uint8Array
  readonly n: number
}

/** Everything a learner's `fit` needs; the split, weights and calibration are decided by the caller. */
export interface FitRequest {
  readonly settings: Settings
  readonly features: ReadonlyArray<string>
  readonly derived: ReadonlyArray<DerivedFeature>
  readonly transforms: TransformChoice | undefined
  readonly rows: Rows
  /** Validation rows, for learners that stop early on them. */
  readonly validation: Rows | undefined
  /** GBDT: how many trees to grow at most. */
  readonly trees: number
  readonly weights: Float64Array | undefined
  readonly training: Training
  /** The `training.params` record (shared with `training`): a learner adds what its fit found (iterations, trees kept). */
  readonly params: Record<string, number | string | boolean>
}

/** One kind of model: how it is decoded, checked, scored, explained and fitted. */
export interface Learner<M extends Model> {
  readonly kind: M["kind"]
  /** Decode a file already known to be of this kind (schema only). */
  readonly decode: (input: unknown) => Effect.Effect<M, RiskInputError>
  /** Checks the schema cannot express (lengths, tree shape); `undefined` when sound. */
  readonly check: (model: M) => RiskInputError | undefined
  /** Raw score (log-odds, before calibration) of the feature vector at `x[offset…offset+d)`. */
  readonly score: (model: M, x: Float64Array, offset?: number) => number
  /** Raw scores of `n` rows of a row-major matrix, the fast path for tables; agrees with `score` row by row up to rounding. */
  readonly scoreMatrix: (model: M, X: Float64Array, n: number) => Float64Array
  /** Per-feature contributions to the raw score (they add up to it minus a constant baseline). */
  readonly contributions: (model: M, x: Float64Array) => Float64Array
  /** The parameters this kind records in `training.params`, beyond the shared ones. */
  readonly params: (settings: Settings) => Readonly<Record<string, number | string | boolean>>
  /** How many trees a refit on `rows` rows grows, given the model validated on `fitRows` rows. */
  readonly refitTrees: (model: M, settings: Settings, rows: number, fitRows: number) => number
  /** Fit one uncalibrated model (`calibration: none`, `training.auc: null`). */
  readonly fit: (request: FitRequest) => M
}
