import { ApiError, type Flags } from "@rollwise/api-contract"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { FlagsRoute } from "../src/index.ts"
import { makeHandler } from "./helpers.ts"

const operator = "operator-token-1"
const hook = "hook-token-2"
const same = (expected: string) => (candidate: Redacted.Redacted<string> | undefined) => candidate !== undefined && Redacted.value(candidate) === expected

const doc: Flags.FlagDocument = { apiVersion: "rollwise/v1", kind: "Flag", key: "new-cart", version: 4, percentage: 25, on: "on", off: "off", salt: "checkout-2.5.0", rollout: "checkout-2.5.0", updatedAt: 1_796_540_400_000 }
const store = new Map<string, Flags.FlagDocument>([[doc.key, doc]])
const reader = FlagsRoute.FlagReader.of({
  get: (key) => (key === "broken" ? Effect.fail(new ApiError.Unavailable({ message: "the flag store cannot be read" })) : Effect.succeed(store.get(key)))
})

describe("GET /v1/flags/{key} (what the OpenFeature provider polls)", () => {
  let h: Awaited<ReturnType<typeof makeHandler>>
  let bare: Awaited<ReturnType<typeof makeHandler>>
  beforeAll(async () => {
    h = await makeHandler({ authorize: same(operator), authorizeHook: same(hook), flags: reader })
    bare = await makeHandler({ authorize: same(operator) })
  })
  afterAll(async () => {
    await h.close()
    await bare.close()
  })
  const get = (path: string, headers: Record<string, string> = {}) => h.fetch(path, { headers: { authorization: `Bearer ${hook}`, ...headers } })

  it("answers the document with its version as the ETag, to the integration token", async () => {
    const r = await get("/v1/flags/new-cart")
    expect(r.status).toBe(200)
    expect(r.headers.get("etag")).toBe('"4"')
    expect(r.headers.get("content-type")).toContain("application/json")
    expect(await r.json()).toEqual(doc)
  })

  it("answers 304 without a body when If-None-Match names the current version (strong, weak or in a list), 200 when it is older", async () => {
    for (const tag of ['"4"', 'W/"4"', '"3", "4"', "*"]) {
      const r = await get("/v1/flags/new-cart", { "if-none-match": tag })
      expect(r.status, tag).toBe(304)
      expect(await r.text()).toBe("")
      expect(r.headers.get("etag")).toBe('"4"')
    }
    expect((await get("/v1/flags/new-cart", { "if-none-match": '"3"' })).status).toBe(200)
  })

  it("404 for an unknown flag, 400 for a key that cannot be one, 503 when the store fails or the server has no flags", async () => {
    const missing = await get("/v1/flags/old-cart")
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ _tag: "NotFound", message: "flag old-cart not found" })
    expect((await get("/v1/flags/..%2Fetc")).status).toBe(400)
    expect((await get("/v1/flags/broken")).status).toBe(503)
    const none = await bare.fetch("/v1/flags/new-cart", { headers: { authorization: `Bearer ${operator}` } })
    expect(none.status).toBe(503)
    expect(((await none.json()) as { message: string }).message).toContain("--flags-dir")
  })

  it("needs a token", async () => {
    expect((await h.fetch("/v1/flags/new-cart")).status).toBe(401)
  })
})
