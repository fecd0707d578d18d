import { describe, expect, it } from "vitest"
import { startFakeOta } from "../src/index.ts"
import { tinyFleet } from "./support.ts"

describe("FakeOta (the generic OTA contract of libs/target-arm/README.md)", () => {
  it("generic OTA: 401 {error}; 201 then 409 for the same name; progress ticks the fleet; 404 for an unknown id", async () => {
    const fleet = tinyFleet(["a", "b"])
    const fake = await startFakeOta({ fleet, token: "K" })
    try {
      const call = (method: string, path: string, body?: unknown, token = "K") =>
        fetch(`${fake.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) })
      expect(await (await call("GET", "/devices", undefined, "x")).json()).toEqual({ error: "unauthorized" })
      const created = await call("POST", "/deployments", { name: "n", artifact: "v2", devices: ["a"] })
      expect(created.status).toBe(201)
      const { id } = (await created.json()) as { id: string }
      expect((await call("POST", "/deployments", { name: "n", artifact: "v2", devices: ["a"] })).status).toBe(409)
      const one = (await (await call("GET", `/deployments/${id}`)).json()) as { progress: Record<string, number> }
      expect(one.progress).toEqual({ total: 1, pending: 0, active: 0, success: 1, failure: 0, aborted: 0 })
      expect(fleet.ticks()).toBe(1)
      expect((await call("POST", "/deployments/zzz/abort")).status).toBe(404)
    } finally {
      await fake.close()
    }
  })
})
