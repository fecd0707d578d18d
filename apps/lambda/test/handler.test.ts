import { ArgoMetric } from "@rollwise/api-contract"
import { ArgoJudge } from "@rollwise/api-handler"
import { byName, ndjsonLines, scenarioSource, sloDocument } from "@rollwise/api-handler/testing"
import { ChangeSet, Heuristic, RiskPolicy, type Decision } from "@rollwise/risk-core"
import { LiveAnalysis } from "@rollwise/rollout-engine"
import { Analyzer, Gates as SloGates, Observation, SloSpec } from "@rollwise/slo-policy"
import { Effect, Redacted } from "effect"
import { readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import type { HttpApiEvent, RestEvent, Result } from "../src/Event.ts"
import { buildCount, handlerFromEnv, makeHandler, optionsFromEnv } from "../src/Lambda.ts"

// the API's request fixtures are api-contract's, read in place
const fixture = (name: string): string => readFileSync(new URL(`../../../libs/api-handler/test/fixtures/${name}`, import.meta.url), "utf8")
const changes = JSON.parse(fixture("changes.json")) as Record<string, unknown>
const policy = JSON.parse(fixture("policy.json")) as Record<string, unknown>
const decision = JSON.parse(fixture("strategy.json")) as Decision.Decision
const slo = JSON.parse(fixture("slo.json")) as Record<string, unknown>
const observationsText = fixture("observations-healthy.ndjson")
const observations = ndjsonLines(observationsText)

/** The live SLO the Argo metric names `checkout`, decoded. */
const argoSpec = Effect.runSync(SloSpec.decode(sloDocument, "test"))
const argoBody = (service: string) => ({ service, namespace: "shop", canaryHash: "7d9f8c6b5", stableHash: "5c4b3a291", slo: "checkout" })

const token = "lambda-test-token-5f2c"
const auth = { authorization: `Bearer ${token}` }

/** A REST API (v1) proxy event. */
const v1 = (method: string, path: string, body?: unknown, headers: Record<string, string> = auth): RestEvent => ({
  httpMethod: method,
  path,
  headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
  multiValueHeaders: null,
  queryStringParameters: null,
  body: body === undefined ? null : typeof body === "string" ? body : JSON.stringify(body),
  isBase64Encoded: false
})

/** An HTTP API (v2) event. */
const v2 = (method: string, rawPath: string, body?: unknown, headers: Record<string, string> = auth, stage = "$default"): HttpApiEvent => ({
  version: "2.0",
  rawPath,
  rawQueryString: "",
  headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
  requestContext: { http: { method }, stage },
  body: body === undefined ? undefined : JSON.stringify(body),
  isBase64Encoded: false
})

const bodyOf = (r: Result): unknown => JSON.parse(r.body)

const decideDirectly = (input: unknown, target: Decision.TargetKind) =>
  Effect.runPromise(Effect.map(ChangeSet.decode(input), (cs) => Heuristic.decide(cs, RiskPolicy.defaultPolicy, target)))

describe("makeHandler (options injected)", () => {
  const logs: Array<string> = []
  const h = makeHandler({ token: Redacted.make(token), slos: { checkout: argoSpec }, metricSource: scenarioSource(byName), log: (line) => logs.push(line) })
  afterAll(() => h.dispose())

  it("POST /v1/risk answers the Decision Heuristic.decide gives (v1 and v2 events alike)", async () => {
    const expected = await decideDirectly(changes, "windows")
    const a = await h.handle(v1("POST", "/v1/risk", { changes, target: "windows" }))
    const b = await h.handle(v2("POST", "/v1/risk", { changes, target: "windows" }))
    expect(a.statusCode).toBe(200)
    expect(a.isBase64Encoded).toBe(false)
    expect(a.headers["content-type"]).toContain("application/json")
    expect(bodyOf(a)).toEqual(expected)
    expect(b.statusCode).toBe(200)
    expect(bodyOf(b)).toEqual(expected)
  })

  it("decodes a base64 body", async () => {
    const event = { ...v1("POST", "/v1/risk", { changes }), body: Buffer.from(JSON.stringify({ changes }), "utf8").toString("base64"), isBase64Encoded: true }
    const r = await h.handle(event)
    expect(r.statusCode).toBe(200)
    expect(bodyOf(r)).toEqual(await decideDirectly(changes, "k8s"))
  })

  it("POST /v1/analyses answers what Analyzer.run decides on the same observations", async () => {
    const spec = await Effect.runPromise(SloSpec.decode(slo))
    const [release] = await Effect.runPromise(Observation.parse(observationsText, spec))
    const verdicts = Analyzer.run(spec, release!)
    const r = await h.handle(v2("POST", "/v1/analyses", { slo, observations }))
    expect(r.statusCode).toBe(200)
    expect(bodyOf(r)).toEqual({ release: release!.id, verdict: verdicts.at(-1), verdicts })
  })

  it("POST /v1/gates answers what slo-policy's gates decide", async () => {
    const at = "2026-12-05T10:00:00Z"
    const p = await Effect.runPromise(SloGates.decodePolicy(policy))
    const expected = { ...SloGates.combine(SloGates.evaluateLocal(p, { epochMs: Date.parse(at), riskScore: decision.risk_score, approved: false })), at: new Date(at).toISOString() }
    const r = await h.handle(v1("POST", "/v1/gates", { policy, decision, at }))
    expect(r.statusCode).toBe(200)
    expect(bodyOf(r)).toEqual(expected)
    expect((bodyOf(r) as { status: string }).status).toBe("block")
  })

  it("POST /v1/argo/metric decides as LiveAnalysis.analyzeTrailing over the same source, and its evidence is served", async () => {
    for (const [service, action] of [["healthy-checkout", "promote"], ["regressing-checkout", "rollback"], ["silent-checkout", "slow"]] as const) {
      const r = await h.handle(v2("POST", "/v1/argo/metric", argoBody(service)))
      expect(r.statusCode, service).toBe(200)
      const answer = bodyOf(r) as ArgoMetric.Response
      expect(answer.decision, service).toBe(action)
      const ev = await h.handle(v1("GET", answer.evidenceUrl))
      expect(ev.statusCode).toBe(200)
      const evidence = bodyOf(ev) as ArgoMetric.Evidence
      const expected = await Effect.runPromise(
        LiveAnalysis.analyzeTrailing(ArgoJudge.specFor(argoSpec, argoBody(service)), Date.parse(evidence.at), argoSpec.promoteAfter).pipe(Effect.provide(scenarioSource(byName)))
      )
      expect(answer.score).toBe(expected.at(-1)!.verdict.score)
      expect(evidence.windows.map((w) => w.verdict)).toEqual(expected.map((e) => e.verdict))
    }
  })

  it("GET /healthz and /readyz need no token; /metrics and /openapi.json do", async () => {
    expect(bodyOf(await h.handle(v1("GET", "/healthz", undefined, {})))).toEqual({ status: "ok" })
    const ready = await h.handle(v2("GET", "/readyz", undefined, {}))
    expect(ready.statusCode).toBe(200)
    expect(bodyOf(ready)).toEqual({ status: "ready", slos: ["checkout"] })
    const metrics = await h.handle(v2("GET", "/metrics"))
    expect(metrics.statusCode).toBe(200)
    expect(metrics.headers["content-type"]).toContain("text/plain")
    // the same runtime answered the earlier invocations: its registry counted them
    expect(metrics.body).toMatch(/rollwise_http_requests_total\{route="\/v1\/risk",method="POST",status="200"\} [1-9]/)
    expect(metrics.body).toMatch(/rollwise_decisions_total\{kind="argo",action="rollback"[,}]/)
    const openapi = await h.handle(v1("GET", "/openapi.json"))
    expect(openapi.statusCode).toBe(200)
    expect(Object.keys((bodyOf(openapi) as { paths: Record<string, unknown> }).paths)).toEqual(expect.arrayContaining(["/v1/risk", "/v1/analyses", "/v1/gates", "/v1/argo/metric", "/healthz", "/readyz", "/metrics"]))
  })

  it("answers 401 without a token, with a wrong one, and with a non-bearer one", async () => {
    for (const headers of [{}, { authorization: "Bearer wrong-token" }, { authorization: `Basic ${token}` }, { authorization: `Bearer ${token}x` }]) {
      for (const event of [v1("POST", "/v1/risk", { changes }, headers), v2("GET", "/metrics", undefined, headers), v1("GET", "/nowhere", undefined, headers)]) {
        const r = await h.handle(event)
        expect(r.statusCode).toBe(401)
        expect(r.headers["www-authenticate"]).toBe('Bearer realm="rollwise"')
        expect(bodyOf(r)).toMatchObject({ _tag: "Unauthorized" })
      }
    }
  })

  it("answers 400 naming the field, and 400 for a body that is not JSON", async () => {
    const r = await h.handle(v1("POST", "/v1/risk", { changes: { ...changes, linesAdded: -1 } }))
    expect(r.statusCode).toBe(400)
    expect(bodyOf(r)).toMatchObject({ _tag: "InputError", field: "changes.linesAdded" })
    const unknownSlo = await h.handle(v2("POST", "/v1/argo/metric", { ...argoBody("healthy-checkout"), slo: "payments" }))
    expect(unknownSlo.statusCode).toBe(400)
    expect(bodyOf(unknownSlo)).toMatchObject({ _tag: "InputError", field: "slo" })
    const notJson = await h.handle(v1("POST", "/v1/risk", "{nope"))
    expect(notJson.statusCode).toBe(400)
    expect(bodyOf(notJson)).toEqual({ _tag: "InputError", message: "the body is not valid JSON" })
  })

  it("answers 404 for unknown routes and methods", async () => {
    for (const event of [v1("GET", "/v2/risk"), v2("GET", "/v1/risk"), v1("DELETE", "/healthz")]) {
      const r = await h.handle(event)
      expect(r.statusCode).toBe(404)
      expect(bodyOf(r)).toMatchObject({ _tag: "NotFound" })
    }
  })

  it("maps v1 multi-value headers and query parameters, and strips an HTTP API's stage", async () => {
    const multi: RestEvent = { ...v1("GET", "/healthz", undefined, {}), multiValueHeaders: { authorization: [`Bearer ${token}`] }, multiValueQueryStringParameters: { a: ["1", "2"] } }
    expect((await h.handle({ ...multi, path: "/metrics" })).statusCode).toBe(200)
    expect((await h.handle(v2("POST", "/prod/v1/risk", { changes }, auth, "prod"))).statusCode).toBe(200)
  })

  it("answers 400 for an event that is not an API Gateway event, without throwing", async () => {
    const r = await h.handle({} as RestEvent)
    expect(r.statusCode).toBe(400)
    expect((bodyOf(r) as { message: string }).message).toContain("not an API Gateway proxy event")
  })

  it("logs one line per request, never the token", () => {
    expect(logs.length).toBeGreaterThan(10)
    expect(logs.join("\n")).not.toContain(token)
    expect(JSON.parse(logs[0]!)).toMatchObject({ msg: "request", method: "POST", path: "/v1/risk", status: 200 })
  })
})

describe("handler (configured from the environment)", () => {
  afterAll(() => vi.unstubAllEnvs())

  it("is built once when the module loads, and warm invocations reuse it", async () => {
    vi.stubEnv("ROLLWISE_API_TOKEN", token)
    vi.stubEnv("ROLLWISE_SLOS_JSON", JSON.stringify({ checkout: sloDocument }))
    vi.stubEnv("ROLLWISE_PROMETHEUS_URL", "")
    vi.stubEnv("ROLLWISE_INSECURE", "")
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined)
    const before = buildCount()
    const { handler } = await import("../src/handler.ts")
    expect(buildCount()).toBe(before + 1)
    const risk = await handler(v1("POST", "/v1/risk", { changes }), {})
    expect(bodyOf(risk)).toEqual(await decideDirectly(changes, "k8s"))
    expect((await handler(v2("GET", "/metrics", undefined, {}), {})).statusCode).toBe(401)
    expect(bodyOf(await handler(v2("GET", "/readyz", undefined, {}), {}))).toEqual({ status: "ready", slos: ["checkout"] })
    // no metric source configured: the Argo metric holds (slow), never an error
    const argo = await handler(v2("POST", "/v1/argo/metric", argoBody("healthy-checkout")), {})
    expect(argo.statusCode).toBe(200)
    expect((bodyOf(argo) as ArgoMetric.Response).decision).toBe("slow")
    const metrics = await handler(v1("GET", "/metrics"), {})
    expect(metrics.body).toMatch(/rollwise_http_requests_total\{route="\/v1\/risk",method="POST",status="200"\} 1\n/)
    expect(buildCount()).toBe(before + 1)
    expect(log.mock.calls.flat().join("\n")).not.toContain(token)
    log.mockRestore()
  })

  it("refuses to serve (503 for every event, the reason logged) without a token or ROLLWISE_INSECURE=1", async () => {
    const lines: Array<string> = []
    const h = handlerFromEnv({}, (line) => lines.push(line))
    for (const event of [v1("GET", "/healthz", undefined, {}), v2("POST", "/v1/risk", { changes })]) {
      const r = await h.handle(event)
      expect(r.statusCode).toBe(503)
      expect(bodyOf(r)).toMatchObject({ _tag: "Unavailable" })
    }
    expect(lines.join("\n")).toContain("ROLLWISE_INSECURE=1")
  })

  it("serves without a token only with ROLLWISE_INSECURE=1", async () => {
    const h = handlerFromEnv({ ROLLWISE_INSECURE: "1" }, false)
    expect((await h.handle(v1("GET", "/metrics", undefined, {}))).statusCode).toBe(200)
    await h.dispose()
  })

  it("refuses an SLO in ROLLWISE_SLOS_JSON that does not decode, naming it in the log", async () => {
    const lines: Array<string> = []
    const h = handlerFromEnv({ ROLLWISE_API_TOKEN: token, ROLLWISE_SLOS_JSON: JSON.stringify({ checkout: { ...sloDocument, window: "soon" } }) }, (line) => lines.push(line))
    expect((await h.handle(v1("GET", "/healthz", undefined, {}))).statusCode).toBe(503)
    expect(lines.join("\n")).toContain("ROLLWISE_SLOS_JSON.checkout")
    expect(lines.join("\n")).not.toContain(token)
  })

  it("with Prometheus, refuses an SLO whose window its step cannot read, naming it and the fix", async () => {
    const lines: Array<string> = []
    const env = {
      ROLLWISE_API_TOKEN: token,
      ROLLWISE_PROMETHEUS_URL: "http://127.0.0.1:9",
      ROLLWISE_SLOS_JSON: JSON.stringify({ checkout: { ...sloDocument, window: "5s", step: "10s", metrics: [{ name: "latency", kind: "continuous", threshold: 0.3, query: "up" }] } })
    }
    const h = handlerFromEnv(env, (line) => lines.push(line))
    expect((await h.handle(v1("GET", "/healthz", undefined, {}))).statusCode).toBe(503)
    expect(lines.join("\n")).toContain("ROLLWISE_SLOS_JSON.checkout: window 5s is shorter than step 10s")
    await h.dispose()
  })
})

/**
 * The same integration-token rules as `rollwise serve` (libs/api-server's
 * integrations.test.ts plays the callers over HTTP): ROLLWISE_HOOK_TOKEN as a
 * bearer or as the /hooks/<token>/ path prefix, on the integration routes
 * only. Flagger's call (fluxcd/flagger pkg/controller/webhook.go: POST, only
 * Content-Type) arrives through API Gateway as an event with that one header.
 */
describe("the integration token (ROLLWISE_HOOK_TOKEN) on Lambda", () => {
  const hook = "lambda-hook-token-83ad0c"
  const env = { ROLLWISE_API_TOKEN: token, ROLLWISE_HOOK_TOKEN: hook, ROLLWISE_SLOS_JSON: JSON.stringify({ checkout: sloDocument }) }
  const logs: Array<string> = []
  let h: ReturnType<typeof makeHandler>
  beforeAll(async () => {
    const options = await Effect.runPromise(optionsFromEnv(env))
    h = makeHandler({ ...options, metricSource: scenarioSource(byName), log: (line) => logs.push(line) })
  })
  afterAll(() => h.dispose())
  const onlyContentType = { "content-type": "application/json" }
  const flaggerPayload = (name: string) => ({ name, namespace: "shop", phase: "Progressing", checksum: "6d4c9f7b8", metadata: { slo: "checkout" } })

  it("answers Flagger's call at /hooks/<token>/v1/flagger/<hook> as the route answers a bearer (v1 and v2 events, a stage prefix)", async () => {
    for (const [canary, status] of [["healthy-checkout", 200], ["regressing-checkout", 409]] as const) {
      const viaPath = await h.handle(v1("POST", `/hooks/${hook}/v1/flagger/confirm-traffic-increase`, flaggerPayload(canary), onlyContentType))
      const viaStage = await h.handle(v2("POST", `/prod/hooks/${hook}/v1/flagger/confirm-traffic-increase`, flaggerPayload(canary), onlyContentType, "prod"))
      const viaBearer = await h.handle(v1("POST", "/v1/flagger/confirm-traffic-increase", flaggerPayload(canary)))
      for (const r of [viaPath, viaStage, viaBearer]) expect(r.statusCode, canary).toBe(status)
      const { evidenceUrl: _a, ...a } = bodyOf(viaPath) as Record<string, unknown>
      const { evidenceUrl: _b, ...b } = bodyOf(viaBearer) as Record<string, unknown>
      expect(a).toEqual(b)
    }
  })

  it("opens the Argo metric, Kayenta's judge and /metrics to it as a bearer, and refuses it (403) elsewhere, as a header and in the path", async () => {
    const bearer = { authorization: `Bearer ${hook}` }
    expect((await h.handle(v2("POST", "/v1/argo/metric", argoBody("healthy-checkout"), bearer))).statusCode).toBe(200)
    expect((await h.handle(v1("POST", "/judge", JSON.parse(fixture("kayenta-judge-request.json")), bearer))).statusCode).toBe(200)
    expect((await h.handle(v1("GET", "/metrics", undefined, bearer))).statusCode).toBe(200)
    expect((await h.handle(v1("GET", `/hooks/${hook}/metrics`, undefined, {}))).statusCode).toBe(200)
    for (const [method, path, body] of [["POST", "/v1/risk", { changes }], ["GET", "/v1/rollouts", undefined], ["POST", "/v1/rollouts/x/promote", {}], ["GET", "/v1/evidence/x", undefined]] as const) {
      for (const event of [v1(method, path, body, bearer), v1(method, `/hooks/${hook}${path}`, body, body === undefined ? {} : onlyContentType)]) {
        const r = await h.handle(event)
        expect(r.statusCode, `${method} ${path}`).toBe(403)
        expect(bodyOf(r)).toMatchObject({ _tag: "Forbidden" })
      }
    }
    expect((await h.handle(v1("GET", "/hooks/wrong-token/metrics", undefined, {}))).statusCode).toBe(401)
  })

  it("logs the path masked and never the token", () => {
    expect(logs.join("\n")).not.toContain(hook)
    expect(logs.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(expect.objectContaining({ path: "/hooks/***/v1/flagger/confirm-traffic-increase", status: 200 }))
  })

  it("answers 404 under /hooks/ without ROLLWISE_HOOK_TOKEN, and serves Kayenta's judge without a token with ROLLWISE_PUBLIC_JUDGE=true", async () => {
    const plain = handlerFromEnv({ ROLLWISE_API_TOKEN: token }, false)
    expect((await plain.handle(v1("GET", `/hooks/${hook}/metrics`, undefined, {}))).statusCode).toBe(404)
    await plain.dispose()
    const open = handlerFromEnv({ ROLLWISE_API_TOKEN: token, ROLLWISE_PUBLIC_JUDGE: "true" }, false)
    expect((await open.handle(v1("POST", "/judge", JSON.parse(fixture("kayenta-judge-request.json")), onlyContentType))).statusCode).toBe(200)
    expect((await open.handle(v1("POST", "/v1/risk", { changes }, onlyContentType))).statusCode).toBe(401)
    await open.dispose()
  })

  it("refuses to serve with an integration token it cannot use, naming the variable, never the token", async () => {
    for (const [bad, says] of [[token, "must differ from the operator token"], ["has/slash", "may hold only letters"]] as const) {
      const lines: Array<string> = []
      const refusing = handlerFromEnv({ ROLLWISE_API_TOKEN: token, ROLLWISE_HOOK_TOKEN: bad }, (line) => lines.push(line))
      expect((await refusing.handle(v1("GET", "/healthz", undefined, {}))).statusCode).toBe(503)
      expect(lines.join("\n")).toContain(says)
      expect(lines.join("\n")).toContain("ROLLWISE_HOOK_TOKEN")
      expect(lines.join("\n")).not.toContain(bad)
    }
    // an integration token alone protects no operator route: still NoAuth
    const lines: Array<string> = []
    expect((await handlerFromEnv({ ROLLWISE_HOOK_TOKEN: hook }, (line) => lines.push(line)).handle(v1("GET", "/healthz", undefined, {}))).statusCode).toBe(503)
    expect(lines.join("\n")).toContain("NoAuth")
  })

  it("stays ready with a Prometheus that cannot be reached (its failures are counted in /metrics)", async () => {
    const unreachable = handlerFromEnv({ ...env, ROLLWISE_PROMETHEUS_URL: "http://127.0.0.1:1" }, false)
    expect((await unreachable.handle(v2("GET", "/readyz", undefined, {}))).statusCode).toBe(200)
    expect((bodyOf(await unreachable.handle(v2("POST", "/v1/argo/metric", argoBody("healthy-checkout")))) as ArgoMetric.Response).decision).toBe("slow")
    const metrics = await unreachable.handle(v1("GET", "/metrics"))
    expect(metrics.body).toMatch(/^rollwise_metric_source_queries_total\{result="error",reason="Unreachable"\} [1-9]\d*$/m)
    await unreachable.dispose()
  })
})
