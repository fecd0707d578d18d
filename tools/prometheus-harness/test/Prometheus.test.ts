import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  canaryHistory,
  DEFAULT_BUCKETS,
  histogramQuantileOf,
  latencyQuantile,
  openMetrics,
  prometheusAvailable,
  promtool,
  startPrometheus,
  type RunningPrometheus,
  type Series,
  type TrackProfile
} from "../src/index.ts"

interface VectorSample {
  readonly metric: Record<string, string>
  readonly value: [number, string]
}
interface MatrixSeries {
  readonly metric: Record<string, string>
  readonly values: ReadonlyArray<[number, string]>
}
interface Result<R> {
  readonly resultType: string
  readonly result: R
}

const STEP = 15
// history ends on a step boundary before now: the server must never see the future
const end = Math.floor(Date.now() / 1000 / STEP) * STEP - STEP
const start = end - 3600

const stable: TrackProfile = { rps: 40, errorRate: 0.002, latency: { medianSeconds: 0.08 } }
const canary: TrackProfile = { ...stable, rps: 10 }
const slowCanary: TrackProfile = { ...canary, latency: { medianSeconds: 0.08, slowFraction: 0.2, slowFactor: 5 } }
const failingCanary: TrackProfile = { ...canary, errorRate: 0.05 }
const fineCanary: TrackProfile = { rps: 50, errorRate: 0, latency: { medianSeconds: 0.2, sigma: 0.25 } }
const FINE_BUCKETS = Array.from({ length: 40 }, (_, i) => Math.round((i + 1) * 25) / 1000)

const history: ReadonlyArray<Series> = [
  ...canaryHistory({ job: "healthy", start, end, tracks: { stable, canary } }),
  ...canaryHistory({ job: "latency", start, end, tracks: { stable, canary: slowCanary } }),
  ...canaryHistory({ job: "errors", start, end, tracks: { stable, canary: failingCanary } }),
  ...canaryHistory({ job: "missing", start, end, tracks: { stable } }),
  ...canaryHistory({ job: "fine", start, end, buckets: FINE_BUCKETS, tracks: { canary: fineCanary } })
]
const PROBE_LABEL = 'a "quoted" \\ back\nslash'
const probeText = openMetrics([
  { name: "harness_probe", type: "gauge", labels: { value: PROBE_LABEL }, samples: [{ t: end, v: NaN }] },
  { name: "harness_probe", type: "gauge", labels: { value: "inf" }, samples: [{ t: end, v: Infinity }] }
])

const sampleAt = (name: string, labels: Record<string, string>, t: number): number => {
  const series = history.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  const sample = series?.samples.find((p) => p.t === t)
  if (sample === undefined) throw new Error(`no sample ${name} ${JSON.stringify(labels)} at ${t}`)
  return sample.v
}

/** GET a Prometheus API path; asserts `status: success` and returns `data` */
const api = async <D,>(url: string, path: string, params: Record<string, string> = {}): Promise<D> => {
  const response = await fetch(`${url}${path}?${new URLSearchParams(params)}`)
  const body = (await response.json()) as { status: string; data: D }
  expect(body.status, JSON.stringify(body)).toBe("success")
  return body.data
}
const instant = (url: string, query: string, time = end) =>
  api<Result<Array<VectorSample>>>(url, "/api/v1/query", { query, time: String(time) })
const scalarOf = async (url: string, query: string): Promise<number> => {
  const data = await instant(url, query)
  expect(data.result, query).toHaveLength(1)
  return Number(data.result[0]!.value[1])
}

describe("the test harness against a real Prometheus", () => {
  let prometheus: RunningPrometheus

  beforeAll(async () => {
    expect(prometheusAvailable()).toBe(true)
    prometheus = await startPrometheus({ series: history, openMetricsText: probeText })
  })
  afterAll(async () => {
    await prometheus?.stop()
  })

  it("binds 127.0.0.1 and answers /-/ready against a real Prometheus", async () => {
    expect(prometheus.url).toBe(`http://127.0.0.1:${prometheus.port}`)
    expect(prometheus.running()).toBe(true)
    expect((await fetch(`${prometheus.url}/-/ready`)).status).toBe(200)
  })

  it("serves the backfilled counters and histogram against a real Prometheus", async () => {
    const requests = await instant(prometheus.url, 'http_requests_total{job="healthy"}')
    expect(requests.resultType).toBe("vector")
    expect(requests.result.map((r) => `${r.metric["track"]}/${r.metric["status"]}`).sort()).toEqual([
      "canary/200",
      "canary/500",
      "stable/200",
      "stable/500"
    ])
    for (const r of requests.result) {
      expect(Number(r.value[1])).toBe(
        sampleAt("http_requests_total", { job: "healthy", track: r.metric["track"]!, status: r.metric["status"]! }, end)
      )
    }

    const buckets = await instant(prometheus.url, 'http_request_duration_seconds_bucket{job="healthy",track="canary"}')
    expect(buckets.result.map((r) => r.metric["le"]).sort()).toEqual(
      [...DEFAULT_BUCKETS.map(String), "+Inf"].sort()
    )
    const count = await scalarOf(prometheus.url, 'http_request_duration_seconds_count{job="healthy",track="canary"}')
    expect(count).toBe(
      sampleAt("http_requests_total", { job: "healthy", track: "canary", status: "200" }, end) +
        sampleAt("http_requests_total", { job: "healthy", track: "canary", status: "500" }, end)
    )
    // mean latency of a log-normal: median · e^(σ²/2)
    const mean = await scalarOf(
      prometheus.url,
      'rate(http_request_duration_seconds_sum{job="healthy",track="stable"}[10m]) / rate(http_request_duration_seconds_count{job="healthy",track="stable"}[10m])'
    )
    expect(mean).toBeCloseTo(0.08 * Math.exp(0.045), 2)
  })

  it("histogram_quantile(0.95, …) over 2m is near the configured latency against a real Prometheus", async () => {
    const p95 = (job: string, track: string) =>
      scalarOf(
        prometheus.url,
        `histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{job="${job}",track="${track}"}[2m])) by (le))`
      )
    // default buckets: Prometheus interpolates inside (0.1, 0.25]; compare with the same interpolation of the profile
    for (const [job, track, profile] of [
      ["healthy", "stable", stable],
      ["healthy", "canary", canary],
      ["latency", "stable", stable],
      ["errors", "canary", failingCanary]
    ] as const) {
      const expected = histogramQuantileOf(profile.latency, 0.95)
      expect(Math.abs((await p95(job, track)) / expected - 1), `${job}/${track}`).toBeLessThan(0.05)
    }
    // a tail regression: 20 % of requests 5× slower moves the p95 from ~0.2 s to ~0.5 s
    const regressed = await p95("latency", "canary")
    expect(Math.abs(regressed / latencyQuantile(slowCanary.latency, 0.95) - 1)).toBeLessThan(0.05)
    expect(regressed).toBeGreaterThan(2 * (await p95("latency", "stable")))
    // fine buckets: the estimate meets the true quantile of the configured latency
    const fine = await p95("fine", "canary")
    expect(Math.abs(fine / latencyQuantile(fineCanary.latency, 0.95) - 1)).toBeLessThan(0.03)
  })

  it("increase(…[10m]) gives the request counts that were written against a real Prometheus", async () => {
    const increases = await instant(
      prometheus.url,
      'sum by (status) (increase(http_requests_total{job="errors",track="canary"}[10m]))'
    )
    const byStatus = Object.fromEntries(increases.result.map((r) => [r.metric["status"], Number(r.value[1])]))
    const written = (status: string) =>
      sampleAt("http_requests_total", { job: "errors", track: "canary", status }, end) -
      sampleAt("http_requests_total", { job: "errors", track: "canary", status }, end - 600)
    // samples sit exactly on both ends of the range: no extrapolation, the exact difference
    expect(byStatus["200"]).toBeCloseTo(written("200"), 6)
    expect(byStatus["500"]).toBeCloseTo(written("500"), 6)
    const total = byStatus["200"]! + byStatus["500"]!
    expect(Math.abs(total - 10 * 600)).toBeLessThan(5 * Math.sqrt(6000))
    expect(byStatus["500"]! / total).toBeGreaterThan(0.035)
    expect(byStatus["500"]! / total).toBeLessThan(0.065)
  })

  it("query_range returns one point per step against a real Prometheus", async () => {
    const data = await api<Result<Array<MatrixSeries>>>(prometheus.url, "/api/v1/query_range", {
      query: 'sum(rate(http_requests_total{job="healthy",track="stable"}[1m]))',
      start: String(end - 600),
      end: String(end),
      step: "60"
    })
    expect(data.resultType).toBe("matrix")
    expect(data.result).toHaveLength(1)
    const values = data.result[0]!.values
    expect(values.map(([t]) => t)).toEqual(Array.from({ length: 11 }, (_, i) => end - 600 + 60 * i))
    for (const [, v] of values) expect(Math.abs(Number(v) / stable.rps - 1)).toBeLessThan(0.2)
  })

  it("a track with no data returns an empty vector against a real Prometheus", async () => {
    const raw = await instant(prometheus.url, 'http_requests_total{job="missing",track="canary"}')
    expect(raw).toEqual({ resultType: "vector", result: [] })
    const quantile = await instant(
      prometheus.url,
      'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{job="missing",track="canary"}[2m])) by (le))'
    )
    expect(quantile).toEqual({ resultType: "vector", result: [] })
    // while the same job's stable track is there
    expect((await instant(prometheus.url, 'http_requests_total{job="missing",track="stable"}')).result).toHaveLength(2)
  })

  it("keeps escaped label values, NaN and +Inf intact against a real Prometheus", async () => {
    const probes = await instant(prometheus.url, "harness_probe")
    const byLabel = Object.fromEntries(probes.result.map((r) => [r.metric["value"], r.value[1]]))
    expect(byLabel).toEqual({ [PROBE_LABEL]: "NaN", inf: "+Inf" })
  })
})

describe("starting and stopping against a real Prometheus", () => {
  it("stop() ends the process by PID and removes the data dir against a real Prometheus", async () => {
    const prometheus = await startPrometheus()
    expect(existsSync(prometheus.dataDir)).toBe(true)
    expect(() => process.kill(prometheus.pid, 0)).not.toThrow()
    await prometheus.stop()
    expect(await prometheus.exited).toEqual({ code: 0, signal: null }) // SIGTERM: a clean shutdown
    expect(prometheus.running()).toBe(false)
    expect(() => process.kill(prometheus.pid, 0)).toThrow(/ESRCH/)
    expect(existsSync(prometheus.dataDir)).toBe(false)
    expect(existsSync(prometheus.configFile)).toBe(false)
    await expect(fetch(`${prometheus.url}/-/ready`)).rejects.toThrow()
    await prometheus.stop() // idempotent
  })

  it("kill() takes it down mid-test and stop() still cleans up against a real Prometheus", async () => {
    const prometheus = await startPrometheus()
    prometheus.kill()
    expect(await prometheus.exited).toEqual({ code: null, signal: "SIGKILL" })
    await expect(fetch(`${prometheus.url}/api/v1/query?query=up`)).rejects.toThrow()
    expect(() => prometheus.kill()).not.toThrow() // a dead process is never signalled again
    expect(existsSync(prometheus.dataDir)).toBe(true)
    await prometheus.stop()
    expect(existsSync(prometheus.dataDir)).toBe(false)
  })

  it("loads scrape configs and rule files against a real Prometheus", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rollwise-harness-rules-"))
    const rules = join(dir, "probe.rules.yml")
    writeFileSync(
      rules,
      ["groups:", "  - name: probe", "    rules:", "      - record: job:probe:sum", "        expr: sum by (job) (up)", ""].join("\n")
    )
    const prometheus = await startPrometheus({
      ruleFiles: [rules],
      scrapeConfigs: [{ job_name: "app", static_configs: [{ targets: ["127.0.0.1:9"] }] }]
    })
    try {
      expect(promtool(["check", "config", prometheus.configFile]).code).toBe(0)
      const config = await api<{ yaml: string }>(prometheus.url, "/api/v1/status/config")
      expect(config.yaml).toMatch(/job_name: app[\s\S]*127\.0\.0\.1:9/)
      const { groups } = await api<{ groups: Array<{ name: string; rules: Array<{ name: string }> }> }>(
        prometheus.url,
        "/api/v1/rules"
      )
      expect(groups.map((g) => [g.name, g.rules.map((r) => r.name)])).toEqual([["probe", ["job:probe:sum"]]])
    } finally {
      await prometheus.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("fails with Prometheus' own stderr when it cannot start (real Prometheus)", async () => {
    await expect(startPrometheus({ extraFlags: ["--no-such-flag"] })).rejects.toThrow(
      /exited before it was ready[\s\S]*no-such-flag/
    )
  })

  it("promtool() reports exit code and output", () => {
    const version = promtool(["--version"])
    expect(version.code).toBe(0)
    expect(version.stdout + version.stderr).toMatch(/promtool, version 2\./)
    const bad = promtool(["check", "rules", "/nonexistent/rules.yml"])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr + bad.stdout).toMatch(/nonexistent/)
  })
})
