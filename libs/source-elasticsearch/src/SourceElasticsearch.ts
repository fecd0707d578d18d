import { MetricSource } from "@rollwise/rollout-engine"
import { QueryTemplate, SloSpec } from "@rollwise/slo-policy"
import { Data, Effect, Layer, Schema } from "effect"
import { FetchHttpClient } from "effect/http"
import * as ElasticsearchClient from "./ElasticsearchClient.ts"
import * as QueryString from "./QueryString.ts"

/** How to reach the cluster: see {@link ElasticsearchClient.Options}. */
export type Options = ElasticsearchClient.Options

/** Most samples one window of a continuous metric reads; more matching documents are left out and said in a warning. */
export const maxSamples = 10_000

/**
 * An elasticsearch metric the source cannot read: no `index`, a continuous
 * metric without `field`, a missing query, a template that cannot be filled.
 * `detail` is one line naming the metric. Found at spec load by
 * {@link checkSpec}; a request that gets past it fails with the same words.
 */
export class SpecError extends Data.TaggedError("ElasticsearchSpecError")<{
  readonly metric: string
  /** One line naming the metric and the fix. */
  readonly detail: string
}> {
  override get message(): string {
    return this.detail
  }
}

type Metric = SloSpec.MetricSpec

/** Why an elasticsearch metric cannot be read (one line), or undefined. Renders its templates for both tracks to find bad placeholders early. */
const problem = (spec: Pick<SloSpec.Spec, "service" | "namespace" | "step" | "baseline" | "variables" | "windowSeconds">, metric: Metric): string | undefined => {
  const name = `metric ${metric.name} (elasticsearch ${metric.kind})`
  if (metric.index === undefined) return `${name} needs index: the index or pattern to search, e.g. logs-{{service}}-*`
  if (metric.kind === "continuous" && metric.field === undefined) return `${name} needs field: the numeric field whose values are the samples, e.g. http.duration_ms`
  if ((metric.kind === "counter" || metric.kind === "ratio") && metric.field !== undefined) return `${name} has field, but only continuous and signatures metrics read a field`
  const queries: Array<[string, string | undefined]> =
    metric.kind === "ratio"
      ? [
          ["errorsQuery", metric.errorsQuery],
          ["totalQuery", metric.totalQuery]
        ]
      : [
          ["query", metric.query],
          ...(metric.kind === "signatures" && metric.totalQuery !== undefined ? [["totalQuery", metric.totalQuery] as [string, string]] : [])
        ]
  for (const [key, q] of queries) if (q === undefined) return `${name} needs ${key}: a query_string query, e.g. service:"{{service}}" AND track:"{{track}}"`
  for (const track of ["baseline", "candidate"] as const) {
    const values = QueryTemplate.placeholders(spec, track, spec.windowSeconds)
    try {
      QueryString.renderIndex(metric.index, values)
    } catch (e) {
      return `${name}: index: ${e instanceof Error ? e.message : String(e)}`
    }
    for (const [key, q] of queries) {
      try {
        QueryString.render(q!, values)
      } catch (e) {
        return `${name}: ${key}: ${e instanceof Error ? e.message : String(e)}`
      }
    }
  }
  return undefined
}

/**
 * Check at spec load that every elasticsearch metric can be read: it has an
 * `index` (and a continuous one a `field`), the queries its kind needs
 * (`query`; ratio: `errorsQuery` and `totalQuery`), and its templates fill
 * for both tracks. Fails with the first problem, one line naming the metric.
 */
export const checkSpec = (spec: Pick<SloSpec.Spec, "service" | "namespace" | "step" | "baseline" | "variables" | "windowSeconds" | "metrics">): Effect.Effect<void, SpecError> => {
  for (const metric of spec.metrics) {
    if (metric.source !== "elasticsearch") continue
    const detail = problem(spec, metric)
    if (detail !== undefined) return Effect.fail(new SpecError({ metric: metric.name, detail }))
  }
  return Effect.void
}

const Buckets = Schema.Struct({
  rollwise: Schema.Struct({ buckets: Schema.Record(Schema.String, Schema.Struct({ doc_count: Schema.Number })) })
})
const decodeBuckets = Schema.decodeUnknownOption(Buckets)

const queryString = (query: string) => ({ query_string: { query, default_operator: "AND" } })

/** The value at a dotted path of a `_source`: nested objects or a flat dotted key. */
const atPath = (source: unknown, path: string): unknown => {
  if (source === null || typeof source !== "object") return undefined
  const record = source as Record<string, unknown>
  if (path in record) return record[path]
  const dot = path.indexOf(".")
  if (dot === -1) return undefined
  // try every split point: {"log": {"message": …}} and {"log.level": …} alike
  for (let i = dot; i !== -1; i = path.indexOf(".", i + 1)) {
    const head = path.slice(0, i)
    if (head in record) {
      const found = atPath(record[head], path.slice(i + 1))
      if (found !== undefined) return found
    }
  }
  return undefined
}

const thousands = (n: number) => n.toLocaleString("en-US")

/**
 * A MetricSource over Elasticsearch 7/8 or OpenSearch. Every search filters
 * the metric's `index` (templated) on the window (`timestampField`, `gte`
 * start, `lt` end, epoch millis) and runs the metric's query_string
 * templates (default operator AND) filled by {@link QueryString.render}.
 *
 * - counter: one `_search` (`size: 0`) whose `filters` aggregation counts the
 *   documents matching `query`; the window's documents (`hits.total`,
 *   `track_total_hits: true`) tell "none matched" (a count of 0) from "the
 *   index held nothing in the window" (no data);
 * - ratio: the same `_search` counting `errorsQuery` and `totalQuery` in one
 *   round trip; no total is no data, no errors with a total is 0 errors;
 * - continuous: the numeric `field` (`docvalue_fields`, `_source: false`) of
 *   the matching documents in time order, paged with `search_after`, at most
 *   {@link maxSamples} per window (a warning says how many were left out);
 * - signatures: the text `field` (default `message`, from `_source`) of the
 *   matching documents in time order, paged, at most `maxLines`; `total` is
 *   `totalQuery`'s count when the metric has one, else the number matched,
 *   scaled by read / matched when truncated.
 *
 * A pattern that matches no index, or a window without documents, is no
 * sample with the reason — never a zero.
 */
export const make = (options: Options) =>
  Effect.gen(function* () {
    const client = yield* ElasticsearchClient.make(options)
    const ts = client.timestampField

    const observe = Effect.fn("SourceElasticsearch.observe")(function* (request: MetricSource.Request) {
      const { metric, spec } = request
      if (metric.source !== "elasticsearch") {
        return yield* new MetricSource.MetricSourceError({ reason: "Unsupported", detail: `metric ${metric.name} is a ${metric.source} metric; this source reads elasticsearch metrics` })
      }
      const windowSeconds = (request.window.end - request.window.start) / 1000
      const invalid = problem({ ...spec, windowSeconds }, metric)
      if (invalid !== undefined) return yield* new MetricSource.MetricSourceError({ reason: "BadQuery", detail: invalid })
      const values = QueryTemplate.placeholders(spec, request.track, windowSeconds)
      const index = QueryString.renderIndex(metric.index!, values)
      const fill = (template: string) => QueryString.render(template, values)
      const shift = QueryTemplate.shiftMs(spec, request.track)
      const start = request.window.start - shift
      const end = request.window.end - shift
      const range = { range: { [ts]: { gte: start, lt: end, format: "epoch_millis" } } }
      const none = (query: string, reason: string, warnings: ReadonlyArray<string> = []): MetricSource.Measurement => ({ sample: undefined, query, reason, warnings })
      const noIndex = `no index matches ${index}`

      /** Counts of several queries over the window in one `_search`, and the window's own document count. */
      const counts = (queries: Record<string, string>, query: string) =>
        Effect.gen(function* () {
          const body = {
            size: 0,
            track_total_hits: true,
            query: { bool: { filter: [range] } },
            aggs: { rollwise: { filters: { filters: Object.fromEntries(Object.entries(queries).map(([k, q]) => [k, queryString(q)])) } } }
          }
          const { response, shards, warnings } = yield* client.search(index, body, query)
          const total = response.hits.total
          const windowDocs = typeof total === "number" ? total : (total?.value ?? 0)
          const buckets = decodeBuckets(response.aggregations)
          if (buckets._tag === "None" && shards > 0) {
            return yield* new MetricSource.MetricSourceError({ reason: "BadResponse", detail: `metric ${metric.name}: the answer has no filters aggregation "rollwise" with doc_count per query`, query })
          }
          const found: Record<string, number> = {}
          for (const key of Object.keys(queries)) {
            const n = buckets._tag === "Some" ? buckets.value.rollwise.buckets[key]?.doc_count : 0
            if (n === undefined || !Number.isInteger(n) || n < 0) {
              return yield* new MetricSource.MetricSourceError({ reason: "BadResponse", detail: `metric ${metric.name}: the filters aggregation has no count for ${key}`, query })
            }
            found[key] = n
          }
          return { windowDocs, counts: found, shards, warnings }
        })

      /** Matching documents in time order, `limit` at most, paged with `search_after` on the timestamp. */
      const read = (q: string, limit: number, extra: Record<string, unknown>, query: string) =>
        Effect.gen(function* () {
          const hits: Array<ElasticsearchClient.SearchResponse["hits"]["hits"][number]> = []
          const warnings: Array<string> = []
          let matched = 0
          let shards = 0
          let after: number | undefined
          let first = true
          for (;;) {
            const size = Math.min(client.pageSize, limit - hits.length)
            const body = {
              size,
              track_total_hits: first,
              query: { bool: { filter: [queryString(q), range] } },
              sort: [{ [ts]: { order: "asc" } }],
              ...(after !== undefined ? { search_after: [after] } : {}),
              ...extra
            }
            const page = yield* client.search(index, body, query)
            for (const w of page.warnings) if (!warnings.includes(w)) warnings.push(w)
            const got = page.response.hits.hits
            if (first) {
              const total = page.response.hits.total
              matched = typeof total === "number" ? total : (total?.value ?? got.length)
              if (typeof total === "object" && total.relation === "gte") warnings.push(`the cluster counted matches only to ${thousands(total.value)} (relation gte) although track_total_hits was true`)
              shards = page.shards
              first = false
            }
            if (got.length < size || hits.length + got.length >= limit) {
              hits.push(...got)
              break
            }
            // a full page: the documents at its last timestamp may continue on the next page, so read them there
            const sortValue = (h: (typeof got)[number]) => {
              const v = h.sort?.[0]
              return typeof v === "number" && Number.isSafeInteger(v) ? v : undefined
            }
            const last = sortValue(got.at(-1)!)
            if (last === undefined) {
              return yield* new MetricSource.MetricSourceError({ reason: "BadResponse", detail: `metric ${metric.name}: a hit's sort value on ${ts} is not an integer (is ${ts} a date field?)`, query })
            }
            const keep = got.filter((h) => (sortValue(h) ?? last) < last)
            if (keep.length === 0) {
              hits.push(...got)
              warnings.push(`more than ${thousands(size)} documents share the timestamp ${last}; those beyond one page were skipped`)
              after = last
            } else {
              hits.push(...keep)
              after = last - 1
            }
          }
          return { hits, matched, shards, warnings }
        })

      if (metric.kind === "ratio") {
        const errorsQ = fill(metric.errorsQuery!)
        const totalQ = fill(metric.totalQuery!)
        const query = `${index}: (${errorsQ}) / (${totalQ})`
        const r = yield* counts({ errors: errorsQ, total: totalQ }, query)
        if (r.shards === 0) return none(query, noIndex, r.warnings)
        const { errors, total } = r.counts as { errors: number; total: number }
        if (total === 0) return none(query, r.windowDocs === 0 ? `no documents in ${index} in the window` : "totalQuery matched no document in the window", r.warnings)
        if (errors > total) {
          return yield* new MetricSource.MetricSourceError({ reason: "BadResponse", detail: `metric ${metric.name}: ${errors} errors out of ${total} (does errorsQuery select a subset of totalQuery?)`, query })
        }
        return { sample: { _tag: "Counts" as const, errors, total }, query, warnings: r.warnings }
      }

      const q = fill(metric.query!)
      const query = `${index}: ${q}`
      if (metric.kind === "counter") {
        const r = yield* counts({ matched: q }, query)
        if (r.shards === 0) return none(query, noIndex, r.warnings)
        if (r.windowDocs === 0) return none(query, `no documents in ${index} in the window`, r.warnings)
        return { sample: { _tag: "Values" as const, values: [r.counts["matched"]!] }, query, warnings: r.warnings }
      }

      if (metric.kind === "continuous") {
        const field = metric.field!
        const r = yield* read(q, maxSamples, { _source: false, docvalue_fields: [field] }, query)
        if (r.shards === 0) return none(query, noIndex, r.warnings)
        if (r.matched === 0) return none(query, "no document matched in the window", r.warnings)
        const warnings = [...r.warnings]
        const samples: Array<number> = []
        let dropped = 0
        for (const hit of r.hits) {
          for (const v of hit.fields?.[field] ?? []) {
            const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN
            if (Number.isFinite(n)) samples.push(n)
            else dropped++
          }
        }
        const capped = samples.length > maxSamples ? samples.slice(0, maxSamples) : samples
        if (r.matched > r.hits.length || capped.length < samples.length) {
          warnings.push(`${thousands(r.matched)} documents matched; read the first ${thousands(r.hits.length)} in time order, ${thousands(capped.length)} samples (at most ${thousands(maxSamples)} a window)`)
        }
        if (dropped > 0) warnings.push(`${dropped} values of ${field} were not finite numbers and were dropped`)
        if (capped.length === 0) return none(query, `${thousands(r.matched)} documents matched but none had a numeric ${field}`, warnings)
        return { sample: { _tag: "Values" as const, values: capped }, query, warnings }
      }

      // signatures
      const field = metric.field ?? "message"
      const totalQ = metric.totalQuery !== undefined ? fill(metric.totalQuery) : undefined
      const fullQuery = totalQ !== undefined ? `${query} (exposure: ${totalQ})` : query
      const c = yield* counts(totalQ !== undefined ? { lines: q, exposure: totalQ } : { lines: q }, fullQuery)
      if (c.shards === 0) return none(fullQuery, noIndex, c.warnings)
      if (c.windowDocs === 0) return none(fullQuery, `no documents in ${index} in the window`, c.warnings)
      const linesMatched = c.counts["lines"]!
      const exposure = totalQ !== undefined ? c.counts["exposure"]! : linesMatched
      if (exposure === 0) return none(fullQuery, totalQ !== undefined ? "totalQuery matched no document in the window" : "no line matched (and the metric has no totalQuery to count the exposure)", c.warnings)
      if (linesMatched === 0) return { sample: { _tag: "Lines" as const, lines: [], total: exposure }, query: fullQuery, warnings: c.warnings }
      const maxLines = metric.maxLines ?? SloSpec.defaultMaxLines
      const r = yield* read(q, maxLines, { _source: { includes: [field] } }, fullQuery)
      const warnings = [...c.warnings, ...r.warnings.filter((w) => !c.warnings.includes(w))]
      const lines: Array<string> = []
      let missing = 0
      for (const hit of r.hits) {
        const text = atPath(hit._source, field)
        if (typeof text === "string") lines.push(text)
        else missing++
      }
      if (missing > 0) warnings.push(`${missing} matching documents had no text ${field}`)
      const matched = Math.max(linesMatched, r.matched)
      const truncated = matched > r.hits.length
      if (truncated) warnings.push(`read ${thousands(r.hits.length)} of ${thousands(matched)} matching lines (maxLines ${thousands(maxLines)}); the exposure is scaled by the same share`)
      const total = truncated ? Math.max(lines.length, Math.round((exposure * r.hits.length) / matched)) : exposure
      return { sample: { _tag: "Lines" as const, lines, total, ...(truncated ? { truncated: true } : {}) }, query: fullQuery, warnings }
    })
    return MetricSource.MetricSource.of({
      observe: (request) =>
        Effect.suspend(() => observe(request)).pipe(
          Effect.catchDefect((defect) =>
            defect instanceof QueryString.TemplateError
              ? Effect.fail(new MetricSource.MetricSourceError({ reason: "BadQuery", detail: `metric ${request.metric.name}: ${defect.message}` }))
              : Effect.die(defect)
          )
        )
    })
  })

/** The MetricSource layer over Elasticsearch or OpenSearch, with a fetch-based HTTP client. */
export const layer = (options: Options): Layer.Layer<MetricSource.MetricSource> =>
  Layer.effect(MetricSource.MetricSource, make(options)).pipe(Layer.provide(FetchHttpClient.layer))
