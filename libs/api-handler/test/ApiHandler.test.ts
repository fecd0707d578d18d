import { MetricSource } from "@rollwise/rollout-engine"
import { Effect, Layer, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Api, Flagger } from "@rollwise/api-contract"
import { ApiHandler } from "../src/index.ts"
import { scenarioSource } from "../src/testing.ts"
import { byName, json, makeHandler } from "./helpers.ts"

const changes = json<Record<string, unknown>>("changes.json")
const token = "s3cret-token-for-tests"
const authorize = (candidate: Redacted.Redacted<string> | undefined) => candidate !== undefined && Redacted.value(candidate) === token
const auth = { authorization: `Bearer ${token}` }

describe("ApiHandler", () => {
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
    // the service a decision was about is a label; a rollout id never is
    expect(text).toContain('rollwise_decisions_total{kind="risk",action="canary",service="checkout"} 2')
    expect(text).toContain('rollwise_decisions_total{kind="argo",action="rollback",service="regressing"} 1')
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
    expect(ApiHandler.bearerToken(undefined)).toBeUndefined()
    expect(ApiHandler.bearerToken("Basic abc")).toBeUndefined()
    expect(ApiHandler.bearerToken("Bearer")).toBeUndefined()
    expect(Redacted.value(ApiHandler.bearerToken("bearer  abc.def ")!)).toBe("abc.def")
  })

  it("names route templates and nothing else", () => {
    expect(ApiHandler.routeOf("POST", "/v1/risk")).toBe("/v1/risk")
    expect(ApiHandler.routeOf("GET", "/v1/argo/evidence/x1")).toBe("/v1/argo/evidence/:id")
    expect(ApiHandler.routeOf("HEAD", "/healthz")).toBe("/healthz")
    expect(ApiHandler.routeOf("GET", "/v1/risk")).toBe("unmatched")
    expect(ApiHandler.routeOf("GET", "/v1/argo/evidence/")).toBe("unmatched")
  })
})

describe("the integration token (ROLLWISE_HOOK_TOKEN): header or /hooks/<token>/ path, integration routes only", () => {
  const operator = "operator-token-for-tests"
  const hook = "hook-token-for-tests-4f1c"
  const same = (expected: string) => (candidate: Redacted.Redacted<string> | undefined) => candidate !== undefined && Redacted.value(candidate) === expected
  const flaggerPayload = { name: "healthy-checkout", namespace: "shop", phase: "Progressing", checksum: "abc", metadata: { slo: "checkout" } }
  const argoBody = { service: "healthy-checkout", namespace: "shop", canaryHash: "a1", stableHash: "b2", slo: "checkout" }
  let h: Awaited<ReturnType<typeof makeHandler>>
  beforeAll(async () => {
    h = await makeHandler({ authorize: same(operator), authorizeHook: same(hook) })
  })
  afterAll(() => h.close())

  const call = (method: string, path: string, headers: Record<string, string> = {}) =>
    h.fetch(path.replace(":id", "x"), { method, headers: { "content-type": "application/json", ...headers }, ...(method === "POST" ? { body: "{}" } : {}) })

  it("opens exactly the integration routes to the hook token as a bearer, and answers 403 Forbidden on every other protected route", async () => {
    for (const { method, path } of Api.routes.filter((r) => !Api.publicPaths.has(r.path))) {
      const r = await call(method, path, { authorization: `Bearer ${hook}` })
      if (Api.isIntegrationRoute(method, path)) expect([200, 400], `${method} ${path}`).toContain(r.status)
      else {
        expect(r.status, `${method} ${path}`).toBe(403)
        expect(await r.json()).toMatchObject({ _tag: "Forbidden" })
      }
    }
    expect(Api.integrationRoutes.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1/argo/metric",
      ...Flagger.hooks.map((hookName) => `POST /v1/flagger/${hookName}`),
      "POST /judge",
      "GET /v1/flags/:key",
      "GET /metrics"
    ])
  })

  it("opens the same routes under /hooks/<token>/, strips the prefix before routing, and refuses every other route there", async () => {
    for (const { method, path } of Api.routes) {
      const r = await call(method, `/hooks/${hook}${path}`)
      if (Api.isIntegrationRoute(method, path)) expect([200, 400], `${method} ${path}`).toContain(r.status)
      else expect(r.status, `${method} ${path}`).toBe(403)
      expect(await r.text()).not.toContain(hook)
    }
    const viaPath = await h.post(`/hooks/${hook}/v1/flagger/confirm-traffic-increase`, flaggerPayload)
    const viaHeader = await h.post("/v1/flagger/confirm-traffic-increase", flaggerPayload, { authorization: `Bearer ${operator}` })
    expect(viaPath.status).toBe(200)
    const { evidenceUrl: _a, ...pathAnswer } = (await viaPath.json()) as Record<string, unknown>
    const { evidenceUrl: _b, ...headerAnswer } = (await viaHeader.json()) as Record<string, unknown>
    expect(pathAnswer).toEqual(headerAnswer)
    const argo = await h.post(`/hooks/${hook}/v1/argo/metric?x=1`, argoBody)
    expect(argo.status).toBe(200)
    expect(await argo.json()).toMatchObject({ decision: "promote" })
    expect((await h.fetch(`/hooks/${hook}/metrics`)).status).toBe(200)
  })

  it("answers 401 for a wrong token in the path (the operator token included) and never echoes it", async () => {
    for (const wrong of ["nope", operator, `${hook}x`, hook.slice(0, -1), ""]) {
      const r = await h.fetch(`/hooks/${wrong}/metrics`)
      expect(r.status, wrong).toBe(401)
      const text = await r.text()
      expect(JSON.parse(text)).toMatchObject({ _tag: "Unauthorized" })
      if (wrong !== "") expect(text).not.toContain(wrong)
    }
    expect((await h.fetch(`/hooks/${hook}`)).status).toBe(403)
  })

  it("keeps the operator token valid everywhere, and the probes public", async () => {
    expect((await h.fetch("/metrics", { headers: { authorization: `Bearer ${operator}` } })).status).toBe(200)
    expect((await h.post("/v1/risk", { changes }, { authorization: `Bearer ${operator}` })).status).toBe(200)
    expect((await h.fetch("/healthz")).status).toBe(200)
    expect((await h.fetch("/readyz")).status).toBe(200)
    expect((await h.fetch("/metrics")).status).toBe(401)
  })

  it("answers 404 under /hooks/ when the server has no integration token, whatever the credentials", async () => {
    const plain = await makeHandler({ authorize: same(operator) })
    for (const headers of [{}, { authorization: `Bearer ${operator}` }]) {
      const r = await plain.fetch(`/hooks/${hook}/metrics`, { headers })
      expect(r.status).toBe(404)
      const text = await r.text()
      expect(JSON.parse(text)).toMatchObject({ _tag: "NotFound" })
      expect(text).not.toContain(hook)
    }
    // and the integration routes take the operator token as before
    expect((await plain.fetch("/metrics", { headers: { authorization: `Bearer ${operator}` } })).status).toBe(200)
    expect((await plain.fetch("/metrics", { headers: { authorization: `Bearer ${hook}` } })).status).toBe(401)
    await plain.close()
  })

  it("splits and masks the path token", () => {
    expect(ApiHandler.splitHookPath("/hooks/abc/v1/flagger/rollout?x=1")).toEqual({ token: "abc", url: "/v1/flagger/rollout?x=1" })
    expect(ApiHandler.splitHookPath("/hooks/abc")).toEqual({ token: "abc", url: "/" })
    expect(ApiHandler.splitHookPath("/hooks/abc?q")).toEqual({ token: "abc", url: "/?q" })
    expect(ApiHandler.splitHookPath("/v1/hooks/abc/metrics")).toBeUndefined()
    expect(ApiHandler.maskedUrl("/hooks/abc/metrics")).toBe("/hooks/***/metrics")
    expect(ApiHandler.maskedUrl("/metrics")).toBe("/metrics")
  })
})

describe("the metric source's health in /metrics (not in readiness)", () => {
  const failing = (reason: MetricSource.MetricSourceError["reason"]) =>
    Layer.succeed(MetricSource.MetricSource, MetricSource.MetricSource.of({ observe: () => Effect.fail(new MetricSource.MetricSourceError({ reason, detail: "HTTP 401 from http://prometheus:9090" })) }))
  const argo = (service: string) => ({ service, namespace: "shop", canaryHash: "a1", stableHash: "b2", slo: "checkout" })

  it("counts failed queries by reason and sets the last-query gauge to 0, while /readyz stays 200 and the metric answers slow", async () => {
    const h = await makeHandler({}, failing("Unreachable"))
    const answer = await h.post("/v1/argo/metric", argo("healthy-checkout"))
    expect(answer.status).toBe(200)
    expect(await answer.json()).toMatchObject({ decision: "slow" })
    expect((await h.fetch("/readyz")).status).toBe(200)
    const text = await (await h.fetch("/metrics")).text()
    await h.close()
    expect(text).toMatch(/^rollwise_metric_source_queries_total\{result="error",reason="Unreachable"\} [1-9]\d*$/m)
    expect(text).toMatch(/^rollwise_metric_source_last_query_success 0$/m)
    expect(text).not.toContain('result="ok"')
  })

  it("counts answered queries as ok or nodata and sets the gauge to 1", async () => {
    const h = await makeHandler()
    await h.post("/v1/argo/metric", argo("healthy-checkout"))
    await h.post("/v1/argo/metric", argo("silent-checkout"))
    const text = await (await h.fetch("/metrics")).text()
    await h.close()
    expect(text).toMatch(/^rollwise_metric_source_queries_total\{result="ok"\} [1-9]\d*$/m)
    expect(text).toMatch(/^rollwise_metric_source_queries_total\{result="nodata"\} [1-9]\d*$/m)
    expect(text).toMatch(/^rollwise_metric_source_last_query_success 1$/m)
  })
})
