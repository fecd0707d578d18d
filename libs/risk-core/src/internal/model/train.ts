/**
 * Training: options and their checks, the validation split (newest rows by
 * default), recency weights, calibration on the validation rows and the
 * optional refit. The fit itself is the learner's (`learners.ts`).
 */
import { Effect } from "effect"
import * as History from "../../History.ts"
import { RiskInputError } from "../../RiskInputError.ts"
import { fitIsotonic, fitPlatt } from "../calibration.ts"
import { auc, sigmoid } from "../metrics.ts"
import { mulberry32, permutation } from "../prng.ts"
import { matrixOf } from "./features.ts"
import type { FitRequest, Rows, Settings, TransformChoice } from "./learner.ts"
import { isKind, kinds, learnerFor } from "./learners.ts"
import type { Calibration, DerivedFeature, Kind, Model, Training } from "./schema.ts"

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
  readonly transforms?: TransformChoice
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

const resolveOptions = (options: TrainOptions): Settings | RiskInputError => {
  const o: Settings = {
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
    [isKind(o.kind), "kind", `kind must be ${kinds.map((k) => JSON.stringify(k)).join(" or ")}, got ${JSON.stringify(o.kind)}`],
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

/** Fit one uncalibrated model on `rows` with the learner of `o.kind` (validation rows only steer GBDT early stopping). */
const fitModel = (
  o: Settings,
  features: ReadonlyArray<string>,
  derived: ReadonlyArray<DerivedFeature>,
  transforms: TransformChoice | undefined,
  rows: Rows,
  validation: Rows | undefined,
  trees: number,
  params: Record<string, number | string | boolean>
): Model => {
  const weights = o.recencyHalfLife === undefined ? undefined : recencyWeights(rows.n, o.recencyHalfLife)
  const training: Training = { rows: rows.n, positives: countPositives(rows.y), validationRows: validation?.n ?? 0, auc: null, params }
  const request: FitRequest = { settings: o, features, derived, transforms, rows, validation, trees, weights, training, params }
  return learnerFor(o.kind).fit(request)
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
    const learner = learnerFor(o.kind)
    Object.assign(params, learner.params(o))
    let model = fitModel(o, features, derived, options.transforms, fit, val.n > 0 ? val : undefined, o.trees, params)

    // calibrate and score on the validation rows
    const valPositives = countPositives(val.y)
    let calibration: Calibration = { method: "none" }
    let validationAuc: number | null = null
    if (val.n > 0 && valPositives > 0 && valPositives < val.n) {
      const z = learner.scoreMatrix(model, val.X, val.n)
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
      const trees = learner.refitTrees(model, o, n, fit.n)
      model = fitModel(o, features, derived, options.transforms, all, undefined, trees, params)
      model = { ...model, training: { ...model.training, validationRows: val.n } }
    }
    return { ...model, calibration, training: { ...model.training, auc: validationAuc } }
  })
