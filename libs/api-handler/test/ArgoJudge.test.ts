import { LiveAnalysis, MetricSource } from "@rollwise/rollout-engine"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ArgoMetric } from "@rollwise/api-contract"
import { ArgoJudge } from "../src/index.ts"
import { scenarioSource } from "../src/testing.ts"
import { byName, makeHandler, spec } from "./helpers.ts"

const body = (service: string, extra: Record<string, unknown> = {}) => ({ service, namespace: "shop", canaryHash: "7d9f8c6b5", stableHash: "5c4b3a291", slo: "checkout", ...extra })

describe("POST /v1/argo/metric", () => {
  let h: Awaited<ReturnType<typeof makeHandler>>
  beforeAll(async () => {
    h = await makeHandler({ publicUrl: "https://rollwise.example.com/" })
  })
  afterAll(() => h.close())

  it.each([
    ["healthy-checkout", "promote"],
    ["regressing-checkout", "rollback"],
    ["silent-checkout", "slow"]
  ])("answers 200 for %s with decision %s", async (service, decision) => {
    const r = await h.post("/v1/argo/metric", body(service))
    expect(r.status).toBe(200)
    const answer = (await r.json()) as ArgoMetric.Response
    expect(answer.decision).toBe(decision)
    expect(answer.reasons.length).toBeGreaterThan(0)
    expect(answer.evidenceUrl).toMatch(/^https:\/\/rollwise\.example\.com\/v1\/argo\/evidence\/[\w-]+$/)
  })

  it("decides exactly as LiveAnalysis.analyzeTrailing does over the same source and windows", async () => {
    const r = await h.post("/v1/argo/metric", body("regressing-checkout"))
    const answer = (await r.json()) as ArgoMetric.Response
    const evidence = (await (await h.fetch(new URL(answer.evidenceUrl).pathname)).json()) as ArgoMetric.Evidence
    const end = Date.parse(evidence.at)
    const expected = await Effect.runPromise(
      LiveAnalysis.analyzeTrailing(ArgoJudge.specFor(spec, body("regressing-checkout")), end, spec.promoteAfter).pipe(Effect.provide(scenarioSource(byName)))
    )
    const last = expected.at(-1)!.verdict
    expect(answer.decision).toBe(last.action)
    expect(answer.score).toBe(last.score)
    expect(answer.reasons).toEqual(ArgoJudge.reasonsOf(last))
    expect(evidence.windows.map((w) => w.verdict)).toEqual(expected.map((e) => e.verdict))
    expect(evidence.request).toEqual(body("regressing-checkout"))
  })

  it("puts service, namespace and both hashes into the queries' placeholders", () => {
    const judged = ArgoJudge.specFor(spec, body("web", { namespace: "prod" }))
    expect(judged.service).toBe("web")
    expect(judged.namespace).toBe("prod")
    expect(judged.variables).toEqual({ canaryHash: "7d9f8c6b5", stableHash: "5c4b3a291" })
    expect(judged.maxWindows).toBeGreaterThan(judged.promoteAfter)
  })

  it("answers 400 naming slo for an SLO the server does not have, listing the ones it has", async () => {
    const r = await h.post("/v1/argo/metric", body("healthy", { slo: "payments" }))
    expect(r.status).toBe(400)
    expect(await r.json()).toEqual({ _tag: "InputError", field: "slo", message: 'slo: the server has no SLO named "payments" (it has checkout)' })
  })

  it.each([
    [{ canaryHash: "" }, "canaryHash"],
    [{ namespace: "a b" }, "namespace"],
    [{ stableHash: 7 }, "stableHash"],
    [{ weight: 10 }, "weight"]
  ])("answers 400 naming the field for %j", async (change, field) => {
    const r = await h.post("/v1/argo/metric", body("healthy", change))
    expect(r.status).toBe(400)
    expect(((await r.json()) as { field: string }).field).toBe(field)
  })

  it("answers 200 and keeps readable evidence when the measurements overflow", async () => {
    const huge = Layer.succeed(
      MetricSource.MetricSource,
      MetricSource.MetricSource.of({ observe: () => Effect.succeed({ sample: { _tag: "Values", values: [1e308, 1e308] }, warnings: [] }) })
    )
    const odd = await makeHandler({}, huge)
    const r = await odd.post("/v1/argo/metric", body("x"))
    expect(r.status).toBe(200)
    const answer = (await r.json()) as ArgoMetric.Response
    const evidence = await odd.fetch(answer.evidenceUrl)
    expect(evidence.status).toBe(200)
    const restarts = ((await evidence.json()) as ArgoMetric.Evidence).windows[0]!.verdict.metrics.find((m) => m.name === "restarts")!
    expect(restarts.candidate).toBeNull()
    await odd.close()
  })

  it("answers 404 for evidence it no longer keeps", async () => {
    const r = await h.fetch("/v1/argo/evidence/nope")
    expect(r.status).toBe(404)
    expect(((await r.json()) as { _tag: string })._tag).toBe("NotFound")
  })
})
