import { MetricSource } from "@rollwise/rollout-engine"
import { MetricSourceContract } from "@rollwise/rollout-engine/testing"
import { canaryHistory, type RunningPrometheus, type Series, startPrometheus } from "@rollwise/prometheus-harness"
import { Analysis } from "@rollwise/rollout-engine"
import { SloSpec } from "@rollwise/slo-policy"
import { Duration, Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { createServer, request as httpRequest, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PrometheusSource } from "../src/index.ts"

/**
 * Against a real Prometheus (Debian's package, started by the shared harness
 * on 127.0.0.1 with backfilled history): the MetricSource contract, and whole
 * analyses of healthy, slow, failing and missing canaries.
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
      ...history("nocanary", undefined)
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
    Analysis.analyzeTrailing(analysisSpec(service), scenario.start + 10 * 120_000, 10).pipe(
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
      Analysis.analyzeTrailing(analysisSpec("healthy"), scenario.start + 120_000, 1).pipe(
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
        Analysis.analyzeTrailing({ ...analysisSpec("healthy"), warmupWindows: 0 }, scenario.start + 3 * 120_000, 3).pipe(Effect.provide(killing))
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

  it("escaped label values reach Prometheus intact", async () => {
    const tricky = 'we"ird\\job\nname'
    const source = await Effect.runPromise(
      Effect.gen(function* () {
        const s = yield* MetricSource.MetricSource
        return yield* s.observe({
          spec: specFor(tricky, { metrics: [{ name: "echo", kind: "counter", threshold: 1, query: 'count(label_replace(vector(1), "echo", "{{service}}", "", ""))' }] }),
          metric: { name: "echo", kind: "counter", direction: "lower", threshold: 1, tolerance: 0.1, critical: false, weight: 1, failAfter: 2, query: 'sum(label_replace(vector(1), "echo", "{{service}}", "", "")) by (echo)' },
          track: "candidate",
          window: { start: scenario.start, end: scenario.start + 120_000 }
        })
      }).pipe(Effect.provide(PrometheusSource.layer({ url: prometheus.url })))
    )
    expect(source.sample).toEqual({ _tag: "Values", values: [1] })
    expect(source.query).toContain('we\\"ird\\\\job\\nname')
  })
})
