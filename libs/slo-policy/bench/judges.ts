/**
 * Two reference judges the detection benchmark compares Rollwise with, built
 * from what users run today. Both read the same observation lines.
 *
 * (a) Static thresholds on the candidate only, as an Argo Rollouts
 *     AnalysisTemplate does (the seed's `kpi-check`: error rate > 1 % fails,
 *     p95 latency > 300 ms fails): one measurement per window, `count` 10,
 *     `failureLimit` 1 (the run fails on the second failed measurement), a
 *     window without data is a measurement error and the fifth consecutive
 *     error fails the run (Argo's default consecutiveErrorLimit 4); passing
 *     all windows promotes. The latency value is the candidate's p95 in the
 *     window: of its raw samples, or, on live-shaped windows, what the
 *     template's instant query `histogram_quantile(0.95, rate(…[2m]))` returns
 *     at the window's end (`windowP95`), never a quantile of step quantiles.
 * (b) A fixed-horizon judge as Kayenta's NetflixACAJudge: after the whole
 *     analysis (all windows pooled), per metric: drop NaNs and outliers
 *     (IQR, factor 3), Mann–Whitney with a 98 % Hodges–Lehmann interval;
 *     "High" when the interval's lower bound exceeds 0.25 × |estimate| and the
 *     mean ratio clears the effect-size gate (default 1.0); metrics without data
 *     are left out of the score; score = pass / (pass + high + low) × 100, and
 *     a critical metric that is not Pass scores 0; pass at ≥ 95. On
 *     live-shaped windows it gets what a Kayenta Prometheus range query gives:
 *     the per-step p95 points of every window, pooled; error rate one ratio
 *     per window.
 */
import { HodgesLehmann } from "@rollwise/stats-core"
import type { Line } from "./scenarios.ts"

export type Decision = { readonly action: "promote" | "rollback" | "slow"; readonly window: number }

const byWindow = (lines: ReadonlyArray<Line>) => {
  const windows = new Map<number, Array<Line>>()
  for (const l of lines) windows.set(l.window, [...(windows.get(l.window) ?? []), l])
  return [...windows.entries()].sort(([a], [b]) => a - b)
}

const p95 = (values: ReadonlyArray<number>): number => {
  const s = [...values].sort((a, b) => a - b)
  if (s.length === 0) return Number.NaN
  const h = (s.length - 1) * 0.95
  const lo = Math.floor(h)
  return s[lo]! + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]!) - s[lo]!)
}

/** (a) Argo Rollouts-style static thresholds on the candidate. */
export const argoStatic = (lines: ReadonlyArray<Line>, windows = 10, windowP95?: ReadonlyArray<number>): Decision => {
  let failures = 0
  let consecutiveErrors = 0
  const series = byWindow(lines)
  for (let w = 0; w < windows; w++) {
    const ls = (series.find(([i]) => i === w)?.[1] ?? []).filter((l) => l.track === "candidate")
    const latency = ls.find((l) => l.metric === "latency")?.values?.filter((v): v is number => v !== null) ?? []
    const errors = ls.find((l) => l.metric === "error-rate")
    const restarts = ls.find((l) => l.metric === "restarts")?.values?.[0]
    const p95Latency = windowP95 !== undefined ? (windowP95[w] ?? Number.NaN) : p95(latency)
    if (latency.length === 0 || !Number.isFinite(p95Latency) || errors === undefined || errors.total === 0) {
      consecutiveErrors++
      if (consecutiveErrors > 4) return { action: "rollback", window: w }
      continue
    }
    consecutiveErrors = 0
    const failed = p95Latency > 0.3 || errors.errors! / errors.total! > 0.01 || (restarts ?? 0) > 0
    if (failed) {
      failures++
      if (failures > 1) return { action: "rollback", window: w }
    }
  }
  return { action: "promote", window: windows - 1 }
}

const mean = (xs: ReadonlyArray<number>) => xs.reduce((a, v) => a + v, 0) / xs.length

/** Kayenta's IQR outlier filter (factor 3, "reduce sensitivity": quartiles by the R type-7 rule). */
const removeOutliers = (xs: ReadonlyArray<number>): ReadonlyArray<number> => {
  if (xs.length < 4) return xs
  const s = [...xs].sort((a, b) => a - b)
  const q = (p: number) => {
    const h = (s.length - 1) * p
    const lo = Math.floor(h)
    return s[lo]! + (h - lo) * (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!)
  }
  const iqr = q(0.75) - q(0.25)
  return xs.filter((x) => x >= q(0.25) - 3 * iqr && x <= q(0.75) + 3 * iqr)
}

type Classification = "Pass" | "High" | "Low" | "Nodata"

const classify = (control: ReadonlyArray<number>, experiment: ReadonlyArray<number>, effectGate = 1.0): Classification => {
  const c = removeOutliers(control.filter(Number.isFinite))
  const e = removeOutliers(experiment.filter(Number.isFinite))
  if (c.length === 0 || e.length === 0) return "Nodata"
  const sortedC = [...c].sort((a, b) => a - b)
  const sortedE = [...e].sort((a, b) => a - b)
  if (sortedC.length === sortedE.length && sortedC.every((v, i) => v === sortedE[i])) return "Pass"
  if (new Set([...c, ...e]).size === 1) return "Pass"
  const ci = HodgesLehmann.confidenceInterval(e, c, { level: 0.98, method: "asymptotic" })
  const critical = 0.25 * Math.abs(ci.estimate)
  const ratio = mean(c) === 0 ? Number.NaN : mean(e) / mean(c)
  if (ci.lower > critical && !(ratio < effectGate)) return "High"
  if (ci.upper < -critical && !(ratio > 1 / effectGate)) return "Low"
  return "Pass"
}

/** (b) Kayenta NetflixACAJudge at a fixed horizon: pooled windows, one judgment at the end. */
export const kayentaFixedHorizon = (lines: ReadonlyArray<Line>, windows = 10): Decision => {
  const pool = (metric: string, track: "baseline" | "candidate") =>
    lines
      .filter((l) => l.metric === metric && l.track === track && l.window < windows)
      .flatMap((l) =>
        l.values !== undefined ? l.values.map((v) => (v === null ? Number.NaN : v)) : l.total! > 0 ? [l.errors! / l.total!] : []
      )
  // latency and error rate judged in the "bad" direction only (Increase); restarts is critical
  const metrics = [
    { name: "latency", critical: false },
    { name: "error-rate", critical: false },
    { name: "restarts", critical: true }
  ]
  let pass = 0
  let counted = 0
  let criticalFailure = false
  for (const m of metrics) {
    const c = classify(pool(m.name, "baseline"), pool(m.name, "candidate"))
    const label = c === "Low" ? "Pass" : c // direction Increase: a decrease is not a failure
    if (label === "Nodata") continue
    counted++
    if (label === "Pass") pass++
    else if (m.critical) criticalFailure = true
  }
  const score = criticalFailure || counted === 0 ? 0 : (100 * pass) / counted
  return { action: score >= 95 ? "promote" : "rollback", window: windows - 1 }
}
