import { MetricSource } from "@rollwise/rollout-engine"
import { QueryTemplate, type SloSpec } from "@rollwise/slo-policy"
import { Effect, Layer, Schema, type Duration, type Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Common from "./internal/common.ts"
import * as HttpCore from "./internal/httpCore.ts"

/**
 * How to reach Jaeger's query service (`jaeger-query`, or Jaeger v2's query
 * extension; the UI's port, 16686 by default). Jaeger has no credentials of
 * its own; a proxy before it may want a bearer token or Basic credentials,
 * which are Redacted and never reach errors, warnings or evidence.
 */
export interface Options {
  readonly url: string
  readonly bearerToken?: Redacted.Redacted<string>
  readonly basicAuth?: { readonly username: string; readonly password: Redacted.Redacted<string> }
  /** Per-request timeout (default 10 s). */
  readonly timeout?: Duration.Duration
  /** Retries on unreachable, timeouts, 5xx and 429 (default 2). Never on a bad request. */
  readonly retries?: number
  /** `limit` of each `/api/traces` search: most traces one answer holds (default 1500, the Jaeger UI's largest; Elasticsearch storage caps it at its max-doc-count, 10,000 by default). */
  readonly limit?: number
}

/** Default most traces per search. */
export const defaultLimit = 1500

/** Most searches one observation makes when it pages by halving the time range. */
export const maxRequests = 32

const Tag = Schema.Struct({ key: Schema.String, type: Schema.optionalKey(Schema.String), value: Schema.Unknown })
const Span = Schema.Struct({
  spanID: Schema.String,
  operationName: Schema.String,
  startTime: Schema.Number,
  duration: Schema.Number,
  tags: Schema.optionalKey(Schema.NullOr(Schema.Array(Tag))),
  processID: Schema.String
})
const Trace = Schema.Struct({
  traceID: Schema.String,
  spans: Schema.Array(Span),
  processes: Schema.Record(Schema.String, Schema.Struct({ serviceName: Schema.String, tags: Schema.optionalKey(Schema.NullOr(Schema.Array(Tag))) }))
})
const StructuredError = Schema.Struct({ code: Schema.optionalKey(Schema.Number), msg: Schema.String, traceID: Schema.optionalKey(Schema.String) })

/** The envelope of Jaeger's internal HTTP JSON API (`structuredResponse`). */
export const TracesResponse = Schema.Struct({
  data: Schema.NullOr(Schema.Array(Trace)),
  errors: Schema.optionalKey(Schema.NullOr(Schema.Array(StructuredError)))
})
const ErrorEnvelope = Schema.Struct({ errors: Schema.optionalKey(Schema.NullOr(Schema.Array(StructuredError))) })

const decodeTraces = Schema.decodeUnknownEffect(TracesResponse)
const decodeErrors = Schema.decodeUnknownOption(ErrorEnvelope)

type Tag = typeof Tag.Type

const tagText = (tag: Tag): string => (typeof tag.value === "string" ? tag.value : JSON.stringify(tag.value))

/** Whether a span failed: tag `error` true (OpenTracing), or `otel.status_code` ERROR (OpenTelemetry). */
export const isError = (tags: ReadonlyArray<Tag>): boolean =>
  tags.some((t) => (t.key === "error" && (t.value === true || t.value === "true")) || (t.key === "otel.status_code" && t.value === "ERROR"))

/** One span the metric reads. */
interface Read {
  readonly durationSeconds: number
  readonly error: boolean
}

/**
 * A MetricSource over Jaeger's query API (`GET /api/traces`, the search the
 * Jaeger UI made up to v2.20; removed in later releases, which answer 404).
 * The spans are the spec's `service`'s spans (their process's serviceName)
 * with the metric's `operation` (every operation when absent) and `tags` (all
 * must match a span or process tag), started in the window. `continuous`:
 * their durations in seconds; `ratio`: those with `error=true` or
 * `otel.status_code=ERROR` over all of them. `operation` and tag values are
 * templated by plain substitution (they travel as whole parameters, JSON-encoded
 * and URL-encoded). Jaeger's `limit` counts traces: an answer with `limit`
 * traces is split into two halves of the time range, up to {@link maxRequests}
 * searches, and the warnings say when counts stay capped.
 */
export const make = (options: Options) =>
  Effect.gen(function* () {
    const core = yield* HttpCore.make({
      vendor: "Jaeger",
      url: options.url,
      describeBody: (text) => {
        const envelope = decodeErrors(JSON.parse(text))
        return envelope._tag === "Some" ? (envelope.value.errors ?? []).map((e) => HttpCore.firstLine(e.msg)).join("; ") : ""
      },
      ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.bearerToken !== undefined ? { bearerToken: options.bearerToken } : {}),
      ...(options.basicAuth !== undefined ? { basicAuth: options.basicAuth } : {})
    })
    const limit = Math.max(1, Math.floor(options.limit ?? defaultLimit))

    const messages = (errors: ReadonlyArray<typeof StructuredError.Type> | null | undefined) =>
      (errors ?? []).map((e) => `${e.code !== undefined ? `${e.code} ` : ""}${core.clean(HttpCore.firstLine(e.msg))}`)

    /** One search: the traces (µs range, both ends included as Jaeger reads them) and Jaeger's partial errors. */
    const searchOnce = (params: Record<string, string>, startUs: number, endUs: number, query: string) =>
      Effect.gen(function* () {
        const answer = yield* core.get("/api/traces", { ...params, start: String(startUs), end: String(endUs), limit: String(limit) }, query)
        if (answer.status !== 200) {
          const line = core.said(answer.text) || "no message"
          if (answer.status === 400) return yield* core.fail("BadQuery", `Jaeger refused the search: ${line}`, query)
          if (answer.status === 401 || answer.status === 403) return yield* core.fail("Unreachable", `HTTP ${answer.status} from Jaeger: credentials refused (${line})`, query)
          if (answer.status === 404) return yield* core.fail("Unreachable", `HTTP 404 from Jaeger: no /api/traces at ${core.base} (Jaeger after v2.20 removed this search; is the URL jaeger-query's?)`, query)
          return yield* core.fail("BadResponse", `HTTP ${answer.status} from Jaeger: ${line}`, query)
        }
        const body = yield* core.json(answer, query).pipe(
          Effect.flatMap((j) => decodeTraces(j).pipe(Effect.mapError((e) => core.fail("BadResponse", `not a Jaeger /api/traces answer (${HttpCore.describeDecodeError(e)})`, query, e))))
        )
        const errors = messages(body.errors)
        if (body.data === null && errors.length > 0) return yield* core.fail("BadResponse", `Jaeger answered only errors: ${errors.join("; ")}`, query)
        return { traces: body.data ?? [], errors }
      })

    const observe = Effect.fn("JaegerSource.observe")(function* (request: MetricSource.Request) {
      const { metric, spec } = request
      if (metric.source !== "jaeger" || (metric.kind !== "continuous" && metric.kind !== "ratio")) {
        return yield* Common.unsupported(request, "Jaeger reads jaeger continuous (span durations) and ratio (error spans) metrics")
      }
      const values = Common.placeholders(request)
      const selection = yield* Effect.try({
        try: () => ({
          operation: metric.operation === undefined ? undefined : Common.fillPlain(metric.operation, values),
          tags: Object.fromEntries(Object.entries(metric.tags ?? {}).map(([k, v]) => [k, Common.fillPlain(v, values)] as const))
        }),
        catch: (e) => Common.templateFailure(request, e)
      })
      const params: Record<string, string> = {
        service: spec.service,
        ...(selection.operation !== undefined ? { operation: selection.operation } : {}),
        ...(Object.keys(selection.tags).length > 0 ? { tags: JSON.stringify(selection.tags) } : {})
      }
      const query = new URLSearchParams(params).toString()
      const { start, end } = Common.shiftedWindow(request)
      const startUs = start * 1000
      const endUs = end * 1000 - 1

      const spans = new Map<string, Read>()
      const partial = new Set<string>()
      let requests = 0
      // searches made or promised: a split promises two, so the whole walk stays within maxRequests
      let planned = 1
      let capped = 0
      let sawTrace = false
      const keep = (traces: ReadonlyArray<typeof Trace.Type>) => {
        for (const trace of traces) {
          sawTrace = true
          for (const span of trace.spans) {
            const process = trace.processes[span.processID]
            if (process?.serviceName !== spec.service) continue
            if (selection.operation !== undefined && span.operationName !== selection.operation) continue
            if (span.startTime < startUs || span.startTime > endUs) continue
            const tags = span.tags ?? []
            const processTags = process.tags ?? []
            const has = (k: string, v: string) => tags.some((t) => t.key === k && tagText(t) === v) || processTags.some((t) => t.key === k && tagText(t) === v)
            if (!Object.entries(selection.tags).every(([k, v]) => has(k, v))) continue
            spans.set(`${trace.traceID}/${span.spanID}`, { durationSeconds: span.duration / 1e6, error: isError(tags) })
          }
        }
      }
      const walk = (lo: number, hi: number): Effect.Effect<void, MetricSource.MetricSourceError> =>
        Effect.gen(function* () {
          requests++
          const r = yield* searchOnce(params, lo, hi, query)
          for (const e of r.errors) partial.add(e)
          keep(r.traces)
          if (r.traces.length < limit) return
          // a full answer may have left traces out: read the two halves of the range instead, while the budget lasts
          if (hi - lo < 2 || planned + 2 > maxRequests) {
            capped++
            return
          }
          planned += 2
          const mid = lo + Math.floor((hi - lo) / 2)
          yield* walk(lo, mid)
          yield* walk(mid + 1, hi)
        })
      yield* walk(startUs, endUs)

      const warnings: Array<string> = []
      if (capped > 0) warnings.push(`Jaeger returned its limit of ${limit} traces for ${capped} part(s) of the window even after ${requests} searches: span counts are capped (raise limit)`)
      if (partial.size > 0) warnings.push(`Jaeger reported errors with its answer: ${[...partial].slice(0, 3).join("; ")}`)
      const read = [...spans.values()]
      if (read.length === 0) {
        return {
          sample: undefined,
          query,
          reason: sawTrace ? `no span of ${spec.service} matched the operation and tags in the window` : `no traces of service ${spec.service} matched in the window`,
          warnings
        }
      }
      if (metric.kind === "ratio") {
        return { sample: { _tag: "Counts" as const, errors: read.filter((s) => s.error).length, total: read.length }, query, warnings }
      }
      const { values: durations, warnings: dropped } = Common.finiteWithWarning(
        read.map((s) => s.durationSeconds),
        "span durations"
      )
      return { sample: { _tag: "Values" as const, values: durations }, query, warnings: [...warnings, ...dropped] }
    })
    return MetricSource.MetricSource.of({ observe })
  })

/**
 * Check at spec load what live analysis over Jaeger needs of the spec's
 * `jaeger` metrics: no TraceQL or PromQL (`query`, `errorsQuery`,
 * `totalQuery` would be ignored, so they are refused), and every placeholder
 * in `operation` and the `tags` values known. Fails with the first problem,
 * naming the metric and field.
 */
export const checkSpec = (spec: SloSpec.Spec): Effect.Effect<void, MetricSource.MetricSourceError> =>
  Effect.gen(function* () {
    for (const metric of spec.metrics) {
      if (metric.source !== "jaeger") continue
      const fail = (detail: string) => Effect.fail(new MetricSource.MetricSourceError({ reason: "BadQuery", detail: `metric ${metric.name}: ${detail}` }))
      for (const field of ["query", "errorsQuery", "totalQuery"] as const) {
        if (metric[field] !== undefined) return yield* fail(`a jaeger metric selects spans by operation and tags, so ${field} would be ignored; remove it`)
      }
      const values = QueryTemplate.placeholders(spec, "candidate", spec.windowSeconds)
      const templates: Array<[string, string]> = [...(metric.operation !== undefined ? [["operation", metric.operation] as [string, string]] : []), ...Object.entries(metric.tags ?? {}).map(([k, v]): [string, string] => [`tags.${k}`, v])]
      for (const [field, template] of templates) {
        try {
          Common.fillPlain(template, values)
        } catch (e) {
          return yield* fail(`${field}: ${e instanceof Error ? e.message : String(e)}`)
        }
      }
    }
  })

/** The MetricSource layer over Jaeger, with a fetch-based HTTP client. */
export const layer = (options: Options): Layer.Layer<MetricSource.MetricSource> =>
  Layer.effect(MetricSource.MetricSource, make(options)).pipe(Layer.provide(FetchHttpClient.layer))
