/**
 * MetricSource over the Prometheus HTTP API: templated queries with escaped
 * label values, typed errors, retries, timeouts, baselines by label or time
 * offset.
 *
 * @since 0.1.0
 */
export * as PromQL from "./PromQL.ts"
export * as PrometheusClient from "./PrometheusClient.ts"
export * as PrometheusSource from "./PrometheusSource.ts"
