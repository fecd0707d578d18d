import { type FakeMender, startFakeMender } from "@rollwise/ota-harness"
import { SimulatedFleet } from "@rollwise/target-arm/testing"
import type { ChildProcess } from "node:child_process"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { background, rolloutSlo, scratch } from "./support.ts"

/**
 * `rollwise rollout --target arm --fleet fleet.yaml` through the bundled CLI,
 * against a fake Mender server built from Mender's OpenAPI (in this process,
 * serving a simulated fleet of 2,000 devices), the real SQLite evidence
 * store and simulated traffic on a fast clock. The CLI runs in the
 * background: the fake answers from this test's event loop.
 */
const token = "mender-PAT-secret-value-0042"
const { dir, file } = scratch("rollout-arm")
const db = join(dir, "evidence.db")
const slo = file("slo.yaml", rolloutSlo())
const strategy = file(
  "strategy.json",
  JSON.stringify({
    risk_score: 40,
    strategy: "canary",
    pace: "normal",
    steps: [1, 5, 20, 100].map((cohort) => ({ cohort, pauseSeconds: 120 })),
    approval_required: false,
    model: { kind: "heuristic", version: "1" },
    reasons: []
  })
)
const fleetYaml = (url: string, name: string) =>
  file(
    `${name}.yaml`,
    `apiVersion: rollwise/v1
kind: Fleet
name: ${name}
manager:
  mender: { url: "${url}", tokenEnv: ROLLWISE_MENDER_TOKEN }
artifact: { candidate: "checkout-edge-{version}", stable: checkout-edge-2.4.1 }
devices:
  filters: { region: [eu-west, us-east] }
  exclude: [edge-000007]
install: { maxFailurePercent: 10, waitSeconds: 3600, pollSeconds: 10 }
`
  )

const servers: Array<FakeMender> = []
afterAll(async () => {
  for (const s of servers) await s.close()
})
const mender = async (options: { readonly badHardware?: string } = {}) => {
  const fleet = SimulatedFleet.make({ size: 2000, seed: 11, stable: "checkout-edge-2.4.1", ...options })
  const server = await startFakeMender({ fleet, token, artifacts: ["checkout-edge-2.4.1", "checkout-edge-2.5.0"] })
  servers.push(server)
  return { fleet, server }
}
const env = { ROLLWISE_MENDER_TOKEN: token }
const start = (id: string, fleet: string, speed = 1200, extra: ReadonlyArray<string> = []) =>
  ["rollout", "--decision", strategy, "--slo", slo, "--target", "arm", "--fleet", fleet, "--version", "2.5.0", "--simulate", "healthy", "--speed", String(speed), "--db", db, "--id", id, ...extra]
const kill = (child: ChildProcess) => child.pid !== undefined && process.kill(child.pid, "SIGKILL")

/** `--resume` after a SIGKILL, in the background (the fake answers from this process): retried while the dead driver's 1 s lease holds. */
const resumeWhenFree = async (id: string) => {
  for (let attempt = 0; ; attempt++) {
    const bg = background(["rollout", "--resume", id, "--db", db, "--lease-ttl", "1"], env, dir)
    const code = await bg.exited
    if (code !== 7 || !/is being driven by cli pid/.test(bg.output().stderr) || attempt >= 40) return { code, ...bg.output() }
    await new Promise((r) => setTimeout(r, 200))
  }
}

describe("rollwise rollout --target arm (bundled CLI, fake Mender from its OpenAPI, real SQLite store, simulated traffic)", () => {
  it("promotes through cohorts 1 → 5 → 20 → 100 %: one deployment per step, every eligible device updated, filtered ones untouched, the token never printed", async () => {
    const { fleet, server } = await mender()
    const bg = background(start("arm-promote", fleetYaml(server.url, "promote")), env, dir)
    const code = await bg.exited
    const { stdout, stderr } = bg.output()
    expect(code, stderr).toBe(0)
    expect(stdout).toMatch(/^rollout arm-promote: PROMOTED/)
    expect(stderr).toMatch(/step 1\/4 applied: cohort 1 %/)
    expect(stderr).toMatch(/hook: Mender: POST \/api\/management\/v1\/deployments\/deployments → 201 \(\d+ devices, checkout-edge-2.5.0\)/)
    expect(stderr).not.toContain(token)
    expect(server.deployments().map((d) => d.name)).toEqual(["rollwise:arm-promote:c1", "rollwise:arm-promote:c5", "rollwise:arm-promote:c20", "rollwise:arm-promote:c100"])
    const deployed = server.deployments().flatMap((d) => d.devices)
    expect(new Set(deployed).size).toBe(deployed.length)
    for (const d of fleet.devices()) {
      const eligible = (d.tags.region === "eu-west" || d.tags.region === "us-east") && d.id !== "edge-000007"
      expect(deployed.includes(d.id), d.id).toBe(eligible)
      expect(fleet.artifactOf(d.id)).toBe(eligible ? "checkout-edge-2.5.0" : "checkout-edge-2.4.1")
    }
  }, 120_000)

  it("a cohort whose devices fail to install (a bad hardware revision) rolls back automatically: exit 11, stable redeployed to the updated devices only", async () => {
    const { fleet, server } = await mender({ badHardware: "rev-b" })
    const bg = background(start("arm-bad", fleetYaml(server.url, "bad")), env, dir)
    const code = await bg.exited
    const { stdout, stderr } = bg.output()
    expect(code, stderr).toBe(11)
    expect(stdout).toMatch(/^rollout arm-bad: ROLLED BACK — the target failed to apply step 1 \(cohort 1 %: \d+ of \d+ devices failed to install checkout-edge-2.5.0/)
    const [c1, rollback, ...rest] = server.deployments()
    expect(rest).toEqual([])
    expect(c1!.name).toBe("rollwise:arm-bad:c1")
    expect(rollback).toMatchObject({ name: "rollwise:arm-bad:rollback", artifact: "checkout-edge-2.4.1" })
    const cohort = new Set(c1!.devices)
    for (const id of rollback!.devices) {
      expect(cohort.has(id)).toBe(true)
      // the rev-b devices never installed the candidate: they are not touched again
      expect(fleet.device(id)!.tags.hardware).not.toBe("rev-b")
    }
    expect(fleet.running()["checkout-edge-2.5.0"] ?? 0).toBe(0)
  }, 120_000)

  it("kill -9 during the rollout, then --resume: it finishes without a second deployment for any cohort", async () => {
    const { fleet, server } = await mender()
    const bg = background(start("arm-kill", fleetYaml(server.url, "kill"), 30, ["--lease-ttl", "1"]), env, dir)
    await bg.waitFor(/step 2\/4 applied: cohort 5 %/)
    kill(bg.child)
    await bg.exited
    const before = server.deployments().map((d) => d.name)
    expect(before).toEqual(["rollwise:arm-kill:c1", "rollwise:arm-kill:c5"])
    const resumed = await resumeWhenFree("arm-kill")
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.stderr).toMatch(/found 2 deployment\(s\) of this rollout .* going on from cohort 5 %/)
    const names = server.deployments().map((d) => d.name)
    expect(names).toEqual(["rollwise:arm-kill:c1", "rollwise:arm-kill:c5", "rollwise:arm-kill:c20", "rollwise:arm-kill:c100"])
    const deployed = server.deployments().flatMap((d) => d.devices)
    expect(new Set(deployed).size).toBe(deployed.length)
    expect(server.calls.filter((c) => c.method === "POST").every((c) => c.status === 201)).toBe(true)
    expect(fleet.running()["checkout-edge-2.5.0"]).toBe(deployed.length)
  }, 180_000)

  it("a fleet file with a bad field is refused up front (exit 3), naming the field", async () => {
    const bad = file("bad-fleet.yaml", "apiVersion: rollwise/v1\nkind: Fleet\nname: x\nmanager: { mender: { url: ftp://nope } }\nartifact: { candidate: a, stable: b }\n")
    const bg = background(start("arm-badfile", bad), env, dir)
    expect(await bg.exited).toBe(3)
    expect(bg.output().stderr).toMatch(/--fleet.*manager/)
  }, 60_000)
})
