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
      { name: "restarts", kind: "counter", threshold: 0 },
      { name: "new-errors", kind: "signatures", source: "loki", query: "{}", threshold: 0 },
      { name: "few-lines", kind: "signatures", source: "loki", query: "{}", threshold: 0, maxLines: 100 }
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
  it("a new-error fault logs a new exception in about 0.5 % of the candidate's requests; the baseline never does", async () => {
    const lines = (m: MetricSource.Measurement) => (m.sample?._tag === "Lines" ? m.sample : { lines: [], total: 0 })
    const c = lines(await observe("new-error", 3, "candidate"))
    const b = lines(await observe("new-error", 3, "baseline"))
    const npe = (xs: ReadonlyArray<string>) => xs.filter((l) => l.includes("NullPointerException")).length
    expect(c.total).toBe(12_000)
    expect(npe(c.lines) / c.total).toBeGreaterThan(0.003)
    expect(npe(c.lines) / c.total).toBeLessThan(0.007)
    expect(npe(b.lines)).toBe(0)
    expect(b.lines.some((l) => l.startsWith("WARN cache miss"))).toBe(true)
    expect(npe(lines(await observe("none", 3, "candidate")).lines)).toBe(0)
  })

  it("beyond maxLines the lines are cut, the exposure scaled and a warning says so", async () => {
    const m = await observe("none", 4, "baseline")
    expect(m.sample?._tag).toBe("Lines")
    if (m.sample?._tag !== "Lines") return
    expect(m.sample.lines).toHaveLength(100)
    expect(m.sample.truncated).toBe(true)
    // about 1.2 % of 108,000 requests log a line: 100 of them stand for about 8,300 requests
    expect(m.sample.total).toBeGreaterThan(6000)
    expect(m.sample.total).toBeLessThan(11_000)
    expect(m.warnings[0]).toMatch(/^\d+ log lines matched; the first 100 were read \(maxLines\)$/)
  })

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
