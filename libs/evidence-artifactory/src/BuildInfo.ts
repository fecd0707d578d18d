/**
 * JFrog build-info, as Rollwise writes it: a strict Schema of our own (the
 * published JSON Schema accepts nearly anything). `PUT /api/build` takes it;
 * `GET /api/build/{name}/{number}` gives it back under `buildInfo`.
 */
import { Decode, type DecodeError } from "@rollwise/input-schema"
import type { Effect } from "effect"
import { Schema } from "effect"

const Hex = (length: number, name: string) => Schema.String.check(Schema.isPattern(new RegExp(`^[0-9a-f]{${length}}$`), { expected: `a lower-case hex ${name} (${length} digits)` }))

/** One file of a module: what Artifactory links to the build by its checksums. */
export const Artifact = Schema.Struct({
  /** The file's type, by its extension ("json", "html", "svg", "jar"). */
  type: Schema.String,
  name: Schema.NonEmptyString,
  /** `repo/path` where it lives. */
  path: Schema.optionalKey(Schema.String),
  sha1: Hex(40, "SHA-1"),
  sha256: Hex(64, "SHA-256"),
  md5: Hex(32, "MD5")
})
export type Artifact = typeof Artifact.Type

/** A module: the deployed artifacts, or Rollwise's evidence files. */
export const Module = Schema.Struct({
  id: Schema.NonEmptyString,
  type: Schema.optionalKey(Schema.Literal("generic")),
  properties: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  artifacts: Schema.Array(Artifact)
})
export type Module = typeof Module.Type

const Agent = Schema.Struct({ name: Schema.NonEmptyString, version: Schema.String })

/** `2026-12-01T07:30:01.346+0000`: the date format build-info uses. */
export const Started = Schema.String.check(
  Schema.isPattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$/, { expected: "a build-info date like 2026-12-01T07:30:01.346+0000" })
)

/** The build-info document. */
export const BuildInfo = Schema.Struct({
  version: Schema.Literal("1.0.1"),
  name: Schema.NonEmptyString,
  number: Schema.NonEmptyString,
  type: Schema.optionalKey(Schema.Literal("GENERIC")),
  started: Started,
  durationMillis: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  agent: Schema.optionalKey(Agent),
  buildAgent: Schema.optionalKey(Agent),
  /** A link shown on the build's page: the Grafana Release Compare dashboard when configured. */
  url: Schema.optionalKey(Schema.String),
  /** `rollwise.*` properties: the risk score, strategy, pace, gates, verdict summary, result, features. */
  properties: Schema.Record(Schema.String, Schema.String),
  modules: Schema.Array(Module)
})
export type BuildInfo = typeof BuildInfo.Type

/** Decode a build-info document strictly: an unknown or malformed field is one DecodeError naming it. */
export const decode = (input: unknown, source = "build-info"): Effect.Effect<BuildInfo, DecodeError> => Decode.decode(BuildInfo, { source })(input)

/** Epoch ms as build-info writes a date (UTC, `+0000`). */
export const formatDate = (ms: number): string => new Date(ms).toISOString().replace("Z", "+0000")

/** A build-info date back to epoch ms; NaN when it is not one. */
export const parseDate = (text: string): number => {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})([+-])(\d{2})(\d{2})$/.exec(text)
  return m === null ? Number.NaN : Date.parse(`${m[1]}${m[2]}${m[3]}:${m[4]}`)
}
