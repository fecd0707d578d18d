import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Api, ApiServer } from "../src/index.ts"
import { scenarioSource } from "../src/testing.ts"
import { byName, json, makeHandler } from "./helpers.ts"

const changes = json<Record<string, unknown>>("changes.json")
const token = "s3cret-token-for-tests"
const authorize = (candidate: Redacted.Redacted<string> | undefined) => candidate !== undefined && Redacted.value(candidate) === token
const auth = { authorization: `Bearer ${token}` }

describe("ApiServer", () => {
  let h: Awaited<ReturnType<typeof makeHandler>>
  beforeAll(async () => {
    h = await makeHandler({ authorize, bodyLimitBytes: 4096 })
  })
  afterAll(() => h.close())

  it("asks for the token on every route but the probes, and on unknown routes too", async () => {
    for (const { method, path } of Api.routes) {
      const url = path.replace(":id", "x")
      const r = await h.fetch(url, { method, headers: { "content-type": "application/json" }, ...(method === "POST" ? { body: "{}" } : {}) })
      if (Api.publicPaths.has(path)) expect(r.status, path).toBe(200)
      else {
        expect(r.status, path).toBe(401)
        expect(r.headers.get("www-authenticate")).toBe('Bearer realm="rollwise"')
        expect(await r.json()).toMatchObject({ _tag: "Unauthorized" })
      }
    }
    expect((await h.fetch("/nowhere")).status).toBe(401)
    expect((await h.fetch("/metrics", { headers: { authorization: "Bearer wrong" } })).status).toBe(401)
    expect((await h.fetch("/metrics", { headers: { authorization: `Basic ${token}` } })).status).toBe(401)
    expect((await h.fetch("/metrics", { headers: auth })).status).toBe(200)
  })

  it("answers JSON 404 for unknown routes and methods", async () => {
    for (const [method, path] of [["GET", "/v2/risk"], ["GET", "/v1/risk"], ["DELETE", "/healthz"], ["POST", "/healthz/"]] as const) {
      const r = await h.fetch(path, { method, headers: auth })
      expect(r.status, `${method} ${path}`).toBe(404)
      expect(r.headers.get("content-type")).toContain("application/json")
      expect(await r.json()).toMatchObject({ _tag: "NotFound" })
    }
  })

  it("refuses a body over the limit (413) and a body nested absurdly deep (400)", async () => {
    const big = await h.post("/v1/risk", { changes, pad: "x".repeat(5000) }, auth)
    expect(big.status).toBe(413)
    expect(await big.json()).toEqual({ _tag: "PayloadTooLarge", message: "the body exceeds this server's limit of 4096 bytes", limitBytes: 4096 })
    const deep = await h.post("/v1/risk", `{"changes":${"[".repeat(100)}${"]".repeat(100)}}`, auth)
    expect(deep.status).toBe(400)
    expect(((await deep.json()) as { message: string }).message).toBe("the body nests deeper than 64 levels")
  })

  it("answers 415 in JSON for a body that is not declared JSON", async () => {
    const r = await h.fetch("/v1/risk", { method: "POST", headers: { ...auth, "content-type": "text/plain" }, body: JSON.stringify({ changes }) })
    expect(r.status).toBe(415)
    expect(await r.json()).toMatchObject({ _tag: "UnsupportedMediaType" })
  })

  it("counts requests by route template and status, and decisions by kind and action", async () => {
    const fresh = await makeHandler()
    await fresh.post("/v1/risk", { changes })
    await fresh.post("/v1/risk", { changes })
    await fresh.post("/v1/risk", { nope: 1 })
    await fresh.post("/v1/argo/metric", { service: "regressing", namespace: "shop", canaryHash: "a1", stableHash: "b2", slo: "checkout" })
    await fresh.fetch("/v1/argo/evidence/abc")
    await fresh.fetch("/secret/path?token=xyz")
    const text = await (await fresh.fetch("/metrics")).text()
    await fresh.close()
    expect(text).toContain('rollwise_http_requests_total{route="/v1/risk",method="POST",status="200"} 2')
    expect(text).toContain('rollwise_http_requests_total{route="/v1/risk",method="POST",status="400"} 1')
    expect(text).toContain('rollwise_http_requests_total{route="/v1/argo/evidence/:id",method="GET",status="404"} 1')
    expect(text).toContain('rollwise_http_requests_total{route="unmatched",method="GET",status="404"} 1')
    expect(text).toContain('rollwise_decisions_total{kind="risk",action="canary"} 2')
    expect(text).toContain('rollwise_decisions_total{kind="argo",action="rollback"} 1')
    expect(text).toMatch(/rollwise_http_request_duration_seconds_bucket\{route="\/v1\/risk",method="POST",le="\+Inf"\} 3/)
    expect(text).not.toContain("secret")
  })

  it("serves an OpenAPI document with every route, bearer security and the request schemas", async () => {
    const doc = (await (await h.fetch("/openapi.json", { headers: auth })).json()) as {
      paths: Record<string, Record<string, { security?: unknown }>>
      components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> }
    }
    for (const { method, path } of Api.routes.filter((r) => r.path !== Api.openapiPath)) {
      const openapiPath = path.replace(/:(\w+)/g, "{$1}")
      expect(doc.paths[openapiPath]?.[method.toLowerCase()], `${method} ${path}`).toBeDefined()
    }
    expect(doc.paths["/v1/risk"]!["post"]!.security).toEqual([{ bearer: [] }])
    expect(doc.paths["/healthz"]!["get"]!.security ?? []).toEqual([])
    expect(doc.components.securitySchemes["bearer"]).toMatchObject({ type: "http", scheme: "Bearer" })
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(["RiskRequest", "AnalysisRequest", "GateRequest", "ArgoMetricRequest", "ArgoMetricResponse"]))
  })

  it("answers 503 with the reasons when a dependency is not ready, and still 200 to /healthz", async () => {
    const unready = await makeHandler({ readiness: Effect.succeed(["prometheus at http://p:9090 is unreachable"]) })
    const r = await unready.fetch("/readyz")
    expect(r.status).toBe(503)
    expect(await r.json()).toEqual({ _tag: "Unavailable", message: "not ready", reasons: ["prometheus at http://p:9090 is unreachable"] })
    expect((await unready.fetch("/healthz")).status).toBe(200)
    await unready.close()
  })

  it("answers 503 when a request outlives the timeout", async () => {
    const slow = await makeHandler({ requestTimeout: "50 millis" }, scenarioSource(byName, { delay: "2 seconds" }))
    const started = Date.now()
    const r = await slow.post("/v1/argo/metric", { service: "healthy", namespace: "shop", canaryHash: "a1", stableHash: "b2", slo: "checkout" })
    expect(r.status).toBe(503)
    expect(await r.json()).toMatchObject({ _tag: "Unavailable" })
    expect(Date.now() - started).toBeLessThan(1500)
    await slow.close()
  })
})

describe("helpers", () => {
  it("reads only bearer tokens", () => {
    expect(ApiServer.bearerToken(undefined)).toBeUndefined()
    expect(ApiServer.bearerToken("Basic abc")).toBeUndefined()
    expect(ApiServer.bearerToken("Bearer")).toBeUndefined()
    expect(Redacted.value(ApiServer.bearerToken("bearer  abc.def ")!)).toBe("abc.def")
  })

  it("names route templates and nothing else", () => {
    expect(ApiServer.routeOf("POST", "/v1/risk")).toBe("/v1/risk")
    expect(ApiServer.routeOf("GET", "/v1/argo/evidence/x1")).toBe("/v1/argo/evidence/:id")
    expect(ApiServer.routeOf("HEAD", "/healthz")).toBe("/healthz")
    expect(ApiServer.routeOf("GET", "/v1/risk")).toBe("unmatched")
    expect(ApiServer.routeOf("GET", "/v1/argo/evidence/")).toBe("unmatched")
  })
})
