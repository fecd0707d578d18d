import { Schema } from "effect"

/**
 * The wire contract between Rollwise and the applications that evaluate its
 * flags: what `GET /v1/flags/{key}` answers (with an `ETag` of the
 * `version`, so pollers send `If-None-Match` and get 304 while nothing
 * changed), what the flag store keeps, and what the OpenFeature provider
 * reads. A user is in the candidate's share when its bucket —
 * `Bucketing.bucket(salt, key, targetingKey)`, in [0, 100) — is below
 * `percentage`: deterministic, sticky, and nested across steps (a user in
 * 5 % stays in 25 %).
 *
 * Key: letters, digits, `.`, `_`, `-`, at most 128 characters, starting
 * with a letter or digit (so it is a path segment and a file name as is).
 */
export const FlagDocument = Schema.Struct({
  apiVersion: Schema.Literal("rollwise/v1"),
  kind: Schema.Literal("Flag"),
  /** The flag's key, as applications ask for it (`new-cart`). */
  key: Schema.String.check(Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/)),
  /** Increments on every change; the ETag is `"<version>"`. */
  version: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  /** Share of users (0–100) that get `on`; 0 after a rollback, 100 after a promotion. */
  percentage: Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 100 })),
  /** The variant users in the share get (the new code path), e.g. `on` or `new`. */
  on: Schema.NonEmptyString,
  /** The variant everyone else gets, and what an application falls back to. */
  off: Schema.NonEmptyString,
  /** Bucketing salt (the rollout id): a new rollout draws new users, the same rollout keeps them. */
  salt: Schema.String,
  /** The rollout driving the flag, if any. */
  rollout: Schema.optionalKey(Schema.String),
  /** Epoch ms of the last change. */
  updatedAt: Schema.Int
})
export type FlagDocument = typeof FlagDocument.Type

/** What a flag's key may be (also its file name in the flag store). */
export const FlagKey = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/))

/** The ETag of a document: its version, quoted. */
export const etag = (doc: FlagDocument): string => `"${doc.version}"`

/**
 * Whether an `If-None-Match` header names the document's current version:
 * `*`, a list of tags, weak (`W/"3"`) or strong, as RFC 9110 compares for GET.
 */
export const notModified = (ifNoneMatch: string | null | undefined, doc: FlagDocument): boolean => {
  if (ifNoneMatch === null || ifNoneMatch === undefined) return false
  const current = etag(doc)
  return ifNoneMatch
    .split(",")
    .map((t) => t.trim())
    .some((t) => t === "*" || t === current || t === `W/${current}`)
}
