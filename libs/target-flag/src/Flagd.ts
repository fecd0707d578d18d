/**
 * Export flag documents as a flagd flag definition file
 * (https://flagd.dev/schema/v0/flags.json), for teams that evaluate flags
 * with flagd: point flagd at the file (`flagd start --uri file:flags.json`)
 * and regenerate it when the rollout moves. Each flag's share is a
 * `fractional` split between its two variants.
 *
 * flagd buckets with its own hash (murmur3 of the flag key and the
 * targeting key), not Rollwise's: at the same percentage flagd puts
 * *different* users in the share than the Rollwise OpenFeature provider
 * does (and ignores the rollout salt, so a new rollout starts from the
 * same users). The shares are the same size and nested in both; evaluate
 * a flag with one of them, never both.
 */
import type { FlagDocument } from "./FlagDocument.ts"

/** The JSON Schema flagd validates flag files against. */
export const schemaUrl = "https://flagd.dev/schema/v0/flags.json"

/** A `fractional` bucket: a variant and its integer weight. */
export type FractionalBucket = readonly [variant: string, weight: number]

/** One flag of a flagd file, as this export writes it. */
export interface FlagdFlag {
  readonly state: "ENABLED" | "DISABLED"
  readonly variants: Readonly<Record<string, boolean | string>>
  readonly defaultVariant: string
  /** Absent at 0 % and 100 % (everyone gets the default variant). */
  readonly targeting?: { readonly fractional: ReadonlyArray<FractionalBucket> }
  readonly metadata: Readonly<Record<string, string | number | boolean>>
}

/** A flagd flag definition file. */
export interface FlagdFile {
  readonly $schema: typeof schemaUrl
  readonly flags: Readonly<Record<string, FlagdFlag>>
}

/** Options of the export. */
export interface Options {
  /**
   * Variant values: `boolean` gives `{on: true, off: false}`-style values
   * (only when the variants are named `on`/`off` or `true`/`false`);
   * `string` gives each variant its own name as value. Default: boolean
   * when possible, string otherwise.
   */
  readonly variants?: "auto" | "string" | undefined
}

/**
 * The `fractional` weights of a share: `[on, p], [off, 100 − p]` for a
 * whole percentage (weights summing to 100, which every flagd accepts);
 * for a fractional one (12.5 %) integer weights out of 1,000,000
 * (`[on, 125000], [off, 875000]`): flagd's weights are relative integers
 * (its schema refuses decimal weights).
 */
export const weights = (percentage: number, on: string, off: string): readonly [FractionalBucket, FractionalBucket] => {
  if (Number.isInteger(percentage)) return [[on, percentage], [off, 100 - percentage]]
  const w = Math.round(percentage * 10_000)
  return [[on, w], [off, 1_000_000 - w]]
}

const booleanValues = (doc: FlagDocument): Readonly<Record<string, boolean>> | undefined =>
  (doc.on === "on" && doc.off === "off") || (doc.on === "true" && doc.off === "false") ? { [doc.on]: true, [doc.off]: false } : undefined

/** One flag document as a flagd flag. */
export const toFlagdFlag = (doc: FlagDocument, options: Options = {}): FlagdFlag => {
  const values = (options.variants ?? "auto") === "auto" ? booleanValues(doc) : undefined
  const base = {
    state: "ENABLED" as const,
    variants: values ?? { [doc.on]: doc.on, [doc.off]: doc.off },
    metadata: { rollwiseVersion: doc.version, percentage: doc.percentage, ...(doc.rollout !== undefined ? { rollout: doc.rollout } : {}) }
  }
  if (doc.percentage <= 0) return { ...base, defaultVariant: doc.off }
  if (doc.percentage >= 100) return { ...base, defaultVariant: doc.on }
  return { ...base, defaultVariant: doc.off, targeting: { fractional: weights(doc.percentage, doc.on, doc.off) } }
}

/**
 * A flagd flag definition file of the documents (keys in order): write it
 * with `JSON.stringify(toFlagd(docs), null, 2)`.
 */
export const toFlagd = (docs: Iterable<FlagDocument>, options: Options = {}): FlagdFile => {
  const flags: Record<string, FlagdFlag> = {}
  for (const doc of [...docs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) flags[doc.key] = toFlagdFlag(doc, options)
  return { $schema: schemaUrl, flags }
}
