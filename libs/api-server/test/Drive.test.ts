import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SqliteEvidenceStore } from "@rollwise/evidence-store"
import { Effect, Exit, Cause, Layer } from "effect"
import { parse } from "yaml"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeServer, ServerConfigError } from "../src/index.ts"
import { auth, type Running, spec, startServer } from "./helpers.ts"

/**
 * `POST /v1/rollouts` on a server started with `--drive simulated --db …`:
 * the rollout is recorded in a real SQLite store and driven by the engine in
 * the server (simulated target, simulated traffic at ×2000), read back through
 * the routes while it runs and after it ends.
 */
const example = (name: string) => readFileSync(new URL(`../../../examples/${name}`, import.meta.url), "utf8")
const decision = JSON.parse(example("strategy.json")) as Record<string, unknown>
const slo = parse(example("slo.yaml")) as Record<string, unknown>
const simulated = (scenario: string) => ({ kind: "simulated", scenario, speed: 1000, seed: 7 })

const until = async <A>(read: () => Promise<A>, done: (a: A) => boolean, timeoutMs = 20_000): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value) || Date.now() > deadline) return value
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe("POST /v1/rollouts (a server driving simulated rollouts into a real SQLite store)", () => {
  let server: Running
  beforeAll(async () => {
    const db = join(mkdtempSync(join(tmpdir(), "rollwise-drive-")), "evidence.db")
    server = await startServer({ evidenceStore: SqliteEvidenceStore.layer({ path: db }), evidencePath: db, drive: { simulated: true, opaUrls: [], env: {} } })
  })
  afterAll(() => server.close())
  const standing = async (id: string) => ((await (await server.fetch(`/v1/rollouts/${id}`, { headers: auth })).json()) as { standing?: { phase: string; percent: number } }).standing

  it("answers 202 once the rollout is recorded, then drives a healthy candidate to promoted", async () => {
    const res = await server.post("/v1/rollouts", { decision, slo, target: simulated("healthy"), rolloutId: "drive-healthy", version: "2.5.0" })
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({
      rolloutId: "drive-healthy",
      url: "/v1/rollouts/drive-healthy",
      evidenceUrl: "/v1/evidence/drive-healthy",
      strategy: "canary",
      steps: [10, 25, 50, 100],
      approvalRequired: false
    })
    // recorded before the answer: the URL resolves at once
    expect((await server.fetch("/v1/rollouts/drive-healthy", { headers: auth })).status).toBe(200)
    const end = await until(() => standing("drive-healthy"), (s) => s?.phase === "promoted")
    expect(end).toMatchObject({ phase: "promoted", percent: 100 })
    const evidence = (await (await server.fetch("/v1/evidence/drive-healthy", { headers: auth })).json()) as { rollout: { result: string; version: string }; events: Array<{ type: string }> }
    expect(evidence.rollout).toMatchObject({ result: "promoted", version: "2.5.0" })
    expect(evidence.events.filter((e) => e.type === "StepApplied")).toHaveLength(4)
    expect(evidence.events.some((e) => e.type === "Window")).toBe(true)
  }, 30_000)

  it("rolls back a regressing candidate", async () => {
    expect((await server.post("/v1/rollouts", { decision, slo, target: simulated("latency-regression"), rolloutId: "drive-bad" })).status).toBe(202)
    expect(await until(() => standing("drive-bad"), (s) => s?.phase === "rolled_back")).toMatchObject({ phase: "rolled_back", percent: 0 })
  }, 30_000)

  it("waits for a person before the full step, and goes on when POST …/promote approves", async () => {
    const res = await server.post("/v1/rollouts", { decision: { ...decision, approval_required: true }, slo, target: simulated("healthy"), rolloutId: "drive-approval" })
    expect(await res.json()).toMatchObject({ approvalRequired: true })
    expect(await until(() => standing("drive-approval"), (s) => s?.phase === "awaiting_approval")).toMatchObject({ phase: "awaiting_approval", percent: 50 })
    expect((await server.post("/v1/rollouts/drive-approval/promote", { by: "release-manager" })).status).toBe(200)
    expect(await until(() => standing("drive-approval"), (s) => s?.phase === "promoted")).toMatchObject({ phase: "promoted" })
  }, 30_000)

  it("refuses a taken id with 409, and bad documents with 400 naming the field", async () => {
    const taken = await server.post("/v1/rollouts", { decision, slo, target: simulated("healthy"), rolloutId: "drive-healthy" })
    expect(taken.status).toBe(409)
    expect(await taken.json()).toMatchObject({ _tag: "AlreadyExists", rolloutId: "drive-healthy" })
    const cases: ReadonlyArray<[unknown, string]> = [
      [{ decision: { ...decision, risk_score: 140 }, slo, target: simulated("healthy") }, "decision.risk_score"],
      // issue #16: a decision with no step was recorded, then every route of it answered 500
      [{ decision: { ...decision, steps: [] }, slo, target: simulated("healthy"), rolloutId: "no-steps" }, "decision.steps"],
      [{ decision, slo: { ...slo, window: "soon" }, target: simulated("healthy") }, "slo.window"],
      [{ decision, slo, target: { kind: "simulated", scenario: "meteor" } }, "target"],
      [{ decision, slo, target: { kind: "k8s", rollout: "checkout" } }, "target.kind"],
      [{ decision, slo, target: simulated("healthy"), policy: { apiVersion: "rollwise/v1", kind: "GatePolicy", opa: { url: "http://10.0.0.1:8181", path: "deploy" } } }, "policy.opa.url"],
      [{ decision, slo, target: simulated("healthy"), rolloutId: "../etc" }, "rolloutId"]
    ]
    for (const [body, field] of cases) {
      const res = await server.post("/v1/rollouts", body)
      expect(res.status, JSON.stringify(body).slice(0, 200)).toBe(400)
      expect(((await res.json()) as { field: string }).field).toContain(field)
    }
    // nothing was recorded for the refused start
    expect((await server.fetch("/v1/rollouts/no-steps", { headers: auth })).status).toBe(404)
  })
})

describe("servers that do not drive", () => {
  it("answer POST /v1/rollouts with 503 saying how to start one that does", async () => {
    const server = await startServer({})
    try {
      const res = await server.post("/v1/rollouts", { decision, slo, target: simulated("healthy") })
      expect(res.status).toBe(503)
      expect(((await res.json()) as { message: string }).message).toContain("--drive")
    } finally {
      await server.close()
    }
  })

  it("refuse to start driving without a store, or Kubernetes without a Prometheus", async () => {
    const base = { host: "127.0.0.1", port: 0, slos: { checkout: spec }, metricSource: Layer.empty as never, log: () => undefined }
    const fails = async (options: Parameters<typeof makeServer>[0]) => {
      const exit = await Effect.runPromiseExit(Effect.scoped(Layer.build(makeServer(options))))
      if (Exit.isSuccess(exit)) throw new Error("expected a refusal")
      return Cause.squash(exit.cause) as ServerConfigError
    }
    const noStore = await fails({ ...base, drive: { simulated: true, opaUrls: [], env: {} } })
    expect(noStore).toBeInstanceOf(ServerConfigError)
    expect(noStore.message).toContain("--db PATH")
    const noPrometheus = await fails({ ...base, evidenceStore: SqliteEvidenceStore.layer({ path: ":memory:" }), drive: { simulated: false, k8s: {}, opaUrls: [], env: {} } })
    expect(noPrometheus.message).toContain("--prometheus URL")
  })
})

describe("driving across restarts and under load", () => {
  const approvalDecision = { ...decision, approval_required: true }
  const phaseOf = async (server: Running, id: string) =>
    ((await (await server.fetch(`/v1/rollouts/${id}`, { headers: auth })).json()) as { standing?: { phase: string } }).standing?.phase

  it("a restarted server goes on with the rollouts it was driving (same SQLite file)", async () => {
    const db = join(mkdtempSync(join(tmpdir(), "rollwise-drive-restart-")), "evidence.db")
    const options = { evidenceStore: SqliteEvidenceStore.layer({ path: db }), evidencePath: db, drive: { simulated: true, opaUrls: [], env: {} } }
    const first = await startServer(options)
    expect((await first.post("/v1/rollouts", { decision: approvalDecision, slo, target: simulated("healthy"), rolloutId: "restart-1" })).status).toBe(202)
    expect(await until(() => phaseOf(first, "restart-1"), (p) => p === "awaiting_approval")).toBe("awaiting_approval")
    await first.close()
    expect(first.lines.some((l) => l.includes("rollout interrupted by shutdown"))).toBe(true)

    const second = await startServer(options)
    try {
      expect(second.lines.some((l) => l.includes("resuming a rollout this server was driving") && l.includes("restart-1"))).toBe(true)
      expect((await second.post("/v1/rollouts/restart-1/promote", { by: "after-restart" })).status).toBe(200)
      expect(await until(() => phaseOf(second, "restart-1"), (p) => p === "promoted")).toBe("promoted")
    } finally {
      await second.close()
    }
  }, 30_000)

  it("a server restarted while a dead driver's lease is still running waits it out, then takes over (one driver at a time)", async () => {
    const db = join(mkdtempSync(join(tmpdir(), "rollwise-drive-lease-")), "evidence.db")
    const options = { evidenceStore: SqliteEvidenceStore.layer({ path: db }), evidencePath: db, drive: { simulated: true, opaUrls: [], env: {} } }
    const first = await startServer(options)
    expect((await first.post("/v1/rollouts", { decision: approvalDecision, slo, target: simulated("healthy"), rolloutId: "leased-1" })).status).toBe(202)
    expect(await until(() => phaseOf(first, "leased-1"), (p) => p === "awaiting_approval")).toBe("awaiting_approval")
    await first.close()
    // a driver that died holding the lease (a SIGKILLed rollwise rollout --resume): 1.5 s left on it
    const lease = await Effect.runPromise(
      Effect.scoped(Effect.flatMap(SqliteEvidenceStore.make({ path: db }), (s) => s.leases!.acquire("leased-1", { host: "ci-7", pid: 4242, kind: "cli" }, 1_500)))
    )
    const second = await startServer(options)
    try {
      const waiting = await until(async () => second.lines.find((l) => l.includes("to take over") && l.includes("cli pid 4242 on ci-7")), (l) => l !== undefined, 5_000)
      expect(waiting).toContain("is being driven by cli pid 4242 on ci-7")
      // an approval is an operator's, not a driver's: recorded while nobody (yet) drives
      expect((await second.post("/v1/rollouts/leased-1/promote", { by: "release-manager" })).status).toBe(200)
      expect(await until(() => phaseOf(second, "leased-1"), (p) => p === "promoted")).toBe("promoted")
      const after = await Effect.runPromise(Effect.scoped(Effect.flatMap(SqliteEvidenceStore.make({ path: db }), (s) => s.leases!.current("leased-1"))))
      expect(after).toMatchObject({ token: lease.token + 1, holder: { kind: "server" }, released: true })
    } finally {
      await second.close()
    }
  }, 30_000)

  it("refuses a rollout over --max-driven-rollouts with 503, and two starts of one id give one 202 and one 409", async () => {
    const db = join(mkdtempSync(join(tmpdir(), "rollwise-drive-limit-")), "evidence.db")
    const server = await startServer({ evidenceStore: SqliteEvidenceStore.layer({ path: db }), evidencePath: db, drive: { simulated: true, opaUrls: [], env: {}, maxRollouts: 2 } })
    try {
      const twice = await Promise.all([1, 2].map(() => server.post("/v1/rollouts", { decision: approvalDecision, slo, target: simulated("healthy"), rolloutId: "same-id" })))
      expect(twice.map((r) => r.status).sort()).toEqual([202, 409])
      expect((await server.post("/v1/rollouts", { decision: approvalDecision, slo, target: simulated("healthy"), rolloutId: "second" })).status).toBe(202)
      const over = await server.post("/v1/rollouts", { decision: approvalDecision, slo, target: simulated("healthy"), rolloutId: "third" })
      expect(over.status).toBe(503)
      expect(((await over.json()) as { message: string }).message).toBe("this server drives 2 rollouts already, its limit (--max-driven-rollouts); try again when one ends")
      // one ends (an operator's rollback), and there is room again
      expect((await server.post("/v1/rollouts/second/rollback", { reason: "make room" })).status).toBe(200)
      expect(await until(() => phaseOf(server, "second"), (p) => p === "rolled_back")).toBe("rolled_back")
      await until(async () => (await server.post("/v1/rollouts", { decision: approvalDecision, slo, target: simulated("healthy"), rolloutId: "third" })).status, (s) => s === 202, 5_000)
      expect(await phaseOf(server, "third")).toBeDefined()
    } finally {
      await server.close()
    }
  }, 30_000)
})
