import { createServer } from "node:net"
import { type FakeArtifactory, startArtifactory } from "@rollwise/artifactory-harness"
import { Duration, Effect, Exit, Redacted } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { ArtifactoryClient } from "../src/index.ts"

/** A token no answer, error or log may ever show. */
const canary = "canary-AKCp8jQwErTy-7f3a9c0d1e2f"

let fake: FakeArtifactory
beforeAll(async () => {
  fake = await startArtifactory({ token: canary })
})
afterAll(() => fake.close())

const client = (overrides: Partial<ArtifactoryClient.Options> = {}) =>
  ArtifactoryClient.make({ url: fake.url, token: Redacted.make(canary), backoff: Duration.millis(20), ...overrides })

const failure = <A>(effect: Effect.Effect<A, ArtifactoryClient.ArtifactoryError>) =>
  Effect.runPromise(Effect.flip(effect))

const requestsTo = (method: string, path: string) => fake.requests.filter((r) => r.method === method && r.path === path).length

describe("ArtifactoryClient (fake Artifactory, from JFrog's REST docs)", () => {
  it("deploys by checksum first and sends the bytes only when Artifactory answers 404", async () => {
    const bytes = new TextEncoder().encode(`report ${Date.now()}`)
    const first = await Effect.runPromise(client().deploy("rollwise-evidence", "a/report.html", bytes, "text/html"))
    expect(first.uploaded).toBe(true)
    expect(first.checksums).toEqual(ArtifactoryClient.checksumsOf(bytes))
    const attempts = fake.requests.filter((r) => r.path === "/rollwise-evidence/a/report.html")
    expect(attempts.map((r) => [r.headers["x-checksum-deploy"], r.status, r.bodyBytes])).toEqual([
      ["true", 404, 0],
      [undefined, 201, bytes.length]
    ])
    const second = await Effect.runPromise(client().deploy("rollwise-evidence", "b/report.html", bytes, "text/html"))
    expect(second.uploaded).toBe(false)
    expect(fake.file("rollwise-evidence", "b/report.html")?.via).toBe("checksum")
  })

  it("sets any property values and reads them back unchanged: , | = \\ are escaped (property)", async () => {
    fake.seed("libs-release-local", "props/app.tgz", "app")
    const c = client()
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9._-]{0,10}$/), fc.string({ minLength: 1, maxLength: 16 }).filter((s) => s.trim() === s && s !== "" && !s.includes(";")), { minKeys: 1, maxKeys: 4 }),
        async (props) => {
          await Effect.runPromise(c.setProperties("libs-release-local", "props/app.tgz", props))
          const back = await Effect.runPromise(c.getProperties("libs-release-local", "props/app.tgz"))
          for (const [k, v] of Object.entries(props)) expect(back[k]).toEqual([v])
        }
      ),
      { numRuns: 40 }
    )
  })

  it("refuses a property value with a semicolon before asking (the API cannot carry one)", async () => {
    const before = fake.requests.length
    const e = await failure(client().setProperties("libs-release-local", "props/app.tgz", { note: "a;b" }))
    expect(e.reason).toBe("BadRequest")
    expect(e.message).toContain('cannot carry a ";"')
    expect(fake.requests.length).toBe(before)
  })

  it("retries a 429 after the Retry-After it names, then succeeds", async () => {
    fake.inject({ method: "POST", path: "/api/search/aql", status: 429, retryAfter: 1 })
    const before = requestsTo("POST", "/api/search/aql")
    const started = Date.now()
    const result = await Effect.runPromise(client().aql("builds.find()"))
    expect(result.results).toBeInstanceOf(Array)
    expect(requestsTo("POST", "/api/search/aql") - before).toBe(2)
    // a lower bound only: it waited at least the second Artifactory asked for
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
  })

  it("retries 500s with backoff and gives up as Unavailable after every attempt, naming how many", async () => {
    fake.inject({ method: "PUT", path: "/api/build", status: 500, count: 2 })
    const info = { version: "1.0.1", name: "r", number: "1", started: "2026-12-01T07:30:01.346+0000", properties: {}, modules: [] } as const
    await Effect.runPromise(client().publishBuild(info))
    expect(fake.build("r", "1")).toBeDefined()
    fake.inject({ method: "PUT", path: "/api/build", status: 503, count: 3 })
    const e = await failure(client({ retries: 2 }).publishBuild(info))
    expect(e.reason).toBe("Unavailable")
    expect(e.status).toBe(503)
    expect(e.message).toContain("after 3 attempts")
  })

  it("answers 401, 403, 404 and 409 with one typed error each, never retried", async () => {
    const cases: ReadonlyArray<readonly [number, ArtifactoryClient.ArtifactoryError["reason"]]> = [
      [401, "Unauthorized"],
      [403, "Forbidden"],
      [404, "NotFound"],
      [409, "Conflict"]
    ]
    for (const [status, reason] of cases) {
      fake.inject({ method: "GET", path: "/api/storage/", status, message: `refused with ${status}` })
      const before = fake.requests.length
      const e = await failure(client().fileInfo("libs-release-local", "props/app.tgz"))
      expect(e.reason).toBe(reason)
      expect(e.status).toBe(status)
      expect(e.message).toContain(`refused with ${status}`)
      expect(e.message).not.toContain("\n")
      expect(fake.requests.length - before).toBe(1)
    }
  })

  it("a wrong token is Unauthorized with Artifactory's message, and the real 404 of a missing item is NotFound", async () => {
    const e = await failure(ArtifactoryClient.make({ url: fake.url, token: Redacted.make("wrong-token-value") }).aql("builds.find()"))
    expect(e.message).toBe("Artifactory refused the access token (HTTP 401) on POST /api/search/aql: Bad credentials; check ROLLWISE_ARTIFACTORY_TOKEN or --token-file")
    const missing = await failure(client().fileInfo("libs-release-local", "no/such.tgz"))
    expect(missing.reason).toBe("NotFound")
    expect(missing.message).toContain("Unable to find item")
  })

  it("a slow answer times out and is retried; an unreachable server is Unavailable", async () => {
    fake.inject({ method: "POST", path: "/api/search/aql", delayMs: 3000 })
    const before = requestsTo("POST", "/api/search/aql")
    await Effect.runPromise(client({ timeout: Duration.millis(300) }).aql("builds.find()"))
    // the retry answered; the slow one is logged once its delay is over
    await vi.waitFor(() => expect(requestsTo("POST", "/api/search/aql") - before).toBe(2), { timeout: 15_000, interval: 100 })

    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port
        s.close(() => resolve(p))
      })
    })
    const e = await failure(ArtifactoryClient.make({ url: `http://127.0.0.1:${port}/artifactory`, token: Redacted.make(canary), retries: 1, backoff: Duration.millis(10) }).aql("builds.find()"))
    expect(e.reason).toBe("Unavailable")
    expect(e.message).toContain("ECONNREFUSED")
  })

  it("never shows the token: an upstream message echoing it is redacted in every error (canary token, property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(400, 401, 403, 404, 409, 500, 502), fc.constantFrom("", "Bearer ", "token=", "Authorization: Bearer "), async (status, prefix) => {
        fake.inject({ method: "POST", path: "/api/search/aql", status, message: `rejected ${prefix}${canary} for you`, count: 5 })
        const exit = await Effect.runPromiseExit(client({ retries: 0 }).aql("builds.find()"))
        expect(Exit.isFailure(exit)).toBe(true)
        const text = JSON.stringify(exit) + String(exit) + (Exit.isFailure(exit) ? String(exit.cause) : "")
        expect(text).not.toContain(canary)
        // clear the rest of this fault
        for (let i = 0; i < 4; i++) await Effect.runPromiseExit(client({ retries: 0 }).aql("builds.find()"))
      }),
      { numRuns: 14 }
    )
  })

  it("a URL without Artifactory's context gets the real 404 and a hint", async () => {
    const e = await failure(ArtifactoryClient.make({ url: fake.url.replace(/\/artifactory$/, ""), token: Redacted.make(canary) }).aql("builds.find()"))
    expect(e.reason).toBe("NotFound")
    expect(e.message).toContain(`(is the URL missing Artifactory's context? e.g. ${fake.url})`)
  })

  it("reads Retry-After as seconds or an HTTP date", () => {
    expect(ArtifactoryClient.retryAfterMs("3")).toBe(3000)
    expect(ArtifactoryClient.retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000)
    expect(ArtifactoryClient.retryAfterMs(null)).toBeUndefined()
    expect(ArtifactoryClient.retryAfterMs("soon")).toBeUndefined()
  })
})
