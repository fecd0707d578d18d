import { OpenFeature, ProviderEvents } from "@openfeature/server-sdk"
import type { Logger } from "@openfeature/server-sdk"
import { trace } from "@opentelemetry/api"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node"
import * as fc from "fast-check"
import { afterEach, describe, expect, it } from "vitest"
import * as Bucketing from "../src/Bucketing.ts"
import type { FlagDocument } from "../src/FlagDocument.ts"
import * as FakeServer from "../src/internal/providerFakeServer.ts"
import * as Example from "./fixtures/provider-example.ts"
import { RollwiseProvider, TelemetryHook } from "../src/Provider.ts"
import type { EvaluationAttributes, Options, PollOutcome } from "../src/Provider.ts"

const flag = (over: Partial<FlagDocument> = {}): FlagDocument => ({
  apiVersion: "rollwise/v1",
  kind: "Flag",
  key: "new-cart",
  version: 1,
  percentage: 5,
  on: "on",
  off: "off",
  salt: "rollout-1",
  updatedAt: 1_700_000_000_000,
  ...over
})

const users = Array.from({ length: 2000 }, (_, i) => `user-${i}`)

const until = async (what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const quietLogger = (): Logger & { readonly warnings: Array<string> } => {
  const warnings: Array<string> = []
  return { warnings, error: () => undefined, warn: (m: unknown) => void warnings.push(String(m)), info: () => undefined, debug: () => undefined }
}

let cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  await OpenFeature.close()
  OpenFeature.clearHooks()
  for (const f of cleanup.reverse()) await f()
  cleanup = []
})

let domains = 0
const setup = async (flags: ReadonlyArray<FlagDocument>, setupOptions: Partial<Options> & { readonly lazy?: boolean } = {}, serverOptions: { token?: string } = {}) => {
  const { lazy, ...options } = setupOptions
  const server = await FakeServer.start({ flags, ...serverOptions })
  cleanup.push(server.close)
  const polls: Array<PollOutcome> = []
  const logger = quietLogger()
  const provider = new RollwiseProvider({
    url: server.url,
    ...(lazy === true ? {} : { flags: flags.map((f) => f.key) }),
    pollIntervalMs: 50,
    logger,
    onPoll: (p) => void polls.push(p),
    ...options
  })
  const domain = `provider-test-${domains++}`
  return { server, provider, polls, logger, domain, client: () => OpenFeature.getClient(domain) }
}

/** Resolves once the provider has polled and cached `version` of `key`. */
const seen = (polls: ReadonlyArray<PollOutcome>, key: string, version: number) => () =>
  polls.some((p) => p.key === key && p.version === version && (p.outcome === "changed" || p.outcome === "unchanged"))

const share = async (client: ReturnType<typeof OpenFeature.getClient>, key = "new-cart") => {
  const on = new Set<string>()
  for (const u of users) if (await client.getBooleanValue(key, false, { targetingKey: u })) on.add(u)
  return on
}

describe("RollwiseProvider (OpenFeature SDK, real; fake Rollwise flag server)", () => {
  it("gives each user a sticky variant, nested across 5 → 25 → 100 %", { timeout: 60_000 }, async () => {
    const t = await setup([flag({ percentage: 5 })])
    await OpenFeature.setProviderAndWait(t.domain, t.provider)
    const client = t.client()
    const changes: Array<ReadonlyArray<string>> = []
    client.addHandler(ProviderEvents.ConfigurationChanged, (d) => void changes.push(d?.flagsChanged ?? []))

    const at5 = await share(client)
    expect(await share(client)).toEqual(at5) // sticky while unchanged
    expect(at5.size).toBeGreaterThan(users.length * 0.025)
    expect(at5.size).toBeLessThan(users.length * 0.08)

    t.server.update("new-cart", { percentage: 25 })
    await until("version 2", seen(t.polls, "new-cart", 2))
    const at25 = await share(client)
    expect([...at5].every((u) => at25.has(u))).toBe(true) // nested
    expect(at25.size).toBeGreaterThan(users.length * 0.2)
    expect(at25.size).toBeLessThan(users.length * 0.3)

    t.server.update("new-cart", { percentage: 100 })
    await until("version 3", seen(t.polls, "new-cart", 3))
    expect((await share(client)).size).toBe(users.length)
    await until("both change events", () => changes.length >= 2)
    expect(changes.slice(0, 2)).toEqual([["new-cart"], ["new-cart"]])

    // the provider and the DeployTarget's bucketing agree on every user
    const doc = flag({ percentage: 25 })
    for (const u of users.slice(0, 200)) expect(at25.has(u)).toBe(Bucketing.variant(doc, u) === "on")
  })

  it("rolls back to 0 % on the first poll after the change: nobody gets `on`", { timeout: 60_000 }, async () => {
    const t = await setup([flag({ percentage: 50 })], { pollIntervalMs: 100 })
    await OpenFeature.setProviderAndWait(t.domain, t.provider)
    const client = t.client()
    expect((await share(client)).size).toBeGreaterThan(800)

    const before = t.server.requests.length
    t.server.update("new-cart", { percentage: 0 })
    await until("the rollback", seen(t.polls, "new-cart", 2))
    expect((await share(client)).size).toBe(0)
    // within one interval: the very first request after the change brought it
    const after = t.server.requests.slice(before).filter((r) => r.key === "new-cart")
    expect(after[0]?.status).toBe(200)
    const details = await client.getBooleanDetails("new-cart", true, { targetingKey: "user-1" })
    expect(details).toMatchObject({ value: false, variant: "off", reason: "TARGETING_MATCH" })
  })

  it("polls with If-None-Match and the server answers 304 without a body", { timeout: 30_000 }, async () => {
    const t = await setup([flag()])
    await OpenFeature.setProviderAndWait(t.domain, t.provider)
    await until("five polls", () => t.server.requests.length >= 5)
    const [first, ...rest] = t.server.requests
    expect(first).toMatchObject({ status: 200, ifNoneMatch: undefined })
    expect(rest.every((r) => r.status === 304 && r.ifNoneMatch === '"1"')).toBe(true)
    expect(t.server.bodiesSent()).toBe(1)
    expect(await t.client().getBooleanDetails("new-cart", false, { targetingKey: "u" })).toMatchObject({ reason: "TARGETING_MATCH" })
  })

  it("sends back the ETag of the version it holds (round trip across a change)", { timeout: 30_000 }, async () => {
    const t = await setup([flag()])
    await OpenFeature.setProviderAndWait(t.domain, t.provider)
    t.server.update("new-cart", { percentage: 10 })
    await until("version 2", seen(t.polls, "new-cart", 2))
    const n = t.server.requests.length
    await until("the next poll", () => t.server.requests.length > n)
    expect(t.server.requests[n]).toMatchObject({ ifNoneMatch: '"2"', status: 304 })
  })

  it("serves the caller's default when Rollwise is unreachable from the start", { timeout: 30_000 }, async () => {
    const dead = await FakeServer.start()
    await dead.close()
    const logger = quietLogger()
    const provider = new RollwiseProvider({ url: dead.url, flags: ["new-cart"], pollIntervalMs: 50, logger })
    const domain = `provider-test-${domains++}`
    await expect(OpenFeature.setProviderAndWait(domain, provider)).rejects.toThrow(/Rollwise unreachable/)
    const client = OpenFeature.getClient(domain)
    expect(await client.getBooleanValue("new-cart", true, { targetingKey: "u" })).toBe(true)
    expect(await client.getBooleanValue("new-cart", false, { targetingKey: "u" })).toBe(false)
    expect(await client.getBooleanDetails("new-cart", false, { targetingKey: "u" })).toMatchObject({ reason: "ERROR", errorCode: "GENERAL" })
    expect(logger.warnings).toHaveLength(1) // logged once, not every poll
  })

  it("keeps serving the cached document while polls fail (STALE), the default after maxStaleMs, and recovers", { timeout: 60_000 }, async () => {
    const t = await setup([flag({ percentage: 100 })], { maxStaleMs: 1500 })
    await OpenFeature.setProviderAndWait(t.domain, t.provider)
    const client = t.client()
    const events: Array<string> = []
    client.addHandler(ProviderEvents.Stale, () => void events.push("stale"))
    client.addHandler(ProviderEvents.Ready, () => void events.push("ready"))

    t.server.failWith(503)
    await until("a failed poll", () => t.polls.some((p) => p.outcome === "error"))
    expect(await client.getBooleanDetails("new-cart", false, { targetingKey: "u" })).toMatchObject({ value: true, reason: "STALE" })
    await until("the stale event", () => events.includes("stale"))
    await until("maxStaleMs passed", async () => (await client.getBooleanDetails("new-cart", false, { targetingKey: "u" })).reason === "ERROR")
    expect(await client.getBooleanDetails("new-cart", false, { targetingKey: "u" })).toMatchObject({ value: false, errorCode: "GENERAL" })
    expect(t.logger.warnings).toHaveLength(1)
    expect(t.logger.warnings[0]).toMatch(/HTTP 503/)

    t.server.failWith(undefined)
    await until("ready again", () => events.lastIndexOf("ready") > events.indexOf("stale"))
    expect(await client.getBooleanDetails("new-cart", false, { targetingKey: "u" })).toMatchObject({ value: true, reason: "TARGETING_MATCH" })
  })

  it("starts with Rollwise failing: Error, defaults, then Ready and the document once it answers", { timeout: 30_000 }, async () => {
    const t = await setup([flag({ percentage: 100 })])
    t.server.failWith(500)
    await expect(OpenFeature.setProviderAndWait(t.domain, t.provider)).rejects.toThrow(/HTTP 500/)
    const client = t.client()
    expect(client.providerStatus).toBe("ERROR")
    expect(await client.getBooleanDetails("new-cart", false, { targetingKey: "u" })).toMatchObject({ value: false, errorCode: "GENERAL" })
    t.server.failWith(undefined)
    await until("ready", () => client.providerStatus === "READY")
    expect(await client.getBooleanDetails("new-cart", false, { targetingKey: "u" })).toMatchObject({ value: true, reason: "TARGETING_MATCH" })
  })

  it("redacts the token from upstream text it logs and reports", { timeout: 30_000 }, async () => {
    const token = "tok-9f8e7d6c5b4a"
    const t = await setup([flag()], { token }, { token })
    await OpenFeature.setProviderAndWait(t.domain, t.provider)
    t.server.failWith(502, `<html>bad gateway: upstream refused Authorization: Bearer ${token}</html>`)
    await until("a failed poll", () => t.polls.some((p) => p.outcome === "error"))
    const surfaced = [...t.logger.warnings, ...t.polls.map((p) => p.detail ?? "")].join("\n")
    expect(surfaced).toMatch(/HTTP 502/)
    expect(surfaced).not.toContain(token)
  })

  it("answers an unknown flag with the default and FLAG_NOT_FOUND", { timeout: 30_000 }, async () => {
    const t = await setup([flag()], { lazy: true })
    await OpenFeature.setProviderAndWait(t.domain, t.provider)
    const details = await t.client().getBooleanDetails("no-such-flag", true, { targetingKey: "u" })
    expect(details).toMatchObject({ value: true, reason: "ERROR", errorCode: "FLAG_NOT_FOUND" })
    expect(t.server.requests.find((r) => r.key === "no-such-flag")?.status).toBe(404)
  })

  it("fetches a flag on its first evaluation when no flags are listed, then polls it", { timeout: 30_000 }, async () => {
    const t = await setup([flag({ percentage: 100, on: "new", off: "old" })], { lazy: true })
    await OpenFeature.setProviderAndWait(t.domain, t.provider)
    expect(t.server.requests).toHaveLength(0)
    expect(await t.client().getStringValue("new-cart", "old", { targetingKey: "u" })).toBe("new")
    await until("polling", () => t.server.requests.filter((r) => r.status === 304).length >= 2)
  })

  it("requires a targeting key", { timeout: 30_000 }, async () => {
    const t = await setup([flag({ percentage: 100 })])
    await OpenFeature.setProviderAndWait(t.domain, t.provider)
    const details = await t.client().getBooleanDetails("new-cart", false, {})
    expect(details).toMatchObject({ value: false, reason: "ERROR", errorCode: "TARGETING_KEY_MISSING" })
  })

  it("rejects number and object evaluations of a variant flag with TYPE_MISMATCH", { timeout: 30_000 }, async () => {
    const t = await setup([flag({ percentage: 100 })])
    await OpenFeature.setProviderAndWait(t.domain, t.provider)
    expect(await t.client().getNumberDetails("new-cart", 7, { targetingKey: "u" })).toMatchObject({ value: 7, errorCode: "TYPE_MISMATCH" })
  })

  it("keeps the last good document when Rollwise answers a bad one, and logs once naming the field", { timeout: 30_000 }, async () => {
    const t = await setup([flag({ percentage: 100 })])
    await OpenFeature.setProviderAndWait(t.domain, t.provider)
    t.server.putRaw("new-cart", JSON.stringify({ ...flag({ version: 2 }), percentage: 150 }), '"2"')
    await until("three bad polls", () => t.polls.filter((p) => p.outcome === "invalid").length >= 3)
    expect(await t.client().getBooleanDetails("new-cart", false, { targetingKey: "u" })).toMatchObject({ value: true, reason: "TARGETING_MATCH", flagMetadata: { version: 1 } })
    expect(t.logger.warnings).toHaveLength(1)
    expect(t.logger.warnings[0]).toMatch(/percentage/)
    expect(t.logger.warnings[0]).toMatch(/keeping version 1/)

    t.server.putRaw("new-cart", "<html>gateway</html>", '"x"')
    await until("a non-JSON poll", () => t.polls.some((p) => p.detail?.startsWith("not JSON") === true))
    expect(await t.client().getBooleanValue("new-cart", false, { targetingKey: "u" })).toBe(true)
  })

  it("times out a slow Rollwise and serves the default", { timeout: 30_000 }, async () => {
    const t = await setup([flag({ percentage: 100 })], { lazy: true, timeoutMs: 200 })
    t.server.delay(2000)
    await OpenFeature.setProviderAndWait(t.domain, t.provider)
    const details = await t.client().getBooleanDetails("new-cart", false, { targetingKey: "u" })
    expect(details).toMatchObject({ value: false, errorCode: "GENERAL" })
    expect(details.errorMessage).toMatch(/no answer within 200 ms/)
  })

  it("sends the token as a bearer and never logs it", { timeout: 30_000 }, async () => {
    const token = "s3cret-token-value"
    const good = await setup([flag({ percentage: 100 })], { token }, { token })
    await OpenFeature.setProviderAndWait(good.domain, good.provider)
    expect(await good.client().getBooleanValue("new-cart", false, { targetingKey: "u" })).toBe(true)
    expect(good.server.requests[0]?.authorization).toBe(`Bearer ${token}`)

    const bad = await setup([flag({ percentage: 100 })], { token: "wrong-token" }, { token })
    await expect(OpenFeature.setProviderAndWait(bad.domain, bad.provider)).rejects.toThrow(/HTTP 401/)
    expect(await bad.client().getBooleanValue("new-cart", false, { targetingKey: "u" })).toBe(false)
    expect(bad.logger.warnings.join("\n")).not.toContain("wrong-token")
  })

  it("stops polling on close: no request after it", { timeout: 30_000 }, async () => {
    const t = await setup([flag()], { pollIntervalMs: 30 })
    await OpenFeature.setProviderAndWait(t.domain, t.provider)
    await until("some polls", () => t.server.requests.length >= 3)
    await OpenFeature.close()
    const n = t.server.requests.length
    await sleep(300) // ten intervals
    expect(t.server.requests.length).toBe(n)
  })

  it("records each evaluation as a feature_flag.evaluation span event and a variant count", { timeout: 30_000 }, async () => {
    const exporter = new InMemorySpanExporter()
    const tracing = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
    tracing.register()
    cleanup.push(async () => {
      await tracing.shutdown()
      trace.disable()
    })
    const counts = new Map<string, number>()
    const seenAttributes: Array<EvaluationAttributes> = []
    OpenFeature.addHooks(
      new TelemetryHook({
        onEvaluation: (a) => {
          seenAttributes.push(a)
          const label = `${a["feature_flag.key"]}/${a["feature_flag.result.variant"] ?? "default"}`
          counts.set(label, (counts.get(label) ?? 0) + 1)
        }
      })
    )
    const t = await setup([flag({ percentage: 100, version: 4 })])
    await OpenFeature.setProviderAndWait(t.domain, t.provider)
    const client = t.client()
    await trace.getTracer("test").startActiveSpan("GET /cart", async (span) => {
      await client.getBooleanValue("new-cart", false, { targetingKey: "user-42" })
      await client.getBooleanValue("new-cart", false, {})
      span.end()
    })
    const [span] = exporter.getFinishedSpans()
    expect(span?.events.map((e) => e.name)).toEqual(["feature_flag.evaluation", "feature_flag.evaluation"])
    expect(span?.events[0]?.attributes).toEqual({
      "feature_flag.key": "new-cart",
      "feature_flag.provider.name": "rollwise",
      "feature_flag.result.variant": "on",
      "feature_flag.result.reason": "targeting_match",
      "feature_flag.version": "4",
      "feature_flag.context.id": "user-42"
    })
    expect(span?.events[1]?.attributes).toMatchObject({ "feature_flag.key": "new-cart", "feature_flag.result.reason": "error", "error.type": "targeting_key_missing" })
    expect(Object.fromEntries(counts)).toEqual({ "new-cart/on": 1, "new-cart/default": 1 })
    expect(seenAttributes).toHaveLength(2)
  })
})

describe("RollwiseProvider configuration", () => {
  it("refuses options it cannot work with, saying which", () => {
    expect(() => new RollwiseProvider({ url: "rollwise:8080" })).toThrow(/url must be an http\(s\) URL/)
    expect(() => new RollwiseProvider({ url: "http://rollwise", pollIntervalMs: 0 })).toThrow(/pollIntervalMs must be a positive/)
    expect(() => new RollwiseProvider({ url: "http://rollwise", pollIntervalMs: 10_000, maxStaleMs: 5000 })).toThrow(/maxStaleMs \(5000\) must exceed pollIntervalMs/)
  })

  it("runs the README example with the output the README shows (OpenFeature SDK, real; fake Rollwise flag server)", { timeout: 60_000 }, async () => {
    const lines: Array<string> = []
    await Example.run((line) => void lines.push(line))
    expect(lines).toEqual([
      "at 10 %: 94 of 1000 users get the new cart",
      '{"value":false,"variant":"off","reason":"TARGETING_MATCH","flagMetadata":{"version":3,"percentage":10,"contextId":"user-42"},"flagKey":"new-cart"}',
      "after rollback: 0 of 1000 users get the new cart",
      'feature_flag_evaluations_total{feature_flag_key="new-cart",feature_flag_variant="off"} 1907',
      'feature_flag_evaluations_total{feature_flag_key="new-cart",feature_flag_variant="on"} 94'
    ])
  })
})

describe("RollwiseProvider properties (OpenFeature SDK, real; fake Rollwise flag server)", () => {
  it("a user in the share at a lower percentage stays in it at a higher one (nested), whatever the salt", { timeout: 120_000 }, async () => {
    const t = await setup([flag({ version: 0 })], { pollIntervalMs: 20 })
    await OpenFeature.setProviderAndWait(t.domain, t.provider)
    const client = t.client()
    let version = 0
    const at = async (percentage: number, salt: string) => {
      version++
      t.server.put(flag({ version, percentage, salt }))
      await until(`version ${version}`, seen(t.polls, "new-cart", version))
      const on = new Set<string>()
      for (const u of users.slice(0, 200)) if (await client.getBooleanValue("new-cart", false, { targetingKey: u })) on.add(u)
      return on
    }
    await fc.assert(
      fc.asyncProperty(fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), fc.string(), async (a, b, salt) => {
        const low = await at(Math.min(a, b), salt)
        const high = await at(Math.max(a, b), salt)
        expect([...low].filter((u) => !high.has(u))).toEqual([])
      }),
      { numRuns: 25 }
    )
  })

  it("the variant is always `on` or `off`, the same for the same user while the document is unchanged, and agrees with Bucketing", { timeout: 120_000 }, async () => {
    const t = await setup([], { lazy: true, pollIntervalMs: 60_000 })
    await OpenFeature.setProviderAndWait(t.domain, t.provider)
    const client = t.client()
    let n = 0
    await fc.assert(
      fc.asyncProperty(
        fc.record({ percentage: fc.double({ min: 0, max: 100, noNaN: true }), salt: fc.string(), on: fc.constantFrom("on", "new", "v2"), off: fc.constantFrom("off", "old", "v1") }),
        fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 20 }),
        async (shape, keys) => {
          const doc = flag({ ...shape, key: `prop-${n++}` })
          t.server.put(doc)
          for (const targetingKey of keys) {
            const a = await client.getStringDetails(doc.key, "default", { targetingKey })
            const b = await client.getStringDetails(doc.key, "default", { targetingKey })
            expect([doc.on, doc.off]).toContain(a.value)
            expect(b.value).toBe(a.value)
            expect(a.value).toBe(Bucketing.variant(doc, targetingKey))
            expect(await client.getBooleanValue(doc.key, false, { targetingKey })).toBe(a.value === doc.on)
          }
        }
      ),
      { numRuns: 60 }
    )
  })
})
