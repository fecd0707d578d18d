import { fc, test } from "@fast-check/vitest"
import type { MetricSource } from "@rollwise/rollout-engine"
import { Duration, Effect, Exit, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { LokiClient } from "../src/index.ts"
import { errors, type FakeLoki, startFakeLoki } from "../src/testing.ts"

const run = <A>(options: LokiClient.Options, use: (client: Effect.Success<ReturnType<typeof LokiClient.make>>) => Effect.Effect<A, MetricSource.MetricSourceError>) =>
  Effect.runPromiseExit(LokiClient.make(options).pipe(Effect.flatMap(use), Effect.provide(FetchHttpClient.layer)))

const failure = (exit: Exit.Exit<unknown, MetricSource.MetricSourceError>) => {
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${JSON.stringify(exit.value, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`)
  return (exit.cause.reasons[0] as { error: MetricSource.MetricSourceError }).error
}
const success = <A>(exit: Exit.Exit<A, MetricSource.MetricSourceError>): A => {
  if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
  return exit.value
}

const t0 = Date.UTC(2026, 10, 3, 8, 0, 0)
const ns = (ms: number) => BigInt(ms) * 1_000_000n

describe("LokiClient errors and retries (fake Loki, from its HTTP API docs)", () => {
  let fake: FakeLoki
  const token = "tok-9f8e7d6c5b4a"
  beforeAll(async () => {
    fake = await startFakeLoki({ multiTenant: true, bearerToken: token })
    fake.load([{ tenant: "acme", labels: { app: "api" }, entries: [[t0 + 1000, "level=info msg=hello"], [t0 + 2000, "level=error msg=boom"]] }])
  })
  afterAll(() => fake.close())
  beforeEach(() => fake.setWarnings([]))
  const options: LokiClient.Options = { url: "", tenant: "acme", retries: 0 }
  const opts = (o: Partial<LokiClient.Options> = {}): LokiClient.Options => ({ ...options, url: fake.url, bearerToken: Redacted.make(token), ...o })
  const count = 'sum(count_over_time({app="api"} [1m]))'

  it("an instant metric query sends the tenant header and the token, and reads the vector", async () => {
    const r = success(await run(opts(), (c) => c.query(count, ns(t0 + 30_000))))
    expect(r.series.map((s) => s.values)).toEqual([[2]])
    const last = fake.requests.at(-1)!
    expect(last.headers["x-scope-orgid"]).toBe("acme")
    expect(last.headers.authorization).toBe(`Bearer ${token}`)
    expect(last.params.time).toBe(`${ns(t0 + 30_000)}`)
  })

  it("without a tenant a multi-tenant Loki answers 401 no org id: Unreachable, not retried, saying to set a tenant", async () => {
    const before = fake.requests.length
    const { tenant: _tenant, ...withoutTenant } = opts({ retries: 2 })
    const error = failure(await run(withoutTenant, (c) => c.query(count, ns(t0))))
    expect(error.reason).toBe("Unreachable")
    expect(error.detail).toBe(`HTTP 401 from ${fake.url}: no org id (check the credentials and whether this Loki needs a tenant (X-Scope-OrgID))`)
    expect(fake.requests.length - before).toBe(1)
  })

  it("a parse error (400, plain text) is a BadQuery with Loki's words", async () => {
    const error = failure(await run(opts(), (c) => c.query('sum(count_over_time({app="api"} |= foo [1m]))', ns(t0))))
    expect(error.reason).toBe("BadQuery")
    expect(error.detail).toBe("Loki refused the query: parse error at line 1, col 36: syntax error: unexpected IDENTIFIER, expecting STRING")
  })

  it("a log query asked instantly is Loki's 400 (a BadQuery)", async () => {
    const error = failure(await run(opts(), (c) => c.query('{app="api"}', ns(t0))))
    expect(error.detail).toBe(`Loki refused the query: ${errors.instantLogQuery}`)
  })

  it("a metric query read as log lines is a BadQuery naming the fix", async () => {
    const error = failure(await run(opts(), (c) => c.logs(count, t0, t0 + 60_000, 10)))
    expect(error.reason).toBe("BadQuery")
    expect(error.detail).toContain("a signatures metric reads log lines")
  })

  it("429 too many outstanding requests is retried after Retry-After, then answered", async () => {
    fake.inject({ status: 429, body: `${errors.tooManyOutstanding}\n`, headers: { "Retry-After": "1" }, times: 1 })
    const before = fake.requests.length
    const r = success(await run(opts({ retries: 2 }), (c) => c.query(count, ns(t0 + 30_000))))
    expect(r.series[0]!.values).toEqual([2])
    expect(fake.requests.slice(before).map((q) => q.status)).toEqual([429, 200])
  })

  it("429 beyond the retries is Unreachable with Loki's words", async () => {
    fake.inject({ status: 429, body: `${errors.tooManyOutstanding}\n`, headers: { "Retry-After": "0" }, times: 3 })
    const before = fake.requests.length
    const error = failure(await run(opts({ retries: 2 }), (c) => c.query(count, ns(t0))))
    expect(error.reason).toBe("Unreachable")
    expect(error.detail).toBe(`HTTP 429 from ${fake.url}: too many outstanding requests (Loki is overloaded; retried 2 times)`)
    expect(fake.requests.length - before).toBe(3)
  })

  it("5xx is retried, bounded, then Unreachable; a 502 then a success is a success", async () => {
    fake.inject({ status: 502, body: "<html><body>Bad Gateway</body></html>", times: 1 })
    expect(success(await run(opts({ retries: 1 }), (c) => c.query(count, ns(t0 + 30_000)))).series).toHaveLength(1)
    fake.inject({ status: 500, body: "rpc error: code = Unavailable desc = connection refused\n", times: 2 })
    const error = failure(await run(opts({ retries: 1 }), (c) => c.query(count, ns(t0))))
    expect(error.reason).toBe("Unreachable")
    expect(error.detail).toBe(`HTTP 500 from ${fake.url}: rpc error: code = Unavailable desc = connection refused`)
  })

  it("a 404 says the URL may not be Loki's, without retrying", async () => {
    const error = failure(await run(opts({ url: `${fake.url}/not-loki`, retries: 2 }), (c) => c.query(count, ns(t0))))
    expect(error.reason).toBe("Unreachable")
    expect(error.detail).toContain("HTTP 404")
    expect(error.detail).toContain("is ")
  })

  it("a slow answer is a Timeout", async () => {
    fake.delay(3000, 1)
    const error = failure(await run(opts({ timeout: Duration.millis(300) }), (c) => c.query(count, ns(t0))))
    expect(error.reason).toBe("Timeout")
  })

  it("a closed port is Unreachable with the system error code", async () => {
    // a port that was free a moment ago: nothing listens there
    const server = createServer()
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    const port = (server.address() as AddressInfo).port
    await new Promise<void>((r) => server.close(() => r()))
    const error = failure(await run({ url: `http://127.0.0.1:${port}`, retries: 0 }, (c) => c.query(count, ns(t0))))
    expect(error.reason).toBe("Unreachable")
    expect(error.detail).toContain("ECONNREFUSED")
  })

  it("a 200 that is not JSON, or JSON that is not Loki's answer, is a BadResponse", async () => {
    fake.inject({ status: 200, body: "<html>login</html>" })
    expect(failure(await run(opts(), (c) => c.query(count, ns(t0)))).reason).toBe("BadResponse")
    fake.inject({ status: 200, body: JSON.stringify({ status: "success", data: { resultType: "streams", result: [{ stream: {}, values: [["not-ns", "x"]] }] } }) })
    const error = failure(await run(opts(), (c) => c.logs('{app="api"}', t0, t0 + 60_000, 10)))
    expect(error.reason).toBe("BadResponse")
    expect(error.detail).toContain("data.result[0].values[0]")
  })

  it("warnings come back redacted; a body echoing the token never reaches an error", async () => {
    fake.setWarnings([`partial result: querier 3 timed out (auth Bearer ${token})`])
    const r = success(await run(opts(), (c) => c.query(count, ns(t0 + 30_000))))
    expect(r.warnings).toHaveLength(1)
    expect(r.warnings[0]).not.toContain(token)
    fake.inject({ status: 403, body: `forbidden for token ${token}` })
    const error = failure(await run(opts(), (c) => c.query(count, ns(t0))))
    expect(error.detail).not.toContain(token)
    expect(error.message).not.toContain(token)
  })

  it("basic auth secrets (the password and the header value) are redacted too", async () => {
    const basic = await startFakeLoki({ basicAuth: { username: "1234", password: "glc_pw_abcdef" } })
    try {
      basic.inject({ status: 500, body: `upstream said: Authorization: Basic ${Buffer.from("1234:glc_pw_abcdef").toString("base64")} / glc_pw_abcdef` })
      const error = failure(await run({ url: basic.url, basicAuth: { username: "1234", password: Redacted.make("glc_pw_abcdef") }, retries: 0 }, (c) => c.query(count, ns(t0))))
      expect(error.detail).not.toContain("glc_pw_abcdef")
      expect(error.detail).not.toContain(Buffer.from("1234:glc_pw_abcdef").toString("base64"))
      const ok = success(await run({ url: basic.url, basicAuth: { username: "1234", password: Redacted.make("glc_pw_abcdef") }, retries: 0 }, (c) => c.query(count, ns(t0))))
      expect(ok.series).toEqual([])
    } finally {
      await basic.close()
    }
  })
})

describe("LokiClient range splitting", () => {
  test.prop([fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 99_999 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 500_000 })])(
    "sub-ranges hold every point start + k·step ≤ end exactly once, within the point and length limits",
    (start, steps, step, extra, maxPoints, maxRange) => {
      const end = start + steps * step + (extra % step)
      const parts = LokiClient.subRanges(start, end, step, maxPoints, maxRange)
      const points = parts.flatMap((p) => {
        const xs: Array<number> = []
        for (let t = p.start; t <= p.end; t += step) xs.push(t)
        return xs
      })
      const expected: Array<number> = []
      for (let t = start; t <= end; t += step) expected.push(t)
      expect(points).toEqual(expected)
      for (const p of parts) {
        expect((p.end - p.start) / step + 1).toBeLessThanOrEqual(maxPoints)
        if (step <= maxRange) expect(p.end - p.start).toBeLessThanOrEqual(maxRange)
      }
    }
  )

  test.prop([fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 2_000 })])(
    "log ranges tile [start, end) with half-open parts no longer than the limit",
    (start, length, parts) => {
      const maxRange = Math.max(1, Math.ceil(length / parts))
      const tiles = LokiClient.logRanges(start, start + length, maxRange)
      expect(tiles.length).toBe(Math.ceil(length / maxRange))
      tiles.forEach((p, i) => {
        expect(p.start).toBe(i === 0 ? start : tiles[i - 1]!.end)
        expect(p.end - p.start).toBeLessThanOrEqual(maxRange)
        expect(p.end).toBeGreaterThan(p.start)
      })
      if (tiles.length > 0) expect(tiles.at(-1)!.end).toBe(start + length)
    }
  )

  it("a window longer than 720 h is asked for in parts Loki accepts (its limit is 721 h; fake Loki, from its HTTP API docs)", async () => {
    const fake = await startFakeLoki()
    try {
      fake.load([{ labels: { app: "api" }, entries: [[t0 + 1000, "a"], [t0 + 800 * 3_600_000, "b"]] }])
      const lines = success(await run({ url: fake.url, retries: 0 }, (c) => c.logs('{app="api"}', t0, t0 + 900 * 3_600_000, 100)))
      expect(lines.lines.map((l) => l.line)).toEqual(["a", "b"])
      expect(fake.requests.every((r) => r.status === 200)).toBe(true)
      expect(fake.requests).toHaveLength(2)
      const m = success(await run({ url: fake.url, retries: 0 }, (c) => c.queryRange('sum(count_over_time({app="api"} [1h]))', t0, t0 + 900 * 3_600_000, 3600)))
      expect(m.series[0]!.values.reduce((a, v) => a + v, 0)).toBe(2)
      expect(fake.requests.every((r) => r.status === 200)).toBe(true)
    } finally {
      await fake.close()
    }
  })
})

describe("LokiClient paging of log lines (fake Loki, from its HTTP API docs)", () => {
  let fake: FakeLoki
  beforeAll(async () => {
    fake = await startFakeLoki()
  })
  afterAll(() => fake.close())

  it("never asks for more than 5,000 lines at once, and reads 12,000 lines in order", async () => {
    const entries = Array.from({ length: 12_000 }, (_, i) => [ns(t0) + BigInt(i) * 1000n, `line ${i}`] as const)
    fake.load([{ labels: { app: "bulk" }, entries }])
    const before = fake.requests.length
    const r = success(await run({ url: fake.url, retries: 0 }, (c) => c.logs('{app="bulk"}', t0, t0 + 60_000, 20_000)))
    expect(r.lines.map((l) => l.line)).toEqual(entries.map(([, l]) => l))
    expect(r.capped).toBe(false)
    const pages = fake.requests.slice(before)
    expect(pages.map((p) => Number(p.params.limit))).toEqual([5000, 5000, 5000])
    expect(pages.every((p) => p.params.direction === "forward" && p.status === 200)).toBe(true)
  })

  it("a Loki with a lower max_entries_limit_per_query is paged by its limit, said in a warning", async () => {
    const small = await startFakeLoki({ maxEntriesLimitPerQuery: 1000 })
    try {
      small.load([{ labels: { app: "x" }, entries: Array.from({ length: 2500 }, (_, i) => [t0 + i, `l${i}`] as const) }])
      const r = success(await run({ url: small.url, retries: 0 }, (c) => c.logs('{app="x"}', t0, t0 + 60_000, 5000)))
      expect(r.lines).toHaveLength(2500)
      expect(r.warnings).toEqual(["Loki allows 1000 lines per request (max_entries_limit_per_query); paging by that"])
      expect(small.requests[0]!.status).toBe(400)
    } finally {
      await small.close()
    }
  })

  const entryArb = fc.record({ stream: fc.integer({ min: 0, max: 2 }), offset: fc.integer({ min: 0, max: 15 }), text: fc.constantFrom("a", "b", "c", "d") })
  test.prop([fc.array(entryArb, { maxLength: 60 }), fc.integer({ min: 1, max: 80 })], { numRuns: 60 })(
    "pages of 7 lines: every line once, in time order, none lost or doubled where several share a nanosecond",
    async (raw, maxLines) => {
      const pageSize = 7
      // at most pageSize − 1 lines per nanosecond: Loki itself cannot page inside a larger group
      const perNs = new Map<number, number>()
      const kept = raw.filter((e) => {
        const n = perNs.get(e.offset) ?? 0
        if (n >= pageSize - 1) return false
        perNs.set(e.offset, n + 1)
        return true
      })
      const paged = await startFakeLoki({ maxEntriesLimitPerQuery: pageSize })
      try {
        const base = ns(t0)
        const streams = [0, 1, 2].map((s) => ({ labels: { app: "p", s: String(s) }, entries: kept.filter((e) => e.stream === s).map((e) => [base + BigInt(e.offset), `${e.text}`] as const) }))
        paged.load(streams)
        // what Loki holds: exact duplicates (stream, time, text) kept once
        const held = [...new Set(kept.map((e) => `${e.offset}|${e.stream}|${e.text}`))].map((k) => k.split("|")).map(([o, s, t]) => ({ ts: base + BigInt(o!), key: `${s}|${t}` }))
        held.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0))
        const r = success(await run({ url: paged.url, retries: 0 }, (c) => c.logs('{app="p"}', t0, t0 + 1, maxLines)))
        const got = r.lines.map((l) => ({ ts: l.ts, key: `${l.labels.s}|${l.line}` }))
        expect(got.length).toBe(Math.min(maxLines, held.length))
        // capped: stopped at maxLines with more possibly left; never capped with lines unread
        if (held.length > maxLines) expect(r.capped).toBe(true)
        if (!r.capped) expect(got.length).toBe(held.length)
        // in time order, and no line twice
        for (let i = 1; i < got.length; i++) expect(got[i - 1]!.ts <= got[i]!.ts).toBe(true)
        expect(new Set(got.map((g) => `${g.ts}|${g.key}`)).size).toBe(got.length)
        // every line read is held, and when nothing was capped, every held line was read
        const heldKeys = new Set(held.map((h) => `${h.ts}|${h.key}`))
        for (const g of got) expect(heldKeys.has(`${g.ts}|${g.key}`)).toBe(true)
        // the lines read are the earliest ones: nothing held is earlier than the last read without being read
        const last = got.at(-1)?.ts
        if (last !== undefined) for (const h of held) if (h.ts < last) expect(got.some((g) => g.ts === h.ts && g.key === h.key)).toBe(true)
        expect(paged.requests.every((q) => Number(q.params.limit) <= 5000)).toBe(true)
      } finally {
        await paged.close()
      }
    }
  )

  it("more lines at one nanosecond than a page holds: the rest of that nanosecond is skipped and said", async () => {
    const tiny = await startFakeLoki({ maxEntriesLimitPerQuery: 3 })
    try {
      tiny.load([{ labels: { app: "t" }, entries: [...["a", "b", "c", "d", "e"].map((l) => [ns(t0), l] as const), [ns(t0) + 5n, "later"] as const] }])
      const r = success(await run({ url: tiny.url, retries: 0 }, (c) => c.logs('{app="t"}', t0, t0 + 1, 100)))
      expect(r.lines.map((l) => l.line)).toEqual(["a", "b", "c", "later"])
      expect(r.warnings).toContain(`Loki allows 3 lines per request (max_entries_limit_per_query); paging by that`)
      expect(r.warnings).toContain(`3 or more lines at ${ns(t0)} ns, a whole page: the rest of that nanosecond was skipped`)
    } finally {
      await tiny.close()
    }
  })
})
