/**
 * The EvidenceStore on PostgreSQL for replicated servers: append-only, gap-free per-rollout sequences, fenced leases
 *
 * @since 0.1.0
 */
export * as EvidencePostgres from "./EvidencePostgres.ts"
