import { startFakeOta } from "@rollwise/ota-harness"
import { DeployTarget } from "@rollwise/rollout-engine"
import { DeployTargetContract } from "@rollwise/rollout-engine/testing"
import { Effect, Exit, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { SimulatedFleet, TargetArm } from "../../src/index.ts"
import { fleetFile } from "../../src/testing.ts"

const token = "ota-token-SECRET-77"
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

describe("TargetArm over the generic OTA contract (fake OTA service, from the README's contract)", () => {
  const servers: Array<{ close: () => Promise<void> }> = []
  let url = ""
  let n = 0
  beforeAll(async () => {
    const s = await startFakeOta({ fleet: SimulatedFleet.make({ size: 400, seed: 6 }), token })
    servers.push(s)
    url = s.url
  })
  afterAll(async () => {
    for (const s of servers) await s.close()
  })
  const file = () => fleetFile({ manager: { http: { url, tokenEnv: "ROLLWISE_OTA_TOKEN" } } })

  DeployTargetContract.suite(
    "TargetArm over the fake generic OTA service",
    () => Layer.effect(DeployTarget.DeployTarget, Effect.orDie(TargetArm.make({ fleet: file(), rollout: { id: `g-contract-${++n}`, version: "2" }, env: { ROLLWISE_OTA_TOKEN: token } }))),
    "cohort",
    [1, 5, 1, 20]
  )

  it("pages devices, creates one deployment per step, finds them again after a restart", async () => {
    const fleet = SimulatedFleet.make({ size: 250, seed: 2, flaky: 0.1 })
    const s = await startFakeOta({ fleet, token, pageSize: 100 })
    servers.push(s)
    const f = fleetFile({ manager: { http: { url: s.url, tokenEnv: "ROLLWISE_OTA_TOKEN" } } })
    const first = await run(TargetArm.make({ fleet: f, rollout: { id: "g-1", version: "2" }, env: { ROLLWISE_OTA_TOKEN: token } }))
    await run(first.apply({ cohort: 20 }))
    const second = await run(TargetArm.make({ fleet: f, rollout: { id: "g-1", version: "2" }, env: { ROLLWISE_OTA_TOKEN: token } }))
    await run(second.apply({ cohort: 20 }))
    await run(second.apply({ cohort: 100 }))
    expect(fleet.deployments().map((d) => d.name)).toEqual(["rollwise:g-1:c20", "rollwise:g-1:c100"])
    expect(s.calls.filter((c) => c.url.startsWith("/devices?page=")).map((c) => c.url).slice(0, 3)).toEqual(["/devices?page=1", "/devices?page=2", "/devices?page=3"])
    expect(s.calls.filter((c) => c.method === "POST").map((c) => c.status)).toEqual([201, 201])
  })

  it("a refused token is Forbidden; the fake answers 401 with {error}", async () => {
    const t = await run(TargetArm.make({ fleet: file(), rollout: { id: "g-401" }, env: { ROLLWISE_OTA_TOKEN: "wrong" } }))
    const exit = await Effect.runPromiseExit(t.apply({ cohort: 5 }))
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit)) expect((exit.cause.reasons[0] as { error: DeployTarget.DeployTargetError }).error).toMatchObject({ reason: "Forbidden", detail: "OTA service: GET /deployments answered 401: unauthorized (check ROLLWISE_OTA_TOKEN)" })
  })
})
