import { MetricSource } from "@rollwise/rollout-engine"
import { SloSpec } from "@rollwise/slo-policy"
import { Effect, Exit } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { SourceLoki } from "../src/index.ts"
import { errors, type FakeLoki, generateLogs, goDuration, scenarios, signaturesMetric, startFakeLoki } from "../src/testing.ts"

const t0 = Date.UTC(2026, 10, 4, 10, 0, 0)
const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`

describe("FakeLoki answers like Loki's HTTP API (fake Loki, from its HTTP API docs)", () => {
  let fake: FakeLoki
  beforeAll(async () => {
    fake = await startFakeLoki({ multiTenant: true })
    fake.load([
      { tenant: "a", labels: { app: "api", level: "info" }, entries: [[t0 + 1, "one"], [t0 + 2, "two"], [t0 + 3, "three"], [t0 + 3, "three"]] },
      { tenant: "b", labels: { app: "api", level: "info" }, entries: [[t0 + 1, "other tenant"]] }
    ])
  })
  afterAll(() => fake.close())
  const get = async (path: string, params: Record<string, string>, tenant: string | null = "a", method: "GET" | "POST" = "GET") => {
    const qs = new URLSearchParams(params).toString()
    const headers: Record<string, string> = tenant === null ? {} : { "X-Scope-OrgID": tenant }
    const response =
      method === "GET"
        ? await fetch(`${fake.url}${path}?${qs}`, { headers })
        : await fetch(`${fake.url}${path}`, { method: "POST", headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded" }, body: qs })
    return { status: response.status, type: response.headers.get("content-type"), text: await response.text() }
  }
  const range = { start: ns(t0), end: ns(t0 + 60_000) }

  it("streams: [ns string, line] values, backward by default (newest first), forward on request, exact duplicates kept once", async () => {
    const back = await get("/loki/api/v1/query_range", { query: '{app="api"}', ...range })
    expect(back.status).toBe(200)
    const body = JSON.parse(back.text) as { status: string; data: { resultType: string; result: Array<{ stream: object; values: Array<[string, string]> }> } }
    expect(body.status).toBe("success")
    expect(body.data.resultType).toBe("streams")
    expect(body.data.result[0]!.stream).toEqual({ app: "api", level: "info" })
    expect(body.data.result[0]!.values).toEqual([
      [ns(t0 + 3), "three"],
      [ns(t0 + 2), "two"],
      [ns(t0 + 1), "one"]
    ])
    const forward = JSON.parse((await get("/loki/api/v1/query_range", { query: '{app="api"}', ...range, direction: "forward", limit: "2" })).text) as typeof body
    expect(forward.data.result[0]!.values.map((v) => v[1])).toEqual(["one", "two"])
  })

  it("the tenant header selects the tenant's streams; without it a multi-tenant Loki answers 401 no org id", async () => {
    const other = JSON.parse((await get("/loki/api/v1/query_range", { query: '{app="api"}', ...range }, "b")).text) as { data: { result: Array<{ values: Array<[string, string]> }> } }
    expect(other.data.result.flatMap((r) => r.values.map((v) => v[1]))).toEqual(["other tenant"])
    expect(await get("/loki/api/v1/query_range", { query: '{app="api"}', ...range }, null)).toMatchObject({ status: 401, text: "no org id\n" })
  })

  it("refuses a limit above max_entries_limit_per_query with Loki's 400 and words", async () => {
    const r = await get("/loki/api/v1/query_range", { query: '{app="api"}', ...range, limit: "5001" })
    expect(r).toEqual({ status: 400, type: "text/plain; charset=utf-8", text: `${errors.maxEntries(5001, 5000)}\n` })
    expect(r.text).toBe("max entries limit per query exceeded, limit > max_entries_limit_per_query (5001 > 5000)\n")
  })

  it("refuses ranges longer than max_query_length, end before start, too many points, and instant log queries", async () => {
    const long = await get("/loki/api/v1/query_range", { query: '{app="api"}', start: ns(t0), end: ns(t0 + 744 * 3_600_000) })
    expect(long).toMatchObject({ status: 400, text: "the query time range exceeds the limit (query length: 744h0m0s, limit: 721h0m0s)\n" })
    expect(await get("/loki/api/v1/query_range", { query: '{app="api"}', start: ns(t0 + 1000), end: ns(t0) })).toMatchObject({ status: 400, text: `${errors.endBeforeStart}\n` })
    expect(await get("/loki/api/v1/query_range", { query: 'sum(rate({app="api"}[1m]))', start: ns(t0), end: ns(t0 + 86_400_000), step: "1s" })).toMatchObject({
      status: 400,
      text: `${errors.stepTooSmall}\n`
    })
    expect(await get("/loki/api/v1/query", { query: '{app="api"}', time: ns(t0) })).toMatchObject({ status: 400, text: `${errors.instantLogQuery}\n` })
    expect(goDuration(90_500)).toBe("1m30.5s")
  })

  it("metric queries: a matrix at start, start+step, … end, and a vector; POST forms too; RFC 3339 and second times", async () => {
    const m = JSON.parse((await get("/loki/api/v1/query_range", { query: 'sum(count_over_time({app="api"}[1m]))', start: ns(t0), end: ns(t0 + 20_000), step: "10s" })).text) as {
      data: { resultType: string; result: Array<{ metric: object; values: Array<[number, string]> }> }
    }
    expect(m.data.resultType).toBe("matrix")
    // no line in (t0 − 1m, t0]: no point at t0 (Loki leaves empty steps out), not a zero
    expect(m.data.result[0]!.values).toEqual([
      [t0 / 1000 + 10, "3"],
      [t0 / 1000 + 20, "3"]
    ])
    const v = JSON.parse((await get("/loki/api/v1/query", { query: 'sum(count_over_time({app="api"}[1m]))', time: new Date(t0 + 30_000).toISOString() }, "a", "POST")).text) as {
      data: { resultType: string; result: Array<{ value: [number, string] }> }
    }
    expect(v.data.resultType).toBe("vector")
    expect(v.data.result[0]!.value).toEqual([t0 / 1000 + 30, "3"])
    const seconds = JSON.parse((await get("/loki/api/v1/query", { query: 'sum(count_over_time({app="api"}[1m]))', time: String(t0 / 1000 + 30) })).text) as typeof v
    expect(seconds.data.result[0]!.value).toEqual([t0 / 1000 + 30, "3"])
  })

  it("unknown paths are 404 page not found; injected failures are served as given, then the answers return", async () => {
    expect(await get("/loki/api/v1/nope", {})).toMatchObject({ status: 404, text: "404 page not found\n" })
    fake.inject({ status: 503, body: "upstream connect error", times: 2 })
    expect((await get("/loki/api/v1/query", { query: 'sum(count_over_time({app="api"}[1m]))', time: ns(t0) })).status).toBe(503)
    expect((await get("/loki/api/v1/query", { query: 'sum(count_over_time({app="api"}[1m]))', time: ns(t0) })).status).toBe(503)
    expect((await get("/loki/api/v1/query", { query: 'sum(count_over_time({app="api"}[1m]))', time: ns(t0) })).status).toBe(200)
  })
})

describe("generateLogs (seeded canary logs)", () => {
  const options = { seed: 42, start: t0, windows: 3, windowSeconds: 60, requestsPerSecond: 200, canaryShare: 0.1, newErrorShare: 0.005, candidateWarningShare: 0.06 } as const

  it("is deterministic: the same options give the same logs; another seed gives others", () => {
    expect(generateLogs(options)).toEqual(generateLogs(options))
    expect(generateLogs({ ...options, seed: 43 }).streams).not.toEqual(generateLogs(options).streams)
  })

  it("splits traffic unevenly (≈10 % canary), puts the new exception on the candidate only and the known warning on both", () => {
    const g = generateLogs(options)
    const requests = g.baseline.requests + g.candidate.requests
    expect(requests).toBeGreaterThan(200 * 180 * 0.9)
    expect(requests).toBeLessThan(200 * 180 * 1.1)
    expect(g.candidate.requests / requests).toBeGreaterThan(0.08)
    expect(g.candidate.requests / requests).toBeLessThan(0.12)
    expect(g.baseline.newErrors).toBe(0)
    expect(g.candidate.newErrors).toBeGreaterThan(5)
    expect(g.candidate.newErrors).toBeLessThan(40)
    expect(g.baseline.warnings).toBeGreaterThan(0)
    expect(g.candidate.warnings / g.candidate.requests).toBeGreaterThan(g.baseline.warnings / g.baseline.requests)
    const lines = (track: string) => g.streams.filter((s) => s.labels.track === track).flatMap((s) => s.entries.map(([, l]) => l))
    expect(lines("stable").some((l) => l.includes("ShippingStateError"))).toBe(false)
    const news = lines("canary").filter((l) => l.includes("ShippingStateError"))
    expect(news).toHaveLength(g.candidate.newErrors)
    // the new exception's message varies in ids
    expect(new Set(news).size).toBe(news.length)
    for (const s of g.streams) {
      for (const [ts] of s.entries) {
        expect(typeof ts === "bigint" && ts >= BigInt(t0) * 1_000_000n && ts < BigInt(t0 + 180_000) * 1_000_000n + 2n).toBe(true)
      }
    }
  })

  it("feeds the new-error scenario: the candidate's error lines hold the new exception, the baseline's do not (fake Loki, from its HTTP API docs)", async () => {
    const fake = await startFakeLoki()
    try {
      fake.load(generateLogs({ ...options, requestsPerSecond: 100 }).streams)
      const spec = Effect.runSync(
        SloSpec.decode({
          apiVersion: "rollwise/v1",
          kind: "SloSpec",
          service: "checkout",
          window: "1m",
          metrics: [
            {
              name: "new-errors",
              kind: "signatures",
              source: "loki",
              threshold: 0,
              query: '{service="{{service}}", track="{{track}}"} |~ "level=(error|warn)"',
              totalQuery: 'sum(count_over_time({service="{{service}}", track="{{track}}"} |= "duration_ms=" [{{window}}]))'
            }
          ]
        })
      )
      const observe = (track: "baseline" | "candidate") =>
        Effect.runPromiseExit(
          Effect.gen(function* () {
            const source = yield* MetricSource.MetricSource
            return yield* source.observe({ spec, metric: spec.metrics[0]!, track, window: { start: t0 + 60_000, end: t0 + 120_000 } })
          }).pipe(Effect.provide(SourceLoki.layer({ url: fake.url, retries: 0 })))
        )
      const b = await observe("baseline")
      const c = await observe("candidate")
      if (Exit.isFailure(b) || Exit.isFailure(c)) throw new Error("observe failed")
      const lines = (m: MetricSource.Measurement) => (m.sample?._tag === "Lines" ? m.sample.lines : [])
      expect(lines(b.value).some((l) => l.includes("slow downstream call"))).toBe(true)
      expect(lines(b.value).some((l) => l.includes("ShippingStateError"))).toBe(false)
      expect(lines(c.value).some((l) => l.includes("ShippingStateError"))).toBe(true)
      expect(c.value.sample?._tag === "Lines" && c.value.sample.total).toBeGreaterThan(400)
    } finally {
      await fake.close()
    }
  })
})

describe("scenarios (generateLogs presets for the canary scenarios)", () => {
  const perWindow = (options: ReturnType<typeof scenarios.newError>) => {
    const g = generateLogs(options)
    const counts = Array.from({ length: options.windows }, () => ({ news: 0 }))
    for (const s of g.streams) {
      for (const [ts, line] of s.entries) {
        const w = Math.floor((Number(BigInt(ts) / 1_000_000n) - options.start) / (options.windowSeconds * 1000))
        const c = counts[Math.min(w, options.windows - 1)]!
        if (line.includes("ShippingStateError")) c.news++
      }
    }
    return counts
  }

  it("newError puts the new exception in every window of the candidate; noisyWarning and healthy never", () => {
    for (const w of perWindow(scenarios.newError(t0))) expect(w.news).toBeGreaterThan(0)
    for (const w of perWindow(scenarios.noisyWarning(t0))) expect(w.news).toBe(0)
    for (const w of perWindow(scenarios.healthy(t0))) expect(w.news).toBe(0)
    const noisy = generateLogs(scenarios.noisyWarning(t0))
    expect(noisy.candidate.warnings / noisy.candidate.requests).toBeGreaterThan(2 * (noisy.baseline.warnings / noisy.baseline.requests))
  })

  it("signaturesMetric is a valid loki signatures metric of slo.yaml", () => {
    const spec = Effect.runSync(SloSpec.decode({ apiVersion: "rollwise/v1", kind: "SloSpec", service: "checkout", window: "2m", metrics: [signaturesMetric] }))
    expect(spec.metrics[0]).toMatchObject({ kind: "signatures", source: "loki", critical: true })
    expect(Exit.isSuccess(Effect.runSyncExit(SourceLoki.checkSpec(spec)))).toBe(true)
  })
})
