import { Decode, DecodeError } from "@rollwise/input-schema"
import { Effect, Result, Schema } from "effect"
import type { Spec } from "./SloSpec.ts"

const WindowIndex = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const Track = Schema.Literals(["baseline", "candidate"])

/** The first element that is neither a finite number nor null, as the issue naming it. */
const badSample = (values: ReadonlyArray<unknown>) => {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v !== null && !(typeof v === "number" && Number.isFinite(v))) {
      return { path: [i], issue: `expected a finite number or null, got ${typeof v === "string" ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : typeof v === "number" ? String(v) : Array.isArray(v) ? "an array" : typeof v}` }
    }
  }
  return undefined
}

/**
 * The samples of one window: finite numbers, `null` for a missing one. One
 * loop checks them all and names the first bad element (`values[3]`): the
 * element-by-element schema (`Array(NullOr(Finite))`) cost ~1.5 ms for an
 * HTTP analysis body's 6,000 values, most of its main-thread time.
 */
const Values = Schema.Array(Schema.Unknown)
  .check(
    Schema.makeFilter((values: ReadonlyArray<unknown>) => badSample(values), {
      expected: "finite numbers or null",
      // exactly what the loop accepts, for the OpenAPI document
      toJsonSchema: () => ({ items: { anyOf: [{ type: "number" }, { type: "null" }] } })
    })
  )
  .pipe(Schema.refine((values): values is ReadonlyArray<number | null> => badSample(values) === undefined, { identifier: "SampleValues" }))

/** Samples of a continuous or counter metric; `null` is a missing sample (counted as NaN, never as 0). */
export const ValuesObservation = Schema.Struct({
  release: Schema.optionalKey(Schema.NonEmptyString),
  window: WindowIndex,
  metric: Schema.NonEmptyString,
  track: Track,
  values: Values
})

/** Error and total counts of a ratio metric over one window. */
export const CountsObservation = Schema.Struct({
  release: Schema.optionalKey(Schema.NonEmptyString),
  window: WindowIndex,
  metric: Schema.NonEmptyString,
  track: Track,
  errors: Count,
  total: Count
})

/**
 * Raw log lines of a signatures metric over one window: the messages mined
 * for templates, and `total`, the track's exposure (requests, or all its log
 * lines) that rates are taken against (default: the number of lines).
 */
export const LinesObservation = Schema.Struct({
  release: Schema.optionalKey(Schema.NonEmptyString),
  window: WindowIndex,
  metric: Schema.NonEmptyString,
  track: Track,
  lines: Schema.Array(Schema.String),
  total: Schema.optionalKey(Count)
})

/** One line of an observations file. */
export const Observation = Schema.Union([ValuesObservation, CountsObservation, LinesObservation])
export type Observation = typeof Observation.Type

/** What one track showed for one metric in one window. */
export type Sample =
  | { readonly _tag: "Values"; readonly values: ReadonlyArray<number> }
  | { readonly _tag: "Counts"; readonly errors: number; readonly total: number }
  /**
   * Log lines of a signatures metric; `total` is the exposure the rates are
   * taken against (at least the number of lines); `truncated` says the source
   * held more lines than it read (`maxLines`).
   */
  | { readonly _tag: "Lines"; readonly lines: ReadonlyArray<string>; readonly total: number; readonly truncated?: boolean }

/** Baseline and candidate for one metric in one window; either may be missing. */
export interface MetricWindow {
  readonly baseline?: Sample
  readonly candidate?: Sample
}

/** One window of a release: metric name → its two tracks. */
export interface Window {
  readonly index: number
  readonly metrics: ReadonlyMap<string, MetricWindow>
}

/** A release's windows in order 0, 1, 2, … with no gaps. */
export interface Release {
  readonly id: string
  readonly windows: ReadonlyArray<Window>
}

/** The release id used when lines carry none. */
export const defaultRelease = "release"

const decodeLine = (source: string, line: number) => Decode.decodeResult(Observation, { source, line })

/**
 * Parse newline-delimited JSON observations against a spec. Lines may come in
 * any order; blank lines are skipped. Fails with an DecodeError naming the file
 * and line for malformed JSON, a shape the schema rejects, a metric the spec
 * does not have (or a multivariate one: it takes no observations), counts where values are expected (or the reverse), more
 * errors than requests, a duplicate (release, window, metric, track); and,
 * naming the release, for a gap in the window sequence.
 */
export const parse = (text: string, spec: Spec, source = "observations"): Effect.Effect<ReadonlyArray<Release>, DecodeError> =>
  Effect.suspend(() => {
    const result = parseResult(text, spec, source)
    return Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.fail(result.failure)
  })

/** `parse` as a Result (no Effect), for benchmarks and pure callers. */
export const parseResult = (text: string, spec: Spec, source = "observations"): Result.Result<ReadonlyArray<Release>, DecodeError> => {
  const lines = text.split("\n")
  const decoded: Array<Numbered> = []
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim()
    if (raw === "") continue
    const line = i + 1
    let json: unknown
    try {
      json = JSON.parse(raw)
    } catch (error) {
      return Result.fail(new DecodeError({ source, line, path: "", detail: `not valid JSON (${error instanceof Error ? error.message : String(error)})` }))
    }
    const result = decodeLine(source, line)(json)
    if (Result.isFailure(result)) return Result.fail(result.failure)
    decoded.push({ line, observation: result.success })
  }
  return groupResult(decoded, spec, source)
}

/** An observation already decoded, and the line (or 1-based position) it came from. */
export interface Numbered {
  readonly line: number
  readonly observation: Observation
}

/**
 * Observations already decoded (by the HTTP API's schema, say) grouped into
 * releases with every check of {@link parse} but the schema's: a metric the
 * spec does not have, counts where values are expected (or the reverse),
 * more errors than requests, duplicates, gaps between windows.
 */
export const groupResult = (observations: ReadonlyArray<Numbered>, spec: Spec, source = "observations"): Result.Result<ReadonlyArray<Release>, DecodeError> => {
  const kinds = new Map(spec.metrics.map((m) => [m.name, m.kind]))
  const releases = new Map<string, Map<number, Map<string, { baseline?: Sample; candidate?: Sample }>>>()
  const fail = (line: number, path: string, detail: string) => Result.fail(new DecodeError({ source, line, path, detail }))
  for (const { line, observation: obs } of observations) {
    const kind = kinds.get(obs.metric)
    if (kind === undefined) {
      return fail(line, "metric", `unknown metric "${obs.metric}"; ${source === "" ? "the spec" : "slo.yaml"} defines ${[...kinds.keys()].join(", ")}`)
    }
    if (kind === "multivariate") {
      return fail(line, "metric", `metric "${obs.metric}" is multivariate: it is computed from its features' values, so it takes no observations of its own`)
    }
    let sample: Sample
    if ("lines" in obs) {
      if (kind !== "signatures") return fail(line, "lines", `metric "${obs.metric}" is ${kind}: give ${kind === "ratio" ? '"errors" and "total"' : '"values"'}, not log lines`)
      const total = obs.total ?? obs.lines.length
      if (total < obs.lines.length) return fail(line, "total", `${obs.lines.length} lines but a total of ${total}; the total counts every line (or request) of the track`)
      sample = { _tag: "Lines", lines: obs.lines, total }
    } else if (kind === "signatures") {
      return fail(line, "values" in obs ? "values" : "errors", `metric "${obs.metric}" is signatures: give "lines" (the window's log messages) and optionally "total"`)
    } else if ("values" in obs) {
      if (kind === "ratio") return fail(line, "values", `metric "${obs.metric}" is a ratio: give "errors" and "total", not "values"`)
      sample = { _tag: "Values", values: obs.values.map((v) => (v === null ? Number.NaN : v)) }
    } else {
      if (kind !== "ratio") return fail(line, "errors", `metric "${obs.metric}" is ${kind}: give "values", not counts`)
      if (obs.errors > obs.total) return fail(line, "errors", `${obs.errors} errors out of ${obs.total} requests`)
      sample = { _tag: "Counts", errors: obs.errors, total: obs.total }
    }
    const releaseId = obs.release ?? defaultRelease
    const windows = releases.get(releaseId) ?? new Map()
    releases.set(releaseId, windows)
    const metrics = windows.get(obs.window) ?? new Map()
    windows.set(obs.window, metrics)
    const tracks = metrics.get(obs.metric) ?? {}
    metrics.set(obs.metric, tracks)
    if (tracks[obs.track] !== undefined) {
      return fail(line, "", `duplicate observation for release "${releaseId}", window ${obs.window}, metric "${obs.metric}", ${obs.track}`)
    }
    tracks[obs.track] = sample
  }
  const out: Array<Release> = []
  for (const [id, windows] of [...releases.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const indices = [...windows.keys()].sort((a, b) => a - b)
    for (let w = 0; w < indices.length; w++) {
      if (indices[w] !== w) {
        return Result.fail(
          new DecodeError({
            source,
            path: "window",
            detail: `release "${id}": window ${w} is missing (windows ${indices.join(", ")} given; they must run 0, 1, 2, … without gaps)`
          })
        )
      }
    }
    out.push({ id, windows: indices.map((index) => ({ index, metrics: windows.get(index)! })) })
  }
  return Result.succeed(out)
}
