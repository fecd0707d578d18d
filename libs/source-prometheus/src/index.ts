/**
 * MetricSource over the Prometheus HTTP API: templated queries with escaped
 * label values, typed errors, retries, timeouts, baselines by label or time
 * offset, range queries split under Prometheus's 11,000-point limit, native
 * histograms decoded into samples.
 *
 * @since 0.1.0
 */
export * as NativeHistogram from "./NativeHistogram.ts"
export * as PrometheusClient from "./PrometheusClient.ts"
export * as PrometheusSource from "./PrometheusSource.ts"
