import { Effect, Schema } from "effect"
import * as Calendar from "./Calendar.ts"
import { decodeInput } from "./internal/decode.ts"
import { parseIsoInstant } from "./internal/time.ts"
import type { RiskInputError } from "./RiskInputError.ts"

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const NonEmpty = Schema.String.check(Schema.isMinLength(1))

/** One dependency whose version changed: `{ name, from, to }` as the manifests say. */
export const DependencyBump = Schema.Struct({ name: NonEmpty, from: NonEmpty, to: NonEmpty })

/** @see {@link DependencyBump} */
export type DependencyBump = typeof DependencyBump.Type

/** How much the service matters; feature `criticality` is its index 0–3. */
export const Criticality = Schema.Literals(["low", "medium", "high", "critical"])

/** @see {@link Criticality} */
export type Criticality = typeof Criticality.Type

/**
 * Past deploys of the module and how many of them failed (rolled back or
 * caused an incident). `failures` cannot exceed `deploys`.
 */
export const ModuleHistory = Schema.Struct({ deploys: Count, failures: Count }).check(
  Schema.makeFilter((h) => h.failures <= h.deploys || `failures (${h.failures}) cannot exceed deploys (${h.deploys})`)
)

/** @see {@link ModuleHistory} */
export type ModuleHistory = typeof ModuleHistory.Type

/** An ISO 8601 instant with a zone (`2025-03-14T09:30:00Z`, `…+01:00`). */
export const Instant = Schema.String.check(
  Schema.makeFilter((s: string) =>
    parseIsoInstant(s) !== undefined ||
    `expected an ISO 8601 date-time with a zone such as "2025-03-14T09:30:00Z", got "${s}"`
  )
)

const withDefault = <S extends Schema.Top>(schema: S, value: S["Encoded"]) =>
  schema.pipe(Schema.withDecodingDefaultKey(Effect.succeed(value)))

/**
 * What a deploy changes (`changes.json`), version 1. Required: `service`,
 * `linesAdded`, `linesDeleted`, `filesChanged`. Defaults when absent:
 *
 * | field | default | meaning |
 * |---|---|---|
 * | `schemaVersion` | `1` | the only version so far |
 * | `module` | `"."` | the whole service |
 * | `dependencyBumps` | `[]` | no dependency changed |
 * | `coverageDelta` | `0` | percentage points, after minus before; negative = coverage dropped |
 * | `moduleHistory` | `{deploys: 0, failures: 0}` | no history known |
 * | `criticality` | `"medium"` | |
 * | `currentQps` | `0` | requests per second now |
 * | `deployTime` | absent | when the deploy will run; absent means not a peak-hour deploy |
 * | `extra` | `{}` | free numeric features, seen by models as `extra.<name>` |
 *
 * Counts are non-negative integers, `currentQps` a non-negative finite
 * number, `coverageDelta` a finite number in [-100, 100]. Unknown fields are
 * rejected, naming the field.
 */
export const ChangeSet = Schema.Struct({
  schemaVersion: withDefault(Schema.Literal(1), 1),
  service: NonEmpty,
  module: withDefault(NonEmpty, "."),
  linesAdded: Count,
  linesDeleted: Count,
  filesChanged: Count,
  dependencyBumps: withDefault(Schema.Array(DependencyBump), []),
  coverageDelta: withDefault(
    Schema.Finite.check(Schema.isGreaterThanOrEqualTo(-100), Schema.isLessThanOrEqualTo(100)),
    0
  ),
  moduleHistory: withDefault(ModuleHistory, { deploys: 0, failures: 0 }),
  criticality: withDefault(Criticality, "medium"),
  currentQps: withDefault(Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)), 0),
  deployTime: Schema.optionalKey(Instant),
  extra: withDefault(Schema.Record(NonEmpty, Schema.Finite), {})
})

/** A decoded ChangeSet: every defaulted field is present. */
export type ChangeSet = typeof ChangeSet.Type

/** A ChangeSet as written in `changes.json` (defaulted fields optional). */
export type Encoded = typeof ChangeSet.Encoded

/**
 * Decode and validate an untrusted ChangeSet (parsed JSON). Fails with a
 * one-line {@link RiskInputError} naming the first bad field the way every
 * Rollwise input error does, e.g. `changeset: colour: unknown field (not in
 * the schema)` or `changeset: moduleHistory.failures: expected a value greater
 * than or equal to 0, got -1`.
 */
export const decode: (input: unknown) => Effect.Effect<ChangeSet, RiskInputError> = decodeInput(
  ChangeSet,
  "InvalidChangeSet",
  "changeset"
)

/** What kind of version change a dependency bump is. */
export type BumpKind = "major" | "minor" | "patch" | "unknown"

const versionCore = /^[\^~=v<>! ]*(\d+)(?:\.(\d+))?(?:\.(\d+))?/

/**
 * Classify a version change. Range operators and a `v` prefix are ignored
 * (`^1.2.3`, `v1.2.3`, `==1.2.3`, `1.2.3.RELEASE`); missing minor/patch parts
 * count as 0. Below 1.0.0 a minor change counts as major (semver: anything
 * may break in 0.y.z). A downgrade is classified like an upgrade of the same
 * size. Versions without a leading number (`latest`, a git hash) are
 * `unknown`.
 */
export const bumpKind = (from: string, to: string): BumpKind => {
  const a = versionCore.exec(from.trim())
  const b = versionCore.exec(to.trim())
  if (a === null || b === null) return "unknown"
  const [fa, fb, fc] = [Number(a[1]), Number(a[2] ?? 0), Number(a[3] ?? 0)]
  const [ta, tb, tc] = [Number(b[1]), Number(b[2] ?? 0), Number(b[3] ?? 0)]
  if (fa !== ta) return "major"
  if (fb !== tb) return fa === 0 ? "major" : "minor"
  if (fc !== tc) return "patch"
  return "patch"
}

/** The index of each criticality: low 0, medium 1, high 2, critical 3. */
export const criticalityIndex: Readonly<Record<Criticality, number>> = { low: 0, medium: 1, high: 2, critical: 3 }

/** The features every ChangeSet has, in this order; `extra.<name>` features follow. */
export const featureNames = [
  "linesAdded",
  "linesDeleted",
  "filesChanged",
  "dependencyBumps",
  "majorBumps",
  "coverageDelta",
  "failureRate",
  "deploys",
  "criticality",
  "currentQps",
  "peakHour"
] as const

/** One of {@link featureNames}. */
export type FeatureName = (typeof featureNames)[number]

/**
 * The numeric features a model or the heuristic sees. `dependencyBumps`
 * counts every bump and `majorBumps` the major ones ({@link bumpKind});
 * `failureRate` is failures / deploys (0 without history); `criticality` is
 * 0–3; `peakHour` is 1 when `deployTime` falls in a peak window of `calendar`,
 * else 0 (also when `deployTime` is absent); each `extra` entry appears as
 * `extra.<name>`.
 */
export const features = (cs: ChangeSet, calendar: Calendar.Calendar): Record<string, number> => {
  const out: Record<string, number> = {
    linesAdded: cs.linesAdded,
    linesDeleted: cs.linesDeleted,
    filesChanged: cs.filesChanged,
    dependencyBumps: cs.dependencyBumps.length,
    majorBumps: cs.dependencyBumps.filter((b) => bumpKind(b.from, b.to) === "major").length,
    coverageDelta: cs.coverageDelta,
    failureRate: cs.moduleHistory.deploys > 0 ? cs.moduleHistory.failures / cs.moduleHistory.deploys : 0,
    deploys: cs.moduleHistory.deploys,
    criticality: criticalityIndex[cs.criticality],
    currentQps: cs.currentQps,
    peakHour: cs.deployTime !== undefined && Calendar.isPeak(calendar, cs.deployTime) ? 1 : 0
  }
  for (const [name, value] of Object.entries(cs.extra)) out[`extra.${name}`] = value
  return out
}
