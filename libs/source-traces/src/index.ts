/**
 * MetricSources over traces: Grafana Tempo (TraceQL search and TraceQL
 * metrics) and Jaeger (its query service's trace search), turning span
 * durations, error spans and span counts into the analyzer's samples.
 *
 * @since 0.1.0
 */
export * as JaegerSource from "./JaegerSource.ts"
export * as TempoSource from "./TempoSource.ts"
