import { Schema } from "effect"

/** What a rollout does next. Ordered by severity: promote < slow < rollback. */
export const Action = Schema.Literals(["promote", "slow", "rollback"])
export type Action = typeof Action.Type

/** How severe an action is, for comparing them (a worse candidate never gets a lower one). */
export const severity = (action: Action): number => (action === "promote" ? 0 : action === "slow" ? 1 : 2)

/**
 * One metric's judgement in one window. `nodata` (too few samples, NaN, a
 * failed query) never counts toward promotion and never fails by itself.
 */
export const Status = Schema.Literals(["pass", "marginal", "fail", "nodata"])
export type Status = typeof Status.Type

/**
 * How much a status holds a release back: pass 0; marginal and nodata 1 (both
 * hold, neither fails); fail 2. The one ordering the assessment and the
 * cross-window checks use to combine statuses ("the worse of the two").
 */
export const statusRank: Readonly<Record<Status, number>> = { pass: 0, nodata: 1, marginal: 1, fail: 2 }

/** A metric's numbers and judgement in the verdict. */
export const MetricVerdict = Schema.Struct({
  name: Schema.String,
  status: Status,
  /** Baseline's summary for the window: median (continuous), error rate (ratio), count (counter). */
  baseline: Schema.NullOr(Schema.Finite),
  candidate: Schema.NullOr(Schema.Finite),
  /** Relative effect of the candidate against the baseline, in the bad direction (0.2 = 20 % worse). */
  effect: Schema.NullOr(Schema.Finite),
  /** Confidence interval of the effect, when a test produced one. */
  ci: Schema.NullOr(Schema.Tuple([Schema.Finite, Schema.Finite])),
  p_value: Schema.NullOr(Schema.Finite),
  /** In words a release engineer reads: what moved, how much, and why that is the status. */
  reason: Schema.String,
  /** The resolved query (live mode). */
  query: Schema.optionalKey(Schema.String)
})
export type MetricVerdict = typeof MetricVerdict.Type

/** verdict.json: the decision for the windows seen so far. */
export const Verdict = Schema.Struct({
  action: Action,
  /** Index of the last window judged (0-based). */
  window: Schema.Int,
  metrics: Schema.Array(MetricVerdict),
  reasons: Schema.Array(Schema.String),
  /** 0–100: weighted share of healthy metrics in the last window (pass 1, marginal or nodata ½, fail 0). */
  score: Schema.Finite
})
export type Verdict = typeof Verdict.Type
