import { startFakeMender } from "@rollwise/ota-harness"
import type { DeployTarget } from "@rollwise/rollout-engine"
import { DeployTargetContract } from "@rollwise/rollout-engine/testing"
import { DeployTarget as DT } from "@rollwise/rollout-engine"
import { Effect, Exit, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Mender from "../../src/internal/mender.ts"
import { SimulatedFleet, TargetArm } from "../../src/index.ts"
import { fleetFile } from "../../src/testing.ts"

const token = "mender-pat-SECRET-0123456789"
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
const failure = async <A>(effect: Effect.Effect<A, DeployTarget.DeployTargetError>) => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  return (exit.cause.reasons[0] as { error: DeployTarget.DeployTargetError }).error
}
const menderFleet = (url: string, overrides: Parameters<typeof fleetFile>[0] = {}) =>
  fleetFile({ manager: { mender: { url, tokenEnv: "ROLLWISE_MENDER_TOKEN", crashesAttribute: "rollwise_crashes", kpiAttributePrefix: "rollwise_kpi_" } }, ...overrides })
const client = (url: string, lines: Array<string> = [], retries = 4, timeoutMs = 5000) =>
  Mender.make({ url, tokenEnv: "ROLLWISE_MENDER_TOKEN", crashesAttribute: "rollwise_crashes", kpiAttributePrefix: "rollwise_kpi_" }, { token, timeoutMs, retries, onOutput: (l) => lines.push(l), offlineAfterMs: 600_000, now: Date.now })

describe("TargetArm over Mender (fake Mender, from its OpenAPI)", () => {
  const servers: Array<{ close: () => Promise<void> }> = []
  const start = async (size = 1200, badHardware?: string) => {
    const fleet = SimulatedFleet.make({ size, seed: 3, ...(badHardware !== undefined ? { badHardware } : {}) })
    const mender = await startFakeMender({ fleet, token, artifacts: ["stable", "app-2.0.0"] })
    servers.push(mender)
    return { fleet, mender }
  }
  afterAll(async () => {
    for (const s of servers) await s.close()
  })

  let contractUrl = ""
  beforeAll(async () => {
    const fleet = SimulatedFleet.make({ size: 300, seed: 4 })
    const m = await startFakeMender({ fleet, token, artifacts: ["stable", "app-2.0.0"] })
    servers.push(m)
    contractUrl = m.url
  })
  let contractRun = 0
  DeployTargetContract.suite(
    "TargetArm over the fake Mender (from its OpenAPI)",
    () => Layer.effect(DT.DeployTarget, Effect.orDie(TargetArm.make({ fleet: menderFleet(contractUrl), rollout: { id: `contract-${++contractRun}`, version: "2.0.0" }, env: { ROLLWISE_MENDER_TOKEN: token } }))),
    "cohort",
    [1, 5, 1, 20]
  )

  it("promotes through 1 → 5 → 20 → 100: one device-list deployment per step, devices paged from the inventory, the token never in the output", async () => {
    const { mender, fleet } = await start()
    const lines: Array<string> = []
    const target = await run(TargetArm.make({ fleet: menderFleet(mender.url), rollout: { id: "m-1", version: "2.0.0" }, env: { ROLLWISE_MENDER_TOKEN: token }, onOutput: (l) => lines.push(l) }))
    for (const cohort of [1, 5, 20, 100]) await run(target.apply({ cohort }))
    await run(target.promote)
    expect((await run(target.status)).phase).toBe("promoted")
    const posts = mender.calls.filter((c) => c.method === "POST")
    expect(posts.map((c) => (c.body as { name: string }).name)).toEqual(["rollwise:m-1:c1", "rollwise:m-1:c5", "rollwise:m-1:c20", "rollwise:m-1:c100"])
    expect(posts.reduce((n, c) => n + (c.body as { devices: Array<string> }).devices.length, 0)).toBe(1200)
    // 1,200 devices at 500 a page: three inventory pages per listing
    expect(mender.calls.some((c) => /inventory\/devices\?page=3&per_page=500/.test(c.url))).toBe(true)
    expect(fleet.running()["app-2.0.0"]).toBe(1200)
    expect(lines.some((l) => /^Mender: POST \/api\/management\/v1\/deployments\/deployments → 201 \(\d+ devices, app-2.0.0\)/.test(l))).toBe(true)
    expect(lines.join("\n")).not.toContain(token)
  })

  it("a cohort on a bad hardware revision fails with its counts; the rollback aborts, then redeploys stable to the updated devices only", async () => {
    const { mender } = await start(1200, "rev-b")
    const target = await run(TargetArm.make({ fleet: menderFleet(mender.url), rollout: { id: "m-bad", version: "2.0.0" }, env: { ROLLWISE_MENDER_TOKEN: token } }))
    const error = await failure(target.apply({ cohort: 20 }))
    expect(error.reason).toBe("Rejected")
    expect(error.detail).toMatch(/^cohort 20 %: \d+ of \d+ devices failed to install app-2.0.0/)
    await run(target.rollback)
    const [c20, rb] = mender.deployments()
    expect(rb!.name).toBe("rollwise:m-bad:rollback")
    expect(rb!.artifact).toBe("stable")
    const cohort = new Set(c20!.devices)
    expect(rb!.devices.every((d) => cohort.has(d))).toBe(true)
    expect(rb!.devices.length).toBeLessThan(c20!.devices.length)
    expect(mender.calls.some((c) => c.method === "PUT" && /\/status$/.test(c.url) && c.status === 422)).toBe(true)
  })

  it("401: Forbidden, naming the variable to check, never the token", async () => {
    const { mender } = await start(50)
    const error = await failure(Effect.flatMap(TargetArm.make({ fleet: menderFleet(mender.url), rollout: { id: "m-401" }, env: { ROLLWISE_MENDER_TOKEN: "wrong-token-value" } }), (t) => t.apply({ cohort: 5 })))
    expect(error.reason).toBe("Forbidden")
    expect(error.detail).toMatch(/Mender: GET \/api\/management\/v1\/deployments\/deployments answered 401: Unauthorized \(check ROLLWISE_MENDER_TOKEN\)/)
    expect(error.detail).not.toContain("wrong-token-value")
  })

  it("429 with Retry-After and a 503 are retried, honouring Retry-After; the step goes through", async () => {
    const { mender } = await start(100)
    mender.inject({ method: "POST", path: /deployments$/, status: 429, retryAfter: "1", body: { error: "too many requests" } })
    mender.inject({ method: "GET", path: /statistics$/, status: 503, body: { error: "service unavailable" } })
    const target = await run(TargetArm.make({ fleet: menderFleet(mender.url), rollout: { id: "m-429", version: "2.0.0" }, env: { ROLLWISE_MENDER_TOKEN: token } }))
    await run(target.apply({ cohort: 20 }))
    const statuses = mender.calls.filter((c) => c.method === "POST").map((c) => c.status)
    expect(statuses).toEqual([429, 201])
    expect(mender.calls.some((c) => c.status === 503)).toBe(true)
    expect(mender.deployments().length).toBe(1)
  })

  it("5xx that does not stop: Unreachable (transient) after the retries, quoting Mender's error", async () => {
    const { mender } = await start(20)
    mender.inject({ method: "GET", path: /inventory\/devices$/, status: 500, body: { error: "internal error", request_id: "r" }, count: 10 })
    const error = await failure(client(mender.url, [], 2).devices)
    expect(error.reason).toBe("Unreachable")
    expect(error.transient).toBe(true)
    expect(error.detail).toBe("Mender: GET /api/management/v1/inventory/devices answered 500: internal error (after 3 attempts)")
  })

  it("an answer slower than the timeout: Timeout (transient)", async () => {
    const { mender } = await start(20)
    mender.inject({ path: /inventory\/devices$/, delayMs: 1500, count: 5 })
    const error = await failure(client(mender.url, [], 1, 300).devices)
    expect(error.reason).toBe("Timeout")
    expect(error.detail).toBe(`Mender at ${mender.url}: GET /api/management/v1/inventory/devices: no answer within 0.3 s (after 2 attempts)`)
  })

  it("409 on create (a deployment of that name is active: a run that died before it heard the 201): the existing one is used", async () => {
    const { mender } = await start(20)
    const m = client(mender.url)
    const first = await run(m.create("rollwise:m-409:c5", "app-2.0.0", ["edge-000001"]))
    const again = await run(m.create("rollwise:m-409:c5", "app-2.0.0", ["edge-000001"]))
    expect(again).toEqual(first)
    expect(mender.calls.filter((c) => c.method === "POST").map((c) => c.status)).toEqual([201, 409])
    expect(mender.deployments().length).toBe(1)
  })

  it("404 for an unknown deployment; 422 for an artifact the server does not have (Rejected, quoting Mender)", async () => {
    const { mender } = await start(20)
    const m = client(mender.url)
    expect(await failure(m.progress({ id: "0c13a0e6-6b63-475d-8260-ee42a590e8ff", name: "x", artifact: "a" }, []))).toMatchObject({ reason: "NotFound", detail: "Mender: GET /api/management/v1/deployments/deployments/0c13a0e6-6b63-475d-8260-ee42a590e8ff/statistics answered 404: Deployment not found" })
    expect(await failure(m.create("x", "no-such-artifact", ["edge-000001"]))).toMatchObject({ reason: "Rejected", detail: "Mender: POST /api/management/v1/deployments/deployments answered 422: no artifacts available" })
  })

  it("an error body that echoes the token is redacted", async () => {
    const { mender } = await start(20)
    mender.inject({ status: 400, body: { error: `bad header Authorization: Bearer ${token}` } })
    const error = await failure(client(mender.url).devices)
    expect(error.detail).not.toContain(token)
    expect(error.detail).toContain("***")
  })

  it("Mender's statistics map to progress: noartifact counts as a failure, already-installed as a success", () => {
    const p = Mender.progressOf({ success: 3, pending: 1, failure: 1, downloading: 1, installing: 2, rebooting: 3, noartifact: 2, "already-installed": 4, aborted: 0, pause_before_installing: 1, pause_before_rebooting: 0, pause_before_committing: 0 })
    expect(p).toEqual({ total: 18, pending: 1, active: 7, success: 7, failure: 3, aborted: 0 })
  })
})
