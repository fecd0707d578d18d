import type { SloSpec, Verdict } from "@rollwise/slo-policy"
import * as Svg from "./Svg.ts"

/** One chart per metric. */
export interface MetricChart {
  readonly metric: string
  /** A safe file name: the metric name with anything but [A-Za-z0-9_.-] replaced. */
  readonly file: string
  readonly svg: string
}

/** Where a rollout step began: the first window judged in it, and what to call it ("step 2: 25 %"). */
export interface StepStart {
  readonly window: number
  readonly label: string
}

const colors = { baseline: "#1f77b4", candidate: "#d62728", rule: "#7f7f7f", promote: "#2ca02c", slow: "#ff7f0e", rollback: "#d62728" }

/**
 * Charts of candidate against baseline for each metric of a spec over a run
 * of verdicts (as `Analyzer.run` returns them): the per-window summaries, the
 * candidate's confidence band where a test gave one, the SLO threshold, and
 * the decision marked at the end of its window and, when `steps` are given, a
 * labelled rule where each step began. Error rates and counts cannot be
 * negative, so their axes start at 0; a single window is drawn as points.
 */
export const forVerdicts = (
  spec: SloSpec.Spec,
  verdicts: ReadonlyArray<Verdict.Verdict>,
  title = spec.service,
  steps: ReadonlyArray<StepStart> = []
): ReadonlyArray<MetricChart> => {
  const last = verdicts.at(-1)
  return spec.metrics.map((metric) => {
    const rows = verdicts.map((v) => ({ window: v.window, m: v.metrics.find((m) => m.name === metric.name) }))
    const point = (pick: (m: Verdict.MetricVerdict) => number | null) =>
      rows.map(({ window, m }) => ({ x: window, y: m === undefined ? Number.NaN : (pick(m) ?? Number.NaN) }))
    // a ratio's band is a rate: it stays within [0, 1]
    const clamp = (v: number) => (metric.kind === "ratio" ? Math.min(1, Math.max(0, v)) : v)
    const band = rows.flatMap(({ window, m }) =>
      m?.ci !== undefined && m.ci !== null && m.baseline !== null && metric.kind !== "counter"
        ? [
            {
              x: window,
              low: clamp(m.baseline * (1 + m.ci[0] * (metric.direction === "lower" ? 1 : -1))),
              high: clamp(m.baseline * (1 + m.ci[1] * (metric.direction === "lower" ? 1 : -1)))
            }
          ]
        : []
    )
    const summary =
      metric.kind === "continuous"
        ? "median per window"
        : metric.kind === "ratio"
          ? "error rate per window"
          : metric.kind === "signatures"
            ? "new error signatures per window"
            : metric.kind === "multivariate"
              ? "median anomaly score, joint behaviour of its features"
              : "count per window"
    const svg = Svg.lineChart({
      title: `${title} · ${metric.name} (${summary})`,
      xLabel: "window",
      yLabel: metric.name,
      series: [
        { name: "baseline", color: colors.baseline, points: point((m) => m.baseline) },
        { name: "candidate", color: colors.candidate, points: point((m) => m.candidate), band }
      ],
      rules: [{ y: metric.threshold, label: `${metric.kind === "multivariate" ? "score bound" : "SLO"} ${metric.threshold}`, color: colors.rule }],
      // a step begins before its first window, a decision is taken after its last: both between points, never through them
      steps: steps.map((s) => ({ x: s.window - 0.5, label: s.label })),
      markers: last === undefined || last.window < 0 ? [] : [{ x: last.window + 0.5, label: last.action, color: colors[last.action] }],
      nonNegative: metric.kind !== "continuous",
      integer: metric.kind === "counter" || metric.kind === "signatures"
    })
    return { metric: metric.name, file: `${metric.name.replace(/[^A-Za-z0-9_.-]/g, "_")}.svg`, svg }
  })
}
