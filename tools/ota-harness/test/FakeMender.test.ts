import { afterAll, describe, expect, it } from "vitest"
import { type FakeMender, startFakeMender } from "../src/index.ts"
import { tinyFleet } from "./support.ts"

const api = "/api/management/v1/deployments/deployments"
describe("FakeMender (fake Mender, from its OpenAPI): answers as the real one documents", () => {
  let fake: FakeMender
  const call = async (method: string, path: string, body?: unknown, token = "T0KEN") => {
    const r = await fetch(`${fake.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) })
    const text = await r.text()
    return { status: r.status, headers: r.headers, body: text.length > 0 ? JSON.parse(text) : undefined }
  }
  afterAll(() => fake.close())

  it("auth, paging limits, create (201 + Location, no body), 409 while active, 422 for an unknown artifact, statistics, abort (204, then 422), 404", async () => {
    const fleet = tinyFleet(["a", "b", "c"])
    fake = await startFakeMender({ fleet, token: "T0KEN", artifacts: ["stable", "v2"] })
    expect((await call("GET", "/api/management/v1/inventory/devices", undefined, "nope")).body).toMatchObject({ error: "Unauthorized" })
    expect((await call("GET", "/api/management/v1/inventory/devices?per_page=501")).status).toBe(400)
    const page = await call("GET", "/api/management/v1/inventory/devices?page=1&per_page=2")
    expect(page.body.map((d: { id: string }) => d.id)).toEqual(["a", "b"])
    expect(page.headers.get("link")).toContain('rel="next"')
    expect(page.headers.get("x-total-count")).toBe("3")
    expect((await call("POST", api, { name: "x", artifact_name: "v2" })).body).toMatchObject({ error: "devices: cannot be blank." })
    expect((await call("POST", api, { name: "x", artifact_name: "v9", devices: ["a"] })).status).toBe(422)
    const created = await call("POST", api, { name: "x", artifact_name: "v2", devices: ["a", "b"] })
    expect(created.status).toBe(201)
    expect(created.body).toBeUndefined()
    const id = created.headers.get("location")!.split("/").at(-1)!
    expect((await call("POST", api, { name: "x", artifact_name: "v2", devices: ["a", "b"] })).body).toMatchObject({ error: "Invalid deployment definition: there is already an active deployment with the same parameters" })
    expect((await call("GET", `${api}?search=V2`)).body.map((d: { id: string }) => d.id)).toEqual([id])
    expect((await call("GET", `${api}?search=x`)).body.map((d: { id: string }) => d.id)).toEqual([id])
    const stats = await call("GET", `${api}/${id}/statistics`)
    expect(stats.body).toMatchObject({ success: 2, pending: 0, failure: 0, noartifact: 0, "already-installed": 0, pause_before_committing: 0 })
    expect((await call("PUT", `${api}/${id}/status`, { status: "aborted" })).status).toBe(422)
    expect((await call("GET", `${api}/nope/statistics`)).body).toMatchObject({ error: "Deployment not found" })
  })

  it("injected faults: 429 with Retry-After once, then the normal answer; a slow answer", async () => {
    fake.inject({ path: /inventory/, status: 429, retryAfter: "2" })
    const limited = await call("GET", "/api/management/v1/inventory/devices")
    expect(limited.status).toBe(429)
    expect(limited.headers.get("retry-after")).toBe("2")
    fake.inject({ path: /inventory/, delayMs: 200 })
    expect((await call("GET", "/api/management/v1/inventory/devices")).status).toBe(200)
    expect(fake.calls.filter((c) => c.status === 429).length).toBe(1)
  })
})
