import { it } from "@effect/vitest"
import { SloSpec } from "@rollwise/slo-policy"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect } from "vitest"
import { LiveAnalysis, MetricSource } from "../src/index.ts"

const spec = Effect.runSync(
  SloSpec.decode({
    apiVersion: "rollwise/v1",
    kind: "SloSpec",
    service: "svc",
    window: "1m",
    maxWindows: 6,
    promoteAfter: 2,
    warmupWindows: 0,
    metrics: [
      { name: "latency", kind: "continuous", threshold: 1, minSamples: 5 },
      { name: "restarts", kind: "counter", threshold: 0, critical: true }
    ]
  })
)
const lat = (median: number) => Array.from({ length: 60 }, (_, i) => median * (0.8 + (0.4 * ((i * 37) % 60)) / 60))

/** A source where the candidate restarts from the second window on (crash loop), by window start. */
const crashing = MetricSource.layerMemory((metric, track, window) => {
  const index = Math.floor(window.start / 60_000)
  if (metric === "latency") return { _tag: "Values", values: lat(0.1) }
  return { _tag: "Values", values: [track === "candidate" && index >= 1 ? 3 : 0] }
})
/** A source that has nothing at all. */
const empty = MetricSource.layerMemory(() => undefined)

describe("LiveAnalysis.watch (TestClock, in-memory MetricSource)", () => {
  it.effect("waits for each window to end, then judges it, and stops at the first rollback", () =>
    Effect.gen(function* () {
      const seen: Array<number> = []
      const fiber = yield* Effect.forkChild(LiveAnalysis.watch(spec, 0, (r) => Effect.sync(() => void seen.push(r.index))))
      yield* TestClock.adjust("59 seconds")
      expect(seen).toEqual([])
      yield* TestClock.adjust("1 second")
      expect(seen).toEqual([0])
      yield* TestClock.adjust("2 minutes")
      const last = yield* Fiber.join(fiber)
      expect(seen).toEqual([0, 1])
      expect(last?.verdict.action).toBe("rollback")
      expect(last?.verdict.reasons.join(" ")).toContain("critical metric restarts failed")
    }).pipe(Effect.provide(crashing))
  )

  it.effect("no data at all holds (slow) for maxWindows, saying why per metric, and never promotes", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(LiveAnalysis.watch(spec, 0, () => Effect.void))
      yield* TestClock.adjust("10 minutes")
      const last = yield* Fiber.join(fiber)
      expect(last?.index).toBe(spec.maxWindows - 1)
      expect(last?.verdict.action).toBe("slow")
      expect(last?.verdict.metrics.every((m) => m.status === "nodata")).toBe(true)
      expect(last?.verdict.metrics[0]!.reason).toContain("no candidate data for latency")
    }).pipe(Effect.provide(empty))
  )
})

describe("LiveAnalysis.analyzeTrailing", () => {
  it.effect("judges the last windows before `end`, oldest first", () =>
    Effect.gen(function* () {
      const reports = yield* LiveAnalysis.analyzeTrailing(spec, 2 * 60_000, 2)
      expect(reports.map((r) => r.window)).toEqual([
        { start: 0, end: 60_000 },
        { start: 60_000, end: 120_000 }
      ])
      expect(reports.at(-1)!.verdict.action).toBe("rollback")
    }).pipe(Effect.provide(crashing))
  )
})

describe("LiveAnalysis with a multivariate metric (in-memory MetricSource)", () => {
  const joint = Effect.runSync(
    SloSpec.decode({
      apiVersion: "rollwise/v1",
      kind: "SloSpec",
      service: "svc",
      window: "2m",
      maxWindows: 6,
      promoteAfter: 2,
      warmupWindows: 0,
      metrics: [
        { name: "latency", kind: "continuous", threshold: 10, tolerance: 0.5 },
        { name: "load", kind: "continuous", direction: "higher", threshold: 0, tolerance: 0.5 },
        { name: "joint", kind: "multivariate", threshold: 1, features: [{ metric: "latency" }, { metric: "load" }] }
      ]
    })
  )
  // 12 steps a window: latency rises with load on both tracks
  const load = (w: number) => Array.from({ length: 12 }, (_, i) => 100 + ((i * 7 + w * 5) % 12) * 10)
  it.effect("never asks the source for the multivariate metric, and judges it from its features' samples from the second window on", () =>
    Effect.gen(function* () {
      const asked = new Set<string>()
      const source = MetricSource.layerMemory((metric, _track, window) => {
        asked.add(metric)
        const w = Math.floor(window.start / 120_000)
        return { _tag: "Values", values: metric === "load" ? load(w) : load(w).map((l) => l / 1000) }
      })
      const reports = yield* LiveAnalysis.analyzeTrailing(joint, 3 * 120_000, 3).pipe(Effect.provide(source))
      expect([...asked].sort()).toEqual(["latency", "load"])
      expect(reports[0]!.measurements.some((m) => m.metric === "joint")).toBe(false)
      const statuses = reports.map((r) => r.verdict.metrics.find((m) => m.name === "joint")!.status)
      expect(statuses[0]).toBe("nodata")
      expect(statuses.slice(1)).toEqual(["pass", "pass"])
      expect(reports[0]!.verdict.metrics.find((m) => m.name === "joint")!.reason).toContain("the first window only trains it")
    })
  )
})
