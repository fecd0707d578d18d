/**
 * The EvidenceStore on PostgreSQL for replicated servers: append-only, gap-free per-rollout sequences, fenced leases
 */
export {}
