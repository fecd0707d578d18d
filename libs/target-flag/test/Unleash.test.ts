import { DeployTarget } from "@rollwise/rollout-engine"
import { DeployTargetContract } from "@rollwise/rollout-engine/testing"
import { Effect, Layer } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Unleash } from "../src/index.ts"
import { FakeUnleash } from "../src/testing.ts"

const TOKEN = "user:abc123def456-secret-admin-token"
const VIEWER = "default:production.client-token-789"

let fake: FakeUnleash.FakeUnleash
beforeAll(async () => {
  fake = await FakeUnleash.start({ tokens: [TOKEN], forbiddenTokens: [VIEWER] })
})
afterAll(async () => {
  await fake.close()
})

let n = 0
/** A fresh feature on the shared fake, with its own name. */
const freshFeature = (environments: FakeUnleash.FakeFeature["environments"] = { production: { enabled: false, strategies: [] } }) => {
  const feature = `flag-${++n}`
  fake.projects.default![feature] = { environments }
  return feature
}
const options = (feature: string, extra: Partial<Unleash.Options> = {}): Unleash.Options => ({ url: fake.url, token: TOKEN, feature, environment: "production", salt: "rollout-9", ...extra })
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
const failure = (effect: Effect.Effect<unknown, DeployTarget.DeployTargetError>) => run(Effect.flip(effect))
const env = (feature: string) => fake.projects.default![feature]!.environments.production!

DeployTargetContract.suite("Unleash (fake Unleash, from its Admin API docs)", () => Layer.suspend(() => Unleash.layer(options(freshFeature()))))

describe("Unleash (fake Unleash, from its Admin API docs)", () => {
  it("the first step creates one flexibleRollout strategy (groupId = the rollout id, rollout as a string) and switches the environment on; later steps update it", async () => {
    const feature = freshFeature()
    const t = Unleash.make(options(feature))
    await run(t.apply({ weight: 5 }))
    expect(env(feature).enabled).toBe(true)
    expect(env(feature).strategies).toHaveLength(1)
    expect(env(feature).strategies[0]).toMatchObject({ name: "flexibleRollout", disabled: false, parameters: { rollout: "5", stickiness: "default", groupId: "rollout-9" } })
    await run(t.apply({ weight: 25 }))
    await run(t.promote)
    expect(env(feature).strategies).toHaveLength(1)
    expect(env(feature).strategies[0]!.parameters.rollout).toBe("100")
    expect(await run(t.status)).toMatchObject({ phase: "promoted", healthy: true })
    // the token went as is, no "Bearer"
    expect(fake.requests.filter((r) => r.path.includes(`/${feature}/`)).every((r) => r.authorization === TOKEN)).toBe(true)
  })

  it("idempotent: the same step twice sends no second update; rollback sets 0 once", async () => {
    const feature = freshFeature()
    const t = Unleash.make(options(feature))
    await run(t.apply({ weight: 10 }))
    await run(t.apply({ weight: 10 }))
    await run(t.rollback)
    await run(t.rollback)
    const writes = fake.requests.filter((r) => r.path.includes(`/${feature}/`) && r.method !== "GET")
    expect(writes.map((r) => `${r.method} ${r.path.split("/").slice(-2).join("/")}`)).toEqual([`POST production/strategies`, `POST production/on`, expect.stringMatching(/^PUT strategies\//)])
    expect(env(feature).strategies[0]!.parameters.rollout).toBe("0")
  })

  it("Unleash takes whole percents: any share above 0 is at least 1 % (fast-check over the mapping)", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 100, noNaN: true }), (p) => {
        const r = Unleash.unleashRollout(p)
        expect(Number.isInteger(r)).toBe(true)
        expect(r >= 0 && r <= 100).toBe(true)
        if (p > 0) expect(r).toBeGreaterThanOrEqual(1)
        if (p === 0) expect(r).toBe(0)
        expect(Math.abs(r - p)).toBeLessThanOrEqual(1)
      })
    )
  })

  it("a step of 0.5 % sends rollout \"1\" (the fake refuses decimals, as Unleash's validation does)", async () => {
    const feature = freshFeature()
    await run(Unleash.make(options(feature)).apply({ weight: 0.5 }))
    expect(env(feature).strategies[0]!.parameters.rollout).toBe("1")
  })

  it("another enabled strategy on the environment (it would widen the share) makes apply Rejected, naming it; allowOtherStrategies lets it be", async () => {
    const feature = freshFeature({
      production: { enabled: true, strategies: [{ id: "s-1", name: "default", title: "everyone", disabled: false, sortOrder: 0, constraints: [], variants: [], segments: [], parameters: {} }] }
    })
    const e = await failure(Unleash.make(options(feature)).apply({ weight: 5 }))
    expect(e.reason).toBe("Rejected")
    expect(e.detail).toContain("everyone")
    await run(Unleash.make(options(feature, { allowOtherStrategies: true })).apply({ weight: 5 }))
    expect(env(feature).strategies).toHaveLength(2)
  })

  it("a wrong token is Forbidden (401), a token without the permission Forbidden (403); the token never appears in the error", async () => {
    const feature = freshFeature()
    const e401 = await failure(Unleash.make(options(feature, { token: "not-a-token" })).apply({ weight: 5 }))
    expect(e401.reason).toBe("Forbidden")
    expect(e401.detail).toContain("401 AuthenticationRequired")
    const bearer = await failure(Unleash.make(options(feature, { token: `Bearer ${TOKEN}` })).apply({ weight: 5 }))
    expect(bearer.reason).toBe("Forbidden")
    expect(bearer.message).not.toContain("secret-admin-token")
    const e403 = await failure(Unleash.make(options(feature, { token: VIEWER })).apply({ weight: 5 }))
    expect(e403.reason).toBe("Forbidden")
    expect(e403.detail).toContain("403 NoAccessError")
    expect(e403.message).not.toContain(VIEWER)
  })

  it("an unknown feature, project or environment is NotFound with Unleash's message", async () => {
    const e = await failure(Unleash.make(options("no-such-flag")).apply({ weight: 5 }))
    expect(e.reason).toBe("NotFound")
    expect(e.detail).toContain("Could not find feature flag with name no-such-flag")
    expect((await failure(Unleash.make(options(freshFeature(), { project: "nope" })).apply({ weight: 5 }))).reason).toBe("NotFound")
    expect((await failure(Unleash.make(options(freshFeature(), { environment: "staging" })).apply({ weight: 5 }))).reason).toBe("NotFound")
  })

  it("a 429 (with Retry-After) and a 503 are transient (Unreachable); the next attempt goes through", async () => {
    const feature = freshFeature()
    const t = Unleash.make(options(feature))
    fake.failNext(429, 1, 7)
    const e = await failure(t.apply({ weight: 5 }))
    expect(e.reason).toBe("Unreachable")
    expect(e.transient).toBe(true)
    expect(e.detail).toContain("Retry-After 7 s")
    fake.failNext(503)
    expect((await failure(t.apply({ weight: 5 }))).transient).toBe(true)
    await run(t.apply({ weight: 5 }))
    expect(env(feature).strategies[0]!.parameters.rollout).toBe("5")
  })

  it("a server that is not there is Unreachable", async () => {
    const closed = await FakeUnleash.start({ tokens: [TOKEN] })
    const url = closed.url
    await closed.close()
    const e = await failure(Unleash.make({ ...options("new-cart"), url }).apply({ weight: 5 }))
    expect(e.reason).toBe("Unreachable")
  })

  it("the fake validates like Unleash: a decimal or out-of-range rollout, a missing groupId, a wrong content type", async () => {
    const feature = freshFeature()
    const post = (body: unknown, contentType = "application/json") =>
      fetch(`${fake.url}/api/admin/projects/default/features/${feature}/environments/production/strategies`, { method: "POST", headers: { Authorization: TOKEN, "Content-Type": contentType }, body: JSON.stringify(body) })
    const decimal = await post({ name: "flexibleRollout", parameters: { rollout: "12.5", stickiness: "default", groupId: "g" } })
    expect(decimal.status).toBe(400)
    expect(await decimal.json()).toMatchObject({ name: "BadDataError", id: expect.any(String), message: expect.stringContaining("rollout") })
    expect((await post({ name: "flexibleRollout", parameters: { rollout: "101", stickiness: "default", groupId: "g" } })).status).toBe(400)
    expect((await post({ name: "flexibleRollout", parameters: { rollout: "5", stickiness: "default" } })).status).toBe(400)
    const numeric = await post({ name: "flexibleRollout", parameters: { rollout: 5, stickiness: "default", groupId: "g" } })
    expect(await numeric.json()).toMatchObject({ name: "ValidationError", details: [{ description: expect.stringContaining(".parameters.rollout") }] })
    expect((await post({ name: "flexibleRollout", parameters: {} }, "text/plain")).status).toBe(415)
    const on = await fetch(`${fake.url}/api/admin/projects/default/features/${freshFeature()}/environments/production/on`, { method: "POST", headers: { Authorization: TOKEN } })
    expect(on.status).toBe(409)
  })

  it("status reads the rollout back and says when someone else changed it", async () => {
    const feature = freshFeature()
    const t = Unleash.make(options(feature))
    await run(t.apply({ weight: 20 }))
    expect(await run(t.status)).toMatchObject({ phase: "progressing", current: { weight: 20 }, healthy: true })
    env(feature).strategies[0]!.parameters.rollout = "80"
    const s = await run(t.status)
    expect(s.healthy).toBe(false)
    expect(s.detail).toContain("80 %")
  })

  it("a proxy that echoes the Authorization header in its error body gets the token masked in the error", async () => {
    const { createServer } = await import("node:http")
    const server = createServer((req, res) => res.writeHead(400, { "Content-Type": "application/json" }).end(JSON.stringify({ id: "x", name: "BadDataError", message: `bad header ${req.headers.authorization}` })))
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const port = (server.address() as { port: number }).port
    const e = await failure(Unleash.make({ ...options("new-cart"), url: `http://127.0.0.1:${port}` }).apply({ weight: 5 }))
    await new Promise<void>((resolve) => server.close(() => resolve()))
    expect(e.reason).toBe("Rejected")
    expect(e.detail).toContain("bad header ***")
    expect(e.message).not.toContain(TOKEN)
  })

  it("every request line it reports has the token masked", async () => {
    const lines: Array<string> = []
    await run(Unleash.make(options(freshFeature(), { onOutput: (l) => lines.push(l) })).apply({ weight: 5 }))
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.join("\n")).not.toContain(TOKEN)
  })
})
