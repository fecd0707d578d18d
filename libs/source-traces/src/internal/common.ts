import { MetricSource } from "@rollwise/rollout-engine"
import { QueryTemplate } from "@rollwise/slo-policy"
import { Effect } from "effect"

/** The placeholder values for one request (see `QueryTemplate.placeholders`). */
export const placeholders = (request: MetricSource.Request): Record<string, string> =>
  QueryTemplate.placeholders(request.spec, request.track, (request.window.end - request.window.start) / 1000)

/** The window a track reads, shifted back one `offset` for the baseline in offset mode (epoch ms). */
export const shiftedWindow = (request: MetricSource.Request): MetricSource.TimeWindow => {
  const shift = QueryTemplate.shiftMs(request.spec, request.track)
  return { start: request.window.start - shift, end: request.window.end - shift }
}

/** A template error as the source's error: the spec is wrong, so BadQuery. */
export const templateFailure = (request: MetricSource.Request, e: unknown) =>
  new MetricSource.MetricSourceError({ reason: "BadQuery", detail: `metric ${request.metric.name}: ${e instanceof Error ? e.message : String(e)}` })

/** Fill a Go-quoted template (TraceQL) with the request's values. */
export const renderQuoted = (template: string, request: MetricSource.Request) =>
  Effect.try({ try: () => QueryTemplate.render(template, placeholders(request)), catch: (e) => templateFailure(request, e) })

/**
 * Fill `{{name}}` placeholders by plain substitution, for values that travel
 * as whole parameters (Jaeger's operation, its tags' values): there is no
 * surrounding syntax to escape from; unknown placeholders are an error.
 */
export const fillPlain = (template: string, values: Readonly<Record<string, string>>): string =>
  template.replace(/\{\{([^}]*)\}\}/g, (_, raw: string) => {
    const name = raw.trim()
    const value = values[name]
    if (value === undefined) throw new QueryTemplate.TemplateError(`unknown placeholder {{${name}}} (known: ${Object.keys(values).sort().join(", ")})`)
    return value
  })

/** Refuse a metric that is not this source's. */
export const unsupported = (request: MetricSource.Request, detail: string) =>
  new MetricSource.MetricSourceError({ reason: "Unsupported", detail: `metric ${request.metric.name} is a ${request.metric.source} ${request.metric.kind} metric; ${detail}` })

/** The finite values, and a warning when some were dropped. */
export const finiteWithWarning = (values: ReadonlyArray<number>, what: string): { values: Array<number>; warnings: Array<string> } => {
  const finite = values.filter(Number.isFinite)
  const dropped = values.length - finite.length
  return { values: finite, warnings: dropped > 0 ? [`${dropped} ${what} were not finite numbers and were dropped`] : [] }
}
