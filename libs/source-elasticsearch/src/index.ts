/**
 * MetricSource over Elasticsearch 7/8 and OpenSearch: counters and ratios as
 * document counts, continuous metrics from a numeric field, raw log lines for
 * signatures — templated query_string queries whose values cannot change the
 * query's structure, windows read in time order with `search_after`.
 *
 * @since 0.1.0
 */
export * as ElasticsearchClient from "./ElasticsearchClient.ts"
export * as QueryString from "./QueryString.ts"
export * as SourceElasticsearch from "./SourceElasticsearch.ts"
