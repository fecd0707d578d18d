import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeServices } from "@effect/platform-node"
import { SqliteEvidenceStore } from "@rollwise/evidence-store"
import { type SshFleet, startSshFleet } from "@rollwise/ssh-harness"
import { HostsFile } from "@rollwise/target-windows"
import { RecordedFleet } from "@rollwise/target-windows/testing"
import { Effect, Exit, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
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

describe("serve --drive windows --hosts (real sshd with recorded IIS hosts, real SQLite)", () => {
  let fleet: SshFleet
  let recorded: RecordedFleet.Fleet
  let server: Running
  const names = ["arr01", "web1", "web2", "web3"]
  beforeAll(async () => {
    fleet = await startSshFleet(names, ({ server: host, script }) => {
      const reply = recorded.answer(host, script ?? "")
      return "drop" in reply ? { drop: true, delayMs: reply.delayMs } : { ...reply.answer, code: reply.answer.code ?? 0, delayMs: reply.delayMs }
    })
    const servers = names.map((name) => {
      const s = fleet.servers[name]!
      const group = name === "arr01" ? "" : `, group: ${name === "web1" ? "blue" : "green"}`
      return `  - { name: ${name}, host: ${s.host}, port: ${s.port}, address: ${name}.farm.local, hostKey: "${s.fingerprint}"${group} }`
    })
    const text = `apiVersion: rollwise/v1
kind: WindowsHosts
credentials: { user: ${fleet.user}, keyFile: ${fleet.keyFile} }
farm: { name: shop-farm, controller: arr01, drainSeconds: 1 }
servers:
${servers.join("\n")}
site: { site: shop, pool: shop }
release: { artifact: '\\\\fs01\\builds\\shop\\shop-{version}.zip', dir: 'D:\\sites\\shop\\releases', stable: 2.4.0 }
health: { url: http://localhost/health, timeoutSeconds: 10 }
timeoutSeconds: 30
`
    recorded = RecordedFleet.fromHosts(Effect.runSync(HostsFile.decode(parse(text), "hosts.yaml", "canary")))
    for (const name of ["web1", "web2", "web3"]) recorded.hosts[name]!.sites["shop"]!.traffic = { requestsPerSecond: 50, errorRatio: 0.002, latencySeconds: 0.1 }
    const hostsFile = join(dir, "hosts.yaml")
    writeFileSync(hostsFile, text)
    const db = join(dir, "windows.db")
    const options = await Effect.runPromise(resolveOptions(serveFlagsWith({ db: Option.some(db), drive: ["windows"], hosts: Option.some(hostsFile) }), {}).pipe(Effect.provide(NodeServices.layer)))
    server = await startServer({ evidenceStore: SqliteEvidenceStore.layer({ path: db }), evidencePath: db, drive: options.drive })
  }, 120_000)
  afterAll(async () => {
    await server?.close()
    await fleet?.close()
  })

  it("POST /v1/rollouts {kind: windows, targetHealth: true} sets ARR weights over SSH and promotes, judged by the hosts' own signals", async () => {
    const hostSlo = {
      apiVersion: "rollwise/v1",
      kind: "SloSpec",
      service: "shop",
      window: "3s",
      maxWindows: 4,
      promoteAfter: 1,
      warmupWindows: 0,
      metrics: [
        { name: "latency", kind: "continuous", threshold: 0.5, tolerance: 0.2, query: "host:time-taken" },
        { name: "apppool-restarts", kind: "counter", threshold: 0, critical: true, query: "host:apppool-restarts" }
      ]
    }
    const quick = { ...decision, steps: [50, 100].map((weight) => ({ weight, pauseSeconds: 3 })) }
    const res = await server.post("/v1/rollouts", { decision: quick, slo: hostSlo, target: { kind: "windows", targetHealth: true }, rolloutId: "iis-1", version: "2.5.0" })
    expect(res.status, await res.clone().text()).toBe(202)
    const deadline = Date.now() + 180_000
    let result: string | undefined
    while (result === undefined && Date.now() < deadline) {
      const evidence = (await (await server.fetch("/v1/evidence/iis-1", { headers: auth })).json()) as { rollout: { result?: string } }
      result = evidence.rollout.result
      if (result === undefined) await new Promise((r) => setTimeout(r, 500))
    }
    expect(result).toBe("promoted")
    // the farm was really driven: scripts reached the ARR controller's sshd, and the hosts' signals were read over SSH
    expect(fleet.scripts().some((s) => s.server === "arr01")).toBe(true)
    expect(fleet.scripts().some((s) => s.script.startsWith("# rollwise signals\n"))).toBe(true)
  }, 240_000)
})
