/**
 * Hostile bodies (issue #16): while worker threads judge the heaviest tied
 * bodies — alternating 0/1 latencies on `POST /v1/analyses` and `POST /judge`,
 * several at once — the main thread keeps answering `/healthz`: its answer
 * arrives before the judgements'. No clock is asserted: the order of the
 * answers is what a kubelet probe depends on, and it holds however loaded
 * the machine is.
 */
import { mkdtempSync, writeFileSync } from "node:fs"
import { request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { Kayenta } from "@rollwise/api-contract"
import { AnalysesRoute, KayentaJudge } from "@rollwise/api-handler"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { auth, bundledAnalysisWorker, type Running, startServer } from "../helpers.ts"
import { alternating, analysesBody, judgeBody } from "./bodies.ts"

/** Send a POST and resolve `sent` once its body is on the socket; `answered` resolves with status and arrival order. */
const post = (server: Running, path: string, body: string, order: Array<string>, label: string) => {
  let onSent: () => void = () => undefined
  const sent = new Promise<void>((resolve) => (onSent = resolve))
  const answered = new Promise<number>((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...auth } }, (res) => {
      res.resume()
      res.on("end", () => {
        order.push(label)
        resolve(res.statusCode ?? 0)
      })
    })
    req.on("error", reject)
    req.end(body, onSent)
  })
  return { sent, answered }
}

describe("hostile bodies on a server with analysis workers", () => {
  let server: Running
  beforeAll(async () => {
    server = await startServer({ analysisWorkers: 2, analysisWorkerScript: await bundledAnalysisWorker(), bodyLimitBytes: 4 * 1024 * 1024 })
  }, 60_000)
  afterAll(async () => {
    await server.close()
  })

  const bodies = {
    analyses: analysesBody(() => alternating(70_000)),
    judge: judgeBody(() => alternating(40_000)),
    judgeFewValues: judgeBody((track) => alternating(40_000, track === "control" ? [1, 2, 3] : [3, 2, 1, 1]))
  }

  it("the issue's bodies are what they claim: 280 KB of alternating 0/1, 70,000 per track", () => {
    expect(bodies.analyses.length).toBeGreaterThan(280_000)
    expect(bodies.analyses.length).toBeLessThan(300_000)
    expect(bodies.judge.length).toBeGreaterThan(160_000)
  })

  it.each([
    ["POST /v1/analyses", "/v1/analyses", bodies.analyses],
    ["POST /judge", "/judge", bodies.judge],
    ["POST /judge (a few distinct values)", "/judge", bodies.judgeFewValues]
  ])("%s: /healthz answers before six such judgements do", async (_name, path, body) => {
    const order: Array<string> = []
    const judged = Array.from({ length: 6 }, (_, i) => post(server, path, body, order, `judged ${i}`))
    await Promise.all(judged.map((j) => j.sent))
    const health = await server.fetch("/healthz")
    order.push("healthz")
    expect(health.status).toBe(200)
    const statuses = await Promise.all(judged.map((j) => j.answered))
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200])
    // the last judgement was still running on a worker when the probe was answered
    expect(order.indexOf("healthz")).toBeLessThan(order.length - 1)
  }, 120_000)

  it("answers the tied /judge body as the main thread does (same classification, same numbers)", async () => {
    const inline = await startServer({ bodyLimitBytes: 4 * 1024 * 1024 })
    try {
      for (const body of [bodies.judge, bodies.judgeFewValues]) {
        const [a, b] = [await server.post("/judge", body), await inline.post("/judge", body)]
        expect(a.status).toBe(200)
        expect(await a.json()).toEqual(await b.json())
      }
      const [a, b] = [await server.post("/v1/analyses", bodies.analyses), await inline.post("/v1/analyses", bodies.analyses)]
      expect(a.status).toBe(200)
      expect(await a.json()).toEqual(await b.json())
    } finally {
      await inline.close()
    }
  }, 120_000)
})

describe("a judgement that takes seconds", () => {
  // A stand-in thread that burns 1.5 s of CPU on every job — what the quadratic tie handling did — then
  // answers the route's real answer for the body with a marker in it (`release` / `judgeName`): the marker
  // proves the job went to the pool, the order of the answers that the main thread stayed free.
  const bodies = { "/v1/analyses": analysesBody(() => alternating(1_000)), "/judge": judgeBody(() => alternating(1_000)) }
  let server: Running
  beforeAll(async () => {
    const analyses = Effect.runSync(AnalysesRoute.analyzeBody(bodies["/v1/analyses"]))
    const judged = Effect.runSync(Effect.flatMap(Kayenta.decodeRequest(JSON.parse(bodies["/judge"])), KayentaJudge.judgeHere))
    const answers = { analyses: { ...analyses, release: "stand-in worker" }, judge: { ...judged, judgeName: "stand-in worker" } }
    const script = join(mkdtempSync(join(tmpdir(), "rollwise-hostile-")), "slow-worker.mjs")
    writeFileSync(
      script,
      `import { parentPort } from "node:worker_threads"
const answers = ${JSON.stringify(answers)}
parentPort.on("message", (job) => {
  const until = Date.now() + 1500
  while (Date.now() < until) {}
  parentPort.postMessage({ id: job.id, ok: "judge" in job ? answers.judge : answers.analyses })
})`
    )
    server = await startServer({ analysisWorkers: 1, analysisWorkerScript: pathToFileURL(script) })
  })
  afterAll(async () => {
    await server.close()
  })

  it.each([["/v1/analyses" as const, "release"], ["/judge" as const, "judgeName"]])("POST %s runs on the pool, and /healthz answers while it runs", async (path, marker) => {
    const order: Array<string> = []
    const judged = post(server, path, bodies[path], order, "judged")
    await judged.sent
    const health = await server.fetch("/healthz")
    order.push("healthz")
    expect(health.status).toBe(200)
    expect(await judged.answered).toBe(200)
    expect(order).toEqual(["healthz", "judged"])
    expect(await (await server.post(path, bodies[path])).json()).toMatchObject({ [marker]: "stand-in worker" })
  }, 60_000)
})
