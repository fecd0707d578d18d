import { Duration, Effect, Exit, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { PrometheusClient } from "../src/index.ts"

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
      series: [{ labels: { job: "a" }, values: [1.5] }, { labels: {}, values: [Number.NaN] }, { labels: {}, values: [Number.POSITIVE_INFINITY] }],
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
})
