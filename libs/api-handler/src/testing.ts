/**
 * Test support for the API: an in-memory MetricSource whose answers depend
 * on the service a request judges, so one server can show a healthy, a
 * regressing and a silent canary side by side.
 *
 * @since 0.1.0
 */
import { MetricSource } from "@rollwise/rollout-engine"
import type { Observation } from "@rollwise/slo-policy"
import { Duration, Effect, Layer } from "effect"
import { Random } from "@rollwise/stats-core"

/** What a service's canary looks like: as good as stable, clearly worse, or not reporting at all. */
export type Scenario = "healthy" | "regressing" | "nodata"

/** Options of {@link scenarioSource}. */
export interface ScenarioOptions {
  /** Samples per continuous metric, track and window (default 120). */
  readonly samples?: number
  /** Requests per window of a ratio metric (default 200000: enough for the analyzer to rule out a tolerated regression in three windows). */
  readonly requests?: number
  /** How much worse a regressing canary is: latency × this, error rate × 10 × this (default 1.5). */
  readonly factor?: number
  /** Delay before each answer (to hold requests in flight). */
  readonly delay?: Duration.Input
}

/** A deterministic uniform generator in [0, 1) from a seed. */
const uniform = Random.mulberry32

const hash = Random.fnv1a

/**
 * The sample a scenario gives for one metric, track and window. The draw
 * depends on the metric, the track and the window's index in time modulo 16,
 * so results repeat whatever the clock says. Continuous
 * metrics: `samples` values around 0.1 (lognormal-ish, ±20 %), the
 * regressing candidate's scaled by `factor`; ratio metrics: 0.1 % errors of
 * `requests`, the regressing candidate's 10 × `factor` times more; counters:
 * 0, the regressing candidate's 3 (restarts).
 */
export const sampleFor = (
  scenario: Scenario,
  request: MetricSource.Request,
  options: ScenarioOptions = {}
): Observation.Sample | undefined => {
  if (scenario === "nodata" && request.track === "candidate") return undefined
  const worse = scenario === "regressing" && request.track === "candidate"
  const factor = options.factor ?? 1.5
  // one of 16 fixed draws per metric and track, chosen by the window's position in time, so any clock gives one of a few tested cases
  const slot = Math.floor(request.window.start / Math.max(1, request.window.end - request.window.start)) % 16
  const next = uniform(hash(`${request.metric.name}/${request.track}/${(slot + 16) % 16}`))
  switch (request.metric.kind) {
    case "continuous": {
      const n = options.samples ?? 120
      const values = Array.from({ length: n }, () => 0.1 * Math.exp(0.2 * (next() + next() + next() - 1.5)) * (worse ? factor : 1))
      return { _tag: "Values", values }
    }
    case "ratio": {
      const total = options.requests ?? 200_000
      const rate = 0.001 * (worse ? 10 * factor : 1)
      return { _tag: "Counts", errors: Math.round(total * rate * (0.8 + 0.4 * next())), total }
    }
    case "counter":
      return { _tag: "Values", values: [worse ? 3 : 0] }
  }
}

/** An in-memory MetricSource answering by the scenario of the request's service. */
export const scenarioSource = (scenarioOf: (service: string) => Scenario, options: ScenarioOptions = {}): Layer.Layer<MetricSource.MetricSource> =>
  Layer.succeed(
    MetricSource.MetricSource,
    MetricSource.MetricSource.of({
      observe: (request) => {
        const answer = Effect.sync((): MetricSource.Measurement => {
          const sample = sampleFor(scenarioOf(request.spec.service), request, options)
          return sample === undefined ? { sample, reason: `no ${request.track} data for ${request.metric.name}`, warnings: [] } : { sample, warnings: [] }
        })
        return options.delay === undefined ? answer : Effect.delay(answer, options.delay)
      }
    })
  )

/** The scenario a service's name picks: `healthy*`, `regressing*`, anything else no data. */
export const byName = (service: string): Scenario => (service.startsWith("healthy") ? "healthy" : service.startsWith("regressing") ? "regressing" : "nodata")

/**
 * The live SLO the API tests know as `checkout`: latency, errors and
 * restarts on 1-minute windows (the queries are the scenario source's
 * business, so they are placeholders).
 */
export const sloDocument = {
  apiVersion: "rollwise/v1",
  kind: "SloSpec",
  service: "checkout",
  window: "1m",
  maxWindows: 10,
  promoteAfter: 3,
  metrics: [
    { name: "latency", kind: "continuous", direction: "lower", threshold: 0.5, tolerance: 0.1, query: 'q{job="{{service}}",track="{{track}}"}' },
    { name: "errors", kind: "ratio", direction: "lower", threshold: 0.01, tolerance: 0.5, errorsQuery: "e", totalQuery: "t" },
    { name: "restarts", kind: "counter", direction: "lower", threshold: 0, critical: true, query: "r" }
  ]
} as const

/** NDJSON text as its objects, blank lines skipped. */
export const ndjsonLines = (text: string): Array<unknown> =>
  text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as unknown)
