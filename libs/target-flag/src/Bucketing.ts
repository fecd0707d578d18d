/**
 * Which users are in a flag's share. A user's bucket is a number in
 * [0, 100) with 4-decimal resolution from the stable hash shared with ARM
 * device cohorts (`@rollwise/stats-core` Bucketing: FNV-1a + murmur3's
 * finaliser) of the salt (the rollout id), the flag key and the user's
 * targeting key. A user gets `on` when its bucket is below the flag's
 * percentage, so the share is deterministic, sticky (the same user, the
 * same answer, in every process), nested across steps (in at 5 % ⇒ in at
 * 25 %) and redrawn by a new rollout (another salt, other users first).
 */
import { Bucketing } from "@rollwise/stats-core"
import type { FlagDocument } from "./FlagDocument.ts"

/**
 * The user's bucket in [0, 100), a multiple of 0.0001: the hash of
 * `salt NUL flagKey NUL targetingKey` scaled and floored, so a percentage
 * with up to 4 decimals splits users exactly at its value.
 */
export const bucket = (salt: string, flagKey: string, targetingKey: string): number =>
  Math.floor(Bucketing.unitInterval(`${salt}\u0000${flagKey}\u0000${targetingKey}`) * 1_000_000) / 10_000

/** Whether the user is in the flag's share: its bucket is below `percentage` (none at 0, all at 100). */
export const inShare = (doc: FlagDocument, targetingKey: string): boolean =>
  doc.percentage >= 100 || (doc.percentage > 0 && bucket(doc.salt, doc.key, targetingKey) < doc.percentage)

/** The variant the user gets: `doc.on` in the share, `doc.off` outside it. */
export const variant = (doc: FlagDocument, targetingKey: string): string => (inShare(doc, targetingKey) ? doc.on : doc.off)
