import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeServices } from "@effect/platform-node"
import { SqliteEvidenceStore } from "@rollwise/evidence-store"
import { Effect, Exit, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { resolveOptions } from "../src/index.ts"
import { auth, type Running, serveFlagsWith, startServer } from "./helpers.ts"

/**
 * `rollwise serve --drive arm --fleet fleet.yaml` and `--drive windows
 * --hosts hosts.yaml`: the server drives the target of its own file (a
 * request names only the kind, never hosts, devices or credentials). Here an
 * ARM fleet of 2,000 simulated devices in process, judged by the devices'
 * own health, into a real SQLite store.
 */
const dir = mkdtempSync(join(tmpdir(), "rollwise-drive-files-"))
const fleetFile = join(dir, "fleet.yaml")
writeFileSync(
  fleetFile,
  `apiVersion: rollwise/v1
kind: Fleet
name: checkout-edge
manager:
  simulated: { devices: 2000, seed: 11 }
artifact: { candidate: "checkout-edge-{version}", stable: checkout-edge-2.4.1 }
install: { maxFailurePercent: 10, waitSeconds: 120, pollSeconds: 1 }
health: { offlineAfterSeconds: 1800, minDevices: 5, kpis: [latency-ms] }
`
)
const slo = {
  apiVersion: "rollwise/v1",
  kind: "SloSpec",
  service: "checkout-edge",
  window: "3s",
  maxWindows: 4,
  promoteAfter: 1,
  warmupWindows: 0,
  // about 1 % of simulated devices crash each window, healthy or not: the tolerance asks for a clear regression
  metrics: [
    { name: "crash-rate", kind: "ratio", threshold: 0.05, tolerance: 3, critical: true, minSamples: 5 },
    { name: "latency", kind: "continuous", query: "kpi:latency-ms", threshold: 1000, tolerance: 0.2, minSamples: 5 }
  ]
}
const decision = {
  risk_score: 30,
  strategy: "canary",
  pace: "fast",
  steps: [20, 100].map((cohort) => ({ cohort, pauseSeconds: 3 })),
  approval_required: false,
  model: { kind: "heuristic", version: "1" },
  reasons: []
}
const resolve = (change: Parameters<typeof serveFlagsWith>[0]) => Effect.runPromiseExit(resolveOptions(serveFlagsWith({ db: Option.some(join(dir, "x.db")), ...change }), {}).pipe(Effect.provide(NodeServices.layer)))
const message = (exit: Exit.Exit<unknown, unknown>) => (Exit.isFailure(exit) ? String((exit.cause as unknown as { reasons?: Array<{ error?: { message?: string } }> }).reasons?.[0]?.error?.message ?? exit.cause) : "succeeded")

describe("serve --drive arm --fleet (simulated fleet, real SQLite)", () => {
  let server: Running
  beforeAll(async () => {
    const options = await Effect.runPromise(resolveOptions(serveFlagsWith({ db: Option.some(join(dir, "evidence.db")), drive: ["arm"], fleet: Option.some(fleetFile) }), {}).pipe(Effect.provide(NodeServices.layer)))
    const db = join(dir, "evidence.db")
    server = await startServer({ evidenceStore: SqliteEvidenceStore.layer({ path: db }), evidencePath: db, drive: options.drive })
  })
  afterAll(() => server.close())

  it("POST /v1/rollouts {kind: arm, targetHealth: true} drives the fleet's cohorts to promoted, judged by device health", async () => {
    const res = await server.post("/v1/rollouts", { decision, slo, target: { kind: "arm", targetHealth: true }, rolloutId: "fleet-1", version: "2.5.0" })
    expect(res.status).toBe(202)
    expect(await res.json()).toMatchObject({ rolloutId: "fleet-1", steps: [20, 100] })
    const deadline = Date.now() + 90_000
    let result: string | undefined
    while (result === undefined && Date.now() < deadline) {
      const evidence = (await (await server.fetch("/v1/evidence/fleet-1", { headers: auth })).json()) as { rollout: { result?: string; target: string } }
      result = evidence.rollout.result
      if (result === undefined) await new Promise((r) => setTimeout(r, 250))
    }
    expect(result).toBe("promoted")
    const evidence = (await (await server.fetch("/v1/evidence/fleet-1", { headers: auth })).json()) as { rollout: { target: string }; events: Array<{ type: string; data: unknown }> }
    expect(evidence.rollout.target).toBe("arm:checkout-edge")
    expect(JSON.stringify(evidence.events.filter((e) => e.type === "Window"))).toContain("crash-rate")
  }, 120_000)

  it("a request cannot name what the server drives: a fleet document in the body is a 400", async () => {
    const res = await server.post("/v1/rollouts", { decision, slo, target: { kind: "arm", fleet: { manager: { http: { url: "http://attacker" } } } } })
    expect(res.status).toBe(400)
  })

  it("without a Prometheus, an ARM rollout must ask for the devices' health: 503 says how", async () => {
    const res = await server.post("/v1/rollouts", { decision, slo, target: { kind: "arm" } })
    expect(res.status).toBe(503)
    expect(((await res.json()) as { message: string }).message).toContain("target.targetHealth true")
  })

  it("a kind the server does not drive is a 400 naming target.kind", async () => {
    const res = await server.post("/v1/rollouts", { decision, slo, target: { kind: "windows" } })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ field: "target.kind" })
  })
})

describe("serve's target files are checked at start (one line, before listening)", () => {
  it("--fleet without --drive arm, and --drive windows without --hosts, are refused", async () => {
    expect(message(await resolve({ fleet: Option.some(fleetFile) }))).toBe("--fleet only makes sense with --drive arm")
    expect(message(await resolve({ drive: ["windows"] }))).toBe("--drive windows needs --hosts FILE (what this server drives; a request cannot name it)")
  })

  it("a fleet file with a bad field stops the start naming it", async () => {
    const bad = join(dir, "bad-fleet.yaml")
    writeFileSync(bad, "apiVersion: rollwise/v1\nkind: Fleet\nname: x\nmanager: { simulated: { devices: -3 } }\nartifact: { candidate: a, stable: b }\n")
    const exit = await resolve({ drive: ["arm"], fleet: Option.some(bad) })
    expect(Exit.isFailure(exit)).toBe(true)
    expect(message(exit)).toContain(`--fleet ${bad}`)
    expect(message(exit)).toContain("devices")
  })
})
