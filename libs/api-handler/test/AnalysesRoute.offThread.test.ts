import { fc, test } from "@fast-check/vitest"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AnalysesRoute } from "../src/index.ts"
import { json, makeHandler, ndjson } from "./helpers.ts"

/**
 * `analyzeBody` (what a server's worker threads run on a body's text) must
 * answer exactly what the `POST /v1/analyses` route answers: the same 200
 * body, the same 400 naming the same field, the same 415.
 */
describe("POST /v1/analyses handed to analyzeBody answers as the route does", () => {
  let route: Awaited<ReturnType<typeof makeHandler>>
  let offThread: Awaited<ReturnType<typeof makeHandler>>
  beforeAll(async () => {
    route = await makeHandler()
    offThread = await makeHandler({ analyzeBody: AnalysesRoute.analyzeBody })
  })
  afterAll(async () => {
    await route.close()
    await offThread.close()
  })

  const slo = json<Record<string, unknown>>("slo.json")
  const healthy = ndjson("observations-healthy.ndjson") as Array<Record<string, unknown>>
  const regression = ndjson("observations-regression.ndjson")
  const same = async (body: string, contentType = "application/json") => {
    const init = { method: "POST", headers: { "content-type": contentType }, body }
    const [a, b] = [await route.fetch("/v1/analyses", init), await offThread.fetch("/v1/analyses", init)]
    const [ta, tb] = [await a.text(), await b.text()]
    expect({ status: b.status, body: JSON.parse(tb) as unknown }, `${contentType} ${body.slice(0, 120)}`).toEqual({ status: a.status, body: JSON.parse(ta) as unknown })
    return a.status
  }

  it("verdicts, and every kind of refusal", async () => {
    const statuses = []
    for (const body of [
      { slo, observations: healthy },
      { slo, observations: regression },
      { slo, observations: [] },
      { slo, observations: healthy, release: "nope" },
      { slo, observations: [...healthy, { ...healthy[0], metric: "nope" }] },
      { slo, observations: [{ ...healthy[0], values: [1, "x"] }] },
      { slo, observations: [{ ...healthy[0], values: [1, null, 1e308 * 10] }] },
      { slo, observations: [{ ...healthy[0], extra: 1 }] },
      { slo: { ...slo, window: "soon" }, observations: [] },
      { slo },
      { observations: healthy },
      { slo, observations: healthy, more: true },
      [1, 2],
      null,
      "text",
      42
    ]) statuses.push(await same(JSON.stringify(body)))
    for (const raw of ["", "{", "{\"slo\": }", "nul"]) statuses.push(await same(raw))
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-8", "APPLICATION/JSON"]) statuses.push(await same(JSON.stringify({ slo, observations: healthy }), type))
    expect(new Set(statuses)).toEqual(new Set([200, 400, 415]))
  })

  test.prop([fc.jsonValue({ maxDepth: 4 })], { numRuns: 150 })("random JSON bodies", async (value) => {
    await same(JSON.stringify({ slo, observations: [value] }))
  })
})
