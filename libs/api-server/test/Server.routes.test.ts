import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, writeFileSync } from "node:fs"
import { request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Api, type Analyses, type ArgoMetric } from "@rollwise/api-contract"
import { ChangeSet, type Decision, Heuristic, RiskPolicy } from "@rollwise/risk-core"
import { Analyzer, Observation, SloSpec, Gates as SloGates } from "@rollwise/slo-policy"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { auth, fixture, json, ndjson, type Running, startServer, token } from "./helpers.ts"

const changes = json<Record<string, unknown>>("changes.json")
const slo = json<Record<string, unknown>>("slo.json")
const policy = json<Record<string, unknown>>("policy.json")
const decision = json<Decision.Decision>("strategy.json")
const argo = (service: string) => ({ service, namespace: "shop", canaryHash: "7d9f8c6b5", stableHash: "5c4b3a291", slo: "checkout" })

/** Send a body in chunks without Content-Length (Transfer-Encoding: chunked). */
const postChunked = (url: string, path: string, chunks: ReadonlyArray<string>) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${url}${path}`, { method: "POST", headers: { ...auth, "content-type": "application/json" } }, (res) => {
      let body = ""
      res.on("data", (c: Buffer) => (body += c.toString()))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on("error", reject)
    for (const c of chunks) req.write(c)
    req.end()
  })

describe("http-api routes over HTTP on 127.0.0.1", () => {
  let server: Running
  beforeAll(async () => {
    server = await startServer({ bodyLimitBytes: 256 * 1024 })
  })
  afterAll(() => server.close())

  it("POST /v1/risk answers risk-core's Decision", async () => {
    const r = await server.post("/v1/risk", { changes, target: "arm" })
    expect(r.status).toBe(200)
    expect(r.headers.get("content-type")).toContain("application/json")
    const expected = Heuristic.decide(await Effect.runPromise(ChangeSet.decode(changes)), RiskPolicy.defaultPolicy, "arm")
    expect(await r.json()).toEqual(expected)
  })

  it("POST /v1/analyses answers slo-policy's verdicts for the recorded windows", async () => {
    const r = await server.post("/v1/analyses", { slo, observations: ndjson("observations-regression.ndjson") })
    expect(r.status).toBe(200)
    const spec = await Effect.runPromise(SloSpec.decode(slo))
    const [release] = await Effect.runPromise(Observation.parse(fixture("observations-regression.ndjson"), spec))
    const verdicts = Analyzer.run(spec, release!)
    const answer = (await r.json()) as Analyses.Response
    expect(answer.verdicts).toEqual(verdicts)
    expect(answer.verdict.action).toBe("rollback")
  })

  it("POST /v1/gates answers slo-policy's gates", async () => {
    const at = "2026-12-05T10:00:00Z"
    const r = await server.post("/v1/gates", { policy, decision, at })
    const p = await Effect.runPromise(SloGates.decodePolicy(policy))
    const expected = SloGates.combine(SloGates.evaluateLocal(p, { epochMs: Date.parse(at), riskScore: decision.risk_score, approved: false }))
    expect(await r.json()).toEqual({ ...expected, at: "2026-12-05T10:00:00.000Z" })
  })

  it.each([
    ["healthy-checkout", "promote"],
    ["slow-checkout", "slow"],
    ["regressing-checkout", "rollback"]
  ])("POST /v1/argo/metric answers 200 with %s → %s, and its evidence resolves", async (service, decision) => {
    const r = await server.post("/v1/argo/metric", argo(service))
    expect(r.status).toBe(200)
    const answer = (await r.json()) as ArgoMetric.Response
    expect(answer.decision).toBe(decision)
    expect(Object.keys(answer).sort()).toEqual(["decision", "evidenceUrl", "reasons", "score"])
    const evidence = await server.fetch(answer.evidenceUrl, { headers: auth })
    expect(evidence.status).toBe(200)
    expect(((await evidence.json()) as ArgoMetric.Evidence).decision).toBe(decision)
  })

  it("GET /healthz and /readyz answer without a token", async () => {
    expect(await (await server.fetch("/healthz")).json()).toEqual({ status: "ok" })
    expect(await (await server.fetch("/readyz")).json()).toEqual({ status: "ready", slos: ["checkout"] })
  })

  it("GET /openapi.json lists every route", async () => {
    const doc = (await (await server.fetch("/openapi.json", { headers: auth })).json()) as { paths: Record<string, Record<string, unknown>> }
    const listed = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    const expected = Api.routes.filter((r) => r.path !== Api.openapiPath).map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`)
    expect(listed.sort()).toEqual(expected.sort())
  })

  it("answers 401 without a token and with a wrong one, on every protected route", async () => {
    for (const { method, path } of Api.routes.filter((r) => !Api.publicPaths.has(r.path))) {
      for (const headers of [{}, { authorization: "Bearer not-the-token" }, { authorization: `Bearer ${token}x` }, { authorization: token }]) {
        const r = await server.fetch(path.replace(":id", "x"), { method, headers: { ...headers, "content-type": "application/json" }, ...(method === "POST" ? { body: "{}" } : {}) })
        expect(r.status, `${method} ${path}`).toBe(401)
        expect(((await r.json()) as { _tag: string })._tag).toBe("Unauthorized")
      }
    }
  })

  it("answers 404 in JSON for unknown routes", async () => {
    const r = await server.fetch("/v1/deployments/abc", { headers: auth })
    expect(r.status).toBe(404)
    expect(await r.json()).toEqual({ _tag: "NotFound", message: "no route GET /v1/deployments/abc" })
  })

  it("answers 400 naming the field on every POST route", async () => {
    const cases: ReadonlyArray<[string, unknown, string]> = [
      ["/v1/risk", { changes: { ...changes, filesChanged: "23" } }, "changes.filesChanged"],
      ["/v1/analyses", { slo: { ...slo, window: "2 fortnights" }, observations: [] }, "slo.window"],
      ["/v1/gates", { policy, decision: { ...decision, risk_score: 140 } }, "decision.risk_score"],
      ["/v1/argo/metric", { ...argo("x"), slo: "nope" }, "slo"]
    ]
    for (const [path, body, field] of cases) {
      const r = await server.post(path, body)
      expect(r.status, path).toBe(400)
      expect(await r.json(), path).toMatchObject({ _tag: "InputError", field })
    }
  })

  it("answers 413 for a body over the limit, declared or chunked", async () => {
    const big = JSON.stringify({ changes, pad: "x".repeat(300 * 1024) })
    const declared = await server.post("/v1/risk", big)
    expect(declared.status).toBe(413)
    expect(await declared.json()).toMatchObject({ _tag: "PayloadTooLarge", limitBytes: 256 * 1024 })
    const chunked = await postChunked(server.url, "/v1/risk", Array.from({ length: 40 }, (_, i) => (i === 0 ? '{"pad":"' : "y".repeat(8 * 1024))))
    expect(chunked.status).toBe(413)
    expect(JSON.parse(chunked.body)).toMatchObject({ _tag: "PayloadTooLarge" })
    // and the server still answers afterwards
    expect((await server.fetch("/healthz")).status).toBe(200)
  })

  it("logs one JSON line per request on its log, never the token or any header", async () => {
    await server.post("/v1/risk", { changes }, { authorization: `Bearer ${token}`, "x-secret": "hunter2" })
    await server.fetch("/v1/risk?token=leaky", { headers: { authorization: "Bearer wrong-guess" } })
    const records = server.lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(records[0]).toMatchObject({ level: "INFO", msg: "listening", auth: "operator token", slos: "checkout" })
    expect(records.filter((r) => r["msg"] === "request").length).toBeGreaterThan(10)
    expect(records.at(-1)).toMatchObject({ msg: "request", method: "GET", path: "/v1/risk", route: "unmatched", status: 401 })
    const all = server.lines.join("\n")
    for (const secret of [token, "hunter2", "wrong-guess", "leaky", "authorization", "Bearer"]) expect(all).not.toContain(secret)
  })
})

describe("GET /metrics", () => {
  it("counts requests by route and status, latencies, and decisions by action, in valid exposition format", async () => {
    const server = await startServer()
    for (const service of ["healthy-a", "healthy-b", "regressing-a", "quiet"]) await server.post("/v1/argo/metric", argo(service))
    await server.post("/v1/risk", { changes })
    await server.post("/v1/risk", "{not json")
    await server.fetch("/v1/risk")
    const text = await (await server.fetch("/metrics", { headers: auth })).text()
    await server.close()
    // the value of a series, summed over the labels it does not name (decisions also carry `service`)
    const value = (series: string) => {
      const [name, labels] = series.endsWith("}") ? [series.slice(0, series.indexOf("{")), series.slice(series.indexOf("{") + 1, -1)] : [series, ""]
      const escape = (t: string) => t.replace(/[{}()[\]/+.|*?^$\\]/g, "\\$&")
      const pattern = new RegExp(`^${escape(name)}\\{${escape(labels)}(?:,[^}]*)?\\} (\\S+)$`, "gm")
      return [...text.matchAll(pattern)].reduce((sum, m) => sum + Number(m[1]), 0)
    }
    expect(value('rollwise_http_requests_total{route="/v1/argo/metric",method="POST",status="200"}')).toBe(4)
    expect(value('rollwise_http_requests_total{route="/v1/risk",method="POST",status="200"}')).toBe(1)
    expect(value('rollwise_http_requests_total{route="/v1/risk",method="POST",status="400"}')).toBe(1)
    expect(value('rollwise_http_requests_total{route="unmatched",method="GET",status="401"}')).toBe(1)
    expect(value('rollwise_decisions_total{kind="argo",action="promote"}')).toBe(2)
    expect(value('rollwise_decisions_total{kind="argo",action="rollback"}')).toBe(1)
    expect(value('rollwise_decisions_total{kind="argo",action="slow"}')).toBe(1)
    expect(value('rollwise_decisions_total{kind="risk",action="canary"}')).toBe(1)
    expect(value('rollwise_http_request_duration_seconds_count{route="/v1/argo/metric",method="POST"}')).toBe(4)
    expect(value('rollwise_http_request_duration_seconds_bucket{route="/v1/argo/metric",method="POST",le="+Inf"}')).toBe(4)
    if (existsSync("/usr/bin/promtool")) {
      const dir = mkdtempSync(join(tmpdir(), "rollwise-metrics-"))
      writeFileSync(join(dir, "metrics.prom"), text)
      // promtool reads the exposition on stdin and exits non-zero on a format error
      execFileSync("/bin/sh", ["-c", `promtool check metrics < ${join(dir, "metrics.prom")}`], { stdio: "pipe" })
    }
  })
})
