import { LiveAnalysis } from "@rollwise/rollout-engine"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Api, Flagger, ArgoMetric } from "@rollwise/api-contract"
import { ArgoJudge, FlaggerJudge } from "../src/index.ts"
import { scenarioSource } from "../src/testing.ts"
import { byName, makeHandler, spec } from "./helpers.ts"

/** What Flagger posts for a Canary named `name`, with the webhook's metadata (`null`: none, as Flagger omits an empty map). */
const payload = (name: string, metadata: Record<string, string> | null = { slo: "checkout" }, extra: Record<string, unknown> = {}) => ({
  name,
  namespace: "shop",
  phase: "Progressing",
  checksum: "6d4f8b7c9",
  ...(metadata === null ? {} : { metadata }),
  ...extra
})

type Status = 200 | 409

/** Per hook: the status for a healthy (promote), regressing (rollback) and silent (slow) canary. */
const table: ReadonlyArray<readonly [Flagger.Hook, Status, Status, Status]> = [
  ["confirm-rollout", 200, 200, 200],
  ["pre-rollout", 200, 200, 200],
  ["rollout", 200, 409, 200],
  ["confirm-traffic-increase", 200, 409, 409],
  ["confirm-promotion", 200, 409, 409],
  ["post-rollout", 200, 200, 200],
  ["rollback", 409, 200, 409],
  ["event", 200, 200, 200]
]

const cases = table.flatMap(([hook, healthy, regressing, silent]) => [
  [hook, "healthy-checkout", "promote", healthy] as const,
  [hook, "regressing-checkout", "rollback", regressing] as const,
  [hook, "silent-checkout", "slow", silent] as const
])

describe("POST /v1/flagger/{hook}", () => {
  let h: Awaited<ReturnType<typeof makeHandler>>
  beforeAll(async () => {
    h = await makeHandler({ publicUrl: "https://rollwise.example.com/" })
  })
  afterAll(() => h.close())

  it.each(cases)("%s for %s (%s) answers %i", async (hook, name, decision, status) => {
    const r = await h.post(`/v1/flagger/${hook}`, payload(name))
    expect(r.status).toBe(status)
    expect(r.headers.get("content-type")).toContain("application/json")
    const answer = (await r.json()) as Flagger.Answer
    expect(answer.hook).toBe(hook)
    expect(answer.proceed).toBe(status === 200)
    expect(answer.reasons.length).toBeGreaterThan(0)
    if (Flagger.judgedHooks.has(hook)) {
      expect(answer.decision).toBe(decision)
      expect(answer.evidenceUrl).toMatch(/^https:\/\/rollwise\.example\.com\/v1\/argo\/evidence\/[\w-]+$/)
    } else {
      expect(answer).toEqual({ hook, proceed: true, reasons: [hook === "event" ? "event recorded" : `${hook}: acknowledged, Rollwise does not gate it`] })
    }
  })

  it("judges exactly as the Argo metric does, and keeps the evidence with the Flagger call", async () => {
    const r = await h.post("/v1/flagger/rollout", payload("regressing-checkout", { slo: "checkout", canaryHash: "7d9f8c6b5" }))
    const answer = (await r.json()) as Flagger.Answer
    const evidence = (await (await h.fetch(new URL(answer.evidenceUrl!).pathname)).json()) as ArgoMetric.Evidence
    const subject = { service: "regressing-checkout", namespace: "shop", slo: "checkout", canaryHash: "7d9f8c6b5" }
    expect(evidence.request).toEqual(subject)
    expect(evidence.flagger).toEqual({ hook: "rollout", name: "regressing-checkout", namespace: "shop", phase: "Progressing", checksum: "6d4f8b7c9" })
    const expected = await Effect.runPromise(
      LiveAnalysis.analyzeTrailing(ArgoJudge.specFor(spec, subject), Date.parse(evidence.at), spec.promoteAfter).pipe(Effect.provide(scenarioSource(byName)))
    )
    const last = expected.at(-1)!.verdict
    expect(answer.decision).toBe(last.action)
    expect(answer.reasons).toEqual(ArgoJudge.reasonsOf(last))
    expect(evidence.windows.map((w) => w.verdict)).toEqual(expected.map((e) => e.verdict))
  })

  it("judges metadata.service instead of the Canary's name when given", async () => {
    const r = await h.post("/v1/flagger/confirm-promotion", payload("regressing-checkout", { slo: "checkout", service: "healthy-checkout" }))
    expect(r.status).toBe(200)
    expect(((await r.json()) as Flagger.Answer).decision).toBe("promote")
  })

  it("sets only the hash variables the metadata gives", () => {
    expect(ArgoJudge.specFor(spec, { service: "web", namespace: "prod", slo: "checkout" }).variables ?? {}).toEqual({})
    expect(ArgoJudge.specFor(spec, { service: "web", namespace: "prod", slo: "checkout", stableHash: "5c4b3a291" }).variables).toEqual({ stableHash: "5c4b3a291" })
  })

  it.each(["rollout", "confirm-traffic-increase", "confirm-promotion", "rollback"] as const)("%s answers 400 naming metadata.slo when it is missing or unknown", async (hook) => {
    for (const metadata of [null, {}, { slo: "" }, { service: "healthy-checkout" }]) {
      const r = await h.post(`/v1/flagger/${hook}`, payload("healthy-checkout", metadata))
      expect(r.status).toBe(400)
      expect(await r.json()).toMatchObject({ _tag: "InputError", field: "metadata.slo" })
    }
    const r = await h.post(`/v1/flagger/${hook}`, payload("healthy-checkout", { slo: "payments" }))
    expect(r.status).toBe(400)
    expect(await r.json()).toEqual({ _tag: "InputError", field: "metadata.slo", message: 'metadata.slo: the server has no SLO named "payments" (it has checkout)' })
  })

  it.each(["confirm-rollout", "pre-rollout", "post-rollout", "event"] as const)("%s needs no SLO", async (hook) => {
    const r = await h.post(`/v1/flagger/${hook}`, payload("anything", null))
    expect(r.status).toBe(200)
  })

  it("accepts the payload of Flagger releases that send no phase or checksum (name, namespace, metadata)", async () => {
    const r = await h.post("/v1/flagger/rollout", { name: "healthy-checkout", namespace: "shop", metadata: { slo: "checkout" } })
    expect(r.status).toBe(200)
    expect(((await r.json()) as Flagger.Answer).decision).toBe("promote")
  })

  it("records an event hook with Flagger's event metadata", async () => {
    const r = await h.post("/v1/flagger/event", payload("podinfo", { eventMessage: "Advance podinfo.shop canary weight 10", eventType: "Normal", timestamp: "1700000000000" }))
    expect(r.status).toBe(200)
    expect(await r.json()).toEqual({ hook: "event", proceed: true, reasons: ["event recorded"] })
  })

  it.each([
    [payload("healthy-checkout", { slo: "checkout", service: "a b" }), "metadata.service"],
    [payload("healthy-checkout", { slo: "checkout", canaryHash: "x/y" }), "metadata.canaryHash"],
    [payload("healthy-checkout", { slo: "checkout", stableHash: "" }), "metadata.stableHash"],
    [payload("a b"), "name"],
    [payload("healthy-checkout", { slo: "checkout" }, { namespace: "" }), "namespace"],
    [payload("healthy-checkout", { slo: "checkout" }, { phase: 3 }), "phase"],
    [payload("healthy-checkout", { slo: "checkout" }, { metadata: { slo: 7 } }), "metadata.slo"]
  ])("answers 400 naming the field (%#: %s)", async (body, field) => {
    const r = await h.post("/v1/flagger/rollout", body)
    expect(r.status).toBe(400)
    expect(((await r.json()) as { field: string }).field).toBe(field)
  })

  it("answers 404 for a hook Flagger does not have", async () => {
    for (const path of ["/v1/flagger/nope", "/v1/flagger/", "/v1/flagger", "/v1/flagger/rollout/x"]) {
      const r = await h.post(path, payload("healthy-checkout"))
      expect(r.status, path).toBe(404)
      expect(((await r.json()) as { _tag: string })._tag).toBe("NotFound")
    }
  })

  it("lists every hook's route in the route table and the OpenAPI document, with 200 and 409 answers", async () => {
    const r = await h.fetch("/openapi.json")
    const doc = (await r.json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }
    for (const hook of Flagger.hooks) {
      expect(Api.routes).toContainEqual({ method: "POST", path: `/v1/flagger/${hook}` })
      const operation = doc.paths[`/v1/flagger/${hook}`]?.["post"]
      expect(operation, hook).toBeDefined()
      expect(Object.keys(operation!.responses)).toEqual(expect.arrayContaining(["200", "409", "400"]))
    }
  })

  it("counts each answer in the metrics by hook and outcome", async () => {
    const counted = await makeHandler()
    await counted.post("/v1/flagger/rollout", payload("regressing-checkout"))
    await counted.post("/v1/flagger/rollout", payload("healthy-checkout"))
    const text = await (await counted.fetch("/metrics")).text()
    expect(text).toMatch(/rollwise_decisions_total\{[^}]*action="rollout:halt"[^}]*\} 1/)
    expect(text).toMatch(/rollwise_decisions_total\{[^}]*action="rollout:proceed"[^}]*\} 1/)
    expect(text).toMatch(/rollwise_http_requests_total\{[^}]*route="\/v1\/flagger\/rollout"[^}]*status="409"[^}]*\} 1/)
    await counted.close()
  })
})

describe("FlaggerJudge.proceeds", () => {
  it.each(table.filter(([hook]) => Flagger.judgedHooks.has(hook)))("%s: promote %i, rollback %i, slow %i", (hook, promote, rollback, slow) => {
    expect(FlaggerJudge.proceeds(hook, "promote")).toBe(promote === 200)
    expect(FlaggerJudge.proceeds(hook, "rollback")).toBe(rollback === 200)
    expect(FlaggerJudge.proceeds(hook, "slow")).toBe(slow === 200)
  })
})

describe("Flagger payloads from a newer Flagger", () => {
  it("ignore fields Rollwise does not read instead of halting the canary with a 400", async () => {
    const h = await makeHandler()
    try {
      const r = await h.post("/v1/flagger/confirm-promotion", payload("healthy-checkout", { slo: "checkout" }, { weight: 50, canaryRevision: "abc", future: { nested: true } }))
      expect(r.status).toBe(200)
      const bad = await h.post("/v1/flagger/rollout", payload("healthy-checkout", { slo: "checkout" }, { namespace: 7 }))
      expect(bad.status).toBe(400)
      expect(await bad.json()).toMatchObject({ field: "namespace" })
    } finally {
      await h.close()
    }
  })
})
