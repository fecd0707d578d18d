/**
 * Benchmark: one window of a busy service (1,000 requests/s, canary 10 %, two
 * spans per request) read through both sources over HTTP from the fakes:
 * Tempo latency by search (one request), Tempo error ratio by TraceQL metrics
 * (two instant queries), Jaeger latency and error ratio by `/api/traces`
 * (paged by halving the range when an answer is full). Prints wall time,
 * requests and samples per observation. The fakes' own cost is included: it is
 * the HTTP and JSON path that is measured, not a real backend's storage.
 *
 * Run: `npx nx run source-traces:bench` (or `npx tsx --conditions=@rollwise/source bench/run.ts`).
 */
import { MetricSource } from "@rollwise/rollout-engine"
import { SloSpec } from "@rollwise/slo-policy"
import { Duration, Effect, type Layer } from "effect"
import { JaegerSource, TempoSource } from "../src/index.ts"
import { canaryScenario, FakeJaeger, FakeTempo, generateSpans } from "../src/testing.ts"

const start = Date.UTC(2026, 10, 4, 12, 0, 0)
const windowSeconds = 60
const scenario = canaryScenario({
  seed: 11,
  service: "shop",
  start,
  windowSeconds,
  windows: 1,
  requestsPerSecond: 1000,
  operations: [
    { name: "GET /cart", share: 0.7, latencySeconds: 0.05, errorRatio: 0.001 },
    { name: "POST /pay", share: 0.3, latencySeconds: 0.2, errorRatio: 0.002 }
  ],
  candidate: { "POST /pay": { latencySeconds: 0.4, errorRatio: 0.02 } }
})
const spans = generateSpans(scenario)
const spec = Effect.runSync(
  SloSpec.decode({
    apiVersion: "rollwise/v1",
    kind: "SloSpec",
    service: "shop",
    window: "1m",
    metrics: [
      { name: "tempo-latency", kind: "continuous", source: "tempo", threshold: 1, query: '{ resource.service.name = "{{service}}" && span.track = "{{track}}" && kind = server }' },
      { name: "tempo-errors", kind: "ratio", source: "tempo", threshold: 0.01, errorsQuery: '{ resource.service.name = "{{service}}" && span.track = "{{track}}" && status = error }', totalQuery: '{ resource.service.name = "{{service}}" && span.track = "{{track}}" }' },
      { name: "jaeger-latency", kind: "continuous", source: "jaeger", threshold: 1, tags: { track: "{{track}}" } },
      { name: "jaeger-errors", kind: "ratio", source: "jaeger", threshold: 0.01, tags: { track: "{{track}}" } }
    ]
  })
)
const tempo = await FakeTempo.start()
const jaeger = await FakeJaeger.start()
tempo.add(spans)
jaeger.add(spans)
console.log(`source-traces bench: ${spans.length.toLocaleString("en")} spans in one ${windowSeconds}s window (1,000 requests/s, canary 10 %)`)

const run = async (name: string, track: "baseline" | "candidate", layer: Layer.Layer<MetricSource.MetricSource>, fake: FakeTempo | FakeJaeger) => {
  fake.reset()
  const t0 = performance.now()
  const m = await Effect.runPromise(
    Effect.gen(function* () {
      const source = yield* MetricSource.MetricSource
      return yield* source.observe({ spec, metric: spec.metrics.find((x) => x.name === name)!, track, window: { start, end: start + windowSeconds * 1000 } })
    }).pipe(Effect.provide(layer))
  )
  const ms = performance.now() - t0
  const sample = m.sample?._tag === "Values" ? `${m.sample.values.length.toLocaleString("en")} values` : m.sample?._tag === "Counts" ? `${m.sample.errors}/${m.sample.total}` : "none"
  console.log(`  ${`${name} ${track}`.padEnd(28)} ${ms.toFixed(0).padStart(6)} ms  ${String(fake.received.length).padStart(3)} requests  ${sample}${m.warnings.length > 0 ? `  (${m.warnings.length} warnings)` : ""}`)
}
try {
  for (const searchLimit of [1000, 100_000]) {
    console.log(`\nTempo, searchLimit ${searchLimit.toLocaleString("en")}`)
    const layer = TempoSource.layer({ url: tempo.url, searchLimit, timeout: Duration.seconds(60) })
    for (const track of ["baseline", "candidate"] as const) {
      await run("tempo-latency", track, layer, tempo)
      await run("tempo-errors", track, layer, tempo)
    }
  }
  for (const limit of [500, 1500, 100_000]) {
    console.log(`\nJaeger, limit ${limit.toLocaleString("en")}`)
    const layer = JaegerSource.layer({ url: jaeger.url, limit, timeout: Duration.seconds(60) })
    for (const track of ["baseline", "candidate"] as const) {
      await run("jaeger-latency", track, layer, jaeger)
      await run("jaeger-errors", track, layer, jaeger)
    }
  }
} finally {
  await Promise.all([tempo.close(), jaeger.close()])
}
