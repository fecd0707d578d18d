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
    // and what the route's decoding refuses, now decoded on the thread too
    for (const raw of ["{", JSON.stringify({ slo: json("slo.json"), observations: [{ ...observations[0], values: [1, "x"] }] }), JSON.stringify({ slo: json("slo.json") })]) {
      const [p, i] = [await pooled.post("/v1/analyses", raw), await inline.post("/v1/analyses", raw)]
      expect(p.status).toBe(400)
      expect(await p.json()).toEqual(await i.json())
    }
  })

  it("answers POST /judge (Kayenta) on the pool as the main thread does, input errors included", async () => {
    const request = json<Record<string, unknown>>("kayenta-judge-request.json")
    const a = await pooled.post("/judge", request)
    expect(a.status).toBe(200)
    expect(await a.json()).toEqual(await (await inline.post("/judge", request)).json())
    // a problem the judge finds (not the schema): the same 400 naming the field
    const bad = { ...request, scoreThresholds: { pass: 50, marginal: 90 } }
    const [p, i] = [await pooled.post("/judge", bad), await inline.post("/judge", bad)]
    expect(p.status).toBe(400)
    const expected = await i.json()
    expect(expected).toMatchObject({ _tag: "InputError" })
    expect(await p.json()).toEqual(expected)
  })

  it("judges many bodies at once, all answered", async () => {
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => pooled.post("/v1/analyses", bodies[i % 2 === 0 ? "healthy" : "regression"])))
    expect(answers.map((r) => r.status)).toEqual(Array.from({ length: 24 }, () => 200))
    const actions = await Promise.all(answers.map(async (r) => ((await r.json()) as { verdict: { action: string } }).verdict.action))
    expect(new Set(actions.filter((_, i) => i % 2 === 0)).size).toBe(1)
    expect(new Set(actions.filter((_, i) => i % 2 === 1)).size).toBe(1)
  })
})

describe("a pool thread that dies", () => {
  it("fails only the job it held, and is replaced so later jobs are answered", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs")
    const { tmpdir } = await import("node:os")
    const { join } = await import("node:path")
    const { pathToFileURL } = await import("node:url")
    const { Cause, Effect, Exit } = await import("effect")
    const AnalysisPool = await import("../src/AnalysisPool.ts")
    // a stand-in worker: echoes after 50 ms, or dies at once on {crash: true}
    const script = join(mkdtempSync(join(tmpdir(), "rollwise-pool-")), "worker.mjs")
    writeFileSync(
      script,
      `import { parentPort } from "node:worker_threads"
parentPort.on("message", ({ id, text }) => {
  const request = JSON.parse(text)
  if (request.crash) process.exit(3)
  setTimeout(() => parentPort.postMessage({ id, ok: { echo: request.n } }), 50)
})`
    )
    const outcome = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const pool = yield* AnalysisPool.make(2, pathToFileURL(script))
          const ask = (request: unknown) => Effect.exit(pool.analyze(JSON.stringify(request)))
          const before = pool.threads()
          // one job on each thread; one of them dies
          const [crashed, survived] = yield* Effect.all([ask({ crash: true }), ask({ n: 1 })], { concurrency: "unbounded" })
          yield* Effect.sleep("100 millis")
          const later = yield* Effect.all([ask({ n: 2 }), ask({ n: 3 }), ask({ n: 4 }), ask({ n: 5 })], { concurrency: "unbounded" }).pipe(Effect.timeout("5 seconds"))
          return { crashed, survived, later, before, after: pool.threads() }
        })
      )
    )
    expect(Exit.isFailure(outcome.crashed) && Cause.pretty(outcome.crashed.cause)).toContain("analysis worker failed: exited with code 3")
    expect(outcome.survived).toEqual(Exit.succeed({ echo: 1 }))
    expect(outcome.later).toEqual([2, 3, 4, 5].map((n) => Exit.succeed({ echo: n })))
    // the dead thread was replaced, the other kept
    expect(outcome.after.filter((id) => outcome.before.includes(id))).toHaveLength(1)
    expect(outcome.after).toHaveLength(2)
  })
})
