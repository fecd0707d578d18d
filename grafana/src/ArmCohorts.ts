/**
 * ARM Cohorts: a fleet rollout cohort by cohort. Rollwise drives the cohorts
 * through the OTA manager and reads device health from it (libs/target-arm),
 * but exports none of that as metrics yet, so this dashboard shows what does
 * exist — Rollwise's rollout starts, verdicts and operator actions, and
 * whether its metric source answers. The cohort panels (progress, device
 * failures, OTA success, device health per track) are written against the
 * metrics of `Metrics.wanted` and only built once every metric they name is
 * exported (listed in `Metrics.ts`); until then a text panel names the
 * missing ones. Nothing here queries a metric that does not exist: the PromQL
 * check holds this dashboard to the same list as the others.
 */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard"
import { dashboard, decisionAnnotations, type PanelOptions, row, stat, text, timeseries } from "./internal/build.ts"
import { exported, wanted } from "./Metrics.ts"
import { metricNames } from "./PromqlCheck.ts"

/** The dashboard's uid. */
export const uid = "rollwise-arm-cohorts"

const decisions = (kind: string) => `sum by (action) (increase(rollwise_decisions_total{kind="${kind}"}[$__rate_interval]))`
const total = (kind: string, action: string) => `sum(increase(rollwise_decisions_total{kind="${kind}", action=~"${action}"}[$__range]))`

// an empty $rollout matches every rollout
const fleet = `service="$service", rollout=~"$rollout.*"`

/** The cohort panels, over metrics Rollwise does not export yet (`Metrics.wanted`). */
export const cohortPanels: ReadonlyArray<{ readonly kind: "stat" | "timeseries"; readonly options: PanelOptions }> = [
  {
    kind: "stat",
    options: {
      title: "Devices updated",
      description: "Devices that installed the candidate over the devices the rollout's cohorts target.",
      size: [6, 5],
      unit: "percentunit",
      queries: [{ expr: `sum(rollwise_cohort_devices{${fleet}, state="installed"}) / sum(rollwise_cohort_devices{${fleet}})`, legend: "updated", instant: true }]
    }
  },
  {
    kind: "stat",
    options: {
      title: "Cohort phase",
      description: "Each cohort's phase (waiting, deploying, observing, passed, failed).",
      size: [6, 5],
      queries: [{ expr: `max by (cohort, phase) (rollwise_cohort_info{${fleet}}) == 1`, legend: "{{cohort}}: {{phase}}", instant: true }]
    }
  },
  {
    kind: "stat",
    options: {
      title: "OTA success (range)",
      description: "Successful OTA deployments over all finished ones in the dashboard's range.",
      size: [6, 5],
      unit: "percentunit",
      queries: [
        {
          expr: `sum(increase(rollwise_ota_deployments_total{service="$service", result="success"}[$__range])) / sum(increase(rollwise_ota_deployments_total{service="$service"}[$__range]))`,
          legend: "success",
          instant: true
        }
      ],
      steps: [
        { value: null, color: "red" },
        { value: 0.95, color: "yellow" },
        { value: 0.99, color: "green" }
      ]
    }
  },
  {
    kind: "stat",
    options: {
      title: "Device install failures (range)",
      description: "Devices that failed to install the candidate over the range; the target fails a cohort where too many do.",
      size: [6, 5],
      queries: [{ expr: `sum(increase(rollwise_device_install_failures_total{${fleet}}[$__range]))`, legend: "failures", instant: true }],
      steps: [
        { value: null, color: "green" },
        { value: 1, color: "red" }
      ]
    }
  },
  {
    kind: "timeseries",
    options: {
      title: "Cohort progress",
      description: "Devices per cohort and state: pending, installing, installed, failed.",
      size: [12, 8],
      min: 0,
      queries: [{ expr: `sum by (cohort, state) (rollwise_cohort_devices{${fleet}})`, legend: "{{cohort}} {{state}}" }]
    }
  },
  {
    kind: "timeseries",
    options: {
      title: "Device failures by cohort",
      description: "Install failures per cohort.",
      size: [12, 8],
      min: 0,
      bars: true,
      queries: [{ expr: `sum by (cohort) (increase(rollwise_device_install_failures_total{${fleet}}[$__rate_interval]))`, legend: "{{cohort}}" }]
    }
  },
  {
    kind: "timeseries",
    options: {
      title: "Online devices: candidate vs baseline",
      description: "Devices heard from per track; offline devices are left out of every health sample.",
      size: [12, 8],
      min: 0,
      queries: [{ expr: `sum by (track) (rollwise_fleet_devices_online{${fleet}})`, legend: "{{track}}" }]
    }
  },
  {
    kind: "timeseries",
    options: {
      title: "Crash ratio: candidate vs baseline",
      description: "Online devices that reported a crash over online devices, per track: the crash-rate signal the analyzer judges.",
      size: [12, 8],
      unit: "percentunit",
      min: 0,
      queries: [{ expr: `max by (track) (rollwise_fleet_crash_ratio{${fleet}})`, legend: "{{track}}" }]
    }
  }
]

/** The metrics the cohort panels name that `available` lacks (empty: the panels are built). */
export const missingFor = (available: ReadonlySet<string>): Array<string> => [
  ...new Set(cohortPanels.flatMap((p) => p.options.queries.flatMap((q) => metricNames(q.expr))).filter((m) => !available.has(m)))
]

const missingText = (missing: ReadonlyArray<string>) =>
  [
    "**Cohort progress, device failures and OTA success need metrics Rollwise does not export yet.** The cohort panels are generated once these are exported and listed in grafana/src/Metrics.ts:",
    "",
    "| metric | type | labels | for |",
    "|---|---|---|---|",
    ...wanted.filter((m) => missing.includes(m.name)).map((m) => `| \`${m.name}\` | ${m.type} | ${m.labels} | ${m.why} |`),
    "",
    "Until then, a fleet rollout's cohorts, device failures and verdicts are in its evidence: `rollwise evidence show $rollout`."
  ].join("\n")

/** The ARM Cohorts dashboard; the cohort panels only when every metric they name is in `available`. */
export const build = (available: ReadonlySet<string> = exported()): Dashboard => {
  const missing = missingFor(available)
  return dashboard({
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
      ...(missing.length === 0
        ? cohortPanels.map((p) => (p.kind === "stat" ? stat(p.options) : timeseries(p.options)))
        : [text({ title: "Cohort progress, device failures, OTA success: metrics needed", size: [24, 9], markdown: missingText(missing) })])
    ]
  })
}
