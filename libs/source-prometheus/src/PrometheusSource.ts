import { MetricSource } from "@rollwise/rollout-engine"
import { DurationText, QueryTemplate, type SloSpec } from "@rollwise/slo-policy"
import { Data, Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import * as NativeHistogram from "./NativeHistogram.ts"
import * as PrometheusClient from "./PrometheusClient.ts"

/** The step of continuous metrics' range queries, in seconds (the spec's `step`, default 10s). */
export const stepSeconds = (spec: Pick<SloSpec.SloSpec, "step">): number => DurationText.parseSeconds(spec.step ?? "10s") ?? 10

/**
 * Most range queries one window of one continuous metric may take (100, so
 * 1,100,000 points per series): beyond that a window would hold millions of
 * samples per series and take minutes to fetch; a coarser step serves better.
 */
export const maxQueriesPerWindow = 100

/**
 * The spec's window and step cannot work for a continuous metric: the window
 * is shorter than one step (no point at all), not a whole number of steps
 * (uneven windows with an unsampled tail), or so many steps that it would
 * take more than {@link maxQueriesPerWindow} range queries. `detail` is one
 * line naming the window, the step and the fix. Found at spec load by
 * {@link checkSpec}; a request that gets past it fails with the same words.
 */
export class LiveSpecError extends Data.TaggedError("LiveSpecError")<{
  readonly reason: "WindowShorterThanStep" | "WindowNotWholeSteps" | "TooManyPoints"
  /** One line: the window, the step, the fix. */
  readonly detail: string
}> {
  override get message(): string {
    return this.detail
  }
}

const fmt = DurationText.format
const thousands = (n: number) => n.toLocaleString("en-US")

/** Most points per series one window may take: {@link maxQueriesPerWindow} range queries of Prometheus's limit. */
const maxPointsPerWindow = maxQueriesPerWindow * PrometheusClient.maxPointsPerQuery

/** Whether windows of `window` seconds can be read at `step`: a whole number of steps, at least one, at most {@link maxPointsPerWindow}. */
const readable = (window: number, step: number) => step <= window && window % step === 0 && window / step <= maxPointsPerWindow

/** The whole divisors of `n` (seconds) that are readable steps, ascending; none for a fractional `n`. */
const readableSteps = (n: number): Array<number> => {
  const out: Array<number> = []
  if (!Number.isSafeInteger(n)) return out
  for (let d = 1; d * d <= n; d++) {
    if (n % d !== 0) continue
    out.push(d)
    if (d * d !== n) out.push(n / d)
  }
  return out.filter((d) => readable(n, d)).sort((a, b) => a - b)
}

/**
 * Why windows of `windowSeconds` cannot be read at `step` seconds, or
 * undefined when they can: a continuous metric's range query takes the points
 * `start + step`, … `end` of each window, so a window needs a whole number of
 * steps, at least one and at most 1,100,000. The error names a fix that works.
 * `written` is how slo.yaml spells the two (`30d` rather than `4w2d`).
 */
export const checkWindow = (windowSeconds: number, step: number, written: { readonly window?: string; readonly step?: string } = {}): LiveSpecError | undefined => {
  if (readable(windowSeconds, step)) return undefined
  const fail = (reason: LiveSpecError["reason"], detail: string) => new LiveSpecError({ reason, detail })
  const steps = readableSteps(windowSeconds)
  const w = written.window?.trim() ?? fmt(windowSeconds)
  const st = written.step?.trim() ?? fmt(step)
  if (windowSeconds < step) {
    // a step giving about ten points a window, enough for the default minSamples (5)
    const suggested = steps.find((d) => d >= windowSeconds / 10) ?? steps.at(-1)
    return fail(
      "WindowShorterThanStep",
      `window ${w} is shorter than step ${st}: a continuous metric would get no point in a window; set step to a divisor of the window${suggested === undefined ? "" : ` (${fmt(suggested)} gives ${windowSeconds / suggested} points a window)`}, or make the window a multiple of ${st}`
    )
  }
  const points = Math.floor(windowSeconds / step)
  if (points > maxPointsPerWindow) {
    const coarser = steps[0] ?? Math.ceil(windowSeconds / maxPointsPerWindow)
    return fail(
      "TooManyPoints",
      `window ${w} at step ${st} is ${thousands(points)} points per series, more than the ${thousands(maxPointsPerWindow)} (${maxQueriesPerWindow} range queries of Prometheus's ${thousands(PrometheusClient.maxPointsPerQuery)}) a window may take; set step to ${fmt(coarser)} or more`
    )
  }
  const below = steps.filter((d) => d < step && d < windowSeconds).at(-1)
  const above = steps.find((d) => d > step && d < windowSeconds)
  const shorter = points * step
  const windows = [shorter, shorter + step].filter((x) => readable(x, step))
  const stepText = [below, above].filter((d): d is number => d !== undefined).map(fmt)
  return fail(
    "WindowNotWholeSteps",
    `window ${w} is not a whole number of ${st} steps: windows would get ${points} points and leave ${fmt(windowSeconds - shorter)} unsampled; set step to a divisor of the window${stepText.length > 0 ? ` (${stepText.join(" or ")})` : ""}, or the window to ${windows.map(fmt).join(" or ")}`
  )
}

/**
 * Check at spec load that live analysis over Prometheus can read the spec:
 * when it has a continuous metric, its window must be a whole number of steps
 * (at least one) and at most {@link maxQueriesPerWindow} range queries long.
 * Counters and ratios are instant queries and need nothing here.
 */
export const checkSpec = (spec: Pick<SloSpec.Spec, "window" | "windowSeconds" | "step" | "metrics">): Effect.Effect<void, LiveSpecError> => {
  if (!spec.metrics.some((m) => m.kind === "continuous")) return Effect.void
  const error = checkWindow(spec.windowSeconds, stepSeconds(spec), { window: spec.window, step: spec.step ?? "10s" })
  return error === undefined ? Effect.void : Effect.fail(error)
}

/** The placeholder values for one request (see `QueryTemplate.placeholders`). */
export const placeholders = (request: MetricSource.Request): Record<string, string> =>
  QueryTemplate.placeholders(request.spec, request.track, (request.window.end - request.window.start) / 1000)

/** The time shift of a track: one `offset` back for the baseline in offset mode, else none (ms). */
export const shiftOf = (request: MetricSource.Request): number => QueryTemplate.shiftMs(request.spec, request.track)

const render = (template: string, request: MetricSource.Request) =>
  Effect.try({
    try: () => QueryTemplate.render(template, placeholders(request)),
    catch: (e) => new MetricSource.MetricSourceError({ reason: "BadQuery", detail: `metric ${request.metric.name}: ${e instanceof Error ? e.message : String(e)}` })
  })

const finite = (xs: ReadonlyArray<number>) => xs.filter(Number.isFinite)

const hasHistograms = (r: PrometheusClient.Result) => r.series.some((s) => s.histograms.length > 0)

/** What an instant query of a counter or ratio must return instead of native histograms. */
const histogramsWhereNumbers = (request: MetricSource.Request, field: "query" | "errorsQuery" | "totalQuery", query: string) =>
  new MetricSource.MetricSourceError({
    reason: "BadQuery",
    detail: `metric ${request.metric.name} (${request.metric.kind}): ${field} returned native histograms, but a ${request.metric.kind} needs numbers; wrap it in histogram_count(…) for the number of observations${request.metric.kind === "counter" ? " or histogram_sum(…) for their sum" : ""}`,
    query
  })

/**
 * A MetricSource over a Prometheus server. Continuous metrics: the `query` as
 * a range query over the window at the spec's `step` (default 10s), split
 * into requests of at most 11,000 points; every finite point a sample, or,
 * when the query returns native histograms, every observation in them (see
 * {@link NativeHistogram.toSamples}). Counters: the `query` instantly at the
 * window's end, summed; ratios: `errorsQuery` and `totalQuery` instantly at
 * the end, rounded to counts (native histograms there are a `BadQuery`). An
 * empty result is no sample ("no series matched"), never a zero; NaN and ±Inf
 * points are dropped and said in the warnings. A window the step cannot read
 * fails as `Unsupported` with {@link checkWindow}'s words (check the spec at
 * load with {@link checkSpec} instead).
 */
export const make = (options: PrometheusClient.Options) =>
  Effect.gen(function* () {
    const client = yield* PrometheusClient.make(options)
    const observe = Effect.fn("PrometheusSource.observe")(function* (request: MetricSource.Request) {
      const { metric } = request
      if (metric.source !== "prometheus" || metric.kind === "signatures") {
        return yield* new MetricSource.MetricSourceError({ reason: "Unsupported", detail: `metric ${metric.name} is a ${metric.source} ${metric.kind} metric; Prometheus reads prometheus continuous, ratio and counter metrics` })
      }
      const shift = shiftOf(request)
      const start = request.window.start - shift
      const end = request.window.end - shift
      const none = (query: string, reason: string, warnings: ReadonlyArray<string> = []): MetricSource.Measurement => ({ sample: undefined, query, reason, warnings })
      if (metric.kind === "ratio") {
        if (metric.errorsQuery === undefined || metric.totalQuery === undefined) {
          return yield* new MetricSource.MetricSourceError({ reason: "Unsupported", detail: `ratio metric ${metric.name} needs errorsQuery and totalQuery for live analysis` })
        }
        const errorsQ = yield* render(metric.errorsQuery, request)
        const totalQ = yield* render(metric.totalQuery, request)
        const query = `${errorsQ} / ${totalQ}`
        const [errors, total] = yield* Effect.all([client.query(errorsQ, end), client.query(totalQ, end)])
        if (hasHistograms(errors)) return yield* histogramsWhereNumbers(request, "errorsQuery", errorsQ)
        if (hasHistograms(total)) return yield* histogramsWhereNumbers(request, "totalQuery", totalQ)
        const warnings = [...errors.warnings, ...total.warnings]
        const sum = (r: PrometheusClient.Result) => finite(r.series.flatMap((s) => s.values)).reduce((a, v) => a + v, 0)
        if (total.series.length === 0) return none(query, "no series matched the total query", warnings)
        const t = Math.round(sum(total))
        // an empty errors vector is "no errors", a common PromQL result for a counter that never moved
        const e = errors.series.length === 0 ? 0 : Math.round(sum(errors))
        if (e > t) return yield* new MetricSource.MetricSourceError({ reason: "BadResponse", detail: `metric ${metric.name}: ${e} errors out of ${t} requests (are the two queries over the same series?)`, query })
        return { sample: { _tag: "Counts" as const, errors: e, total: t }, query, warnings }
      }
      if (metric.query === undefined) {
        return yield* new MetricSource.MetricSourceError({ reason: "Unsupported", detail: `metric ${metric.name} has no query for live analysis` })
      }
      const query = yield* render(metric.query, request)
      if (metric.kind === "counter") {
        const r = yield* client.query(query, end)
        if (hasHistograms(r)) return yield* histogramsWhereNumbers(request, "query", query)
        if (r.series.length === 0) return none(query, "no series matched", r.warnings)
        return { sample: { _tag: "Values" as const, values: [finite(r.series.flatMap((s) => s.values)).reduce((a, v) => a + v, 0)] }, query, warnings: r.warnings }
      }
      const step = stepSeconds(request.spec)
      const windowMs = request.window.end - request.window.start
      const unreadable = checkWindow(windowMs / 1000, step, windowMs === request.spec.windowSeconds * 1000 ? { window: request.spec.window, step: request.spec.step ?? "10s" } : { step: request.spec.step ?? "10s" })
      if (unreadable !== undefined) return yield* new MetricSource.MetricSourceError({ reason: "Unsupported", detail: `metric ${metric.name}: ${unreadable.detail}`, query })
      const r = yield* client.queryRange(query, start + step * 1000, end, step)
      const histograms = r.series.flatMap((s) => s.histograms)
      const all = r.series.flatMap((s) => s.values)
      if (histograms.length > 0) {
        if (all.length > 0) {
          return yield* new MetricSource.MetricSourceError({
            reason: "BadQuery",
            detail: `metric ${metric.name} (continuous): the query returned both numbers and native histograms; make it return one kind (select one metric, or wrap histograms in histogram_quantile(…))`,
            query
          })
        }
        const samples = NativeHistogram.toSamples(histograms)
        if (samples._tag === "Invalid") return yield* new MetricSource.MetricSourceError({ reason: "BadResponse", detail: `metric ${metric.name}: a native histogram ${samples.detail}`, query })
        const warnings = samples.thinned ? [...r.warnings, `${thousands(samples.observations)} observations in native histograms thinned to ${thousands(samples.values.length)} samples, every bucket alike`] : r.warnings
        if (samples.values.length === 0) return none(query, "the native histograms held no observations", warnings)
        return { sample: { _tag: "Values" as const, values: samples.values }, query, warnings }
      }
      const values = finite(all)
      const dropped = all.length - values.length
      const warnings = dropped > 0 ? [...r.warnings, `${dropped} NaN or infinite points dropped`] : r.warnings
      if (values.length === 0) return none(query, all.length === 0 ? "no series matched" : "every point was NaN", warnings)
      return { sample: { _tag: "Values" as const, values }, query, warnings }
    })
    return MetricSource.MetricSource.of({ observe })
  })

/** The MetricSource layer over Prometheus, with a fetch-based HTTP client. */
export const layer = (options: PrometheusClient.Options): Layer.Layer<MetricSource.MetricSource> =>
  Layer.effect(MetricSource.MetricSource, make(options)).pipe(Layer.provide(FetchHttpClient.layer))
