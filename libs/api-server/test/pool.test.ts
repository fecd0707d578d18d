import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bundledAnalysisWorker, json, ndjson, type Running, startServer } from "./helpers.ts"

/**
 * `--analysis-workers 2`: POST /v1/analyses judged on worker threads (the
 * worker bundled here as the apps bundle their analysis-worker.js) answers
 * exactly what the main thread answers.
 */
describe("POST /v1/analyses on a pool of worker threads", () => {
  let pooled: Running
  let inline: Running
  beforeAll(async () => {
    pooled = await startServer({ analysisWorkers: 2, analysisWorkerScript: await bundledAnalysisWorker() })
    inline = await startServer({})
  })
  afterAll(async () => {
    await pooled.close()
    await inline.close()
  })

  const bodies: Record<string, unknown> = {
    healthy: { slo: json("slo.json"), observations: ndjson("observations-healthy.ndjson") },
    regression: { slo: json("slo.json"), observations: ndjson("observations-regression.ndjson") }
  }

  it("answers every body as the main thread does, verdict for verdict", async () => {
    for (const [name, body] of Object.entries(bodies)) {
      const a = await pooled.post("/v1/analyses", body)
      const b = await inline.post("/v1/analyses", body)
      expect(a.status, name).toBe(200)
      expect(await a.json(), name).toEqual(await b.json())
    }
    expect(JSON.parse(pooled.lines[0]!)).toMatchObject({ analysisWorkers: 2 })
  })

  it("answers an input error the analysis finds (not the schema) with the same 400 naming the field", async () => {
    const observations = ndjson("observations-healthy.ndjson") as Array<Record<string, unknown>>
    const body = { slo: json("slo.json"), observations: [...observations, { ...observations[0], metric: "nope" }] }
    const a = await pooled.post("/v1/analyses", body)
    expect(a.status).toBe(400)
    const expected = await (await inline.post("/v1/analyses", body)).json()
    expect(await a.json()).toEqual(expected)
    expect(expected).toMatchObject({ _tag: "InputError", field: `observations[${observations.length}].metric` })
  })

  it("judges many bodies at once, all answered", async () => {
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => pooled.post("/v1/analyses", bodies[i % 2 === 0 ? "healthy" : "regression"])))
    expect(answers.map((r) => r.status)).toEqual(Array.from({ length: 24 }, () => 200))
    const actions = await Promise.all(answers.map(async (r) => ((await r.json()) as { verdict: { action: string } }).verdict.action))
    expect(new Set(actions.filter((_, i) => i % 2 === 0)).size).toBe(1)
    expect(new Set(actions.filter((_, i) => i % 2 === 1)).size).toBe(1)
  })
})
