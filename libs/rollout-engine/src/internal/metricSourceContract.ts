import { SloSpec } from "@rollwise/slo-policy"
import { Effect, type Layer } from "effect"
import { describe, expect, it } from "vitest"
import { MetricSource, type Request } from "../MetricSource.ts"

/**
 * The scenario every MetricSource implementation is set up with before the
 * contract runs: a service whose candidate is about twice as slow as its
 * baseline with five times the errors, over two windows of 2 minutes from
 * `start`. Each implementation loads it its own way (a table, a backfilled
 * Prometheus, a fake HTTP API) and must then answer alike.
 */
export const scenario = {
  service: "contract-svc",
  start: Date.UTC(2026, 10, 1, 12, 0, 0),
  windowSeconds: 120,
  windows: 2,
  baseline: { latencySeconds: 0.1, requestsPerSecond: 50, errorRatio: 0.002 },
  candidate: { latencySeconds: 0.2, requestsPerSecond: 50, errorRatio: 0.01 },
  restarts: { baseline: 0, candidate: 2 }
} as const

/** The slo.yaml the contract judges with; implementations may need queries in it, so they can pass their own. */
export const defaultSpec = Effect.runSync(
  SloSpec.decode({
    apiVersion: "rollwise/v1",
    kind: "SloSpec",
    service: scenario.service,
    window: "2m",
    metrics: [
      { name: "latency", kind: "continuous", threshold: 0.3 },
      { name: "error-rate", kind: "ratio", threshold: 0.01 },
      { name: "restarts", kind: "counter", threshold: 0 },
      { name: "absent", kind: "continuous", threshold: 1 }
    ]
  })
)

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].filter(Number.isFinite).sort((a, b) => a - b)
  return s.length === 0 ? Number.NaN : s[Math.floor(s.length / 2)]!
}

/**
 * Run the MetricSource contract against a layer loaded with `scenario`. The
 * spec's metric names must be latency (continuous), error-rate (ratio),
 * restarts (counter) and absent (a metric with no data at all).
 */
export const suite = (name: string, layer: () => Layer.Layer<MetricSource>, spec: SloSpec.Spec = defaultSpec) => {
  const metric = (n: string) => spec.metrics.find((m) => m.name === n)!
  const window = (i: number) => ({
    start: scenario.start + i * scenario.windowSeconds * 1000,
    end: scenario.start + (i + 1) * scenario.windowSeconds * 1000
  })
  const observe = (metricName: string, track: "baseline" | "candidate", i = 1) =>
    Effect.runPromise(
      Effect.gen(function* () {
        const source = yield* MetricSource
        const request: Request = { spec, metric: metric(metricName), track, window: window(i) }
        return yield* source.observe(request)
      }).pipe(Effect.provide(layer()))
    )

  describe(`MetricSource contract: ${name}`, () => {
    it("continuous metrics come back as finite samples, on the right track", async () => {
      const b = await observe("latency", "baseline")
      const c = await observe("latency", "candidate")
      expect(b.sample?._tag).toBe("Values")
      expect(c.sample?._tag).toBe("Values")
      const bv = b.sample?._tag === "Values" ? b.sample.values : []
      const cv = c.sample?._tag === "Values" ? c.sample.values : []
      expect(bv.length).toBeGreaterThan(0)
      expect(bv.every(Number.isFinite)).toBe(true)
      expect(median(cv) / median(bv)).toBeGreaterThan(1.5)
    })

    it("ratio metrics come back as counts, errors never above the total", async () => {
      for (const track of ["baseline", "candidate"] as const) {
        const m = await observe("error-rate", track)
        expect(m.sample?._tag).toBe("Counts")
        if (m.sample?._tag === "Counts") {
          expect(m.sample.total).toBeGreaterThan(0)
          expect(m.sample.errors).toBeGreaterThanOrEqual(0)
          expect(m.sample.errors).toBeLessThanOrEqual(m.sample.total)
          expect(Number.isInteger(m.sample.errors) && Number.isInteger(m.sample.total)).toBe(true)
        }
      }
      const b = await observe("error-rate", "baseline")
      const c = await observe("error-rate", "candidate")
      const rate = (s: typeof b.sample) => (s?._tag === "Counts" ? s.errors / s.total : Number.NaN)
      expect(rate(c.sample)).toBeGreaterThan(rate(b.sample))
    })

    it("counters come back as values", async () => {
      const c = await observe("restarts", "candidate")
      expect(c.sample?._tag).toBe("Values")
      const values = c.sample?._tag === "Values" ? c.sample.values : []
      expect(values.reduce((a, v) => a + v, 0)).toBeGreaterThanOrEqual(scenario.restarts.candidate - 0.5)
    })

    it("a metric without data is no sample with a reason, never zeros", async () => {
      const m = await observe("absent", "candidate")
      expect(m.sample).toBeUndefined()
      expect(m.reason ?? "").not.toBe("")
    })

    it("the same request gives the same answer", async () => {
      expect(await observe("latency", "candidate", 0)).toEqual(await observe("latency", "candidate", 0))
    })
  })
}
