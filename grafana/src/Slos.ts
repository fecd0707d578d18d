/**
 * SLOs: the service's RED signals and the USE of its pods, its error budget
 * over a rolling 30 days and the burn rates the ErrorBudgetBurnFast/Slow
 * alerts fire on — all from the recording rules of prometheus/rules (so the
 * dashboard and the alerts read the same numbers).
 */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard"
import { dashboard, row, stat, timeseries } from "./internal/build.ts"

/** The dashboard's uid. */
export const uid = "rollwise-slos"

const job = `job="$service"`
const budget = "scalar(rollwise:slo_error_budget:ratio)"
const burn = (window: string) => ({ expr: `job:http_requests:error_ratio_rate${window}{${job}} / ${budget}`, legend: window })
const remaining = `1 - (sum(sum_over_time(job_track:http_requests_errors:rate1h{${job}}[30d])) / sum(sum_over_time(job_track:http_requests:rate1h{${job}}[30d]))) / ${budget}`
const pods = `namespace=~"$namespace", pod=~"$service-.*", container!="", container!="POD"`

/** The SLOs dashboard. */
export const build = (): Dashboard =>
  dashboard({
    uid,
    title: "SLOs and error budget",
    description: "RED and USE of a service, its 30-day error budget and burn rates, from Rollwise's recording rules (prometheus/rules).",
    tags: ["slo"],
    time: { from: "now-7d", to: "now" },
    variables: {
      namespaceFrom: "http_requests_total",
      serviceFrom: { selector: "job:http_requests:error_ratio_rate5m", label: "job" },
      serviceMeans: "The `job` the recording rules aggregate by (the service)."
    },
    panels: [
      row("Error budget (SLO 1 − rollwise:slo_error_budget:ratio, 30 days)"),
      stat({
        title: "SLO target",
        description: "1 − the error budget recorded as rollwise:slo_error_budget:ratio (99.9 % by default).",
        size: [6, 4],
        unit: "percentunit",
        queries: [{ expr: "1 - rollwise:slo_error_budget:ratio", legend: "target", instant: true }]
      }),
      stat({
        title: "Budget left (rolling 30 d)",
        description: "1 − the errors of the last 30 days over what the budget allows; below 0 the SLO is broken.",
        size: [6, 4],
        unit: "percentunit",
        queries: [{ expr: remaining, legend: "left", instant: true }],
        steps: [
          { value: null, color: "red" },
          { value: 0.25, color: "yellow" },
          { value: 0.5, color: "green" }
        ]
      }),
      stat({
        title: "Burn rate now (1h)",
        description: "The 1-hour error ratio over the budget: 1 uses the budget up exactly in 30 days, 14.4 pages (with 5m).",
        size: [6, 4],
        queries: [{ ...burn("1h"), instant: true }],
        steps: [
          { value: null, color: "green" },
          { value: 1, color: "yellow" },
          { value: 6, color: "orange" },
          { value: 14.4, color: "red" }
        ]
      }),
      stat({
        title: "Error ratio (1 d, all tracks)",
        description: "5xx / requests of the service over the last day (job:http_requests:error_ratio_rate1d).",
        size: [6, 4],
        unit: "percentunit",
        queries: [{ expr: `job:http_requests:error_ratio_rate1d{${job}}`, legend: "1d", instant: true }]
      }),
      timeseries({
        title: "Error budget burn-down (rolling 30 d)",
        description: "The share of the 30-day error budget still left at each point in time.",
        size: [24, 8],
        unit: "percentunit",
        max: 1,
        queries: [{ expr: remaining, legend: "budget left" }],
        steps: [
          { value: null, color: "red" },
          { value: 0, color: "green" }
        ]
      }),
      timeseries({
        title: "Burn rate: page windows",
        description: "ErrorBudgetBurnFast: 1h and 5m above 14.4, or 6h and 30m above 6 (dashed).",
        size: [12, 8],
        min: 0,
        queries: [burn("5m"), burn("30m"), burn("1h"), burn("6h")],
        steps: [
          { value: null, color: "green" },
          { value: 6, color: "orange" },
          { value: 14.4, color: "red" }
        ]
      }),
      timeseries({
        title: "Burn rate: ticket windows",
        description: "ErrorBudgetBurnSlow: 1d and 2h above 3, or 3d and 6h above 1 (dashed).",
        size: [12, 8],
        min: 0,
        queries: [burn("2h"), burn("1d"), burn("3d")],
        steps: [
          { value: null, color: "green" },
          { value: 1, color: "yellow" },
          { value: 3, color: "orange" }
        ]
      }),
      row("RED: rate, errors, duration (per track)"),
      timeseries({
        title: "Rate",
        description: "Requests per second per track (job_track:http_requests:rate5m).",
        size: [8, 8],
        unit: "reqps",
        min: 0,
        queries: [{ expr: `job_track:http_requests:rate5m{${job}}`, legend: "{{track}}" }]
      }),
      timeseries({
        title: "Errors",
        description: "5xx / requests per track (job_track:http_requests:error_ratio_rate5m); HighErrorRate at 1 % (dashed).",
        size: [8, 8],
        unit: "percentunit",
        min: 0,
        queries: [{ expr: `job_track:http_requests:error_ratio_rate5m{${job}}`, legend: "{{track}}" }],
        steps: [
          { value: null, color: "green" },
          { value: 0.01, color: "red" }
        ]
      }),
      timeseries({
        title: "Duration (p95)",
        description: "95th percentile latency per track (job_track:http_request_duration_seconds:p95_rate5m); HighLatencyP95 at 300 ms (dashed).",
        size: [8, 8],
        unit: "s",
        min: 0,
        queries: [{ expr: `job_track:http_request_duration_seconds:p95_rate5m{${job}}`, legend: "{{track}}" }],
        steps: [
          { value: null, color: "green" },
          { value: 0.3, color: "red" }
        ]
      }),
      row("USE: the service's pods (cAdvisor)"),
      timeseries({
        title: "CPU utilisation",
        description: "CPU cores used by the service's containers (pods named $service-…).",
        size: [8, 8],
        unit: "short",
        min: 0,
        queries: [{ expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{${pods}}[$__rate_interval]))`, legend: "{{pod}}" }]
      }),
      timeseries({
        title: "CPU saturation (throttled periods)",
        description: "The share of CFS periods in which the containers were throttled at their CPU limit.",
        size: [8, 8],
        unit: "percentunit",
        min: 0,
        queries: [
          {
            expr: `sum by (pod) (rate(container_cpu_cfs_throttled_periods_total{${pods}}[$__rate_interval])) / sum by (pod) (rate(container_cpu_cfs_periods_total{${pods}}[$__rate_interval]))`,
            legend: "{{pod}}"
          }
        ]
      }),
      timeseries({
        title: "Memory: working set / limit",
        description: "Working-set memory over the container's limit; the kernel kills the container at 1.",
        size: [8, 8],
        unit: "percentunit",
        min: 0,
        queries: [
          {
            expr: `sum by (pod) (container_memory_working_set_bytes{${pods}}) / sum by (pod) (container_spec_memory_limit_bytes{${pods}} > 0)`,
            legend: "{{pod}}"
          }
        ],
        steps: [
          { value: null, color: "green" },
          { value: 0.9, color: "red" }
        ]
      })
    ]
  })
