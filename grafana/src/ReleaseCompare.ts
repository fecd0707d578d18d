/**
 * Release Compare: the candidate (track `canary`) against the baseline
 * (track `stable`) on the signals the analyzer judges — request rate, error
 * ratio, p95 latency — with Rollwise's own decisions as annotations. The uid
 * and the `service`/`version` variables are what a published rollout's
 * evidence links to (libs/evidence-artifactory: `/d/rollwise-release-compare/
 * release-compare?var-service=…&var-version=…&from=…&to=…`).
 */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard"
import { TextBoxVariableBuilder } from "@grafana/grafana-foundation-sdk/dashboard"
import { dashboard, decisionAnnotations, judgedKinds as judged, row, stat, text, timeseries } from "./internal/build.ts"

/** The dashboard's uid: evidence links name it. */
export const uid = "rollwise-release-compare"

const sel = (extra = "") => `job="$service", namespace=~"$namespace"${extra}`
const rate = (extra = "") => `sum by (track) (rate(http_requests_total{${sel(extra)}}[$__rate_interval]))`
const errorRatio = (track?: string) => {
  const t = track !== undefined ? `, track="${track}"` : ""
  return `${rate(`${t}, status=~"5.."`)} / ${rate(t)}`
}
const p95 = (track?: string) =>
  `histogram_quantile(0.95, sum by (track, le) (rate(http_request_duration_seconds_bucket{${sel(track !== undefined ? `, track="${track}"` : "")}}[$__rate_interval])))`


/** The Release Compare dashboard. */
export const build = (): Dashboard =>
  dashboard({
    uid,
    title: "Release Compare",
    description: "Candidate (track canary) against baseline (track stable) on the analyzer's signals, with Rollwise's decisions as annotations.",
    tags: ["release", "canary"],
    time: { from: "now-6h", to: "now" },
    variables: {
      namespaceFrom: "http_requests_total",
      serviceFrom: { selector: `http_requests_total{namespace=~"$namespace"}`, label: "job" },
      serviceMeans: "The service as Rollwise names it: the `job` label of its http_requests_total (the canary-service chart's PodMonitor sets it).",
      extra: [new TextBoxVariableBuilder("version").label("Candidate version").description("The version being rolled out (evidence links set it).").defaultValue("")]
    },
    annotations: decisionAnnotations,
    panels: [
      row("Now: candidate $version against baseline"),
      stat({
        title: "Error ratio: candidate",
        description: "5xx / requests of the canary track over the rate interval.",
        size: [6, 4],
        unit: "percentunit",
        queries: [{ expr: errorRatio("canary"), legend: "canary", instant: true }],
        steps: [
          { value: null, color: "green" },
          { value: 0.001, color: "yellow" },
          { value: 0.01, color: "red" }
        ]
      }),
      stat({
        title: "Error ratio: baseline",
        description: "5xx / requests of the stable track over the rate interval.",
        size: [6, 4],
        unit: "percentunit",
        queries: [{ expr: errorRatio("stable"), legend: "stable", instant: true }],
        steps: [
          { value: null, color: "green" },
          { value: 0.001, color: "yellow" },
          { value: 0.01, color: "red" }
        ]
      }),
      stat({
        title: "p95 latency: candidate / baseline",
        description: "The canary's 95th percentile latency and the stable track's.",
        size: [6, 4],
        unit: "s",
        queries: [
          { expr: p95("canary"), legend: "canary", instant: true },
          { expr: p95("stable"), legend: "stable", instant: true }
        ],
        steps: [
          { value: null, color: "green" },
          { value: 0.3, color: "red" }
        ]
      }),
      stat({
        title: "Candidate's share of traffic",
        description: "The canary track's requests over all of the service's requests.",
        size: [6, 4],
        unit: "percentunit",
        queries: [{ expr: `sum(rate(http_requests_total{${sel(`, track="canary"`)}}[$__rate_interval])) / sum(rate(http_requests_total{${sel()}}[$__rate_interval]))`, legend: "canary", instant: true }]
      }),
      row("Baseline vs candidate, per track"),
      timeseries({
        title: "Request rate by track",
        description: "Requests per second answered by each track.",
        size: [8, 8],
        unit: "reqps",
        min: 0,
        queries: [{ expr: rate(), legend: "{{track}}" }]
      }),
      timeseries({
        title: "Error ratio by track",
        description: "5xx / requests per track; the dashed lines are the SLO's budget (0.1 %) and the HighErrorRate alert (1 %).",
        size: [8, 8],
        unit: "percentunit",
        min: 0,
        queries: [{ expr: errorRatio(), legend: "{{track}}" }],
        steps: [
          { value: null, color: "green" },
          { value: 0.001, color: "yellow" },
          { value: 0.01, color: "red" }
        ]
      }),
      timeseries({
        title: "p95 latency by track",
        description: "95th percentile latency per track; the dashed line is the HighLatencyP95 alert (300 ms).",
        size: [8, 8],
        unit: "s",
        min: 0,
        queries: [{ expr: p95(), legend: "{{track}}" }],
        steps: [
          { value: null, color: "green" },
          { value: 0.3, color: "red" }
        ]
      }),
      timeseries({
        title: "Candidate / baseline error ratio (recorded, 5m)",
        description: "What the CanaryErrorRatioAboveStable alert compares: the canary's recorded error ratio over stable's; above 1.5 (dashed) it fires when the canary also exceeds the budget.",
        size: [12, 7],
        min: 0,
        queries: [
          {
            expr: `job_track:http_requests:error_ratio_rate5m{job="$service", track="canary"} / ignoring (track) job_track:http_requests:error_ratio_rate5m{job="$service", track="stable"}`,
            legend: "canary / stable"
          }
        ],
        steps: [
          { value: null, color: "green" },
          { value: 1.5, color: "red" }
        ]
      }),
      timeseries({
        title: "Candidate − baseline p95 (recorded, 5m)",
        description: "How much slower the canary is than stable at the 95th percentile (recording rule job_track:http_request_duration_seconds:p95_rate5m).",
        size: [12, 7],
        unit: "s",
        queries: [
          {
            expr: `job_track:http_request_duration_seconds:p95_rate5m{job="$service", track="canary"} - ignoring (track) job_track:http_request_duration_seconds:p95_rate5m{job="$service", track="stable"}`,
            legend: "canary − stable"
          }
        ]
      }),
      row("Rollwise's decisions"),
      timeseries({
        title: "Decisions by kind and action",
        description: "rollwise_decisions_total: analyzer verdicts (promote/slow/rollback), Argo and Flagger answers, operator actions. Decisions about the selected service (Argo, Flagger and rollouts carry `service`), and those that name none (offline analyses, operator actions).",
        size: [12, 8],
        min: 0,
        bars: true,
        queries: [{ expr: `sum by (kind, action) (increase(rollwise_decisions_total{${judged}}[$__rate_interval]))`, legend: "{{kind}} {{action}}" }]
      }),
      timeseries({
        title: "Metric source answers",
        description: "The queries Rollwise's judging routes sent to Prometheus, by result; without data Rollwise answers slow (hold).",
        size: [12, 8],
        min: 0,
        queries: [
          { expr: `sum by (result) (rate(rollwise_metric_source_queries_total[$__rate_interval]))`, legend: "{{result}}" },
          { expr: `min(rollwise_metric_source_last_query_success)`, legend: "last query answered (1 = yes)" }
        ]
      }),
      text({
        title: "About this view",
        size: [24, 4],
        markdown: [
          "Rollout **$rollout** of **$service** ($version). Baseline is track `stable`, candidate track `canary` (the labels the canary-service chart's pods carry).",
          "Annotations mark Rollwise's decisions from `rollwise_decisions_total`: red rollback/halt, yellow hold, green promote/proceed.",
          "The rollout's verdict, reasons and plots are in its evidence: `rollwise evidence show $rollout`."
        ].join("\n\n")
      })
    ]
  })
