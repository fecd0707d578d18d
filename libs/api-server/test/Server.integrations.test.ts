import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Api, Flagger, ArgoMetric, Kayenta } from "@rollwise/api-contract"
import { EvidenceStore } from "@rollwise/rollout-engine"
import { layerInMemory } from "@rollwise/telemetry/testing"
import { Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { argoWebMetric, flagger, kayentaRemoteJudge, prometheusScrape, send } from "./callers.ts"
import { auth, json, type Running, startServer, token } from "./helpers.ts"

/**
 * Each integration called exactly as its source calls (test/callers.ts names
 * the upstream file for each): Flagger and Kayenta cannot send a header, so
 * they carry the integration token in the path; Argo Rollouts and
 * Prometheus send it as a bearer token. One server, traced in memory and
 * logging to memory, so the last tests can grep both for the token.
 */
const hookToken = "hook-tok3n-9f2b7c41d0e8"
const tracing = layerInMemory({ serviceName: "rollwise-api" })

let server: Running
beforeAll(async () => {
  server = await startServer({ hookToken: Redacted.make(hookToken), tracing: tracing.layer, tracingDescription: "traces: in memory", evidenceStore: EvidenceStore.layerMemory })
})
afterAll(() => server.close())

const hooksUrl = (path: string) => `${server.url}/hooks/${hookToken}${path}`

describe("Flagger (fluxcd/flagger pkg/controller/webhook.go callWebhook: only Content-Type, no credentials)", () => {
  const payload = (name: string, hook: Flagger.Hook) => ({
    name,
    namespace: "shop",
    phase: "Progressing",
    checksum: "6d4c9f7b8",
    // CallEventWebhook adds these three to the webhook's own metadata
    metadata: hook === "event" ? { slo: "checkout", eventMessage: "Advance checkout.shop canary weight 20", eventType: "Normal", timestamp: "1767225600000" } : { slo: "checkout" }
  })
  const withoutEvidence = (body: string) => {
    const { evidenceUrl: _dropped, ...rest } = JSON.parse(body) as Record<string, unknown>
    return rest
  }

  it("gets from /hooks/<token>/v1/flagger/<hook> exactly what the route answers a bearer, for every hook and canary", async () => {
    for (const hook of Flagger.hooks) {
      for (const canary of ["healthy-checkout", "regressing-checkout"]) {
        const viaPath = await flagger(hooksUrl(`/v1/flagger/${hook}`), payload(canary, hook))
        const viaBearer = await server.post(`/v1/flagger/${hook}`, payload(canary, hook))
        expect(viaPath.status, `${hook} ${canary}`).toBe(viaBearer.status)
        expect(withoutEvidence(viaPath.body), `${hook} ${canary}`).toEqual(withoutEvidence(await viaBearer.text()))
      }
    }
  })

  it("confirm-traffic-increase lets a healthy canary's weight rise and holds a regressing one (status > 202 is Flagger's halt); without the path token it halts on 401", async () => {
    const healthy = await flagger(hooksUrl("/v1/flagger/confirm-traffic-increase"), payload("healthy-checkout", "confirm-traffic-increase"))
    expect(healthy).toMatchObject({ status: 200, proceeds: true })
    const regressing = await flagger(hooksUrl("/v1/flagger/confirm-traffic-increase"), payload("regressing-checkout", "confirm-traffic-increase"))
    expect(regressing).toMatchObject({ status: 409, proceeds: false })
    expect(JSON.parse(regressing.body)).toMatchObject({ hook: "confirm-traffic-increase", decision: "rollback", proceed: false })
    // the issue: the plain URL (Flagger cannot add a header) is 401, which holds the canary at weight 0 for ever
    const plain = await flagger(`${server.url}/v1/flagger/confirm-traffic-increase`, payload("healthy-checkout", "confirm-traffic-increase"))
    expect(plain).toMatchObject({ status: 401, proceeds: false })
    const wrong = await flagger(`${server.url}/hooks/not-the-token/v1/flagger/confirm-traffic-increase`, payload("healthy-checkout", "confirm-traffic-increase"))
    expect(wrong).toMatchObject({ status: 401, proceeds: false })
    expect(wrong.body).not.toContain("not-the-token")
  })
})

describe("Argo Rollouts (argoproj/argo-rollouts metricproviders/webmetric/webmetric.go: the AnalysisTemplate's headers)", () => {
  const body = (service: string) => ({ service, namespace: "shop", canaryHash: "7d9f8c6b5", stableHash: "5c4b3a291", slo: "checkout" })
  const withHook = [{ key: "Authorization", value: `Bearer ${hookToken}` }]

  it("answers the web metric to the integration token as a bearer, as it answers the operator token; without it, a measurement error", async () => {
    for (const [service, decision] of [["healthy-checkout", "promote"], ["regressing-checkout", "rollback"], ["silent-checkout", "slow"]] as const) {
      const measured = await argoWebMetric(`${server.url}/v1/argo/metric`, withHook, body(service))
      expect(measured.measurementError, service).toBe(false)
      expect((JSON.parse(measured.body) as ArgoMetric.Response).decision, service).toBe(decision)
      const operator = await argoWebMetric(`${server.url}/v1/argo/metric`, [{ key: "Authorization", value: `Bearer ${token}` }], body(service))
      expect((JSON.parse(operator.body) as ArgoMetric.Response).decision).toBe(decision)
    }
    expect(await argoWebMetric(`${server.url}/v1/argo/metric`, [], body("healthy-checkout"))).toMatchObject({ status: 401, measurementError: true })
    expect(await argoWebMetric(`${server.url}/v1/argo/metric`, [{ key: "Authorization", value: "Bearer nope" }], body("healthy-checkout"))).toMatchObject({ status: 401 })
  })

  it("keeps the evidence behind evidenceUrl for the operator: the integration token gets 403 there", async () => {
    const measured = await argoWebMetric(`${server.url}/v1/argo/metric`, withHook, body("healthy-checkout"))
    const { evidenceUrl } = JSON.parse(measured.body) as ArgoMetric.Response
    expect((await server.fetch(evidenceUrl, { headers: { authorization: `Bearer ${hookToken}` } })).status).toBe(403)
    expect((await server.fetch(evidenceUrl, { headers: auth })).status).toBe(200)
  })
})

describe("Kayenta (spinnaker/kayenta RemoteJudge.java + RemoteJudgeService.java @POST(\"/judge\") on Retrofit 1: no credentials)", () => {
  const fixture = json<{ canaryConfig: { metrics: Array<Record<string, unknown>> }; metricSetPairList: Array<{ values: { experiment: Array<unknown> } }> }>("kayenta-judge-request.json")

  it("judges at baseUrl http://<server>/hooks/<token> (Retrofit 1 keeps the base path; a trailing / is dropped); the bare base URL fails the judge task (401)", async () => {
    for (const baseUrl of [`${server.url}/hooks/${hookToken}`, `${server.url}/hooks/${hookToken}/`]) {
      const judged = await kayentaRemoteJudge(baseUrl, fixture)
      expect(judged.url).toBe(`${server.url}/hooks/${hookToken}/judge`)
      expect(judged.judgeFailed).toBe(false)
      expect((JSON.parse(judged.body) as Kayenta.Response).score).toMatchObject({ score: 100, classification: "Pass" })
    }
    expect(await kayentaRemoteJudge(server.url, fixture)).toMatchObject({ status: 401, judgeFailed: true })
  })

  it("leaves a muted metric out of the score as Kayenta's ScoringHelper does: only the muted critical metric fails, the canary passes", async () => {
    // p99 latency is critical in the fixture; doubling its canary series fails it past criticalIncrease
    const slower = fixture.metricSetPairList.map((pair, i) =>
      i === 0 ? { ...pair, values: { ...pair.values, experiment: pair.values.experiment.map((v) => (typeof v === "number" ? v * 2 : v)) } } : pair
    )
    const muteFirst = (muted: boolean) => ({
      ...fixture,
      canaryConfig: {
        ...fixture.canaryConfig,
        metrics: fixture.canaryConfig.metrics.map((m, i) => {
          const configs = (m["analysisConfigurations"] ?? {}) as { canary?: Record<string, unknown> }
          return i === 0 && muted ? { ...m, analysisConfigurations: { ...configs, canary: { ...configs.canary, muted: true } } } : m
        })
      },
      metricSetPairList: slower
    })
    const unmuted = JSON.parse((await kayentaRemoteJudge(`${server.url}/hooks/${hookToken}`, muteFirst(false))).body) as Kayenta.Response
    expect(unmuted.score).toMatchObject({ score: 0, classification: "Fail" })
    const muted = JSON.parse((await kayentaRemoteJudge(`${server.url}/hooks/${hookToken}`, muteFirst(true))).body) as Kayenta.Response
    expect(muted.score).toMatchObject({ score: 100, classification: "Pass" })
    expect(muted.results[0]).toMatchObject({ name: "p99 latency", classification: "High", critical: true, muted: true })
  })

  it("with --public-judge, judges at the bare base URL (no credential), and nothing else opens", async () => {
    const open = await startServer({ hookToken: Redacted.make(hookToken), publicJudge: true })
    try {
      const judged = await kayentaRemoteJudge(open.url, fixture)
      expect(judged.status).toBe(200)
      expect((JSON.parse(judged.body) as Kayenta.Response).judgeName).toBe("Rollwise-v1")
      expect((await open.post("/v1/argo/metric", { service: "healthy-checkout", namespace: "shop", canaryHash: "a", stableHash: "b", slo: "checkout" }, {})).status).toBe(401)
      expect((await open.fetch("/metrics")).status).toBe(401)
      expect(JSON.parse(open.lines[0]!)).toMatchObject({ auth: "operator token; hook token: header+path; public judge: POST /judge without a token" })
    } finally {
      await open.close()
    }
  })
})

describe("Prometheus' scrape (prometheus/prometheus scrape/scrape.go targetScraper.scrape; a ServiceMonitor's authorization)", () => {
  it("answers 200 in the text format to the integration token as a bearer and at /hooks/<token>/metrics; without a token 401 (down, as the issue saw)", async () => {
    for (const [url, bearer] of [[`${server.url}/metrics`, hookToken], [hooksUrl("/metrics"), undefined]] as const) {
      const scraped = await prometheusScrape(url, bearer)
      expect(scraped.up, url.replace(hookToken, "***")).toBe(true)
      expect(scraped.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8")
      expect(scraped.body).toMatch(/^# TYPE rollwise_http_requests_total counter$/m)
      if (existsSync("/usr/bin/promtool")) {
        const file = join(mkdtempSync(join(tmpdir(), "rollwise-scrape-")), "metrics.prom")
        writeFileSync(file, scraped.body)
        execFileSync("/bin/sh", ["-c", `promtool check metrics < ${file}`], { stdio: "pipe" })
      }
    }
    expect(await prometheusScrape(`${server.url}/metrics`)).toMatchObject({ status: 401, up: false })
  })
})

describe("the integration token opens nothing else", () => {
  const refused: ReadonlyArray<readonly [string, string, unknown?]> = [
    ["POST", "/v1/rollouts", { decision: {}, slo: {}, target: { kind: "simulated", scenario: "healthy" } }],
    ["POST", "/v1/rollouts/checkout-2.5.1/promote", { by: "intruder" }],
    ["POST", "/v1/rollouts/checkout-2.5.1/rollback", { reason: "intruder" }],
    ["GET", "/v1/rollouts"],
    ["GET", "/v1/rollouts/checkout-2.5.1"],
    ["GET", "/v1/evidence/checkout-2.5.1"],
    ["GET", "/v1/argo/evidence/x1"],
    ["POST", "/v1/risk", { changes: {} }],
    ["GET", "/openapi.json"]
  ]

  it("refuses it on the write routes and the rollouts/evidence reads, as a header (403) and in the path (403), before any route runs", async () => {
    for (const [method, path, body] of refused) {
      const headers = { "Content-Type": "application/json" }
      const asHeader = await send(`${server.url}${path}`, { method, headers: { ...headers, Authorization: `Bearer ${hookToken}` }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
      const asPath = await send(hooksUrl(path), { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
      for (const [how, answer] of [["header", asHeader], ["path", asPath]] as const) {
        expect(answer.status, `${method} ${path} (${how})`).toBe(403)
        expect(JSON.parse(answer.body), `${method} ${path} (${how})`).toMatchObject({ _tag: "Forbidden" })
        expect(answer.body).not.toContain(hookToken)
      }
    }
    // nothing reached the store: the operator sees no rollout
    const list = await server.fetch("/v1/rollouts", { headers: auth })
    expect(await list.json()).toEqual({ rollouts: [] })
    expect(Api.integrationRoutes.length).toBe(Flagger.hooks.length + 4)
  })

  it("never writes it to a log line or a span; paths show as /hooks/***/…", async () => {
    // let the server finish the spans of the requests above
    await new Promise((resolve) => setTimeout(resolve, 50))
    const logs = server.lines.join("\n")
    const spans = tracing.spansUnsafe()
    expect(logs).not.toContain(hookToken)
    expect(JSON.stringify(spans)).not.toContain(hookToken)
    const records = server.lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(records).toContainEqual(expect.objectContaining({ msg: "request", method: "POST", path: "/hooks/***/v1/flagger/confirm-traffic-increase", route: "/v1/flagger/confirm-traffic-increase", status: 200 }))
    expect(records).toContainEqual(expect.objectContaining({ msg: "request", path: "/hooks/***/metrics", route: "/metrics", status: 200 }))
    const hookSpans = spans.filter((s) => s.kind === "server" && String(s.attributes["url.path"]).startsWith("/hooks/"))
    expect(hookSpans.length).toBeGreaterThan(10)
    for (const span of hookSpans) {
      expect(String(span.attributes["url.path"])).toMatch(/^\/hooks\/\*\*\*\//)
      expect(String(span.attributes["url.full"])).toContain("/hooks/***/")
    }
    // still one server span per hook request, with its route, and the decision as its child
    const judged = hookSpans.find((s) => s.attributes["url.path"] === "/hooks/***/v1/flagger/confirm-traffic-increase")!
    expect(judged.attributes["http.route"]).toBe("/v1/flagger/confirm-traffic-increase")
    expect(spans.some((s) => s.name === "rollwise.flagger" && s.parentSpanId === judged.spanId)).toBe(true)
    expect(spans.filter((s) => s.kind === "server").every((s) => typeof s.attributes["http.route"] === "string")).toBe(true)
  })
})
