import type { SloSpec, Verdict } from "@rollwise/slo-policy"
import { describe, expect, it } from "vitest"
import { VerdictCharts } from "../src/index.ts"

const spec = {
  apiVersion: "rollwise/v1",
  kind: "SloSpec",
  service: "checkout",
  window: "2m",
  windowSeconds: 120,
  maxWindows: 6,
  promoteAfter: 2,
  warmupWindows: 0,
  metrics: [
    { name: "latency", kind: "continuous", direction: "lower", threshold: 0.3, tolerance: 0.1, critical: false, weight: 1 },
    { name: "error-rate", kind: "ratio", direction: "lower", threshold: 0.01, tolerance: 0.5, critical: false, weight: 1 },
    { name: "restarts", kind: "counter", direction: "lower", threshold: 0, tolerance: 0.1, critical: true, weight: 1 }
  ]
} as unknown as SloSpec.Spec

/** A verdict for one window: latency around 0.12 s, error rate around 0.3 %, `restarts` restarts. */
const verdict = (window: number, restarts: number, action: Verdict.Verdict["action"] = "promote"): Verdict.Verdict => {
  const m = (name: string, baseline: number, candidate: number): Verdict.MetricVerdict => ({
    name,
    status: "pass",
    baseline,
    candidate,
    effect: candidate / baseline - 1,
    ci: [-0.1, 0.2],
    p_value: 0.5,
    reason: ""
  })
  return {
    action,
    window,
    metrics: [m("latency", 0.12 + window / 1000, 0.125), m("error-rate", 0.003, 0.0032 + window / 10_000), { ...m("restarts", 0, restarts), effect: null, ci: null }],
    reasons: [],
    score: 100
  }
}

/** The y-axis tick labels from bottom to top (the largest y coordinate is the bottom). */
const yTicks = (svg: string): Array<string> =>
  [...svg.matchAll(/<text class="y-tick" x="[^"]*" y="([^"]*)"[^>]*>([^<]*)<\/text>/g)].sort((a, b) => Number(b[1]) - Number(a[1])).map((m) => m[2]!)

const chartOf = (charts: ReadonlyArray<VerdictCharts.MetricChart>, metric: string) => charts.find((c) => c.metric === metric)!.svg

describe("VerdictCharts.forVerdicts", () => {
  const run = [0, 1, 2, 3].map((w) => verdict(w, 0))
  const steps = [
    { window: 0, label: "step 1: 5 %" },
    { window: 2, label: "step 2: 25 %" }
  ]

  it("starts the axis of a ratio and of a counter at zero, since neither can go negative", () => {
    const charts = VerdictCharts.forVerdicts(spec, run, "checkout", steps)
    for (const metric of ["error-rate", "restarts"]) {
      const ticks = yTicks(chartOf(charts, metric))
      expect(ticks.length).toBeGreaterThanOrEqual(2)
      expect(ticks[0]).toBe("0")
    }
    // counts are whole: no 0.25 restarts on the axis
    expect(yTicks(chartOf(charts, "restarts")).every((t) => /^\d+$/.test(t))).toBe(true)
    // a continuous metric is fitted to its data (nothing says it cannot be negative)
    expect(yTicks(chartOf(charts, "latency"))[0]).not.toBe("0")
  })

  it("marks where each step began, with its label, between the windows of the two steps", () => {
    const svg = chartOf(VerdictCharts.forVerdicts(spec, run, "checkout", steps), "latency")
    const marks = [...svg.matchAll(/<g class="step"><line x1="([^"]*)"[^>]*\/><text[^>]*>([^<]*)<\/text><\/g>/g)]
    expect(marks.map((m) => m[2])).toEqual(["step 1: 5 %", "step 2: 25 %"])
    const circles = [...svg.matchAll(/<circle cx="([^"]*)"/g)].map((m) => Number(m[1]))
    const xs = [...new Set(circles)].sort((a, b) => a - b)
    const boundary = Number(marks[1]![1])
    expect(boundary).toBeGreaterThan(xs[1]!)
    expect(boundary).toBeLessThan(xs[2]!)
  })

  it("draws a one-window run as points, with the decision beside them rather than a line through them", () => {
    const charts = VerdictCharts.forVerdicts(spec, [verdict(0, 3, "rollback")], "arm", [{ window: 0, label: "step 1: cohort 1 %" }])
    for (const { svg } of charts) {
      const circles = [...svg.matchAll(/<circle cx="([^"]*)"/g)].map((m) => Number(m[1]))
      expect(circles.length).toBeGreaterThanOrEqual(2)
      expect(svg).not.toMatch(/<polyline|<path/)
      // no shape collapsed to zero width (a band over one window is a box, not a line)
      for (const p of svg.matchAll(/<polygon points="([^"]*)"/g)) {
        const xs = p[1]!.split(" ").map((xy) => Number(xy.split(",")[0]))
        expect(Math.max(...xs) - Math.min(...xs)).toBeGreaterThan(0)
      }
      const decision = svg.match(/<g class="marker"><line x1="([^"]*)"/)
      expect(decision).not.toBeNull()
      expect(circles).not.toContain(Number(decision![1]))
    }
    expect(chartOf(charts, "latency")).toMatch(/<rect class="band"/)
  })
})

describe("VerdictCharts.forVerdicts with a multivariate metric", () => {
  it("titles its chart as the median anomaly score of its features' joint behaviour, with the score bound as the rule", () => {
    const joint = { ...spec, metrics: [...spec.metrics, { name: "joint", kind: "multivariate", direction: "lower", threshold: 0.7, tolerance: 0.02, critical: true, weight: 1, features: [{ metric: "latency" }, { metric: "error-rate" }] }] } as unknown as SloSpec.Spec
    const withJoint = [0, 1].map((w) => {
      const v = verdict(w, 0)
      return { ...v, metrics: [...v.metrics, { name: "joint", status: "pass" as const, baseline: 0.45, candidate: 0.47, effect: 0.02, ci: null, p_value: 0.3, reason: "" }] }
    })
    const chart = VerdictCharts.forVerdicts(joint, withJoint).find((c) => c.metric === "joint")!
    expect(chart.svg).toContain("joint (median anomaly score, joint behaviour of its features)")
    expect(chart.svg).toContain("score bound 0.7")
  })
})
