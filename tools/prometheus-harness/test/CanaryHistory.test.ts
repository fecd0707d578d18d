import { describe, expect, it } from "vitest"
import {
  canaryHistory,
  DEFAULT_BUCKETS,
  histogramQuantileOf,
  latencyQuantile,
  type Series,
  type TrackProfile
} from "../src/index.ts"

const start = 1_700_000_000
const end = start + 1800
const healthy: TrackProfile = { rps: 20, errorRate: 0.01, latency: { medianSeconds: 0.08 } }

const find = (series: ReadonlyArray<Series>, name: string, labels: Record<string, string>): Series => {
  const found = series.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)
  )
  if (found === undefined) throw new Error(`no ${name} ${JSON.stringify(labels)}`)
  return found
}
const last = (s: Series): number => s.samples[s.samples.length - 1]!.v

describe("canaryHistory", () => {
  it("is deterministic for a seed, differs across seeds, and one track never shifts another", () => {
    const a = canaryHistory({ job: "x", start, end, tracks: { stable: healthy, canary: healthy }, seed: 7 })
    const b = canaryHistory({ job: "x", start, end, tracks: { stable: healthy, canary: healthy }, seed: 7 })
    const c = canaryHistory({ job: "x", start, end, tracks: { stable: healthy, canary: healthy }, seed: 8 })
    const stableOnly = canaryHistory({ job: "x", start, end, tracks: { stable: healthy }, seed: 7 })
    expect(b).toEqual(a)
    expect(c).not.toEqual(a)
    expect(stableOnly).toEqual(a.filter((s) => s.labels["track"] === "stable"))
    // the same profile on two tracks is two different samples of it, not a copy
    expect(last(find(a, "http_requests_total", { track: "canary", status: "200" }))).not.toBe(
      last(find(a, "http_requests_total", { track: "stable", status: "200" }))
    )
  })

  it("writes the counters and the histogram every track needs, all consistent", () => {
    const series = canaryHistory({ job: "checkout", start, end, stepSeconds: 10, tracks: { stable: healthy } })
    expect(series.map((s) => `${s.name}${s.labels["le"] ?? ""}${s.labels["status"] ?? ""}`)).toEqual([
      "http_requests_total200",
      "http_requests_total500",
      ...DEFAULT_BUCKETS.map((b) => `http_request_duration_seconds_bucket${b}`),
      "http_request_duration_seconds_bucket+Inf",
      "http_request_duration_seconds_count",
      "http_request_duration_seconds_sum"
    ])
    for (const s of series) {
      expect(s.labels["job"]).toBe("checkout")
      expect(s.samples.map((p) => p.t)).toEqual(Array.from({ length: 181 }, (_, i) => start + 10 * i))
      expect(s.samples[0]!.v).toBe(0)
      s.samples.forEach((p, i) => i > 0 && expect(p.v).toBeGreaterThanOrEqual(s.samples[i - 1]!.v))
    }
    const ok = find(series, "http_requests_total", { status: "200" })
    const failed = find(series, "http_requests_total", { status: "500" })
    const count = find(series, "http_request_duration_seconds_count", {})
    const buckets = series.filter((s) => s.name.endsWith("_bucket"))
    count.samples.forEach((p, i) => {
      expect(p.v).toBe(ok.samples[i]!.v + failed.samples[i]!.v)
      buckets.forEach((b, k) => k > 0 && expect(b.samples[i]!.v).toBeGreaterThanOrEqual(buckets[k - 1]!.samples[i]!.v))
      expect(buckets[buckets.length - 1]!.samples[i]!.v).toBe(p.v)
    })
    // Poisson traffic around 20 rps for 1800 s, 1 % errors, mean latency 0.08·e^(0.3²/2)
    const total = last(count)
    expect(Math.abs(total - 36_000)).toBeLessThan(5 * Math.sqrt(36_000))
    expect(last(failed) / total).toBeCloseTo(0.01, 2)
    expect(last(find(series, "http_request_duration_seconds_sum", {})) / total).toBeCloseTo(0.08 * Math.exp(0.045), 2)
  })

  it("follows the profile exactly without noise", () => {
    const series = canaryHistory({ job: "x", start, end, noise: false, tracks: { canary: { ...healthy, rps: 3.3 } } })
    const total = last(find(series, "http_request_duration_seconds_count", {}))
    expect(total).toBe(Math.round(3.3 * 1800))
    expect(last(find(series, "http_requests_total", { status: "500" }))).toBe(Math.round(0.01 * total))
    const at = (le: string) => last(find(series, "http_request_duration_seconds_bucket", { le }))
    // the median (0.08 s) sits in (0.05, 0.1]
    expect(at("0.05") / total).toBeLessThan(0.5)
    expect(at("0.1") / total).toBeGreaterThan(0.5)
  })

  it("leaves a track out entirely when it is not given (nodata)", () => {
    const series = canaryHistory({ job: "x", start, end, tracks: { stable: healthy } })
    expect(series.some((s) => s.labels["track"] === "canary")).toBe(false)
  })

  it("rejects impossible profiles", () => {
    expect(() => canaryHistory({ job: "x", start: end, end: start, tracks: {} })).toThrow(/start <= end/)
    expect(() => canaryHistory({ job: "x", start, end, tracks: { c: { ...healthy, errorRate: 2 } } })).toThrow(/errorRate/)
    expect(() =>
      canaryHistory({ job: "x", start, end, tracks: { c: { ...healthy, latency: { medianSeconds: 0 } } } })
    ).toThrow(/medianSeconds/)
  })
})

describe("latency quantiles", () => {
  it("latencyQuantile is the log-normal quantile, moved up by a slow share", () => {
    expect(latencyQuantile({ medianSeconds: 0.2 }, 0.5)).toBeCloseTo(0.2, 9)
    expect(latencyQuantile({ medianSeconds: 0.2, sigma: 0.25 }, 0.95)).toBeCloseTo(0.2 * Math.exp(1.644854 * 0.25), 5)
    // 20 % of requests 5× slower: the p95 is the slow part's 75th percentile
    expect(latencyQuantile({ medianSeconds: 0.1, slowFraction: 0.2, slowFactor: 5 }, 0.95)).toBeCloseTo(
      0.5 * Math.exp(0.67449 * 0.3),
      2
    )
  })

  it("histogramQuantileOf is Prometheus' bucket interpolation: coarse buckets overshoot, fine ones agree", () => {
    const latency = { medianSeconds: 0.08 }
    const truth = latencyQuantile(latency, 0.95)
    const coarse = histogramQuantileOf(latency, 0.95)
    expect(truth).toBeGreaterThan(0.1)
    expect(coarse).toBeGreaterThan(truth) // inside (0.1, 0.25], interpolated linearly
    expect(coarse).toBeLessThan(0.25)
    const fine = Array.from({ length: 200 }, (_, i) => (i + 1) * 0.0025)
    expect(histogramQuantileOf(latency, 0.95, fine)).toBeCloseTo(truth, 3)
    // past the last finite bound Prometheus answers that bound
    expect(histogramQuantileOf({ medianSeconds: 50 }, 0.95)).toBe(10)
  })
})
