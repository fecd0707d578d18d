import { MetricSource } from "@rollwise/rollout-engine"
import { Duration as SloDuration } from "@rollwise/slo-policy"
import { Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import * as PrometheusClient from "./PrometheusClient.ts"
import * as PromQL from "./PromQL.ts"

/**
 * The placeholder values for one request: {{service}}, {{namespace}},
 * {{window}} (the window's length as a PromQL duration), {{track}} (the
 * track's label value), and the spec's own variables.
 */
export const placeholders = (request: MetricSource.Request): Record<string, string> => {
  const { spec, track } = request
  const baseline = spec.baseline ?? { by: "label" as const }
  const label =
    baseline.by === "label"
      ? track === "baseline"
        ? (baseline.baseline ?? "stable")
        : (baseline.candidate ?? "canary")
      : (baseline.candidate ?? "canary")
  return {
    ...(spec.variables ?? {}),
    service: spec.service,
    namespace: spec.namespace ?? "default",
    window: SloDuration.format(Math.round((request.window.end - request.window.start) / 1000)),
    track: label
  }
}

/** The time shift of a track: one `offset` back for the baseline in offset mode, else none (ms). */
export const shiftOf = (request: MetricSource.Request): number => {
  const b = request.spec.baseline
  if (request.track !== "baseline" || b === undefined || b.by !== "offset") return 0
  return (SloDuration.parseSeconds(b.offset ?? "1w") ?? 604_800) * 1000
}

const render = (template: string, request: MetricSource.Request) =>
  Effect.try({
    try: () => PromQL.render(template, placeholders(request)),
    catch: (e) => new MetricSource.MetricSourceError({ reason: "BadQuery", detail: `metric ${request.metric.name}: ${e instanceof Error ? e.message : String(e)}` })
  })

const finite = (xs: ReadonlyArray<number>) => xs.filter(Number.isFinite)

/**
 * A MetricSource over a Prometheus server. Continuous metrics: the `query` as
 * a range query over the window at the spec's `step` (default 10s), every
 * finite point a sample; counters: the `query` instantly at the window's end,
 * summed; ratios: `errorsQuery` and `totalQuery` instantly at the end,
 * rounded to counts. An empty result is no sample ("no series matched"),
 * never a zero; NaN and ±Inf points are dropped and said in the warnings.
 */
export const make = (options: PrometheusClient.Options) =>
  Effect.gen(function* () {
    const client = yield* PrometheusClient.make(options)
    const observe = Effect.fn("PrometheusSource.observe")(function* (request: MetricSource.Request) {
      const { metric } = request
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
        if (r.series.length === 0) return none(query, "no series matched", r.warnings)
        return { sample: { _tag: "Values" as const, values: [finite(r.series.flatMap((s) => s.values)).reduce((a, v) => a + v, 0)] }, query, warnings: r.warnings }
      }
      const step = SloDuration.parseSeconds(request.spec.step ?? "10s") ?? 10
      const r = yield* client.queryRange(query, start + step * 1000, end, step)
      const all = r.series.flatMap((s) => s.values)
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
