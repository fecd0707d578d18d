import { fc, test } from "@fast-check/vitest"
import { Duration, Effect, Exit, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { readFileSync } from "node:fs"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { PrometheusClient } from "../src/index.ts"

/** A body Prometheus 2.42 sent, recorded in test/fixtures (see its README). */
const recorded = (name: string): string => readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8")

/**
 * A fake Prometheus HTTP API that answers from Prometheus's documented
 * response envelope ({"status", "data": {"resultType", "result"}, "errorType",
 * "error", "warnings"}), including the answers a real server gives on bad
 * queries and overload, plus the garbage and silence a proxy can produce.
 */
let server: Server
let url = ""
let hits = 0
let lastAuth: string | undefined
let handler: (req: IncomingMessage, res: ServerResponse, body: string) => void = () => undefined
const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(typeof body === "string" ? body : JSON.stringify(body))
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ""
    req.on("data", (c) => (body += c))
    req.on("end", () => {
      hits++
      lastAuth = req.headers.authorization
      handler(req, res, body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))
beforeEach(() => {
  hits = 0
})

const run = <A>(f: (c: Effect.Success<ReturnType<typeof PrometheusClient.make>>) => Effect.Effect<A, unknown>, options: Partial<PrometheusClient.Options> = {}) =>
  Effect.runPromiseExit(
    PrometheusClient.make({ url, timeout: Duration.millis(300), retries: 2, ...options }).pipe(Effect.flatMap(f), Effect.provide(FetchHttpClient.layer))
  )
const errorOf = (exit: Exit.Exit<unknown, unknown>) => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  return (exit.cause.reasons[0] as { error: { reason: string; message: string } }).error
}

describe("PrometheusClient (against a fake that follows the Prometheus HTTP API)", () => {
  it("decodes a vector with NaN and +Inf values and surfaces warnings", async () => {
    handler = (_req, res, body) => {
      expect(new URLSearchParams(body).get("query")).toBe("up")
      send(res, 200, {
        status: "success",
        warnings: ["partial response"],
        data: { resultType: "vector", result: [{ metric: { job: "a" }, value: [1, "1.5"] }, { metric: {}, value: [1, "NaN"] }, { metric: {}, value: [1, "+Inf"] }] }
      })
    }
    const exit = await run((c) => c.query("up", 1_000))
    expect(Exit.isSuccess(exit) && exit.value).toEqual({
      series: [
        { labels: { job: "a" }, values: [1.5], histograms: [] },
        { labels: {}, values: [Number.NaN], histograms: [] },
        { labels: {}, values: [Number.POSITIVE_INFINITY], histograms: [] }
      ],
      warnings: ["partial response"]
    })
  })

  it("decodes a matrix from a range query with its step", async () => {
    handler = (_req, res, body) => {
      expect(new URLSearchParams(body).get("step")).toBe("10s")
      send(res, 200, { status: "success", data: { resultType: "matrix", result: [{ metric: {}, values: [[1, "0.1"], [11, "0.2"]] }] } })
    }
    const exit = await run((c) => c.queryRange("x", 0, 20_000, 10))
    expect(Exit.isSuccess(exit) && exit.value.series[0]!.values).toEqual([0.1, 0.2])
  })

  it("a bad query (400 bad_data) fails at once as BadQuery, without retrying", async () => {
    handler = (_req, res) => send(res, 400, { status: "error", errorType: "bad_data", error: 'parse error: unexpected "}"' })
    const error = errorOf(await run((c) => c.query("up{", 0)))
    expect(error.reason).toBe("BadQuery")
    expect(error.message).toContain("bad_data: parse error")
    expect(hits).toBe(1)
  })

  it("an overloaded server (503) is retried, then Unreachable", async () => {
    handler = (_req, res) => send(res, 503, { status: "error", errorType: "unavailable", error: "too many queries" })
    const error = errorOf(await run((c) => c.query("up", 0)))
    expect(error.reason).toBe("Unreachable")
    expect(hits).toBe(3)
  })

  it("garbage is BadResponse; silence is Timeout; a closed port is Unreachable", async () => {
    handler = (_req, res) => send(res, 200, "<html>proxy error</html>")
    expect(errorOf(await run((c) => c.query("up", 0))).reason).toBe("BadResponse")
    handler = (_req, res) => send(res, 200, { status: "success", data: { resultType: "strange", result: 1 } })
    expect(errorOf(await run((c) => c.query("up", 0))).reason).toBe("BadResponse")
    handler = (_req, res) => setTimeout(() => send(res, 200, { status: "success", data: { resultType: "vector", result: [] } }), 1_000)
    const slow = errorOf(await run((c) => c.query("up", 0), { retries: 0 }))
    expect(slow.reason).toBe("Timeout")
    expect(errorOf(await run((c) => c.query("up", 0), { url: "http://127.0.0.1:1", retries: 0 })).reason).toBe("Unreachable")
  })

  it("sends credentials without putting them in errors", async () => {
    handler = (_req, res) => send(res, 401, { status: "error", errorType: "unauthorized", error: "bad token" })
    const error = errorOf(await run((c) => c.query("up", 0), { bearerToken: Redacted.make("s3cr3t-token"), retries: 0 }))
    expect(lastAuth).toBe("Bearer s3cr3t-token")
    expect(JSON.stringify(error)).not.toContain("s3cr3t")
    expect(String(error.message)).not.toContain("s3cr3t")
    handler = (_req, res) => send(res, 200, { status: "success", data: { resultType: "vector", result: [] } })
    await run((c) => c.query("up", 0), { basicAuth: { username: "ops", password: Redacted.make("pw") } })
    expect(lastAuth).toBe(`Basic ${Buffer.from("ops:pw").toString("base64")}`)
  })

  it("redacts credentials a proxy echoes back (its 401 body holds the request headers), in the error and its detail", async () => {
    const dump = (req: IncomingMessage) => `map[Accept:[application/json] Authorization:[${req.headers.authorization}] Content-Type:[application/x-www-form-urlencoded]]`
    handler = (req, res) => send(res, 401, { status: "error", errorType: "unauthorized", error: `no access for ${dump(req)}` })
    const bearer = errorOf(await run((c) => c.query("up", 0), { bearerToken: Redacted.make("eyJhbGciOiJIUzI1NiJ9.s3cr3t"), retries: 0 }))
    expect(bearer.message).toContain("Authorization:[Bearer ***]")
    expect(JSON.stringify(bearer)).not.toContain("s3cr3t")
    // a Basic header echoed as plain text, and the decoded password in prose
    handler = (req, res) => send(res, 502, { status: "error", errorType: "proxy", error: `upstream refused ${req.headers.authorization} (user ops, password hunter2-pw)` })
    const basic = errorOf(await run((c) => c.query("up", 0), { basicAuth: { username: "ops", password: Redacted.make("hunter2-pw") }, retries: 0 }))
    expect(basic.message).not.toContain(Buffer.from("ops:hunter2-pw").toString("base64"))
    expect(basic.message).not.toContain("hunter2-pw")
  })

  it("never shows credentials written into the URL: not when unreachable, not in a garbage answer, not in warnings", async () => {
    const withUserinfo = url.replace("http://", "http://alice:pa55word@")
    const closed = errorOf(await run((c) => c.query("up", 0), { url: "http://alice:pa55word@127.0.0.1:1", retries: 0 }))
    expect(closed.reason).toBe("Unreachable")
    expect(closed.message).toContain("cannot reach http://127.0.0.1:1")
    expect(closed.message).not.toContain("pa55word")
    handler = (_req, res) => send(res, 200, { status: "success", warnings: ["forwarded with token=pa55word-token"], data: { resultType: "vector", result: [] } })
    const ok = await run((c) => c.query("up", 0), { url: withUserinfo })
    expect(Exit.isSuccess(ok) && ok.value.warnings).toEqual(["forwarded with token=***"])
    expect(lastAuth).toBe(`Basic ${Buffer.from("alice:pa55word").toString("base64")}`)
    handler = (_req, res) => send(res, 503, "<html>gateway for alice:pa55word failed</html>")
    const garbage = errorOf(await run((c) => c.query("up", 0), { url: withUserinfo, retries: 0 }))
    expect(garbage.message).not.toContain("pa55word")
  })

  it("decodes a vector of native histograms (`histogram`), recorded from Prometheus 2.42", async () => {
    handler = (_req, res) => send(res, 200, recorded("prometheus-2.42-query-histogram.json"))
    const exit = await run((c) => c.query("sum by (track) (increase(http_request_duration_seconds[1m]))", 0))
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause))
    const [canary, stable] = exit.value.series
    expect(canary!.labels).toEqual({ track: "canary" })
    expect(canary!.values).toEqual([])
    expect(canary!.histograms).toHaveLength(1)
    expect(canary!.histograms[0]!.count).toBe(25)
    expect(canary!.histograms[0]!.sum).toBeCloseTo(5.068550922939107, 12)
    expect(canary!.histograms[0]!.buckets[0]).toEqual({ lower: 0.1051120519067143, upper: 0.11462550540058389, lowerInclusive: false, upperInclusive: true, count: 1 })
    expect(canary!.histograms[0]!.buckets.reduce((a, b) => a + b.count, 0)).toBe(25)
    expect(stable!.histograms[0]!.count).toBe(32)
  })

  it("decodes a matrix of native histograms (`histograms`), recorded from Prometheus 2.42", async () => {
    handler = (_req, res) => send(res, 200, recorded("prometheus-2.42-query_range-histograms.json"))
    const exit = await run((c) => c.queryRange("x", 0, 20_000, 10))
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause))
    expect(exit.value.series.map((s) => [s.labels["track"], s.values.length, s.histograms.map((h) => h.count)])).toEqual([
      ["canary", 0, [8, 6, 3]],
      ["stable", 0, [9, 8, 2]]
    ])
  })

  it("decodes negative (rule 1), zero (rule 3) and positive (rule 0) buckets and an empty histogram, recorded from Prometheus 2.42", async () => {
    handler = (_req, res) => send(res, 200, recorded("prometheus-2.42-query_range-signed-histograms.json"))
    const exit = await run((c) => c.queryRange("signed_values", 0, 5_000, 5))
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause))
    const [empty, signed] = exit.value.series[0]!.histograms
    expect(empty).toEqual({ count: 0, sum: 0, buckets: [] })
    expect(signed).toEqual({
      count: 8,
      sum: -3.5,
      buckets: [
        { lower: -8, upper: -4, lowerInclusive: true, upperInclusive: false, count: 1 },
        { lower: -2, upper: -1, lowerInclusive: true, upperInclusive: false, count: 2 },
        { lower: -0.001, upper: 0.001, lowerInclusive: true, upperInclusive: true, count: 4 },
        { lower: 1, upper: 2, lowerInclusive: false, upperInclusive: true, count: 1 }
      ]
    })
  })

  it("decodes a series with both `values` and `histograms` (what 2.42's marshalSeriesJSON writes for a series that changed kind)", async () => {
    handler = (_req, res) =>
      send(res, 200, {
        status: "success",
        data: { resultType: "matrix", result: [{ metric: { job: "a" }, values: [[10, "1"]], histograms: [[20, { count: "2", sum: "3", buckets: [[0, "1", "2", "2"]] }]] }] }
      })
    const exit = await run((c) => c.queryRange("x", 0, 20_000, 10))
    expect(Exit.isSuccess(exit) && exit.value.series).toEqual([
      { labels: { job: "a" }, values: [1], histograms: [{ count: 2, sum: 3, buckets: [{ lower: 1, upper: 2, lowerInclusive: false, upperInclusive: true, count: 2 }] }] }
    ])
  })

  it.each([
    ["a boundary rule outside 0–3", { metric: {}, histogram: [1, { count: "1", sum: "1", buckets: [[7, "1", "2", "1"]] }] }, "data.result[0].histogram[1].buckets[0][0]: expected 0 | 1 | 2 | 3"],
    ["a bucket count that is not a number", { metric: {}, histogram: [1, { count: "1", sum: "1", buckets: [[0, "1", "2", "lots"]] }] }, 'data.result[0].histogram[1].buckets[0][3]: expected a number in a string ("1.5", "NaN", "+Inf")'],
    ["a bucket of three elements", { metric: {}, histogram: [1, { count: "1", sum: "1", buckets: [[0, "1", "2"]] }] }, "data.result[0].histogram[1].buckets[0][3]: required field is missing"],
    ["a histogram without its count", { metric: {}, histogram: [1, { sum: "1" }] }, "data.result[0].histogram[1].count: required field is missing"],
    ["an element with neither value nor histogram", { metric: {} }, 'data.result[0]: expected one of "value" and "histogram", got neither'],
    ["an element with both", { metric: {}, value: [1, "1"], histogram: [1, { count: "1", sum: "1" }] }, 'data.result[0]: expected one of "value" and "histogram", got both'],
    ["a value that is not a number", { metric: {}, value: [1, "abc"] }, "data.result[0].value[1]: expected a number in a string"]
  ])("refuses %s as BadResponse, naming where", async (_, element, detail) => {
    handler = (_req, res) => send(res, 200, { status: "success", data: { resultType: "vector", result: [element] } })
    const error = errorOf(await run((c) => c.query("x", 0)))
    expect(error.reason).toBe("BadResponse")
    expect(error.message).toContain(`BadResponse: HTTP 200: not a Prometheus API answer (${detail}`)
    expect(error.message).not.toContain("\n")
  })

  it("splits a range of more than 11,000 steps into consecutive queries Prometheus accepts, every point once", async () => {
    // the fake refuses as web/api/v1/api.go does and answers a point per step whose value is its time
    const asked: Array<{ start: number; end: number }> = []
    handler = (_req, res, body) => {
      const params = new URLSearchParams(body)
      const start = Number(params.get("start"))
      const end = Number(params.get("end"))
      const step = Number(params.get("step")!.replace(/s$/, ""))
      asked.push({ start, end })
      if (Math.floor((end - start) / step) > 11_000) {
        send(res, 400, { status: "error", errorType: "bad_data", error: "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)" })
        return
      }
      const times = Array.from({ length: Math.floor((end - start) / step) + 1 }, (_, i) => start + i * step)
      const later = times.filter((t) => t >= 20_000)
      send(res, 200, {
        status: "success",
        data: {
          resultType: "matrix",
          result: [
            ...(later.length > 0 ? [{ metric: { s: "late" }, values: later.map((t) => [t, String(-t)]) }] : []),
            { metric: { s: "all" }, values: times.map((t) => [t, String(t)]) }
          ]
        }
      })
    }
    const exit = await run((c) => c.queryRange("x", 2_000, 25_001_000, 1))
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause))
    expect(asked).toEqual([
      { start: 2, end: 11_001 },
      { start: 11_002, end: 22_001 },
      { start: 22_002, end: 25_001 }
    ])
    const all = exit.value.series.find((s) => s.labels["s"] === "all")!
    expect(all.values).toEqual(Array.from({ length: 25_000 }, (_, i) => 2 + i))
    // "late" starts inside the second query: joined with the third, after "all", which came first
    expect(exit.value.series.map((s) => s.labels["s"])).toEqual(["all", "late"])
    expect(exit.value.series[1]!.values).toEqual(Array.from({ length: 5_002 }, (_, i) => -(20_000 + i)))
  })
})

describe("PrometheusClient.subRanges", () => {
  test.prop([fc.integer({ min: 0, max: 10 ** 9 }), fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 1, max: 3_600 }), fc.integer({ min: 20, max: 12_000 })])(
    "every point start + k·step ≤ end falls in exactly one sub-range, each at most maxPoints points",
    (start, span, stepSeconds, maxPoints) => {
      const stepMs = stepSeconds * 1000
      const end = start + span * 1000
      const ranges = PrometheusClient.subRanges(start, end, stepMs, maxPoints)
      const points = Math.floor((end - start) / stepMs) + 1
      let next = start
      for (const r of ranges) {
        expect(r.start).toBe(next)
        expect(r.end).toBeGreaterThanOrEqual(r.start)
        expect((r.end - r.start) % stepMs).toBe(0)
        expect((r.end - r.start) / stepMs + 1).toBeLessThanOrEqual(maxPoints)
        next = r.end + stepMs
      }
      expect((next - start) / stepMs).toBe(points)
      expect(ranges.at(-1)!.end).toBeLessThanOrEqual(end)
      expect(ranges).toHaveLength(Math.ceil(points / maxPoints))
    }
  )

  it("is empty when the end is before the start", () => {
    expect(PrometheusClient.subRanges(10_000, 9_999, 1_000)).toEqual([])
  })
})
