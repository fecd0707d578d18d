/**
 * MetricSource
 *
 * @since 0.1.0
 */
export * as SourceTraces from "./SourceTraces.ts"
