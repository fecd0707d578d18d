import { startFakeBalena } from "@rollwise/ota-harness"
import type { DeployTarget } from "@rollwise/rollout-engine"
import { Effect, Exit } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { SimulatedFleet, TargetArm } from "../../src/index.ts"
import { fleetFile } from "../../src/testing.ts"

const token = "balena-api-key-SECRET-42"
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
const failure = async <A>(effect: Effect.Effect<A, DeployTarget.DeployTargetError>) => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  return (exit.cause.reasons[0] as { error: DeployTarget.DeployTargetError }).error
}

describe("TargetArm over Balena (fake Balena API at its HTTP boundary, pine v7)", () => {
  const servers: Array<{ close: () => Promise<void> }> = []
  afterAll(async () => {
    for (const s of servers) await s.close()
  })
  const start = async (badHardware?: string) => {
    const fleet = SimulatedFleet.make({ size: 600, seed: 5, stable: "a1b2c3", ...(badHardware !== undefined ? { badHardware } : {}) })
    const balena = await startFakeBalena({ fleet, token, application: 1234, releases: { a1b2c3: 11, d4e5f6: 12 } })
    servers.push(balena)
    const file = fleetFile({ manager: { balena: { url: balena.url, application: 1234, tokenEnv: "ROLLWISE_BALENA_TOKEN" } }, artifact: { candidate: "d4e5f6", stable: "a1b2c3" } })
    return { fleet, balena, file }
  }

  it("pins each cohort's devices to the candidate release (PATCH should_be_running__release), tags from device_tag filter the fleet, promote pins the rest", async () => {
    const { fleet, balena, file } = await start()
    const lines: Array<string> = []
    const target = await run(TargetArm.make({ fleet: { ...file, devices: { filters: { tier: ["internal", "beta"] }, exclude: [] } }, rollout: { id: "b-1" }, env: { ROLLWISE_BALENA_TOKEN: token }, onOutput: (l) => lines.push(l) }))
    for (const cohort of [1, 5, 20]) await run(target.apply({ cohort }))
    await run(target.promote)
    const pinned = balena.pins().flatMap((p) => p.uuids)
    expect(new Set(pinned).size).toBe(pinned.length)
    for (const id of pinned) expect(["internal", "beta"]).toContain(fleet.device(id)!.tags.tier)
    expect(pinned.length).toBe(fleet.devices().filter((d) => d.tags.tier !== "standard").length)
    expect(balena.pins().every((p) => p.release === 12)).toBe(true)
    expect(balena.calls.some((c) => c.method === "PATCH" && decodeURIComponent(c.url).includes("uuid in ('"))).toBe(true)
    expect(lines.join("\n")).not.toContain(token)
  })

  it("re-applying a cohort after a restart pins nothing twice (pinning is idempotent)", async () => {
    const { balena, file } = await start()
    const first = await run(TargetArm.make({ fleet: file, rollout: { id: "b-2" }, env: { ROLLWISE_BALENA_TOKEN: token } }))
    await run(first.apply({ cohort: 5 }))
    const second = await run(TargetArm.make({ fleet: file, rollout: { id: "b-2" }, env: { ROLLWISE_BALENA_TOKEN: token } }))
    await run(second.apply({ cohort: 5 }))
    expect(balena.pins().length).toBe(1)
  })

  it("a bad hardware revision's devices reject the release: the cohort fails; the rollback pins the updated devices back to the stable release", async () => {
    const { fleet, balena, file } = await start("rev-a")
    const target = await run(TargetArm.make({ fleet: file, rollout: { id: "b-3" }, env: { ROLLWISE_BALENA_TOKEN: token } }))
    const error = await failure(target.apply({ cohort: 20 }))
    expect(error).toMatchObject({ reason: "Rejected" })
    expect(error.detail).toMatch(/^cohort 20 %: \d+ of \d+ devices failed to install d4e5f6/)
    await run(target.rollback)
    const back = balena.pins().filter((p) => p.release === 11).flatMap((p) => p.uuids)
    expect(back.length).toBeGreaterThan(0)
    for (const id of back) expect(fleet.device(id)!.tags.hardware).not.toBe("rev-a")
    expect(fleet.running().d4e5f6 ?? 0).toBe(0)
  })

  it("an unknown release commit is NotFound; a refused key is Forbidden (plain-text 401, as pine answers)", async () => {
    const { file } = await start()
    const t = await run(TargetArm.make({ fleet: { ...file, artifact: { candidate: "ffffff", stable: "a1b2c3" } }, rollout: { id: "b-4" }, env: { ROLLWISE_BALENA_TOKEN: token } }))
    expect(await failure(t.apply({ cohort: 5 }))).toMatchObject({ reason: "NotFound", detail: "Balena: fleet 1234 has no release with commit ffffff" })
    const bad = await run(TargetArm.make({ fleet: file, rollout: { id: "b-5" }, env: { ROLLWISE_BALENA_TOKEN: "nope-nope" } }))
    const e = await failure(bad.apply({ cohort: 5 }))
    expect(e.reason).toBe("Forbidden")
    expect(e.detail).toMatch(/answered 401: Unauthorized \(check ROLLWISE_BALENA_TOKEN\)$/)
  })
})
