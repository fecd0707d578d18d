/**
 * MetricSource
 *
 * @since 0.1.0
 */
export * as SourceLoki from "./SourceLoki.ts"
