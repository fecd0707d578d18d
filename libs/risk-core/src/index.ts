/**
 * Risk before a deploy: the ChangeSet and its features, the Phase 1 heuristic, Phase 2 models trained on deploy history, their evaluation, and strategy and pace per target.
 *
 * @since 0.1.0
 */

/** Peak-hour calendars: when a deploy counts as a peak-hour deploy. */
export * as Calendar from "./Calendar.ts"

/** The ChangeSet (`changes.json`): schema, decoding, dependency bump kinds and the numeric features models see. */
export * as ChangeSet from "./ChangeSet.ts"

/** The Decision (`strategy.json`): schema, target kinds, and the policy's mapping from a score to strategy, pace and steps. */
export * as Decision from "./Decision.ts"

/** Metrics of a risk model: AUC, Brier score, log loss, calibration table, and `evaluate` on a held-out history. */
export * as Evaluation from "./Evaluation.ts"

/** Phase 1: the weighted-sum heuristic with clamps, every contribution reported. */
export * as Heuristic from "./Heuristic.ts"

/** Deploy history tables (CSV or JSONL, numeric features plus a 0/1 label) and their errors. */
export * as History from "./History.ts"

/** Phase 2: versioned model files, training (logistic regression, gradient-boosted trees), prediction, explanation and decisions. */
export * as Model from "./Model.ts"

/** The risk policy (`policy.yaml`): weights, thresholds, pace bands, steps and calendar, merged over documented defaults. */
export * as RiskPolicy from "./RiskPolicy.ts"

/** The one error of this library: bad input (`_tag: "RiskInputError"`, exit code 3 in the CLI). */
export { RiskInputError } from "./RiskInputError.ts"
