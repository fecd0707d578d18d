import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Kayenta } from "@rollwise/api-contract"
import { json, makeHandler } from "./helpers.ts"

/** What Kayenta's RemoteJudge posts (extra fields and "NaN" strings included). */
const fixture = json<Record<string, unknown>>("kayenta-judge-request.json")

describe("POST /judge (Kayenta remote judge, through the HTTP handler)", () => {
  let api: Awaited<ReturnType<typeof makeHandler>>
  beforeAll(async () => {
    api = await makeHandler({ authorize: (token) => token !== undefined })
  })
  afterAll(() => api.close())
  const auth = { authorization: "Bearer t" }

  it("answers a CanaryJudgeResult for Kayenta's own request, ignoring the fields Rollwise does not read", async () => {
    const res = await api.post("/judge", fixture, auth)
    expect(res.status).toBe(200)
    const body = (await res.json()) as Kayenta.Response
    expect(body.judgeName).toBe("Rollwise-v1")
    expect(body.score).toMatchObject({ score: 100, classification: "Pass" })
    expect(body.results.map((r) => r.name).sort()).toEqual(["5xx per second", "p99 latency", "requests per second"])
    expect(body.groupScores.length).toBeGreaterThan(0)
  })

  it("counts the judgement in /metrics by classification", async () => {
    const text = await (await api.fetch("/metrics", { headers: auth })).text()
    expect(text).toMatch(/rollwise_decisions_total\{[^}]*kind="kayenta"[^}]*\} [1-9]/)
  })

  it("answers 400 naming the field for a metric the config does not have, and for a missing part", async () => {
    const pairs = fixture["metricSetPairList"] as Array<Record<string, unknown>>
    const unknown = await api.post("/judge", { ...fixture, metricSetPairList: [{ ...pairs[0], name: "no such metric" }] }, auth)
    expect(unknown.status).toBe(400)
    expect(await unknown.json()).toMatchObject({ _tag: "InputError", field: "metricSetPairList[0].name" })
    const { scoreThresholds: _dropped, ...withoutThresholds } = fixture
    const missing = await api.post("/judge", withoutThresholds, auth)
    expect(missing.status).toBe(400)
    expect(await missing.json()).toMatchObject({ _tag: "InputError", field: "scoreThresholds" })
  })

  it("needs the bearer token like every other route", async () => {
    expect((await api.post("/judge", fixture)).status).toBe(401)
  })

  it("is in the OpenAPI document", async () => {
    const doc = (await (await api.fetch("/openapi.json", { headers: auth })).json()) as { paths: Record<string, unknown> }
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/judge", "/v1/rollouts", "/v1/rollouts/{id}", "/v1/rollouts/{id}/promote", "/v1/rollouts/{id}/rollback", "/v1/evidence/{id}"]))
  })
})
