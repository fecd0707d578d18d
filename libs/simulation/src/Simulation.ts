import { MetricSource } from "@rollwise/rollout-engine"
import { SloSpec } from "@rollwise/slo-policy"
import { Random } from "@rollwise/stats-core"
import { Effect, Layer } from "effect"

/** What goes wrong in a simulated candidate, if anything. */
export type Fault = "none" | "latency" | "errors" | "crash-loop" | "new-error"

/** One simulated service behind a target. */
export interface Service {
  readonly name: string
  /** Median latency of the stable release, seconds. */
  readonly latencySeconds: number
  /** Requests per second across both tracks. */
  readonly requestsPerSecond: number
  /** The stable release's error ratio. */
  readonly errorRatio: number
  readonly fault: Fault
}

/** FNV-1a, to derive an independent seeded stream per (service, track, window). */
const hash = Random.fnv1a

/**
 * A MetricSource for a simulated service: for every metric of the spec it
 * answers with seeded samples that depend only on (seed, service, track,
 * metric, how many times that series was asked for), so a rerun with the same
 * seed sees the same data whatever the wall clock does. The candidate's share of
 * traffic follows `candidateShare()` (the target's current weight or cohort):
 * at 1 % there are few samples — thin data, as in a real first step. A
 * faulty candidate is 45 % slower, fails 6× as often, restarts every
 * window, or logs a new exception in 0.5 % of its requests.
 *
 * A `signatures` metric gets the track's warning and error lines, as a log
 * query filtering on level would return them: a cache-miss warning in 1 % of
 * requests, an upstream timeout in 0.2 %, each with its own ids and numbers,
 * and the faulty candidate's NullPointerException; the exposure is the
 * track's requests. Beyond the metric's `maxLines` the lines are cut and the
 * exposure scaled to match, as the log sources do.
 */
export const metricSource = (service: Service, seed: number, candidateShare: Effect.Effect<number>): Layer.Layer<MetricSource.MetricSource> =>
  Layer.sync(MetricSource.MetricSource, () => {
    const asked = new Map<string, number>()
    return MetricSource.MetricSource.of({
      observe: (request) =>
        Effect.map(candidateShare, (share): MetricSource.Measurement => {
          const series = `${seed}:${service.name}:${request.track}:${request.metric.name}`
          const nth = asked.get(series) ?? 0
          asked.set(series, nth + 1)
          const candidate = request.track === "candidate"
          const fraction = candidate ? Math.max(share, 0.5) / 100 : 1 - share / 100
          const seconds = (request.window.end - request.window.start) / 1000
          const requests = Math.round(service.requestsPerSecond * seconds * fraction)
          const normals = Random.normals(hash(`${series}:${nth}`))
          const uniform = Random.mulberry32(hash(`${series}:u:${nth}`))
          const faulty = candidate ? service.fault : "none"
          switch (request.metric.kind) {
            case "continuous": {
              // one latency sample per ~20 requests, at least 6
              const n = Math.max(6, Math.min(400, Math.round(requests / 20)))
              const median = service.latencySeconds * (faulty === "latency" ? 1.45 : 1)
              const values = Array.from({ length: n }, () => Math.round(median * Math.exp(0.25 * normals()) * 1e5) / 1e5)
              return { sample: { _tag: "Values", values }, warnings: [] }
            }
            case "ratio": {
              const ratio = service.errorRatio * (faulty === "errors" ? 6 : 1)
              let errors = 0
              for (let i = 0; i < requests; i++) if (uniform() < ratio) errors++
              return { sample: { _tag: "Counts", errors, total: requests }, warnings: [] }
            }
            case "counter":
              return { sample: { _tag: "Values", values: [faulty === "crash-loop" ? 2 + Math.floor(uniform() * 3) : 0] }, warnings: [] }
            case "signatures":
              return logLines(requests, uniform, faulty === "new-error", request.metric.maxLines ?? SloSpec.defaultMaxLines)
            case "multivariate":
              // computed by the analyzer from its features' values: live analysis never asks a source for it
              return { sample: undefined, reason: "a multivariate metric has no data of its own", warnings: [] }
          }
        })
    })
  })

const hex = (uniform: Random.Uniform) => Math.floor(uniform() * 0xffffffff).toString(16).padStart(8, "0")

/** The warning and error lines of `requests` simulated requests (see {@link metricSource}). */
const logLines = (requests: number, uniform: Random.Uniform, newError: boolean, maxLines: number): MetricSource.Measurement => {
  const lines: Array<string> = []
  for (let i = 0; i < requests; i++) {
    const u = uniform()
    if (u < 0.01) lines.push(`WARN cache miss for cart ${hex(uniform)} after ${10 + Math.floor(uniform() * 90)} ms`)
    else if (u < 0.012) lines.push(`ERROR upstream timeout calling pricing at 10.0.${Math.floor(uniform() * 8)}.${1 + Math.floor(uniform() * 250)}:8080 for order ${hex(uniform)}`)
    else if (newError && u < 0.017) lines.push(`ERROR java.lang.NullPointerException: Cannot read field "total" because "cart" is null at com.shop.Cart.total(Cart.java:${80 + Math.floor(uniform() * 3)}) order ${hex(uniform)}`)
  }
  if (lines.length <= maxLines) return { sample: { _tag: "Lines", lines, total: requests }, warnings: [] }
  return {
    sample: { _tag: "Lines", lines: lines.slice(0, maxLines), total: Math.max(maxLines, Math.round((requests * maxLines) / lines.length)), truncated: true },
    warnings: [`${lines.length} log lines matched; the first ${maxLines} were read (maxLines)`]
  }
}

/**
 * A fleet of simulated devices, bucketed deterministically: device i is in
 * the first `cohort` percent when its stable hash (seed + id) falls below it,
 * so a device in the 5 % cohort stays in the 20 % one.
 */
export const devicesIn = (fleetSize: number, cohortPercent: number, seed: number): number => {
  let n = 0
  for (let i = 0; i < fleetSize; i++) if ((hash(`${seed}:device-${i}`) % 10_000) / 100 < cohortPercent) n++
  return n
}
