import { Analyzer, type Observation, type SloSpec, type Verdict } from "@rollwise/slo-policy"
import { Clock, Effect } from "effect"
import { type Measurement, observeOrNoData, type TimeWindow } from "./MetricSource.ts"

/** One live window judged: what was measured and the verdict. */
export interface WindowReport {
  readonly index: number
  readonly window: TimeWindow
  readonly measurements: ReadonlyArray<{ readonly metric: string; readonly track: "baseline" | "candidate"; readonly measurement: Measurement }>
  readonly verdict: Verdict.Verdict
}

/**
 * Measure every metric of both tracks for one window (concurrently); failures
 * become nodata with a reason. A multivariate metric is not measured: it has
 * no query of its own, the analyzer computes it from its features' samples in
 * the same window.
 */
export const measure = (spec: SloSpec.Spec, window: TimeWindow, index: number) =>
  Effect.gen(function* () {
    const requests = spec.metrics.flatMap((metric) => (metric.kind === "multivariate" ? [] : (["baseline", "candidate"] as const).map((track) => ({ metric, track }))))
    const measurements = yield* Effect.forEach(
      requests,
      ({ metric, track }) => Effect.map(observeOrNoData({ spec, metric, track, window }), (measurement) => ({ metric: metric.name, track, measurement })),
      { concurrency: 6 }
    )
    const metrics = new Map<string, Observation.MetricWindow>()
    for (const m of measurements) {
      const entry = metrics.get(m.metric) ?? {}
      metrics.set(m.metric, m.measurement.sample === undefined ? entry : { ...entry, [m.track]: m.measurement.sample })
    }
    return { window: { index, metrics } satisfies Observation.Window, measurements }
  })

/** Attach the resolved queries and the reasons for missing data to the verdict's metrics. */
const annotate = (verdict: Verdict.Verdict, measurements: WindowReport["measurements"]): Verdict.Verdict => ({
  ...verdict,
  metrics: verdict.metrics.map((m) => {
    const mine = measurements.filter((x) => x.metric === m.name)
    const query = mine.find((x) => x.track === "candidate")?.measurement.query
    const missing = mine.filter((x) => x.measurement.sample === undefined && x.measurement.reason !== undefined).map((x) => `${x.track}: ${x.measurement.reason}`)
    return {
      ...m,
      ...(query !== undefined ? { query } : {}),
      ...(m.status === "nodata" && missing.length > 0 ? { reason: `${m.reason} (${missing.join("; ")})` } : {})
    }
  })
})

/**
 * Judge consecutive windows ending at `end` (the last `count` windows of the
 * spec's length), oldest first, as a rollout would have seen them.
 */
export const analyzeTrailing = (spec: SloSpec.Spec, end: number, count: number) =>
  Effect.gen(function* () {
    const length = spec.windowSeconds * 1000
    let state = Analyzer.initial
    const reports: Array<WindowReport> = []
    for (let i = 0; i < count; i++) {
      const window = { start: end - (count - i) * length, end: end - (count - i - 1) * length }
      const { window: observed, measurements } = yield* measure(spec, window, i)
      const step = Analyzer.step(spec, state, observed)
      state = step.state
      reports.push({ index: i, window, measurements, verdict: annotate(step.verdict, measurements) })
      if (state.policy.decided !== undefined) break
    }
    return reports
  })

/**
 * Watch a live rollout: starting at `start`, wait for each window to end
 * (through the Clock, so tests use TestClock), judge it, report it, and stop
 * at the first decisive action or after `maxWindows`.
 */
export const watch = <E, R>(spec: SloSpec.Spec, start: number, onWindow: (report: WindowReport) => Effect.Effect<void, E, R>) =>
  Effect.gen(function* () {
    const length = spec.windowSeconds * 1000
    let state = Analyzer.initial
    let last: WindowReport | undefined
    for (let i = 0; i < spec.maxWindows; i++) {
      const window = { start: start + i * length, end: start + (i + 1) * length }
      const now = yield* Clock.currentTimeMillis
      if (window.end > now) yield* Effect.sleep(window.end - now)
      const { window: observed, measurements } = yield* measure(spec, window, i)
      const step = Analyzer.step(spec, state, observed)
      state = step.state
      last = { index: i, window, measurements, verdict: annotate(step.verdict, measurements) }
      yield* onWindow(last)
      if (state.policy.decided !== undefined) break
    }
    return last
  })

