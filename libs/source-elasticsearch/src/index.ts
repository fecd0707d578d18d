/**
 * MetricSource
 *
 * @since 0.1.0
 */
export * as SourceElasticsearch from "./SourceElasticsearch.ts"
