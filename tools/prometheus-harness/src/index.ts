/**
 * @rollwise/prometheus-harness — a real Prometheus for tests.
 *
 * Generate stable/canary history (`canaryHistory`), write it as OpenMetrics
 * (`openMetrics`), backfill it with promtool and start Prometheus on 127.0.0.1
 * (`startPrometheus`), then query it over HTTP and `stop()` it by PID. Native
 * histograms, which promtool cannot backfill, go in by remote write
 * (`nativeLatencyHistory`, `remoteWrite`).
 */
export {
  escapeLabelValue,
  formatNumber,
  histogramSeries,
  openMetrics,
  type HistogramPoint,
  type MetricType,
  type Sample,
  type Series
} from "./OpenMetrics.ts"
export {
  canaryHistory,
  DEFAULT_BUCKETS,
  drawLatency,
  histogramQuantileOf,
  latencyQuantile,
  type CanaryHistoryOptions,
  type LatencyProfile,
  type TrackProfile
} from "./CanaryHistory.ts"
export { nativeLatencyHistory, type NativeLatencyHistoryOptions, type NativeLatencySeries } from "./NativeHistory.ts"
export {
  bucketBounds,
  bucketIndex,
  encodeWriteRequest,
  nativeHistogramFlags,
  remoteWrite,
  snappyLiteral,
  type NativeHistogramSample,
  type RemoteSeries
} from "./RemoteWrite.ts"
export { liveSloYaml, stableCanary, type StableCanaryOptions } from "./LiveSlo.ts"
export {
  prometheusAvailable,
  promtool,
  startPrometheus,
  type PromtoolResult,
  type RunningPrometheus,
  type ScrapeConfig,
  type StartPrometheusOptions
} from "./Prometheus.ts"
