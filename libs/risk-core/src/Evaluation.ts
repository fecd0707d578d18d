import { Effect } from "effect"
import type * as History from "./History.ts"
import * as metrics from "./internal/metrics.ts"
import * as Model from "./Model.ts"
import { RiskInputError } from "./RiskInputError.ts"

/**
 * Area under the ROC curve in Mann–Whitney form: the probability that a
 * random failed deploy scores above a random successful one, ties counting
 * one half (midranks). 0.5 is chance, 1 a perfect ranking. NaN when either
 * label is absent.
 */
export const auc: (scores: ArrayLike<number>, labels: ArrayLike<number>) => number = metrics.auc

/** Brier score: mean squared error of the probabilities against the 0/1 outcomes (0 is perfect). */
export const brier: (probabilities: ArrayLike<number>, labels: ArrayLike<number>) => number = metrics.brier

/** Log loss: mean negative log-likelihood (natural log), probabilities clipped to [1e-15, 1 − 1e-15]. */
export const logLoss: (probabilities: ArrayLike<number>, labels: ArrayLike<number>) => number = metrics.logLoss

/** One bin of a reliability table; `meanPredicted`/`observedRate` are `null` for an empty bin. */
export interface CalibrationBin {
  readonly from: number
  readonly to: number
  readonly count: number
  readonly meanPredicted: number | null
  readonly observedRate: number | null
}

/**
 * A reliability table: predictions grouped into `bins` equal-width bins over
 * [0, 1] (the last bin includes 1), with the mean prediction and the observed
 * failure rate in each. A calibrated model has the two close in every
 * populated bin.
 */
export const calibrationTable = (
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins = 10
): ReadonlyArray<CalibrationBin> => {
  const k = Math.max(1, Math.floor(bins))
  const count = new Float64Array(k)
  const sumP = new Float64Array(k)
  const sumY = new Float64Array(k)
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!
    const b = Math.min(k - 1, Math.max(0, Math.floor(p * k)))
    count[b] = count[b]! + 1
    sumP[b] = sumP[b]! + p
    sumY[b] = sumY[b]! + labels[i]!
  }
  return Array.from({ length: k }, (_, b) => ({
    from: b / k,
    to: (b + 1) / k,
    count: count[b]!,
    meanPredicted: count[b]! > 0 ? sumP[b]! / count[b]! : null,
    observedRate: count[b]! > 0 ? sumY[b]! / count[b]! : null
  }))
}

/**
 * Expected calibration error: the count-weighted mean of |mean predicted −
 * observed rate| over the bins of {@link calibrationTable}.
 */
export const expectedCalibrationError = (table: ReadonlyArray<CalibrationBin>): number => {
  let total = 0
  let weighted = 0
  for (const bin of table) {
    if (bin.meanPredicted === null || bin.observedRate === null) continue
    total += bin.count
    weighted += bin.count * Math.abs(bin.meanPredicted - bin.observedRate)
  }
  return total > 0 ? weighted / total : 0
}

/** What {@link evaluate} reports for a model on a table. `auc` is `null` when the table has a single label. */
export interface Evaluation {
  readonly rows: number
  readonly positives: number
  readonly auc: number | null
  readonly brier: number
  readonly logLoss: number
  readonly expectedCalibrationError: number
  readonly calibration: ReadonlyArray<CalibrationBin>
}

/** The metrics of probabilities against labels. */
export const summarize = (probabilities: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): Evaluation => {
  let positives = 0
  for (let i = 0; i < labels.length; i++) positives += labels[i]!
  const area = metrics.auc(probabilities, labels)
  const calibration = calibrationTable(probabilities, labels, bins)
  return {
    rows: labels.length,
    positives,
    auc: Number.isNaN(area) ? null : area,
    brier: metrics.brier(probabilities, labels),
    logLoss: metrics.logLoss(probabilities, labels),
    expectedCalibrationError: expectedCalibrationError(calibration),
    calibration
  }
}

/**
 * Evaluate a model on a held-out history table (`rollwise risk evaluate`):
 * AUC, Brier score, log loss and a calibration table of the calibrated
 * probabilities. Fails with `MissingFeature` when the table lacks a model
 * input, and with `InvalidHistory` when it has no rows.
 */
export const evaluate = (model: Model.Model, table: History.HistoryTable, bins = 10): Effect.Effect<Evaluation, RiskInputError> =>
  table.rows === 0
    ? Effect.fail(new RiskInputError({ reason: "InvalidHistory", message: "empty history: no rows to evaluate on" }))
    : Effect.map(Model.predictTable(model, table), (p) => summarize(p, table.y, bins))
