/**
 * Phase 2 models, the public face: the model file (schema and `decode`),
 * training, scoring, explanation and decisions. The work is split by job
 * under `internal/model/`: `schema.ts` (the file), `decodeModel.ts`,
 * `features.ts` (feature vectors), `train.ts`, and one learner module per
 * kind (`logistic.ts`, `gbdt.ts`) keyed by kind in `learners.ts` — the only
 * place that dispatches on `kind`.
 *
 * Errors: one style. Every failure is a {@link RiskInputError} in the
 * Effect's error channel ({@link decode}, {@link train}, {@link probability},
 * {@link predictTable}, {@link reasons}, {@link decide}); nothing throws.
 * Scripts that want a plain value run the Effect (`Effect.runSync`).
 */
import { Effect } from "effect"
import * as ChangeSet from "./ChangeSet.ts"
import * as Decision from "./Decision.ts"
import type * as History from "./History.ts"
import { applyIsotonic } from "./internal/calibration.ts"
import { matrixOf, vectorOf } from "./internal/model/features.ts"
import { learnerOf } from "./internal/model/learners.ts"
import { type Calibration, type Model, VERSION } from "./internal/model/schema.ts"
import { sigmoid } from "./internal/metrics.ts"
import type * as RiskPolicy from "./RiskPolicy.ts"
import { RiskInputError } from "./RiskInputError.ts"

export { decode } from "./internal/model/decodeModel.ts"
export { inputs } from "./internal/model/features.ts"
export {
  Calibration,
  DerivedFeature,
  FeatureTransform,
  FORMAT,
  GbdtModel,
  type Kind,
  LogisticModel,
  type Model,
  ModelFile,
  Training,
  Tree,
  VERSION
} from "./internal/model/schema.ts"
export { train, type TrainOptions } from "./internal/model/train.ts"

// ---------------------------------------------------------------------------
// Results: a value or the RiskInputError that says why not

const toEffect = <A>(result: A | RiskInputError): Effect.Effect<A, RiskInputError> =>
  result instanceof RiskInputError ? Effect.fail(result) : Effect.succeed(result)

// ---------------------------------------------------------------------------
// Scoring

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

const probabilityOf = (model: Model, features: Readonly<Record<string, number>>): number | RiskInputError => {
  const x = vectorOf(model, features)
  if (x instanceof RiskInputError) return x
  return calibrate(model.calibration, learnerOf(model).score(model, x))
}

const probabilitiesOf = (model: Model, table: History.HistoryTable): Float64Array | RiskInputError => {
  const X = matrixOf(model, table)
  if (X instanceof RiskInputError) return X
  const out = learnerOf(model).scoreMatrix(model, X, table.rows)
  for (let i = 0; i < table.rows; i++) out[i] = calibrate(model.calibration, out[i]!)
  return out
}

const reasonsOf = (model: Model, features: Readonly<Record<string, number>>): ReadonlyArray<Decision.Reason> | RiskInputError => {
  const x = vectorOf(model, features)
  if (x instanceof RiskInputError) return x
  const contributions = learnerOf(model).contributions(model, x)
  const scale = model.calibration.method === "platt" ? model.calibration.a : 1
  return model.features
    .map((feature, j) => ({ feature, value: x[j]!, contribution: contributions[j]! * scale }))
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
}

/**
 * The calibrated failure probability for one deploy's features (a
 * ChangeSet's {@link ChangeSet.features}, or a history row by name). Fails
 * with a {@link RiskInputError} (`MissingFeature`, `field` = the feature)
 * when a model input is absent.
 */
export const probability = (model: Model, features: Readonly<Record<string, number>>): Effect.Effect<number, RiskInputError> =>
  toEffect(probabilityOf(model, features))

/**
 * Calibrated probabilities for every row of a table, matched by column name
 * (extra columns are ignored). Fails with a {@link RiskInputError}
 * (`MissingFeature`) when the table lacks a model input.
 */
export const predictTable = (model: Model, table: History.HistoryTable): Effect.Effect<Float64Array, RiskInputError> =>
  toEffect(probabilitiesOf(model, table))

/**
 * Per-feature contributions to the model's log-odds for one deploy, largest
 * |contribution| first. Logistic: coefficient × standardized (transformed)
 * value. GBDT: path contributions (Saabas): along each tree's decision path,
 * the change in the node's expected value is credited to the feature split
 * on. In both cases the contributions add up to the raw log-odds minus the
 * model's baseline (intercept, or base score plus the trees' expected
 * values); with Platt calibration they are scaled by its slope, so they add
 * up to the calibrated log-odds minus the calibrated baseline. Fails with
 * `MissingFeature` like {@link probability}.
 */
export const reasons = (
  model: Model,
  features: Readonly<Record<string, number>>
): Effect.Effect<ReadonlyArray<Decision.Reason>, RiskInputError> => toEffect(reasonsOf(model, features))

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
 * reasons from {@link reasons} (log-odds), and strategy, pace and steps from
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
  const p = probabilityOf(model, features)
  if (p instanceof RiskInputError) return Effect.fail(p)
  const why = reasonsOf(model, features)
  if (why instanceof RiskInputError) return Effect.fail(why)
  return Effect.succeed(
    Decision.make(
      {
        score: 100 * p,
        reasons: why,
        model: { kind: model.kind, version: `${VERSION}+${fingerprint(model)}` },
        features
      },
      policy,
      target
    )
  )
}

