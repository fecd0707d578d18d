import { Decode, type DecodeError } from "@rollwise/input-schema"
import { Effect, Schema } from "effect"
import * as DurationText from "./DurationText.ts"

const withDefault = <S extends Schema.Top>(schema: S, value: S["Encoded"]) =>
  schema.pipe(Schema.withDecodingDefaultKey(Effect.succeed(value)))

const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0))
const NonNegative = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))

/** Where a metric's live data comes from. */
export const Source = Schema.Literals(["prometheus", "loki", "elasticsearch", "tempo", "jaeger"])
export type Source = typeof Source.Type

/** The sources that hold log lines, so can feed a `signatures` metric. */
export const logSources: ReadonlyArray<Source> = ["loki", "elasticsearch"]

/**
 * One metric the analyzer judges. `kind` says what the observations hold:
 * `continuous` — samples per window (p95 per 10 s step, say); `ratio` — error
 * and total counts per window; `counter` — event counts per window (restarts);
 * `signatures` — raw log lines per window, mined into message templates, where
 * a template the candidate shows significantly more often than the baseline
 * (or only the candidate shows) is a new error signature; `multivariate` — no
 * data of its own: the joint behaviour of other (continuous) metrics, its
 * `features`, judged by an Isolation Forest trained on the baseline (see
 * `Multivariate`); it never rolls back alone unless `critical`.
 */
export const MetricSpec = Schema.Struct({
  name: Schema.NonEmptyString,
  kind: Schema.Literals(["continuous", "ratio", "counter", "signatures", "multivariate"]),
  /**
   * Live mode: where the queries run (default `prometheus`). `loki` takes
   * LogQL (metric queries for continuous/counter/ratio, a log query for
   * signatures); `elasticsearch` an Elasticsearch/OpenSearch query string
   * over `index`; `tempo` TraceQL; `jaeger` no query: `operation` and `tags`.
   */
  source: withDefault(Source, "prometheus"),
  /** Which way is better. */
  direction: withDefault(Schema.Literals(["lower", "higher"]), "lower"),
  /**
   * Absolute SLO on the candidate: for `lower`, the candidate must stay at or
   * below it. For `signatures`: how many new error signatures the candidate
   * may show in a window (usually 0). For `multivariate`: the bound on the
   * candidate's median anomaly score (in (0, 1]; 1 disables it): above it
   * holds (marginal) unless the baseline comparison already fails.
   */
  threshold: Schema.Finite,
  /**
   * Allowed relative degradation against the baseline (0.10 = 10 % worse).
   * Multivariate: the allowed rise of the candidate's median anomaly score
   * over the baseline's, in score units (default {@link defaultMultivariateTolerance}).
   */
  tolerance: withDefault(NonNegative, 0.1),
  /**
   * Live mode, continuous and counter metrics: PromQL with {{service}},
   * {{track}}, {{window}}, {{step}}, {{namespace}} and user {{variables}}. Continuous:
   * evaluated as a range query over the window (every point a sample);
   * counter: an instant query at the window's end, summed.
   */
  query: Schema.optionalKey(Schema.String),
  /** Live mode, ratio metrics: bad events over the window, e.g. `sum(increase(…{status=~"5.."}[{{window}}]))`. */
  errorsQuery: Schema.optionalKey(Schema.String),
  /** Live mode, ratio metrics: all events over the window. */
  totalQuery: Schema.optionalKey(Schema.String),
  /** Elasticsearch: the index or pattern to search (templated like the queries), e.g. `logs-{{service}}-*`. */
  index: Schema.optionalKey(Schema.NonEmptyString),
  /** Elasticsearch, continuous metrics: the numeric field whose values are the samples, e.g. `http.duration_ms`. */
  field: Schema.optionalKey(Schema.NonEmptyString),
  /** Jaeger: the operation whose spans are read (templated); every operation of the service when absent. */
  operation: Schema.optionalKey(Schema.NonEmptyString),
  /** Jaeger: span tags that must match (values templated), e.g. `{ track: "{{track}}" }`. */
  tags: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  /**
   * Multivariate metrics: the continuous metrics of this spec whose values,
   * step by step, form one row of the forest (at least two, no duplicates).
   * `stat: value` (the default and, for now, the only one) takes each
   * per-step value as it is.
   */
  features: Schema.optionalKey(
    Schema.Array(Schema.Struct({ metric: Schema.NonEmptyString, stat: Schema.optionalKey(Schema.Literal("value")) }))
  ),
  /** Signatures: most log lines read per track and window (default 5,000); more are counted but not mined, and said in the warnings. */
  maxLines: Schema.optionalKey(PositiveInt),
  /** A failure of a critical metric rolls back at once. */
  critical: withDefault(Schema.Boolean, false),
  /** Share of this metric in the verdict's score. */
  weight: withDefault(NonNegative, 1),
  /**
   * Fewest samples (continuous), events (ratio: total requests), windows of
   * data (counter) or exposure (signatures: the track's total of requests or
   * lines; multivariate: rows per track, default 6) for a window to be
   * judged at all; fewer is `nodata`.
   */
  minSamples: Schema.optionalKey(PositiveInt),
  /** Consecutive failing windows before rollback (a critical metric rolls back at the first). */
  failAfter: withDefault(PositiveInt, 2)
})
export type MetricSpec = typeof MetricSpec.Type

/** The whole slo.yaml document (`apiVersion: rollwise/v1`, `kind: SloSpec`). */
export const SloSpec = Schema.Struct({
  apiVersion: Schema.Literal("rollwise/v1"),
  kind: Schema.Literal("SloSpec"),
  service: Schema.NonEmptyString,
  /** One analysis window, e.g. `2m`; decoded to seconds. */
  window: Schema.String,
  /** Give up deciding after this many windows (then `onNoDecision`). */
  maxWindows: withDefault(PositiveInt, 10),
  /** Consecutive healthy windows before promote. */
  promoteAfter: withDefault(PositiveInt, 3),
  /**
   * Windows at the start in which a continuous metric's failure only holds
   * (marginal) and feeds no drift or sequential test: JIT and cache warm-up.
   * Errors, counters and critical metrics are judged in full from the start.
   */
  warmupWindows: withDefault(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)), 1),
  /**
   * What to do when maxWindows pass without a decision: `promote-if-no-harm`
   * (default) promotes when every metric had data, none failed in any window,
   * no sequential test leans towards harm and each is within its tolerance
   * or its SLO — saying what the promotion rested on — and holds (`slow`)
   * otherwise; `slow` always holds; `rollback` always rolls back. A candidate
   * without data is never promoted, whatever the policy.
   */
  onNoDecision: withDefault(Schema.Literals(["promote-if-no-harm", "slow", "rollback"]), "promote-if-no-harm"),
  metrics: Schema.NonEmptyArray(MetricSpec),
  /**
   * Live mode: where the baseline comes from. `label` (default): the same
   * queries with {{track}} set to `baseline` (default "stable") or
   * `candidate` (default "canary"). `offset`: the candidate's own queries one
   * `offset` earlier (default 1w: the same time of day last week), for
   * blue/green and whole-service deploys without a stable track.
   */
  baseline: Schema.optionalKey(
    Schema.Union([
      Schema.Struct({
        by: Schema.Literal("label"),
        baseline: Schema.optionalKey(Schema.NonEmptyString),
        candidate: Schema.optionalKey(Schema.NonEmptyString)
      }),
      Schema.Struct({ by: Schema.Literal("offset"), offset: Schema.optionalKey(Schema.String), candidate: Schema.optionalKey(Schema.NonEmptyString) })
    ])
  ),
  /** Live mode: the step of continuous range queries (default 10s). */
  step: Schema.optionalKey(Schema.String),
  /** Live mode: the value of {{namespace}}. */
  namespace: Schema.optionalKey(Schema.String),
  /** Live mode: more {{name}} placeholders for the queries. */
  variables: Schema.optionalKey(Schema.Record(Schema.String, Schema.String))
})
export type SloSpec = typeof SloSpec.Type

/** A decoded spec with the window in seconds and metrics by name. */
export interface Spec extends SloSpec {
  readonly windowSeconds: number
}

const decodeSpec = (source: string) => Decode.decode(SloSpec, { source })

/**
 * Decode an slo.yaml document (already parsed from YAML). Beyond the schema:
 * the window must be a duration, metric names unique, at least one metric
 * weighed above 0, and `promoteAfter` at most `maxWindows` (or nothing could
 * ever promote).
 */
export const decode = (input: unknown, source = "slo.yaml"): Effect.Effect<Spec, DecodeError> =>
  Effect.gen(function* () {
    yield* Decode.expectKind(input, "SloSpec", source)
    const spec = yield* decodeSpec(source)(input)
    const fail = (path: string, detail: string) => Decode.fail({ source, path, detail })
    const windowSeconds = DurationText.parseSeconds(spec.window)
    if (windowSeconds === undefined) return yield* fail("window", `expected a duration like 30s, 2m or 1h, got "${spec.window}"`)
    const seen = new Set<string>()
    for (const [i, m] of spec.metrics.entries()) {
      if (seen.has(m.name)) return yield* fail(`metrics[${i}].name`, `duplicate metric name "${m.name}"`)
      seen.add(m.name)
    }
    const rawMetrics = typeof input === "object" && input !== null && Array.isArray((input as { metrics?: unknown }).metrics) ? ((input as { metrics: ReadonlyArray<unknown> }).metrics) : []
    const metrics: Array<MetricSpec> = []
    for (const [i, m] of spec.metrics.entries()) {
      const raw = rawMetrics[i]
      const given = (key: string) => typeof raw === "object" && raw !== null && key in raw
      const problem = multivariateProblem(spec.metrics, m, given)
      if (problem !== undefined) return yield* fail(`metrics[${i}].${problem.field}`, problem.detail)
      metrics.push(m.kind === "multivariate" && !given("tolerance") ? { ...m, tolerance: defaultMultivariateTolerance } : m)
    }
    for (const key of ["step", "baseline.offset"] as const) {
      const text = key === "step" ? spec.step : spec.baseline?.by === "offset" ? spec.baseline.offset : undefined
      if (text !== undefined && DurationText.parseSeconds(text) === undefined) return yield* fail(key, `expected a duration like 10s or 1w, got "${text}"`)
    }
    for (const [i, m] of spec.metrics.entries()) {
      const at = (key: string) => `metrics[${i}].${key}`
      if (m.kind === "signatures" && !logSources.includes(m.source)) {
        return yield* fail(at("source"), `a signatures metric mines log lines, so its source must be ${logSources.join(" or ")}, not ${m.source}`)
      }
      if (m.kind === "signatures" && m.direction !== "lower") return yield* fail(at("direction"), "a signatures metric counts new error signatures: lower is better")
      if (m.source !== "elasticsearch" && (m.index !== undefined || m.field !== undefined)) {
        return yield* fail(at(m.index !== undefined ? "index" : "field"), `only an elasticsearch metric reads an index or field; this one's source is ${m.source}`)
      }
      if (m.source !== "jaeger" && (m.operation !== undefined || m.tags !== undefined)) {
        return yield* fail(at(m.operation !== undefined ? "operation" : "tags"), `only a jaeger metric selects spans by operation and tags; this one's source is ${m.source} (put the selection in its query)`)
      }
      if (m.maxLines !== undefined && m.kind !== "signatures") return yield* fail(at("maxLines"), "only a signatures metric reads log lines")
      if (m.source === "jaeger" && m.kind === "counter") return yield* fail(at("kind"), "a jaeger metric is continuous (span durations) or ratio (error spans among spans)")
    }
    if (spec.metrics.every((m) => m.weight === 0)) {
      return yield* fail("metrics", "every metric has weight 0, so every verdict would score 0; give at least one metric a weight above 0")
    }
    if (spec.promoteAfter > spec.maxWindows) {
      return yield* fail("promoteAfter", `${spec.promoteAfter} healthy windows can never happen within maxWindows ${spec.maxWindows}`)
    }
    return { ...spec, metrics: metrics as unknown as typeof spec.metrics, windowSeconds }
  })

/** The default `tolerance` of a multivariate metric: its median anomaly score may rise this much over the baseline's. */
export const defaultMultivariateTolerance = 0.02

/** Fields a multivariate metric refuses: it reads no source of its own. */
const multivariateRefused = ["source", "query", "errorsQuery", "totalQuery", "index", "field", "operation", "tags", "maxLines"] as const

/** What is wrong with a metric's `features` (or their absence), as the field and a one-line detail. */
const multivariateProblem = (
  all: ReadonlyArray<MetricSpec>,
  m: MetricSpec,
  given: (key: string) => boolean
): { readonly field: string; readonly detail: string } | undefined => {
  if (m.kind !== "multivariate") {
    return m.features !== undefined ? { field: "features", detail: `only a multivariate metric has features; this one is ${m.kind}` } : undefined
  }
  for (const key of multivariateRefused) {
    if (given(key)) return { field: key, detail: `a multivariate metric reads no source of its own: it is computed from its features' values; remove ${key}` }
  }
  if (m.direction !== "lower") return { field: "direction", detail: "a multivariate metric judges an anomaly score: lower is better" }
  const features = m.features ?? []
  if (features.length < 2) return { field: "features", detail: `a multivariate metric needs at least 2 features (continuous metrics of this spec), got ${features.length}` }
  const seen = new Set<string>()
  for (const [j, f] of features.entries()) {
    const at = `features[${j}].metric`
    if (f.metric === m.name) return { field: at, detail: `a multivariate metric cannot be its own feature ("${m.name}")` }
    if (seen.has(f.metric)) return { field: at, detail: `duplicate feature "${f.metric}"` }
    seen.add(f.metric)
    const target = all.find((x) => x.name === f.metric)
    if (target === undefined) return { field: at, detail: `unknown metric "${f.metric}"; features name continuous metrics of this spec (${all.filter((x) => x.kind === "continuous").map((x) => x.name).join(", ") || "it has none"})` }
    if (target.kind !== "continuous") return { field: at, detail: `feature "${f.metric}" is a ${target.kind} metric; features must be continuous (values per step)` }
  }
  return undefined
}

/** Default minimum samples per kind, used when a metric does not set `minSamples`. */
export const defaultMinSamples = (metric: MetricSpec): number =>
  metric.minSamples ?? (metric.kind === "continuous" ? 5 : metric.kind === "ratio" ? 20 : metric.kind === "multivariate" ? 6 : 1)

/** Default most log lines a signatures metric reads per track and window. */
export const defaultMaxLines = 5000
