import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { MetricSource } from "../src/index.ts"
import { MetricSourceContract } from "../src/testing.ts"

const { scenario } = MetricSourceContract

/** The contract scenario as a table: a few samples per window, counts from the rates. */
const memory = () =>
  MetricSource.layerMemory((metric, track, window) => {
    const t = scenario[track]
    const seconds = (window.end - window.start) / 1000
    if (metric === "latency") return { _tag: "Values", values: [0.9, 1, 1.1, 0.95, 1.05, 1].map((f) => f * t.latencySeconds) }
    if (metric === "error-rate") {
      const total = Math.round(t.requestsPerSecond * seconds)
      return { _tag: "Counts", errors: Math.round(total * t.errorRatio), total }
    }
    if (metric === "restarts") return { _tag: "Values", values: [scenario.restarts[track]] }
    return undefined
  })

MetricSourceContract.suite("in-memory layer", memory)

describe("MetricSource.observeOrNoData", () => {
  it("turns a source error into a measurement without a sample, keeping the reason", async () => {
    const failing = MetricSource.MetricSource.of({
      observe: () => Effect.fail(new MetricSource.MetricSourceError({ reason: "Unreachable", detail: "connection refused", query: "up" }))
    })
    const m = await Effect.runPromise(
      MetricSource.observeOrNoData({
        spec: MetricSourceContract.defaultSpec,
        metric: MetricSourceContract.defaultSpec.metrics[0]!,
        track: "candidate",
        window: { start: 0, end: 1 }
      }).pipe(Effect.provideService(MetricSource.MetricSource, failing))
    )
    expect(m).toEqual({ sample: undefined, reason: "Unreachable: connection refused", query: "up", warnings: [] })
  })
})
