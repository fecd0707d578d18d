import { fc, test } from "@fast-check/vitest"
import { SloSpec } from "@rollwise/slo-policy"
import { MetricSource } from "@rollwise/rollout-engine"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Simulation } from "../src/index.ts"

const spec = Effect.runSync(
  SloSpec.decode({
    apiVersion: "rollwise/v1",
    kind: "SloSpec",
    service: "s",
    window: "2m",
    metrics: [
      { name: "latency", kind: "continuous", threshold: 1 },
      { name: "error-rate", kind: "ratio", threshold: 0.01 },
      { name: "restarts", kind: "counter", threshold: 0 }
    ]
  })
)
const service = (fault: Simulation.Fault): Simulation.Service => ({ name: "svc", latencySeconds: 0.1, requestsPerSecond: 1000, errorRatio: 0.003, fault })
const observe = (fault: Simulation.Fault, metric: number, track: "baseline" | "candidate", share = 10) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const source = yield* MetricSource.MetricSource
      return yield* source.observe({ spec, metric: spec.metrics[metric]!, track, window: { start: 0, end: 120_000 } })
    }).pipe(Effect.provide(Simulation.metricSource(service(fault), 1, Effect.succeed(share))))
  )
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

describe("Simulation.metricSource", () => {
  it("a latency fault makes the candidate slower; traffic follows the candidate's share", async () => {
    const b = await observe("latency", 0, "baseline", 1)
    const c = await observe("latency", 0, "candidate", 1)
    const values = (m: MetricSource.Measurement) => (m.sample?._tag === "Values" ? m.sample.values : [])
    expect(median(values(c)) / median(values(b))).toBeGreaterThan(1.3)
    expect(values(b).length).toBeGreaterThan(values(c).length)
  })

  it("an error fault multiplies the candidate's errors; a crash loop restarts", async () => {
    const rate = (m: MetricSource.Measurement) => (m.sample?._tag === "Counts" ? m.sample.errors / m.sample.total : Number.NaN)
    expect(rate(await observe("errors", 1, "candidate", 50)) / rate(await observe("errors", 1, "baseline", 50))).toBeGreaterThan(3)
    const restarts = await observe("crash-loop", 2, "candidate")
    expect(restarts.sample?._tag === "Values" && restarts.sample.values[0]!).toBeGreaterThan(0)
  })

  it("the same seed gives the same samples", async () => {
    expect(await observe("none", 0, "candidate")).toEqual(await observe("none", 0, "candidate"))
  })
})

describe("Simulation.devicesIn", () => {
  test.prop([fc.integer({ min: 1, max: 99 }), fc.integer({ min: 0, max: 1000 })])("cohorts are nested and roughly their share", (p, seed) => {
    const small = Simulation.devicesIn(2000, p, seed)
    const large = Simulation.devicesIn(2000, Math.min(100, p + 10), seed)
    expect(large).toBeGreaterThanOrEqual(small)
    expect(Math.abs(small / 2000 - p / 100)).toBeLessThan(0.05)
  })
})
