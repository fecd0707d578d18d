/**
 * ARM Cohorts: a fleet rollout cohort by cohort. Rollwise drives the cohorts
 * through the OTA manager and reads device health from it (libs/target-arm),
 * but exports none of that as metrics yet, so this dashboard shows what does
 * exist — Rollwise's rollout starts, verdicts and operator actions, and
 * whether its metric source answers — and says, in a panel, which metrics
 * the cohort panels need (`Metrics.wanted`). Nothing here queries a metric
 * that does not exist: the PromQL check holds this dashboard to the same
 * list as the others.
 */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard"
import { dashboard, decisionAnnotations, row, stat, text, timeseries } from "./internal/build.ts"
import { wanted } from "./Metrics.ts"

/** The dashboard's uid. */
export const uid = "rollwise-arm-cohorts"

const decisions = (kind: string) => `sum by (action) (increase(rollwise_decisions_total{kind="${kind}"}[$__rate_interval]))`
const total = (kind: string, action: string) => `sum(increase(rollwise_decisions_total{kind="${kind}", action=~"${action}"}[$__range]))`

const missing = [
  "**Cohort progress, device failures and OTA success need metrics Rollwise does not export yet.** The cohort panels appear when these exist:",
  "",
  "| metric | type | labels | for |",
  "|---|---|---|---|",
  ...wanted.map((m) => `| \`${m.name}\` | ${m.type} | ${m.labels} | ${m.why} |`),
  "",
  "Until then, a fleet rollout's cohorts, device failures and verdicts are in its evidence: `rollwise evidence show $rollout`."
].join("\n")

/** The ARM Cohorts dashboard. */
export const build = (): Dashboard =>
  dashboard({
    uid,
    title: "ARM Cohorts",
    description: "ARM fleet rollouts: Rollwise's rollout starts, verdicts and operator actions; the cohort and device panels wait for the metrics listed on the dashboard.",
    tags: ["arm", "fleet"],
    time: { from: "now-24h", to: "now" },
    variables: {
      namespaceFrom: "rollwise_decisions_total",
      serviceMeans: "The fleet's service (the fleet file's name); no exported metric carries it yet."
    },
    annotations: decisionAnnotations,
    panels: [
      row("Fleet rollout $rollout of $service"),
      stat({
        title: "Rollouts started (range)",
        description: "Rollouts Rollwise started over the dashboard's range, by strategy (rollwise_decisions_total{kind=\"rollout\"}).",
        size: [6, 5],
        queries: [{ expr: `sum by (action) (increase(rollwise_decisions_total{kind="rollout"}[$__range]))`, legend: "{{action}}", instant: true }]
      }),
      stat({
        title: "Verdicts: rollback (range)",
        description: "Analyzer verdicts that rolled a candidate back over the range (every cohort gate asks the analyzer).",
        size: [6, 5],
        queries: [{ expr: total("analysis", "rollback"), legend: "rollback", instant: true }],
        steps: [
          { value: null, color: "green" },
          { value: 1, color: "red" }
        ]
      }),
      stat({
        title: "Verdicts: promote (range)",
        description: "Analyzer verdicts that let a cohort pass over the range.",
        size: [6, 5],
        queries: [{ expr: total("analysis", "promote"), legend: "promote", instant: true }]
      }),
      stat({
        title: "Metric source answering",
        description: "1 when the last query of Rollwise's metric source was answered; 0 means verdicts hold (slow) for want of data.",
        size: [6, 5],
        queries: [{ expr: "min(rollwise_metric_source_last_query_success)", legend: "answered", instant: true }],
        steps: [
          { value: null, color: "red" },
          { value: 1, color: "green" }
        ]
      }),
      timeseries({
        title: "Verdicts over time",
        description: "The analyzer's promote/slow/rollback verdicts.",
        size: [12, 8],
        min: 0,
        bars: true,
        queries: [{ expr: decisions("analysis"), legend: "{{action}}" }]
      }),
      timeseries({
        title: "Rollout starts and operator actions",
        description: "Rollouts started (by strategy) and operators' promote/rollback actions (recorded or already done).",
        size: [12, 8],
        min: 0,
        bars: true,
        queries: [
          { expr: decisions("rollout"), legend: "start {{action}}" },
          { expr: decisions("operator"), legend: "operator {{action}}" }
        ]
      }),
      row("Cohorts and devices"),
      text({ title: "Cohort progress, device failures, OTA success: metrics needed", size: [24, 9], markdown: missing })
    ]
  })
