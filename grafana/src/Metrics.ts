/**
 * The metric names a dashboard may query, by where they come from. The
 * PromQL check (`PromqlCheck.ts`) fails a panel whose expression names
 * anything else, so a typo or a metric nobody exports never reaches Grafana.
 * Recording rules are not listed here: the check reads them from
 * `prometheus/rules/*.yml` itself.
 */

/**
 * Rollwise's own `GET /metrics` (libs/api-handler/src/ServiceMetrics.ts).
 * `test/Metrics.test.ts` reads that file and fails when this list and the
 * names declared there differ, so the list cannot drift.
 */
export const rollwise = {
  counters: ["rollwise_http_requests_total", "rollwise_decisions_total", "rollwise_metric_source_queries_total"],
  gauges: ["rollwise_metric_source_last_query_success"],
  histograms: ["rollwise_http_request_duration_seconds"]
} as const

/**
 * What an instrumented service exposes, with `job` and `track` (stable,
 * canary) labels: what prometheus/rules/rollwise.rules.yml and the
 * canary-service chart's AnalysisTemplate read.
 */
export const app = ["http_requests_total", "http_request_duration_seconds_bucket", "http_request_duration_seconds_count", "http_request_duration_seconds_sum"] as const

/**
 * windows_exporter's collectors (prometheus-community/windows_exporter,
 * docs/collector.iis.md and internal/collector/iis/*.go; cpu and memory).
 * `app` is the application pool, `site` the IIS site (or, for the HTTP.sys
 * request queue, the queue's name), `track` the label examples/slo-windows.yaml
 * tells the farm's scrape config to add (candidate, baseline).
 */
export const windowsExporter = [
  // iis: APP_POOL_WAS
  "windows_iis_current_application_pool_state",
  "windows_iis_current_application_pool_start_time",
  "windows_iis_current_worker_processes",
  "windows_iis_recent_worker_process_failures",
  "windows_iis_total_application_pool_recycles",
  "windows_iis_total_worker_process_failures",
  "windows_iis_total_worker_process_ping_failures",
  "windows_iis_total_worker_process_startup_failures",
  // iis: W3SVC_W3WP
  "windows_iis_worker_requests_total",
  "windows_iis_worker_request_errors_total",
  "windows_iis_worker_current_requests",
  // iis: Web Service
  "windows_iis_requests_total",
  "windows_iis_current_connections",
  "windows_iis_not_found_errors_total",
  "windows_iis_locked_errors_total",
  "windows_iis_rejected_async_io_requests_total",
  // iis: HTTP Service Request Queues
  "windows_iis_http_requests_current_queue_size",
  "windows_iis_http_request_total_rejected_request",
  "windows_iis_http_requests_max_queue_item_age",
  // cpu, memory
  "windows_cpu_time_total",
  "windows_memory_available_bytes",
  "windows_memory_physical_total_bytes"
] as const

/**
 * The kubelet's cAdvisor metrics (google/cadvisor docs/storage/prometheus.md),
 * with `namespace`, `pod` and `container` labels: the USE half of the SLO
 * dashboard.
 */
export const cadvisor = [
  "container_cpu_usage_seconds_total",
  "container_cpu_cfs_periods_total",
  "container_cpu_cfs_throttled_periods_total",
  "container_memory_working_set_bytes",
  "container_spec_memory_limit_bytes"
] as const

/** The series names Rollwise's own metrics put on `/metrics` (a histogram is `_bucket`, `_sum` and `_count`). */
export const rollwiseSeries = (): Array<string> => [
  ...rollwise.counters,
  ...rollwise.gauges,
  ...rollwise.histograms.flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`])
]

/** Every exported metric a dashboard may name (recording rules aside). */
export const exported = (): ReadonlySet<string> => new Set<string>([...rollwiseSeries(), ...app, ...windowsExporter, ...cadvisor])

/**
 * Metrics the ARM Cohorts dashboard needs and nothing exports yet: Rollwise
 * drives cohorts through the OTA manager and reads device health from it
 * (libs/target-arm), but puts none of it on `/metrics`. Listed so the
 * dashboard can say what is missing; never queried.
 */
export const wanted = [
  { name: "rollwise_cohort_devices", type: "gauge", labels: "rollout, service, cohort, state (pending, installing, installed, failed)", why: "cohort progress" },
  { name: "rollwise_cohort_info", type: "gauge", labels: "rollout, service, cohort, phase (waiting, deploying, observing, passed, failed)", why: "which cohort is where" },
  { name: "rollwise_device_install_failures_total", type: "counter", labels: "rollout, service, cohort", why: "device failures" },
  { name: "rollwise_ota_deployments_total", type: "counter", labels: "service, result (success, failure, aborted)", why: "OTA success ratio" },
  { name: "rollwise_fleet_devices_online", type: "gauge", labels: "rollout, service, track (candidate, baseline)", why: "online devices per track" },
  { name: "rollwise_fleet_crash_ratio", type: "gauge", labels: "rollout, service, track", why: "device health as the analyzer sees it" }
] as const
