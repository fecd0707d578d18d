import * as ChangeSet from "./ChangeSet.ts"
import * as Decision from "./Decision.ts"
import type * as RiskPolicy from "./RiskPolicy.ts"

/** The model reference a heuristic decision carries (`{kind: "heuristic", version: "1"}`). */
export const model: Decision.ModelRef = { kind: "heuristic", version: "1" }

const signedLog1p = (x: number): number => Math.sign(x) * Math.log1p(Math.abs(x))

/**
 * A feature's normalized value under its weight spec: `clamp(t(s·x) / t(cap),
 * floor, 1)`; see {@link RiskPolicy.FeatureWeight}. Monotone non-decreasing in
 * `x` when `riskierWhen` is `"higher"`, non-increasing when `"lower"`.
 */
export const normalize = (x: number, spec: RiskPolicy.FeatureWeight): number => {
  const signed = spec.riskierWhen === "lower" ? -x : x
  const ratio = spec.transform === "log1p" ? signedLog1p(signed) / Math.log1p(spec.cap) : signed / spec.cap
  return Math.min(1, Math.max(spec.floor, ratio))
}

/**
 * Each weighted feature's contribution in score points, in policy order. A
 * feature the policy weighs but the ChangeSet lacks (an `extra.*` it does not
 * carry) counts as 0 and is still reported.
 */
export const contributions = (
  features: Readonly<Record<string, number>>,
  policy: RiskPolicy.RiskPolicy
): ReadonlyArray<Decision.Reason> =>
  Object.entries(policy.weights)
    .filter(([, spec]) => spec.weight > 0)
    .map(([feature, spec]) => {
      const value = features[feature] ?? 0
      return { feature, value, contribution: spec.weight * normalize(value, spec) }
    })

/**
 * The raw heuristic score: the sum of {@link contributions}, clamped to 0–100.
 */
export const score = (features: Readonly<Record<string, number>>, policy: RiskPolicy.RiskPolicy): number => {
  const sum = contributions(features, policy).reduce((acc, r) => acc + r.contribution, 0)
  return Math.min(100, Math.max(0, sum))
}

/**
 * The Phase 1 decision: a weighted sum with clamps over normalized features
 * ({@link RiskPolicy.defaultPolicy} documents the weights), then the policy's
 * mapping from score to strategy, pace and steps ({@link Decision.make}).
 * Total and deterministic: every decoded ChangeSet and policy give a decision.
 */
export const decide = (
  cs: ChangeSet.ChangeSet,
  policy: RiskPolicy.RiskPolicy,
  target: Decision.TargetKind
): Decision.Decision => {
  const features = ChangeSet.features(cs, policy.calendar)
  const reasons = contributions(features, policy)
  const sum = reasons.reduce((acc, r) => acc + r.contribution, 0)
  return Decision.make({ score: sum, reasons, model, features }, policy, target)
}
