import { MetricSource } from "@rollwise/rollout-engine"
import { MetricSourceContract } from "@rollwise/rollout-engine/testing"
import {
  bucketBounds,
  bucketIndex,
  canaryHistory,
  nativeHistogramFlags,
  nativeLatencyHistory,
  type NativeLatencySeries,
  remoteWrite,
  type RunningPrometheus,
  type Series,
  startPrometheus
} from "@rollwise/prometheus-harness"
import { LiveAnalysis } from "@rollwise/rollout-engine"
import { SloSpec } from "@rollwise/slo-policy"
import { Duration, Effect, Exit, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { createServer, request as httpRequest, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PrometheusSource } from "../src/index.ts"

/**
 * Against a real Prometheus (Debian's package, started by the shared harness
 * on 127.0.0.1 with backfilled history): the MetricSource contract, whole
 * analyses of healthy, slow, failing and missing canaries, a window past
 * Prometheus's 11,000-point limit, and native histograms (remote-written into
 * a second server: 2.42 cannot backfill them).
 */
const { scenario } = MetricSourceContract
const t0 = scenario.start / 1000
const history = (job: string, canary: { latency: number; errorRate: number; slowFraction?: number } | undefined): Array<Series> =>
  canaryHistory({
    job,
    start: t0 - 1800,
    end: t0 + 1800,
    stepSeconds: 10,
    seed: 7,
    tracks: {
      stable: { rps: 50, errorRate: 0.002, latency: { medianSeconds: 0.1, sigma: 0.2 } },
      ...(canary === undefined ? {} : { canary: { rps: 50, errorRate: canary.errorRate, latency: { medianSeconds: canary.latency, sigma: 0.2, ...(canary.slowFraction === undefined ? {} : { slowFraction: canary.slowFraction, slowFactor: 10 }) } } })
    }
  })
const restarts = (job: string, canaryRestarts: number): Array<Series> =>
  (["stable", "canary"] as const).map((track) => ({
    name: "app_restarts_total",
    type: "counter" as const,
    labels: { job, track },
    samples: Array.from({ length: 361 }, (_, i) => ({ t: t0 - 1800 + i * 10, v: track === "canary" ? Math.floor((i * canaryRestarts) / 12) : 0 }))
  }))

/**
 * A gauge whose value is its own time, every second over 4 hours (14,400
 * steps of 1 s, more than Prometheus's 11,000 per query): "a" all along,
 * "b" (negated) from 10,000 s in, so it starts in the first query and goes
 * on in the second.
 */
const probe = { start: t0 - 5 * 3600, end: t0 - 3600, bFrom: t0 - 5 * 3600 + 10_000 }
const probeSeries: Array<Series> = [
  { name: "window_probe", type: "gauge", labels: { series: "a" }, samples: Array.from({ length: probe.end - probe.start + 1 }, (_, i) => ({ t: probe.start + i, v: probe.start + i })) },
  { name: "window_probe", type: "gauge", labels: { series: "b" }, samples: Array.from({ length: probe.end - probe.bFrom + 1 }, (_, i) => ({ t: probe.bFrom + i, v: -(probe.bFrom + i) })) }
]

const specFor = (service: string, extra: Record<string, unknown> = {}) =>
  Effect.runSync(
    SloSpec.decode({
      apiVersion: "rollwise/v1",
      kind: "SloSpec",
      service,
      window: "2m",
      maxWindows: 10,
      promoteAfter: 3,
      warmupWindows: 0,
      step: "10s",
      metrics: [
        { name: "latency", kind: "continuous", threshold: 0.3, minSamples: 6, query: 'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{job="{{service}}",track="{{track}}"}[1m])) by (le))' },
        {
          name: "error-rate",
          kind: "ratio",
          threshold: 0.01,
          tolerance: 0.5,
          errorsQuery: 'sum(increase(http_requests_total{job="{{service}}",track="{{track}}",status=~"5.."}[{{window}}]))',
          totalQuery: 'sum(increase(http_requests_total{job="{{service}}",track="{{track}}"}[{{window}}]))'
        },
        { name: "restarts", kind: "counter", threshold: 0, critical: true, query: 'sum(increase(app_restarts_total{job="{{service}}",track="{{track}}"}[{{window}}]))' },
        { name: "absent", kind: "continuous", threshold: 1, query: 'sum(rate(no_such_metric_total{job="{{service}}",track="{{track}}"}[1m]))' }
      ],
      ...extra
    })
  )

let prometheus: RunningPrometheus
let slowProxy: Server
let slowUrl = ""

beforeAll(async () => {
  prometheus = await startPrometheus({
    series: [
      ...history(scenario.service, { latency: 0.2, errorRate: 0.01 }),
      ...restarts(scenario.service, 2),
      ...history("healthy", { latency: 0.1, errorRate: 0.002 }),
      ...restarts("healthy", 0),
      ...history("slow", { latency: 0.3, errorRate: 0.002 }),
      ...restarts("slow", 0),
      ...history("errors", { latency: 0.1, errorRate: 0.03 }),
      ...restarts("errors", 0),
      ...history("nocanary", undefined),
      ...probeSeries
    ]
  })
  // a proxy that holds every answer for 2 s: "Prometheus is slow"
  slowProxy = createServer((req, res) => {
    const upstream = httpRequest(`${prometheus.url}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
      setTimeout(() => {
        res.writeHead(r.statusCode ?? 502, r.headers)
        r.pipe(res)
      }, 2_000)
    })
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => slowProxy.listen(0, "127.0.0.1", resolve))
  slowUrl = `http://127.0.0.1:${(slowProxy.address() as AddressInfo).port}`
}, 60_000)

afterAll(async () => {
  slowProxy?.closeAllConnections()
  await new Promise<void>((resolve) => (slowProxy ? slowProxy.close(() => resolve()) : resolve()))
  await prometheus?.stop()
})

MetricSourceContract.suite("Prometheus adapter against a real Prometheus", () => PrometheusSource.layer({ url: prometheus.url, retries: 0 }), specFor(scenario.service))

/** The contract's spec without its "absent" metric (which, rightly, would hold every analysis forever). */
const analysisSpec = (service: string) => {
  const spec = specFor(service)
  return { ...spec, metrics: spec.metrics.filter((m) => m.name !== "absent") as unknown as typeof spec.metrics }
}

const analyze = (service: string, url: string, options: { timeoutMs?: number } = {}) =>
  Effect.runPromise(
    LiveAnalysis.analyzeTrailing(analysisSpec(service), scenario.start + 10 * 120_000, 10).pipe(
      Effect.provide(PrometheusSource.layer({ url, retries: 0, timeout: Duration.millis(options.timeoutMs ?? 5_000) }))
    )
  )

describe("live analysis against a real Prometheus", () => {
  it("a healthy canary promotes", async () => {
    const reports = await analyze("healthy", prometheus.url)
    expect(reports.at(-1)!.verdict.action).toBe("promote")
  })

  it("a latency regression rolls back, with the resolved query in the verdict", async () => {
    const last = (await analyze("slow", prometheus.url)).at(-1)!
    expect(last.verdict.action).toBe("rollback")
    const latency = last.verdict.metrics.find((m) => m.name === "latency")!
    expect(latency.status).toBe("fail")
    expect(latency.query).toContain('job="slow",track="canary"')
  })

  it("an error spike rolls back", async () => {
    const last = (await analyze("errors", prometheus.url)).at(-1)!
    expect(last.verdict.action).toBe("rollback")
    expect(last.verdict.metrics.find((m) => m.name === "error-rate")!.status).toBe("fail")
  })

  it("a missing canary series is nodata and holds, never promotes", async () => {
    const reports = await analyze("nocanary", prometheus.url)
    const last = reports.at(-1)!
    expect(last.verdict.action).toBe("slow")
    expect(last.verdict.metrics.find((m) => m.name === "latency")!.status).toBe("nodata")
  })

  it("a slow Prometheus hits the timeout: nodata with the reason, slow", async () => {
    const [first] = await Effect.runPromise(
      LiveAnalysis.analyzeTrailing(analysisSpec("healthy"), scenario.start + 120_000, 1).pipe(
        Effect.provide(PrometheusSource.layer({ url: slowUrl, retries: 0, timeout: Duration.millis(300) }))
      )
    )
    expect(first!.verdict.action).toBe("slow")
    expect(first!.measurements.some((m) => (m.measurement.reason ?? "").startsWith("Timeout"))).toBe(true)
  })

  it("Prometheus killed mid-analysis: the windows after it are nodata (slow) with the reason, no crash", async () => {
    const doomed = await startPrometheus({ series: [...history("healthy", { latency: 0.1, errorRate: 0.002 }), ...restarts("healthy", 0)] })
    try {
      let calls = 0
      const killing = Layer.effect(
        MetricSource.MetricSource,
        Effect.gen(function* () {
          const inner = yield* PrometheusSource.make({ url: doomed.url, retries: 0, timeout: Duration.seconds(2) })
          return MetricSource.MetricSource.of({
            observe: (request) =>
              Effect.suspend(() => {
                // after the first window's six queries, the server dies
                if (++calls === 7) doomed.kill("SIGKILL")
                return inner.observe(request)
              })
          })
        })
      ).pipe(Layer.provide(FetchHttpClient.layer))
      const reports = await Effect.runPromise(
        LiveAnalysis.analyzeTrailing({ ...analysisSpec("healthy"), warmupWindows: 0 }, scenario.start + 3 * 120_000, 3).pipe(Effect.provide(killing))
      )
      expect(reports).toHaveLength(3)
      expect(reports[0]!.verdict.metrics.every((m) => m.status !== "nodata")).toBe(true)
      const last = reports.at(-1)!
      expect(last.verdict.action).toBe("slow")
      expect(last.verdict.metrics.every((m) => m.status === "nodata")).toBe(true)
      expect(last.measurements.every((m) => (m.measurement.reason ?? "").startsWith("Unreachable"))).toBe(true)
    } finally {
      await doomed.stop()
    }
  })

  it("a window of 14,400 steps (over Prometheus's 11,000) is read in two queries, every point once", async () => {
    // the same range in one query is what Prometheus refuses
    const direct = await fetch(`${prometheus.url}/api/v1/query_range?${new URLSearchParams({ query: "window_probe", start: String(probe.start + 1), end: String(probe.end), step: "1s" })}`)
    expect(direct.status).toBe(400)
    expect(((await direct.json()) as { error: string }).error).toContain("exceeded maximum resolution of 11,000 points per timeseries")
    const spec = specFor("probe", { window: "4h", step: "1s", metrics: [{ name: "probe", kind: "continuous", threshold: 1, query: "window_probe" }] })
    expect(Effect.runSync(PrometheusSource.checkSpec(spec))).toBeUndefined()
    const measurement = await Effect.runPromise(
      Effect.gen(function* () {
        const source = yield* MetricSource.MetricSource
        return yield* source.observe({ spec, metric: spec.metrics[0]!, track: "candidate", window: { start: probe.start * 1000, end: probe.end * 1000 } })
      }).pipe(Effect.provide(PrometheusSource.layer({ url: prometheus.url, retries: 0 })))
    )
    const values = measurement.sample?._tag === "Values" ? measurement.sample.values : []
    // series "a": the points start + 1 s … end, each once, in order; then "b" from where it begins
    const a = Array.from({ length: 14_400 }, (_, i) => probe.start + 1 + i)
    const b = Array.from({ length: probe.end - probe.bFrom + 1 }, (_, i) => -(probe.bFrom + i))
    expect(values.length).toBe(a.length + b.length)
    expect(values).toEqual([...a, ...b])
  })

  it("escaped label values reach Prometheus intact", async () => {
    const tricky = 'we"ird\\job\nname'
    const source = await Effect.runPromise(
      Effect.gen(function* () {
        const s = yield* MetricSource.MetricSource
        return yield* s.observe({
          spec: specFor(tricky, { metrics: [{ name: "echo", kind: "counter", threshold: 1, query: 'count(label_replace(vector(1), "echo", "{{service}}", "", ""))' }] }),
          metric: { name: "echo", kind: "counter", source: "prometheus", direction: "lower", threshold: 1, tolerance: 0.1, critical: false, weight: 1, failAfter: 2, query: 'sum(label_replace(vector(1), "echo", "{{service}}", "", "")) by (echo)' },
          track: "candidate",
          window: { start: scenario.start, end: scenario.start + 120_000 }
        })
      }).pipe(Effect.provide(PrometheusSource.layer({ url: prometheus.url })))
    )
    expect(source.sample).toEqual({ _tag: "Values", values: [1] })
    expect(source.query).toContain('we\\"ird\\\\job\\nname')
  })
})

/** Request latency as native histograms: one sample every 5 s for 30 minutes ending on a 10 s boundary before now. */
describe("native histograms against a real Prometheus 2.42 (remote-written)", () => {
  let native: RunningPrometheus
  const end = Math.floor(Date.now() / 1000 / 10) * 10 - 10
  const start = end - 1800
  const latency = { medianSeconds: 0.1, sigma: 0.3 }
  const nativeHistory: Array<NativeLatencySeries> = [
    ...nativeLatencyHistory({ job: "native-healthy", start, end, stepSeconds: 5, seed: 11, tracks: { stable: { rps: 20, latency }, canary: { rps: 20, latency } } }),
    ...nativeLatencyHistory({ job: "native-slow", start, end, stepSeconds: 5, seed: 12, tracks: { stable: { rps: 20, latency }, canary: { rps: 20, latency: { ...latency, medianSeconds: 0.13 } } } }),
    ...nativeLatencyHistory({ job: "native-busy", start, end, stepSeconds: 5, seed: 13, tracks: { canary: { rps: 250, latency } } }),
    ...nativeLatencyHistory({ job: "native-idle", start, end, stepSeconds: 5, seed: 14, tracks: { canary: { rps: 0, latency } } })
  ]

  beforeAll(async () => {
    native = await startPrometheus({ extraFlags: nativeHistogramFlags })
    await remoteWrite(native.url, nativeHistory)
  }, 60_000)
  afterAll(() => native?.stop())

  const latencyQuery = 'sum(increase(http_request_duration_seconds{job="{{service}}",track="{{track}}"}[{{step}}]))'
  const nativeSpec = (service: string, metrics: ReadonlyArray<Record<string, unknown>> = [{ name: "latency", kind: "continuous", threshold: 0.3, minSamples: 50, query: latencyQuery }]) =>
    Effect.runSync(
      SloSpec.decode({ apiVersion: "rollwise/v1", kind: "SloSpec", service, window: "2m", step: "10s", maxWindows: 10, promoteAfter: 3, warmupWindows: 0, metrics })
    )
  const observe = (spec: SloSpec.Spec, window = { start: (end - 120) * 1000, end: end * 1000 }) =>
    Effect.runPromiseExit(
      Effect.gen(function* () {
        const source = yield* MetricSource.MetricSource
        return yield* source.observe({ spec, metric: spec.metrics[0]!, track: "candidate", window })
      }).pipe(Effect.provide(PrometheusSource.layer({ url: native.url, retries: 0 })))
    )
  const ok = <A>(exit: Exit.Exit<A, unknown>): A => {
    if (Exit.isFailure(exit)) throw new Error(`expected a success: ${String(exit.cause)}`)
    return exit.value
  }
  const failure = (exit: Exit.Exit<unknown, MetricSource.MetricSourceError>) => {
    if (Exit.isSuccess(exit)) throw new Error("expected a MetricSourceError")
    return (exit.cause.reasons[0] as { error: MetricSource.MetricSourceError }).error
  }
  /** What the window (end - 120 s, end] of a job's track observed, each request at its schema-3 bucket's geometric midpoint, ascending. */
  const expectedSamples = (job: string, track: string) =>
    nativeHistory
      .find((s) => s.labels["job"] === job && s.labels["track"] === track)!
      .observations.filter((o) => o.t > end - 120 && o.t <= end)
      .flatMap((o) => o.values)
      .map((v) => {
        const [lower, upper] = bucketBounds(bucketIndex(v, 3), 3)
        return Math.sqrt(lower * upper)
      })
      .sort((x, y) => x - y)

  it("every request of the window becomes one sample at its bucket's geometric midpoint", async () => {
    const measurement = ok(await observe(nativeSpec("native-slow")))
    expect(measurement.query).toBe('sum(increase(http_request_duration_seconds{job="native-slow",track="canary"}[10s]))')
    const values = measurement.sample?._tag === "Values" ? measurement.sample.values : []
    const expected = expectedSamples("native-slow", "canary")
    expect(expected.length).toBeGreaterThan(2_000)
    expect(values).toHaveLength(expected.length)
    expect(values.filter((v, i) => Math.abs(v - expected[i]!) > 1e-12 * expected[i]!)).toEqual([])
    expect(measurement.warnings).toEqual([])
  })

  it("a healthy canary promotes and a 30 % slower one rolls back on the request distribution", async () => {
    const run = (service: string) => Effect.runPromise(LiveAnalysis.analyzeTrailing(nativeSpec(service), end * 1000, 10).pipe(Effect.provide(PrometheusSource.layer({ url: native.url, retries: 0 }))))
    expect((await run("native-healthy")).at(-1)!.verdict.action).toBe("promote")
    const slow = (await run("native-slow")).at(-1)!
    expect(slow.verdict.action).toBe("rollback")
    const verdict = slow.verdict.metrics.find((m) => m.name === "latency")!
    expect(verdict.status).toBe("fail")
    expect(verdict.effect!).toBeGreaterThan(0.2)
  })

  it("more than 10,000 requests in a window are thinned to 10,000 samples, every bucket alike, and said", async () => {
    const measurement = ok(await observe(nativeSpec("native-busy")))
    const values = measurement.sample?._tag === "Values" ? measurement.sample.values : []
    const all = expectedSamples("native-busy", "canary")
    expect(all.length).toBeGreaterThan(25_000)
    expect(values).toHaveLength(10_000)
    expect(measurement.warnings).toEqual([`${all.length.toLocaleString("en-US")} observations in native histograms thinned to 10,000 samples, every bucket alike`])
    // the same shape: the median and the p99 land on the same buckets
    expect(values[5_000]).toBeCloseTo(all[Math.floor(all.length / 2)]!, 12)
    expect(values[9_900]).toBeCloseTo(all[Math.floor(all.length * 0.99)]!, 12)
  })

  it("a window without requests is no sample with the reason, never zeros", async () => {
    const measurement = ok(await observe(nativeSpec("native-idle")))
    expect(measurement).toMatchObject({ sample: undefined, reason: "the native histograms held no observations" })
  })

  it("a ratio whose totalQuery returns native histograms is a BadQuery saying what to return; wrapped in histogram_count it counts every request", async () => {
    const window = '[{{window}}]'
    const raw = `sum(increase(http_request_duration_seconds{job="{{service}}",track="{{track}}"}${window}))`
    const error = failure(await observe(nativeSpec("native-slow", [{ name: "slow-requests", kind: "ratio", threshold: 0.05, errorsQuery: `histogram_count(${raw}) * 0`, totalQuery: raw }])))
    expect(error.reason).toBe("BadQuery")
    expect(error.message).toBe(
      "BadQuery: metric slow-requests (ratio): totalQuery returned native histograms, but a ratio needs numbers; wrap it in histogram_count(…) for the number of observations"
    )
    expect(error.query).toBe('sum(increase(http_request_duration_seconds{job="native-slow",track="canary"}[2m]))')
    const counted = ok(
      await observe(
        nativeSpec("native-slow", [
          // requests over 250 ms as the errors: the share above 0.25 s times the count
          { name: "slow-requests", kind: "ratio", threshold: 0.05, errorsQuery: `histogram_count(${raw}) * (1 - histogram_fraction(0, 0.25, ${raw}))`, totalQuery: `histogram_count(${raw})` }
        ])
      )
    )
    const total = expectedSamples("native-slow", "canary").length
    expect(counted.sample).toEqual({ _tag: "Counts", errors: expect.any(Number), total })
    const errors = counted.sample?._tag === "Counts" ? counted.sample.errors : -1
    expect(errors).toBeGreaterThan(0)
    expect(errors).toBeLessThan(total * 0.1)
  })

  it("a counter whose query returns native histograms is a BadQuery saying what to return", async () => {
    const error = failure(await observe(nativeSpec("native-slow", [{ name: "requests", kind: "counter", threshold: 1, query: 'sum(increase(http_request_duration_seconds{job="{{service}}",track="{{track}}"}[{{window}}]))' }])))
    expect(error.reason).toBe("BadQuery")
    expect(error.message).toBe(
      "BadQuery: metric requests (counter): query returned native histograms, but a counter needs numbers; wrap it in histogram_count(…) for the number of observations or histogram_sum(…) for their sum"
    )
  })
})
