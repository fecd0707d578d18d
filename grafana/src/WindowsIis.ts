/**
 * Windows/IIS: an application pool across a farm, from windows_exporter's
 * iis, cpu and memory collectors — app pool state, recycles and worker
 * process failures (what Rollwise's Windows target watches), requests and
 * HTTP errors per `track` (candidate, baseline: the label
 * examples/slo-windows.yaml has the farm's scrape config add), and the
 * HTTP.sys request queue.
 */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard"
import { dashboard, row, stat, timeseries } from "./internal/build.ts"

/** The dashboard's uid. */
export const uid = "rollwise-windows-iis"

const pool = `app="$service", namespace=~"$namespace"`
const servers = `max by (instance) (windows_iis_current_worker_processes{${pool}})`

/** The Windows/IIS dashboard. */
export const build = (): Dashboard =>
  dashboard({
    uid,
    title: "Windows / IIS",
    description: "An IIS application pool across the farm: state, recycles, worker process failures, requests and HTTP errors per track, the HTTP.sys queue (windows_exporter).",
    tags: ["windows", "iis"],
    variables: {
      namespaceFrom: "windows_iis_current_application_pool_state",
      serviceFrom: { selector: `windows_iis_current_application_pool_state{namespace=~"$namespace"}`, label: "app" },
      serviceMeans: "The IIS application pool (windows_exporter's `app` label), named like the service in examples/slo-windows.yaml."
    },
    panels: [
      row("Application pool $service"),
      stat({
        title: "Servers by app pool state",
        description: "How many servers report the pool in each state (windows_iis_current_application_pool_state is 1 for the current one).",
        size: [6, 5],
        queries: [{ expr: `sum by (state) (windows_iis_current_application_pool_state{${pool}}) > 0`, legend: "{{state}}", instant: true }]
      }),
      stat({
        title: "Worker process failures (range)",
        description: "Crashed worker processes over the dashboard's range: what the apppool-restarts metric of examples/slo-windows.yaml counts (critical: one fails the candidate).",
        size: [6, 5],
        queries: [{ expr: `sum(increase(windows_iis_total_worker_process_failures{${pool}}[$__range]))`, legend: "failures", instant: true }],
        steps: [
          { value: null, color: "green" },
          { value: 1, color: "red" }
        ]
      }),
      stat({
        title: "Rapid-fail count",
        description: "Worker process failures inside the rapid-fail protection interval (the pool stops at its limit, 5 by default).",
        size: [6, 5],
        queries: [{ expr: `max(windows_iis_recent_worker_process_failures{${pool}})`, legend: "recent", instant: true }],
        steps: [
          { value: null, color: "green" },
          { value: 1, color: "yellow" },
          { value: 4, color: "red" }
        ]
      }),
      stat({
        title: "Pool uptime",
        description: "Time since the pool last started, the shortest across the servers.",
        size: [6, 5],
        unit: "s",
        queries: [{ expr: `time() - max(windows_iis_current_application_pool_start_time{${pool}})`, legend: "uptime", instant: true }]
      }),
      timeseries({
        title: "Recycles and restarts",
        description: "App pool recycles, worker process crashes, ping and startup failures per server.",
        size: [12, 8],
        min: 0,
        bars: true,
        queries: [
          { expr: `sum by (instance) (increase(windows_iis_total_application_pool_recycles{${pool}}[$__rate_interval]))`, legend: "recycles {{instance}}" },
          { expr: `sum by (instance) (increase(windows_iis_total_worker_process_failures{${pool}}[$__rate_interval]))`, legend: "crashes {{instance}}" },
          { expr: `sum by (instance) (increase(windows_iis_total_worker_process_ping_failures{${pool}}[$__rate_interval]))`, legend: "ping failures {{instance}}" },
          { expr: `sum by (instance) (increase(windows_iis_total_worker_process_startup_failures{${pool}}[$__rate_interval]))`, legend: "startup failures {{instance}}" }
        ]
      }),
      timeseries({
        title: "Worker processes",
        description: "Running w3wp processes of the pool per server.",
        size: [12, 8],
        min: 0,
        queries: [{ expr: `sum by (instance) (windows_iis_current_worker_processes{${pool}})`, legend: "{{instance}}" }]
      }),
      row("Requests and HTTP errors: candidate vs baseline"),
      timeseries({
        title: "Requests by track",
        description: "Requests per second the pool's worker processes served, per track.",
        size: [8, 8],
        unit: "reqps",
        min: 0,
        queries: [{ expr: `sum by (track) (rate(windows_iis_worker_requests_total{${pool}}[$__rate_interval]))`, legend: "{{track}}" }]
      }),
      timeseries({
        title: "5xx ratio by track",
        description: "5xx answers over all requests per track (the error-rate metric of examples/slo-windows.yaml counts 500).",
        size: [8, 8],
        unit: "percentunit",
        min: 0,
        queries: [
          {
            expr: `sum by (track) (rate(windows_iis_worker_request_errors_total{${pool}, status_code=~"5.."}[$__rate_interval])) / sum by (track) (rate(windows_iis_worker_requests_total{${pool}}[$__rate_interval]))`,
            legend: "{{track}}"
          }
        ],
        steps: [
          { value: null, color: "green" },
          { value: 0.01, color: "red" }
        ]
      }),
      timeseries({
        title: "HTTP errors by status code",
        description: "Error answers per second by status code (401, 403, 404, 500, 503), all tracks.",
        size: [8, 8],
        unit: "reqps",
        min: 0,
        queries: [{ expr: `sum by (status_code) (rate(windows_iis_worker_request_errors_total{${pool}}[$__rate_interval]))`, legend: "{{status_code}}" }]
      }),
      row("Queue and saturation"),
      timeseries({
        title: "HTTP.sys request queue length",
        description: "Requests waiting in the pool's HTTP.sys queue (HTTP Service Request Queues; windows_exporter labels the queue `site`, named after the pool).",
        size: [8, 8],
        min: 0,
        queries: [
          { expr: `sum by (instance) (windows_iis_http_requests_current_queue_size{site="$service", namespace=~"$namespace"})`, legend: "{{instance}}" },
          { expr: `sum by (instance) (windows_iis_worker_current_requests{${pool}})`, legend: "in process {{instance}}" }
        ]
      }),
      timeseries({
        title: "Queue: rejected requests and oldest item",
        description: "Requests HTTP.sys rejected (503 queue full) per second, and the age of the oldest queued request.",
        size: [8, 8],
        min: 0,
        queries: [
          { expr: `sum by (instance) (rate(windows_iis_http_request_total_rejected_request{site="$service", namespace=~"$namespace"}[$__rate_interval]))`, legend: "rejected/s {{instance}}" },
          { expr: `max by (instance) (windows_iis_http_requests_max_queue_item_age{site="$service", namespace=~"$namespace"})`, legend: "oldest item {{instance}}" }
        ]
      }),
      timeseries({
        title: "CPU and memory of the pool's servers",
        description: "Busy CPU share and available memory share of the servers that run the pool.",
        size: [8, 8],
        unit: "percentunit",
        min: 0,
        max: 1,
        queries: [
          { expr: `(1 - avg by (instance) (rate(windows_cpu_time_total{mode="idle"}[$__rate_interval]))) and on (instance) ${servers}`, legend: "cpu busy {{instance}}" },
          { expr: `(windows_memory_available_bytes / windows_memory_physical_total_bytes) and on (instance) ${servers}`, legend: "memory free {{instance}}" }
        ]
      })
    ]
  })
