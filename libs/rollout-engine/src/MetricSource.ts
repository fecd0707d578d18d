import type { Observation, SloSpec } from "@rollwise/slo-policy"
import { Context, Data, Effect, Layer } from "effect"

/** A span of time, epoch milliseconds, start inclusive, end exclusive. */
export interface TimeWindow {
  readonly start: number
  readonly end: number
}

/** What to observe: one metric of one track over one window. */
export interface Request {
  readonly spec: SloSpec.Spec
  readonly metric: SloSpec.MetricSpec
  readonly track: "baseline" | "candidate"
  readonly window: TimeWindow
}

/**
 * What a source saw. `sample` is undefined when there was no data (an empty
 * result, a series that does not exist): that is a `nodata` for the analyzer,
 * never a zero. `query` is the resolved query, for the verdict's evidence.
 */
export interface Measurement {
  readonly sample: Observation.Sample | undefined
  readonly query?: string
  /** Why there is no sample, in words. */
  readonly reason?: string
  readonly warnings: ReadonlyArray<string>
}

/**
 * A source could not answer. The engine turns this into a `nodata`
 * measurement with the reason (a failed measurement is data, not a crash).
 * `reason` says what kind of failure it was, so callers can retry only what
 * is transient.
 */
export class MetricSourceError extends Data.TaggedError("MetricSourceError")<{
  readonly reason: "Unreachable" | "Timeout" | "BadQuery" | "BadResponse" | "NoData" | "Unsupported"
  /** One line, no secrets. */
  readonly detail: string
  readonly query?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.reason}: ${this.detail}`
  }
}

/**
 * The port the analyzer reads metrics through: Prometheus in production, an
 * in-memory table in tests and the demo, other backends later (Loki, traces,
 * ARM device health). Vendor-free: no PromQL types in the shape.
 */
export class MetricSource extends Context.Service<
  MetricSource,
  {
    readonly observe: (request: Request) => Effect.Effect<Measurement, MetricSourceError>
  }
>()("rollwise/rollout-engine/MetricSource") {}

/**
 * Observe a request and never fail: a source error becomes a measurement with
 * no sample and the error as its reason.
 */
export const observeOrNoData = (request: Request): Effect.Effect<Measurement, never, MetricSource> =>
  Effect.gen(function* () {
    const source = yield* MetricSource
    return yield* source.observe(request).pipe(
      Effect.catch((error: MetricSourceError) =>
        Effect.succeed<Measurement>({
          sample: undefined,
          reason: `${error.reason}: ${error.detail}`,
          ...(error.query !== undefined ? { query: error.query } : {}),
          warnings: []
        })
      )
    )
  })

/** A table for the in-memory source: the sample for (metric, track, window start), if any. */
export type MemoryData = (metric: string, track: "baseline" | "candidate", window: TimeWindow) => Observation.Sample | undefined

/** An in-memory MetricSource over a lookup function (tests, the demo, offline replays). */
export const layerMemory = (data: MemoryData): Layer.Layer<MetricSource> =>
  Layer.succeed(
    MetricSource,
    MetricSource.of({
      observe: (request) =>
        Effect.sync(() => {
          const sample = data(request.metric.name, request.track, request.window)
          return sample === undefined
            ? { sample, reason: `no ${request.track} data for ${request.metric.name}`, warnings: [] }
            : { sample, warnings: [] }
        })
    })
  )
