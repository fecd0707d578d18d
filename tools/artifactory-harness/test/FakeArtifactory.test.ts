import { createHash } from "node:crypto"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type FakeArtifactory, parseProperties, startArtifactory } from "../src/index.ts"

let fake: FakeArtifactory
beforeAll(async () => {
  fake = await startArtifactory({ token: "test-token-abcdef", readOnlyToken: "reader-token-123456" })
})
afterAll(() => fake.close())

const call = (method: string, path: string, init: { token?: string | null; headers?: Record<string, string>; body?: string | Buffer } = {}) =>
  fetch(`${fake.url}${path}`, {
    method,
    headers: { ...(init.token === null ? {} : { Authorization: `Bearer ${init.token ?? fake.token}` }), ...init.headers },
    ...(init.body !== undefined ? { body: init.body } : {})
  })
const sha = (algorithm: string, text: string) => createHash(algorithm).update(text).digest("hex")

describe("auth (fake Artifactory, from JFrog's REST docs)", () => {
  it("answers 401 with a Basic challenge and JFrog's error body without a token", async () => {
    const r = await call("POST", "/api/search/aql", { token: null, body: "builds.find()" })
    expect(r.status).toBe(401)
    expect(r.headers.get("www-authenticate")).toBe('Basic realm="Artifactory Realm"')
    expect(JSON.parse(await r.text())).toEqual({ errors: [{ status: 401, message: "Authentication is required" }] })
  })

  it("answers 401 Bad credentials to a wrong token, pretty-printed as Artifactory does", async () => {
    const r = await call("GET", "/api/storage/rollwise-evidence/x", { token: "wrong-token" })
    expect(r.status).toBe(401)
    expect(await r.text()).toBe('{\n  "errors" : [ {\n    "status" : 401,\n    "message" : "Bad credentials"\n  } ]\n}')
  })

  it("lets a read-only token search but answers 403 to its writes", async () => {
    expect((await call("POST", "/api/search/aql", { token: fake.readOnlyToken, body: "builds.find()" })).status).toBe(200)
    const r = await call("PUT", "/rollwise-evidence/a.txt", { token: fake.readOnlyToken, body: "x" })
    expect(r.status).toBe(403)
    expect(((await r.json()) as { errors: Array<{ message: string }> }).errors[0]!.message).toContain("is not permitted to deploy")
  })
})

describe("deploy by checksum (fake Artifactory, from JFrog's REST docs)", () => {
  it("404s an unknown checksum, takes the bytes, then deploys the same content elsewhere by checksum alone", async () => {
    const content = `content ${Date.now()}`
    const headers = { "X-Checksum-Deploy": "true", "X-Checksum-Sha256": sha("sha256", content), "X-Checksum-Sha1": sha("sha1", content) }
    const miss = await call("PUT", "/rollwise-evidence/one/a.txt", { headers })
    expect(miss.status).toBe(404)
    expect(await miss.text()).toContain(`Checksum deploy failed. No existing file with SHA256: ${sha("sha256", content)}`)
    const upload = await call("PUT", "/rollwise-evidence/one/a.txt", { headers: { "X-Checksum-Sha256": sha("sha256", content) }, body: content })
    expect(upload.status).toBe(201)
    expect(((await upload.json()) as { checksums: { sha256: string } }).checksums.sha256).toBe(sha("sha256", content))
    const hit = await call("PUT", "/rollwise-evidence/two/b.txt", { headers })
    expect(hit.status).toBe(201)
    expect(fake.file("rollwise-evidence", "two/b.txt")?.via).toBe("checksum")
    expect(fake.file("rollwise-evidence", "two/b.txt")?.bytes.toString()).toBe(content)
  })

  it("400s a checksum deploy without a checksum header, 409s bytes that do not match their declared checksum, 404s an unknown repository", async () => {
    const none = await call("PUT", "/rollwise-evidence/c.txt", { headers: { "X-Checksum-Deploy": "true" } })
    expect(none.status).toBe(400)
    expect(await none.text()).toContain("no checksum header 'X-Checksum-Sha1/X-Checksum-Sha256' was found")
    const mismatch = await call("PUT", "/rollwise-evidence/c.txt", { headers: { "X-Checksum-Sha1": sha("sha1", "other") }, body: "this" })
    expect(mismatch.status).toBe(409)
    expect(await mismatch.text()).toContain("Checksum error")
    const repo = await call("PUT", "/no-such-repo/c.txt", { body: "x" })
    expect(repo.status).toBe(404)
    expect(await repo.text()).toContain("Could not find a local repository named no-such-repo")
  })
})

describe("item properties (fake Artifactory, from JFrog's REST docs)", () => {
  it("parses ?properties= with ; or | between properties, , between values and \\ escapes (property)", () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9._-]{0,12}$/)
    const value = fc.string({ minLength: 1, maxLength: 12 }).filter((v) => !v.includes(";"))
    fc.assert(
      fc.property(fc.dictionary(key, fc.array(value, { minLength: 1, maxLength: 3 }), { minKeys: 1, maxKeys: 4 }), (props) => {
        const escape = (t: string) => t.replace(/[\\,|=]/g, (c) => `\\${c}`)
        const text = Object.entries(props)
          .map(([k, vs]) => `${escape(k)}=${vs.map(escape).join(",")}`)
          .join(";")
        expect(Object.fromEntries(parseProperties(text))).toEqual(props)
      })
    )
  })

  it("reads an escaped semicolon as a separator between values, as JFrog documents (%5C;)", () => {
    expect(Object.fromEntries(parseProperties("os=win\\;linux;qa=done"))).toEqual({ os: ["win", "linux"], qa: ["done"] })
  })

  it("sets (204), reads (200), deletes (204); 404 for a missing item and for an item without properties", async () => {
    fake.seed("libs-release-local", "app/1.0/app.tgz", "app bytes")
    expect((await call("GET", "/api/storage/libs-release-local/app/1.0/app.tgz?properties")).status).toBe(404)
    const set = await call("PUT", `/api/storage/libs-release-local/app/1.0/app.tgz?properties=${encodeURIComponent("a=1,2;b=x\\=y")}&recursive=0`)
    expect(set.status).toBe(204)
    const got = (await (await call("GET", "/api/storage/libs-release-local/app/1.0/app.tgz?properties")).json()) as { properties: unknown }
    expect(got.properties).toEqual({ a: ["1", "2"], b: ["x=y"] })
    expect((await call("DELETE", "/api/storage/libs-release-local/app/1.0/app.tgz?properties=a")).status).toBe(204)
    expect(fake.file("libs-release-local", "app/1.0/app.tgz")?.properties.has("a")).toBe(false)
    const missing = await call("PUT", "/api/storage/libs-release-local/nope.tgz?properties=a=1")
    expect(missing.status).toBe(404)
    expect(await missing.text()).toContain("Unable to find item")
  })
})

describe("build-info and AQL (fake Artifactory, from JFrog's REST docs)", () => {
  it("takes a build-info (204), gives it back, and finds builds by property with AQL", async () => {
    const doc = { version: "1.0.1", name: "svc", number: "7", started: "2026-12-01T07:30:01.346+0000", properties: { "rollwise.result": "promoted", other: "x" }, modules: [] }
    const put = await call("PUT", "/api/build", { headers: { "Content-Type": "application/json" }, body: JSON.stringify(doc) })
    expect(put.status).toBe(204)
    const back = (await (await call("GET", "/api/build/svc/7")).json()) as { buildInfo: unknown }
    expect(back.buildInfo).toEqual(doc)
    expect((await call("GET", "/api/build/svc/8")).status).toBe(404)
    const aql = await call("POST", "/api/search/aql", {
      headers: { "Content-Type": "text/plain" },
      body: 'builds.find({"$and":[{"@rollwise.result":{"$match":"*"}},{"name":"svc"}]}).include("name","number","property.*")'
    })
    expect(aql.status).toBe(200)
    const body = (await aql.json()) as { results: Array<Record<string, unknown>>; range: { total: number } }
    expect(body.range.total).toBe(1)
    expect(body.results[0]).toEqual({
      "build.name": "svc",
      "build.number": "7",
      "build.properties": [
        { "build.property.key": "rollwise.result", "build.property.value": "promoted" },
        { "build.property.key": "other", "build.property.value": "x" }
      ]
    })
  })

  it("AQL .include(\"@key\") shows only that property and leaves out items without it, as JFrog documents", async () => {
    fake.seed("libs-release-local", "inc/a.tgz", "a", { version: ["1"], team: ["x"] })
    fake.seed("libs-release-local", "inc/b.tgz", "b", { team: ["y"] })
    const r = await call("POST", "/api/search/aql", { body: 'items.find({"path":"inc"}).include("name","@version")' })
    expect(((await r.json()) as { results: unknown }).results).toEqual([{ name: "a.tgz", properties: [{ key: "version", value: "1" }] }])
  })

  it("400s a build-info without a name, and an AQL query it cannot parse", async () => {
    const put = await call("PUT", "/api/build", { headers: { "Content-Type": "application/json" }, body: JSON.stringify({ number: "1", started: "x" }) })
    expect(put.status).toBe(400)
    const aql = await call("POST", "/api/search/aql", { body: "builds.find({bad json" })
    expect(aql.status).toBe(400)
    expect(await aql.text()).toContain("Failed to parse query")
  })
})

describe("injected faults (fake Artifactory)", () => {
  it("answers 429 with Retry-After, then 500, then serves again", async () => {
    fake.inject({ method: "POST", path: "/api/search/aql", status: 429, retryAfter: 2 })
    fake.inject({ method: "POST", path: "/api/search/aql", status: 500 })
    const first = await call("POST", "/api/search/aql", { body: "builds.find()" })
    expect(first.status).toBe(429)
    expect(first.headers.get("retry-after")).toBe("2")
    expect((await call("POST", "/api/search/aql", { body: "builds.find()" })).status).toBe(500)
    expect((await call("POST", "/api/search/aql", { body: "builds.find()" })).status).toBe(200)
  })

  it("a delay-only fault still carries the request out", async () => {
    fake.inject({ path: "/api/build", delayMs: 50 })
    const put = await call("PUT", "/api/build", { headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: "slow", number: "1", started: "2026-12-01T07:30:01.346+0000" }) })
    expect(put.status).toBe(204)
    expect(fake.build("slow", "1")).toBeDefined()
  })
})
