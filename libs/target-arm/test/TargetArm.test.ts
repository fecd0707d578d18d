import { DeployTarget } from "@rollwise/rollout-engine"
import { DeployTargetContract } from "@rollwise/rollout-engine/testing"
import { Effect, Exit, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { Cohorts, SimulatedFleet, TargetArm } from "../src/index.ts"
import { fleetFile } from "../src/testing.ts"

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
const failure = async <A>(effect: Effect.Effect<A, DeployTarget.DeployTargetError>) => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  return (exit.cause.reasons[0] as { error: DeployTarget.DeployTargetError }).error
}

DeployTargetContract.suite(
  "TargetArm (simulated fleet of 500 devices, in process)",
  () => Layer.effect(DeployTarget.DeployTarget, Effect.orDie(TargetArm.make({ fleet: fleetFile(), rollout: { id: "contract", version: "2.0.0" }, ota: SimulatedFleet.ota(SimulatedFleet.make({ size: 500 })) }))),
  "cohort",
  [1, 5, 1, 20]
)

describe("TargetArm (simulated fleet of 10,000 devices with failure injection)", () => {
  const rolloutId = "fleet-10k"
  const salt = rolloutId

  it("promotes through 1 → 5 → 20 → 100: nested cohorts, one deployment per step, every eligible device on the candidate, filtered devices untouched", async () => {
    const fleet = SimulatedFleet.make({ size: 10_000, seed: 7, flaky: 0.05 })
    const lines: Array<string> = []
    const file = fleetFile({ devices: { filters: { region: ["eu-west", "us-east"] }, exclude: ["edge-000001", "edge-000002"] } })
    const target = await run(TargetArm.make({ fleet: file, rollout: { id: rolloutId, version: "2.0.0" }, ota: SimulatedFleet.ota(fleet), onOutput: (l) => lines.push(l) }))
    for (const cohort of [1, 5, 20, 100]) await run(target.apply({ cohort }))
    await run(target.promote)
    const status = await run(target.status)
    expect(status).toMatchObject({ phase: "promoted", current: { cohort: 100 } })
    const names = fleet.deployments().map((d) => d.name)
    expect(names).toEqual(["rollwise:fleet-10k:c1", "rollwise:fleet-10k:c5", "rollwise:fleet-10k:c20", "rollwise:fleet-10k:c100"])
    // no device is in two deployments: each step deploys only the devices that joined
    const seen = new Set<string>()
    for (const d of fleet.deployments()) for (const id of fleet.deploymentDevices(d.id)) {
      expect(seen.has(id)).toBe(false)
      seen.add(id)
    }
    const devices = fleet.devices()
    const plan = Cohorts.plan(devices, salt, { filters: { region: ["eu-west", "us-east"] }, exclude: ["edge-000001", "edge-000002"] })
    expect(seen.size).toBe(plan.ids.length)
    for (const d of devices) {
      const eligible = (d.tags.region === "eu-west" || d.tags.region === "us-east") && d.id !== "edge-000001" && d.id !== "edge-000002"
      expect(seen.has(d.id)).toBe(eligible)
      // flaky devices may still be pending: none is on the candidate outside the cohorts
      if (!eligible) expect(fleet.artifactOf(d.id)).toBe("stable")
    }
    expect(fleet.running()["app-2.0.0"]).toBeGreaterThan(plan.ids.length * 0.9)
    expect(lines.some((l) => /cohort 1 %: created deployment .* for \d+ devices/.test(l))).toBe(true)
  })

  it("a bad hardware revision fails its cohort: Rejected naming the counts, then the rollback redeploys stable to the updated devices only", async () => {
    const fleet = SimulatedFleet.make({ size: 10_000, seed: 8, badHardware: "rev-b" })
    const target = await run(TargetArm.make({ fleet: fleetFile(), rollout: { id: "bad-hw", version: "2.0.0" }, ota: SimulatedFleet.ota(fleet) }))
    const error = await failure(target.apply({ cohort: 5 }))
    expect(error.reason).toBe("Rejected")
    expect(error.detail).toMatch(/^cohort 5 %: \d+ of \d+ devices failed to install app-2.0.0 \(\d+\.\d % > 10 %\)$/)
    expect((await run(target.status)).healthy).toBe(false)
    const cohort5 = new Set(fleet.deploymentDevices(fleet.deployments()[0]!.id))
    await run(target.rollback)
    const rb = fleet.deployments().find((d) => d.name === "rollwise:bad-hw:rollback")!
    expect(rb.artifact).toBe("stable")
    for (const id of fleet.deploymentDevices(rb.id)) expect(cohort5.has(id)).toBe(true)
    // the failed rev-b devices never left stable: only devices that got the candidate are touched
    for (const id of fleet.deploymentDevices(rb.id)) expect(fleet.device(id)!.tags.hardware).not.toBe("rev-b")
    expect(fleet.running()["app-2.0.0"] ?? 0).toBe(0)
    expect(await failure(target.promote)).toMatchObject({ reason: "Rejected" })
  })

  it("devices offline during a rollback get it when they return; status says how many are pending", async () => {
    const fleet = SimulatedFleet.make({ size: 10_000, seed: 9 })
    const target = await run(TargetArm.make({ fleet: fleetFile(), rollout: { id: "offline-rb", version: "2.0.0" }, ota: SimulatedFleet.ota(fleet) }))
    await run(target.apply({ cohort: 5 }))
    const updated = fleet.deploymentDevices(fleet.deployments()[0]!.id)
    const away = updated.slice(0, 20)
    fleet.setOffline(away)
    await run(target.rollback)
    const before = await run(target.status)
    expect(before.phase).toBe("rolled_back")
    expect(before.detail).toMatch(/rolled back: \d+ of \d+ updated devices back on stable, 20 pending \(offline devices get it when they return\), 0 failed/)
    for (const id of away) expect(fleet.artifactOf(id)).toBe("app-2.0.0")
    fleet.setOnline(away)
    fleet.tick(5)
    for (const id of away) expect(fleet.artifactOf(id)).toBe("stable")
    expect((await run(target.status)).detail).toMatch(/, 0 pending/)
  })

  it("after a restart, re-applying a cohort finds its deployment by name: no second deployment for the same devices; the next step deploys only new devices", async () => {
    const fleet = SimulatedFleet.make({ size: 10_000, seed: 10 })
    const ota = SimulatedFleet.ota(fleet)
    const first = await run(TargetArm.make({ fleet: fleetFile(), rollout: { id: "restart", version: "2.0.0" }, ota }))
    await run(first.apply({ cohort: 1 }))
    await run(first.apply({ cohort: 5 }))
    // a new process: nothing in memory
    const lines: Array<string> = []
    const second = await run(TargetArm.make({ fleet: fleetFile(), rollout: { id: "restart", version: "2.0.0" }, ota, onOutput: (l) => lines.push(l) }))
    expect(await run(second.status)).toMatchObject({ phase: "progressing", current: { cohort: 5 } })
    await run(second.apply({ cohort: 5 }))
    expect(fleet.deployments().length).toBe(2)
    await run(second.apply({ cohort: 20 }))
    const all = fleet.deployments()
    expect(all.map((d) => d.name)).toEqual(["rollwise:restart:c1", "rollwise:restart:c5", "rollwise:restart:c20"])
    const c5 = new Set([...fleet.deploymentDevices(all[0]!.id), ...fleet.deploymentDevices(all[1]!.id)])
    for (const id of fleet.deploymentDevices(all[2]!.id)) expect(c5.has(id)).toBe(false)
    expect(lines[0]).toMatch(/found 2 deployment\(s\) of this rollout .* going on from cohort 5 %/)
  })

  it("a missing token is refused before any call, naming the variable", async () => {
    const error = await failure(TargetArm.make({ fleet: fleetFile({ manager: { mender: { url: "https://mender.example", tokenEnv: "MY_MENDER_TOKEN", crashesAttribute: "c", kpiAttributePrefix: "k_" } } }), rollout: { id: "x" }, env: {} }))
    expect(error).toMatchObject({ reason: "Forbidden", detail: "the fleet's OTA manager needs a token in MY_MENDER_TOKEN, which is not set" })
  })
})
