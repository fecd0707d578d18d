/**
 * Redact credentials (URL userinfo, Authorization values, token=/password=
 * pairs, known secret values) from upstream text before it is shown or stored.
 *
 * @since 0.1.0
 */
export * as Redaction from "./Redaction.ts"
