import { Schema } from "effect"
import type * as RiskPolicy from "./RiskPolicy.ts"

/** Where a rollout runs: Kubernetes, Windows/IIS, or an ARM/edge fleet (device cohorts). */
export const TargetKind = Schema.Literals(["k8s", "windows", "arm"])

/** @see {@link TargetKind} */
export type TargetKind = typeof TargetKind.Type

/** How the new version replaces the old one. */
export const Strategy = Schema.Literals(["canary", "bluegreen", "rolling"])

/** @see {@link Strategy} */
export type Strategy = typeof Strategy.Type

/** How fast the steps go: smaller first steps and longer pauses when cautious. */
export const Pace = Schema.Literals(["cautious", "normal", "fast"])

/** @see {@link Pace} */
export type Pace = typeof Pace.Type

const Percent = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(100))
const Pause = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/**
 * One rollout step: `weight` (percent of traffic or instances; for
 * blue/green, 0 is "green deployed, no traffic" and 100 the flip) or `cohort`
 * (percent of an ARM fleet), then wait `pauseSeconds` while the analysis runs.
 */
export const Step = Schema.Union([
  Schema.Struct({ weight: Percent, pauseSeconds: Pause }),
  Schema.Struct({ cohort: Percent, pauseSeconds: Pause })
])

/** @see {@link Step} */
export type Step = typeof Step.Type

/**
 * Why the score is what it is. For the heuristic, `contribution` is in score
 * points (they add up to the score before clamping to 0–100); for a learned
 * model it is in log-odds of failure (positive = riskier). `value` is the raw
 * feature value. Policy adjustments (peak hour, coverage drop, an ARM target
 * that cannot use blue/green) appear as reasons with contribution 0 whose
 * `feature` reads `policy: …`.
 */
export const Reason = Schema.Struct({
  feature: Schema.String,
  value: Schema.Finite,
  contribution: Schema.Finite
})

/** @see {@link Reason} */
export type Reason = typeof Reason.Type

/** Which scorer made a decision: `heuristic`, `logistic` or `gbdt`, and its version. */
export const ModelRef = Schema.Struct({ kind: Schema.String, version: Schema.String })

/** @see {@link ModelRef} */
export type ModelRef = typeof ModelRef.Type

/**
 * The decision (`strategy.json`): risk score 0–100, strategy, pace, steps,
 * whether a human must approve before traffic moves (blue/green flip),
 * which model decided, and the reasons sorted by |contribution|.
 */
export const Decision = Schema.Struct({
  risk_score: Percent,
  strategy: Strategy,
  pace: Pace,
  // a rollout with no step has nothing to do and nothing to judge: refused before anything is recorded
  steps: Schema.Array(Step).check(Schema.isMinLength(1, { message: "needs at least one step (a rollout with no step has nothing to roll out)" })),
  approval_required: Schema.Boolean,
  model: ModelRef,
  reasons: Schema.Array(Reason)
})

/** @see {@link Decision} */
export type Decision = typeof Decision.Type

const paces: ReadonlyArray<Pace> = ["fast", "normal", "cautious"]
const moreCautious = (pace: Pace): Pace => paces[Math.min(paces.indexOf(pace) + 1, paces.length - 1)]!

/** The strategy a score gets on a target that supports all three (before ARM's fallback). */
export const strategyFor = (score: number, policy: RiskPolicy.RiskPolicy): Strategy =>
  score > policy.thresholds.bluegreen ? "bluegreen" : score >= policy.thresholds.canary ? "canary" : "rolling"

/** The pace a score gets before peak-hour and coverage adjustments. */
export const paceFor = (score: number, policy: RiskPolicy.RiskPolicy): Pace =>
  score >= policy.pace.cautiousFrom ? "cautious" : score >= policy.pace.normalFrom ? "normal" : "fast"

/** What {@link make} needs besides the policy and the target. */
export interface Scored {
  /** Risk 0–100 (clamped and rounded to 0.1 by {@link make}). */
  readonly score: number
  /** Feature reasons, in any order; {@link make} sorts them. */
  readonly reasons: ReadonlyArray<Reason>
  readonly model: ModelRef
  /** The ChangeSet's features: `peakHour` and `coverageDelta` steer the pace. */
  readonly features: Readonly<Record<string, number>>
}

const round = (x: number, digits: number): number => {
  const f = 10 ** digits
  const r = Math.round(x * f) / f
  return r === 0 ? 0 : r
}

/**
 * Turn a score into a decision with the policy's mapping; shared by the
 * heuristic and the learned models so both pick strategies the same way.
 *
 * 1. strategy from the thresholds ({@link strategyFor});
 * 2. pace from the bands ({@link paceFor}), then one step more cautious for a
 *    peak-hour deploy and one for a coverage delta below
 *    `caution.coverageDropBelow`;
 * 3. ARM targets never use blue/green: they fall back to a cautious canary;
 *    every ARM strategy steps through device cohorts (`steps.cohorts`);
 * 4. `approval_required` exactly when the score exceeds `thresholds.approval`.
 *
 * Reasons are sorted by |contribution| (largest first, ties keep their order),
 * rounded to 0.01, followed by the policy adjustments that applied.
 */
export const make = (scored: Scored, policy: RiskPolicy.RiskPolicy, target: TargetKind): Decision => {
  const score = round(Math.min(100, Math.max(0, Number.isFinite(scored.score) ? scored.score : 100)), 1)
  let strategy = strategyFor(score, policy)
  let pace = paceFor(score, policy)
  const notes: Array<Reason> = []
  const peakHour = scored.features["peakHour"] ?? 0
  if (policy.caution.peakHour && peakHour > 0 && pace !== "cautious") {
    pace = moreCautious(pace)
    notes.push({ feature: "policy: peak-hour deploy, pace one step more cautious", value: peakHour, contribution: 0 })
  }
  const coverageDelta = scored.features["coverageDelta"] ?? 0
  if (coverageDelta < policy.caution.coverageDropBelow && pace !== "cautious") {
    pace = moreCautious(pace)
    notes.push({
      feature: `policy: coverage dropped below ${policy.caution.coverageDropBelow} pp, pace one step more cautious`,
      value: coverageDelta,
      contribution: 0
    })
  }
  let steps: ReadonlyArray<Step>
  if (target === "arm") {
    if (strategy === "bluegreen") {
      strategy = "canary"
      pace = "cautious"
      const path = policy.steps.cohorts.cautious.map((s) => s.cohort).join("→")
      notes.push({
        feature: `policy: arm targets never use blue/green, cautious canary cohorts ${path} instead`,
        value: score,
        contribution: 0
      })
    }
    steps = policy.steps.cohorts[pace]
  } else {
    steps = policy.steps[strategy][pace]
  }
  const reasons = scored.reasons
    .map((r) => ({ feature: r.feature, value: r.value, contribution: round(r.contribution, 2) }))
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
  return {
    risk_score: score,
    strategy,
    pace,
    steps: steps.map((s) => ({ ...s })),
    approval_required: score > policy.thresholds.approval,
    model: scored.model,
    reasons: [...reasons, ...notes]
  }
}
