/**
 * MetricSource over Loki: LogQL metric queries for continuous, counter and
 * ratio metrics, and raw log lines (read forward with paging under Loki's
 * `max_entries_limit_per_query`) for new-error-signature mining; tenant
 * header, bearer or basic auth, typed errors, bounded retries.
 *
 * @since 0.1.0
 */
export * as LokiClient from "./LokiClient.ts"
export * as SourceLoki from "./SourceLoki.ts"
