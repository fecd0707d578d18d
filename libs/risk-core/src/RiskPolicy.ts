import { Decode } from "@rollwise/input-schema"
import { Effect, Schema } from "effect"
import * as Calendar from "./Calendar.ts"
import { featureNames } from "./ChangeSet.ts"
import { decodeInput } from "./internal/decode.ts"
import { RiskInputError } from "./RiskInputError.ts"

const Finite = Schema.Finite
const Score = Finite.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(100))

/** How a raw feature value is squashed before it is compared with its cap. */
export const Transform = Schema.Literals(["linear", "log1p"])

/** @see {@link Transform} */
export type Transform = typeof Transform.Type

/**
 * One feature's part of the heuristic score. With `t` the transform
 * (`log1p` is applied to |x| and keeps the sign) and `s` = +1 when
 * `riskierWhen` is `"higher"`, -1 when `"lower"`:
 *
 * `contribution = weight × clamp(t(s·x) / t(cap), floor, 1)`
 *
 * so a feature adds at most `weight` points (at or past its cap) and, with a
 * negative `floor`, may take up to `|floor| × weight` points away. Weights are
 * non-negative so that the score stays monotone in every feature. `weight`
 * and `cap` are required for a feature the default policy does not weigh;
 * `transform` defaults to `"linear"`, `floor` to 0, `riskierWhen` to
 * `"higher"`.
 */
export const FeatureWeight = Schema.Struct({
  // bounded so that the sum of every feature's points stays a finite number (the score clamps to 100 anyway)
  weight: Finite.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(1_000_000)),
  transform: Transform.pipe(Schema.withDecodingDefaultKey(Effect.succeed("linear" as const))),
  cap: Finite.check(Schema.isGreaterThan(0)),
  floor: Finite.check(Schema.isGreaterThanOrEqualTo(-1), Schema.isLessThanOrEqualTo(0)).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(0))
  ),
  riskierWhen: Schema.Literals(["higher", "lower"]).pipe(Schema.withDecodingDefaultKey(Effect.succeed("higher" as const)))
})

/** @see {@link FeatureWeight} */
export type FeatureWeight = typeof FeatureWeight.Type

const knownFeatures: ReadonlyArray<string> = featureNames
const isFeatureKey = (name: string): boolean =>
  knownFeatures.includes(name) || (name.startsWith("extra.") && name.length > "extra.".length)
const FeatureKey = Schema.String.check(Schema.makeFilter(isFeatureKey))

/** One step of a rollout by traffic weight (percent of traffic or of instances). */
export const WeightStep = Schema.Struct({
  weight: Score,
  pauseSeconds: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
})

/** @see {@link WeightStep} */
export type WeightStep = typeof WeightStep.Type

/** One step of a rollout by device cohort (percent of the fleet), for ARM/edge targets. */
export const CohortStep = Schema.Struct({
  cohort: Score,
  pauseSeconds: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
})

/** @see {@link CohortStep} */
export type CohortStep = typeof CohortStep.Type

const ascendingTo100 = <A>(percent: (step: A) => number) =>
  Schema.makeFilter((steps: ReadonlyArray<A>) => {
    if (steps.length === 0) return "expected at least one step"
    for (let i = 1; i < steps.length; i++) {
      if (percent(steps[i]!) < percent(steps[i - 1]!)) return `steps must not go down (step ${i + 1} is below step ${i})`
    }
    return percent(steps[steps.length - 1]!) === 100 || "the last step must reach 100"
  })

const WeightSteps = Schema.Array(WeightStep).check(ascendingTo100((s: WeightStep) => s.weight))
const CohortSteps = Schema.Array(CohortStep).check(ascendingTo100((s: CohortStep) => s.cohort))

const byPace = <S extends Schema.Top>(steps: S) => Schema.Struct({ cautious: steps, normal: steps, fast: steps })

/**
 * The risk policy (`policy.yaml`), version 1: feature weights, the score
 * thresholds that pick a strategy, the bands that pick a pace, what pushes
 * toward caution, the steps of each strategy at each pace, and the
 * peak-hour calendar. Every field has a default ({@link defaultPolicy}); a
 * user file overrides only what it names ({@link decode}).
 *
 * - `thresholds`: score > `bluegreen` → blue/green; score ≥ `canary` →
 *   canary; else rolling. `approval_required` is true exactly when score >
 *   `approval`.
 * - `pace`: score ≥ `cautiousFrom` → cautious; ≥ `normalFrom` → normal; else
 *   fast. Then one step more cautious for a peak-hour deploy (`caution.peakHour`)
 *   and one for a coverage delta below `caution.coverageDropBelow` points.
 * - `steps.cohorts` is used for ARM targets (which never use blue/green).
 */
export const RiskPolicy = Schema.Struct({
  schemaVersion: Schema.Literal(1),
  weights: Schema.Record(FeatureKey, FeatureWeight),
  thresholds: Schema.Struct({ approval: Score, bluegreen: Score, canary: Score }).check(
    Schema.makeFilter((t) => t.canary <= t.bluegreen || `canary (${t.canary}) must not exceed bluegreen (${t.bluegreen})`)
  ),
  pace: Schema.Struct({ cautiousFrom: Score, normalFrom: Score }).check(
    Schema.makeFilter((p) =>
      p.normalFrom <= p.cautiousFrom || `normalFrom (${p.normalFrom}) must not exceed cautiousFrom (${p.cautiousFrom})`
    )
  ),
  caution: Schema.Struct({ peakHour: Schema.Boolean, coverageDropBelow: Finite }),
  steps: Schema.Struct({
    canary: byPace(WeightSteps),
    rolling: byPace(WeightSteps),
    bluegreen: byPace(WeightSteps),
    cohorts: byPace(CohortSteps)
  }),
  calendar: Calendar.Calendar
})

/** A complete, validated policy. */
export type RiskPolicy = typeof RiskPolicy.Type

const w = (weight: number, transform: Transform, cap: number, more: Partial<FeatureWeight> = {}): FeatureWeight => ({
  weight,
  transform,
  cap,
  floor: 0,
  riskierWhen: "higher",
  ...more
})

const steps = (percents: ReadonlyArray<number>, pauseSeconds: number): ReadonlyArray<WeightStep> =>
  percents.map((weight, i) => ({ weight, pauseSeconds: i === percents.length - 1 ? 0 : pauseSeconds }))

const cohorts = (percents: ReadonlyArray<number>, pauseSeconds: number): ReadonlyArray<CohortStep> =>
  percents.map((cohort, i) => ({ cohort, pauseSeconds: i === percents.length - 1 ? 0 : pauseSeconds }))

/**
 * The default policy. Feature weights add up to 100 points at their caps:
 *
 * | feature | weight | transform | cap | notes |
 * |---|---|---|---|---|
 * | linesAdded | 15 | log1p | 2000 | |
 * | linesDeleted | 5 | log1p | 2000 | |
 * | filesChanged | 10 | log1p | 100 | |
 * | dependencyBumps | 3 | linear | 10 | every bump |
 * | majorBumps | 12 | linear | 3 | |
 * | coverageDelta | 10 | linear | 5 pp | riskier when lower; floor -0.5 (a coverage gain takes up to 5 points off) |
 * | failureRate | 20 | linear | 0.5 | |
 * | criticality | 12 | linear | 3 | critical = 12 |
 * | currentQps | 5 | log1p | 10000 | |
 * | peakHour | 8 | linear | 1 | |
 *
 * `deploys` and `extra.*` features have no weight unless a policy gives them one.
 * Thresholds: blue/green above 70 (with approval above 70), canary 30–70,
 * rolling below 30. Pace: cautious from 50, normal from 15, fast below.
 * Peak hours are weekdays 09:00–18:00 UTC.
 */
export const defaultPolicy: RiskPolicy = {
  schemaVersion: 1,
  weights: {
    linesAdded: w(15, "log1p", 2000),
    linesDeleted: w(5, "log1p", 2000),
    filesChanged: w(10, "log1p", 100),
    dependencyBumps: w(3, "linear", 10),
    majorBumps: w(12, "linear", 3),
    coverageDelta: w(10, "linear", 5, { riskierWhen: "lower", floor: -0.5 }),
    failureRate: w(20, "linear", 0.5),
    criticality: w(12, "linear", 3),
    currentQps: w(5, "log1p", 10000),
    peakHour: w(8, "linear", 1)
  },
  thresholds: { approval: 70, bluegreen: 70, canary: 30 },
  pace: { cautiousFrom: 50, normalFrom: 15 },
  caution: { peakHour: true, coverageDropBelow: -1 },
  steps: {
    canary: {
      cautious: steps([1, 5, 10, 25, 50, 100], 600),
      normal: steps([5, 25, 50, 100], 300),
      fast: steps([25, 50, 100], 120)
    },
    rolling: {
      cautious: steps([10, 25, 50, 100], 300),
      normal: steps([25, 50, 100], 120),
      fast: steps([50, 100], 60)
    },
    bluegreen: {
      cautious: steps([0, 100], 1800),
      normal: steps([0, 100], 900),
      fast: steps([0, 100], 300)
    },
    cohorts: {
      cautious: cohorts([1, 5, 20, 100], 3600),
      normal: cohorts([1, 5, 20, 100], 1800),
      fast: cohorts([1, 5, 20, 100], 900)
    }
  },
  calendar: Calendar.defaultCalendar
}

const isPlainObject = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * Merge `override` over `base`: objects merge key by key, anything else
 * (numbers, strings, arrays) replaces, and `null` keeps the base (an empty
 * YAML key means "not given").
 */
const merge = (base: unknown, override: unknown): unknown => {
  if (override === null || override === undefined) return base
  if (!isPlainObject(base) || !isPlainObject(override)) return override
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(override)) {
    // defineProperty: a "__proto__" key stays an own (and then rejected) field
    Object.defineProperty(out, key, {
      value: Object.hasOwn(base, key) ? merge(base[key], value) : value,
      enumerable: true,
      writable: true,
      configurable: true
    })
  }
  return out
}

const decodeFull = decodeInput(RiskPolicy, "InvalidPolicy", "policy")

/** The `weights` keys a policy may use. */
const weightKeysHint = `${featureNames.join(", ")} or extra.<name>`

/**
 * Decode a user policy (parsed YAML or JSON) and merge it over
 * {@link defaultPolicy}: a user file names only what it changes, e.g.
 * `{ thresholds: { approval: 60 }, weights: { linesAdded: { weight: 20 } } }`.
 * Arrays (steps, peak windows, days) replace the default list whole; `null`
 * or an absent file gives the default policy. Unknown fields and feature
 * names are rejected, naming them.
 */
export const decode = (input: unknown): Effect.Effect<RiskPolicy, RiskInputError> => {
  if (input !== null && input !== undefined && !isPlainObject(input)) {
    return Effect.fail(
      new RiskInputError({
        reason: "InvalidPolicy",
        message: `policy: expected an object (a YAML mapping), got ${Array.isArray(input) ? "a list" : JSON.stringify(input)}`
      })
    )
  }
  const weights = isPlainObject(input) ? input["weights"] : undefined
  if (isPlainObject(weights)) {
    const unknown = Object.keys(weights).find((name) => !isFeatureKey(name))
    if (unknown !== undefined) {
      const field = Decode.formatPath(["weights", unknown])
      return Effect.fail(
        new RiskInputError({
          reason: "InvalidPolicy",
          field,
          message: `policy: ${field}: unknown feature (known: ${weightKeysHint})`
        })
      )
    }
  }
  return decodeFull(merge(defaultPolicy, input))
}
