import { describe, expect, it } from "vitest"
import { startFakeBalena } from "../src/index.ts"
import { tinyFleet } from "./support.ts"

describe("FakeBalena (fake Balena API at its HTTP boundary, pine v7)", () => {
  it("Balena: plain-text 401, {d: [...]} with only the selected fields, a filter it does not understand is a 400, re-pinning changes nothing", async () => {
    const fleet = tinyFleet(["u1", "u2"])
    const fake = await startFakeBalena({ fleet, token: "K", application: 7, releases: { abc: 1, def: 2 } })
    try {
      const get = (path: string, token = "K") => fetch(`${fake.url}${path}`, { headers: { authorization: `Bearer ${token}` } })
      const denied = await get("/v7/device?$filter=belongs_to__application%20eq%207", "x")
      expect([denied.status, await denied.text()]).toEqual([401, "Unauthorized"])
      const rows = (await (await get("/v7/device?$select=uuid&$filter=belongs_to__application%20eq%207")).json()) as { d: Array<Record<string, unknown>> }
      expect(rows.d).toEqual([{ uuid: "u1" }, { uuid: "u2" }])
      expect((await get("/v7/device?$filter=name%20eq%20'x'")).status).toBe(400)
      const pin = () =>
        fetch(`${fake.url}/v7/device?$filter=${encodeURIComponent("belongs_to__application eq 7 and uuid in ('u1')")}`, {
          method: "PATCH",
          headers: { authorization: "Bearer K", "content-type": "application/json" },
          body: JSON.stringify({ should_be_running__release: 2 })
        })
      expect((await pin()).status).toBe(200)
      expect((await pin()).status).toBe(200)
      expect(fake.pins()).toEqual([{ release: 2, uuids: ["u1"] }])
    } finally {
      await fake.close()
    }
  })
})
