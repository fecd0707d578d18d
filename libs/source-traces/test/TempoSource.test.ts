import { fc, test } from "@fast-check/vitest"
import { MetricSource } from "@rollwise/rollout-engine"
import { MetricSourceContract } from "@rollwise/rollout-engine/testing"
import { QueryTemplate, SloSpec } from "@rollwise/slo-policy"
import { Duration, Effect, Exit, Redacted } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { TempoSource } from "../src/index.ts"
import { contractScenario, FakeTempo, generateSpans, TraceQL, tempoContractSpec, type FakeSpan } from "../src/testing.ts"

const scenario = MetricSourceContract.scenario
const spans = generateSpans(contractScenario())
const window = (i: number) => ({ start: scenario.start + i * scenario.windowSeconds * 1000, end: scenario.start + (i + 1) * scenario.windowSeconds * 1000 })

let tempo: FakeTempo
let tenantTempo: FakeTempo
let oldTempo: FakeTempo
let rangeTempo: FakeTempo
beforeAll(async () => {
  tempo = await FakeTempo.start()
  tempo.add(spans)
  tenantTempo = await FakeTempo.start({ tenant: "team-a", auth: { bearerToken: "t0ken-s3cret" } })
  tenantTempo.add(spans)
  tenantTempo.add(spans.map((s) => ({ ...s, traceId: `f${s.traceId.slice(1)}`, tenant: "team-b", durationMs: s.durationMs * 100 })))
  oldTempo = await FakeTempo.start({ metricsApi: "none" })
  oldTempo.add(spans)
  rangeTempo = await FakeTempo.start({ metricsApi: "range" })
  rangeTempo.add(spans)
})
afterAll(async () => {
  await Promise.all([tempo.close(), tenantTempo.close(), oldTempo.close(), rangeTempo.close()])
})
beforeEach(() => {
  for (const f of [tempo, tenantTempo, oldTempo, rangeTempo]) f.reset()
})

const fast = { timeout: Duration.seconds(5), retries: 2 }

/** Observe through the public layer (what the runner wires). */
const viaLayer = (options: TempoSource.Options, metricName: string, track: "baseline" | "candidate" = "candidate", spec: SloSpec.Spec = tempoContractSpec, i = 1) =>
  Effect.runPromiseExit(
    Effect.gen(function* () {
      const source = yield* MetricSource.MetricSource
      return yield* source.observe({ spec, metric: spec.metrics.find((m) => m.name === metricName)!, track, window: window(i) })
    }).pipe(Effect.provide(TempoSource.layer(options)))
  )

const value = <A>(exit: Exit.Exit<A, unknown>): A => {
  if (Exit.isFailure(exit)) throw new Error(`expected a success, got ${String(exit.cause)}`)
  return exit.value
}
const errorOf = (exit: Exit.Exit<unknown, unknown>) => {
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${JSON.stringify(exit.value)}`)
  return (exit.cause.reasons[0] as unknown as { error: MetricSource.MetricSourceError }).error
}

const specWith = (metrics: ReadonlyArray<Record<string, unknown>>, extra: Record<string, unknown> = {}) =>
  Effect.runSync(SloSpec.decode({ apiVersion: "rollwise/v1", kind: "SloSpec", service: scenario.service, window: "2m", metrics, ...extra }))

MetricSourceContract.suite("Tempo (fake Tempo, from its HTTP API docs and query-frontend code)", () => TempoSource.layer({ url: tempo.url, ...fast }), tempoContractSpec)
MetricSourceContract.suite("Tempo 2.4–2.6, query_range only (fake Tempo)", () => TempoSource.layer({ url: rangeTempo.url, ...fast }), tempoContractSpec)
MetricSourceContract.suite("Tempo before 2.4, no TraceQL metrics (fake Tempo)", () => TempoSource.layer({ url: oldTempo.url, ...fast, searchLimit: 20_000 }), tempoContractSpec)

describe("TempoSource (fake Tempo, from its HTTP API docs and query-frontend code)", () => {
  it("continuous: span durations in seconds of the matched spans started in the window, via /api/search with limit and spss", async () => {
    const m = value(await viaLayer({ url: tempo.url, ...fast, searchLimit: 20_000 }, "latency"))
    const expected = spans.filter((s) => s.service === scenario.service && s.attributes?.track === "canary" && s.name !== "restart" && s.startMs >= window(1).start && s.startMs < window(1).end)
    expect(m.sample?._tag).toBe("Values")
    const values = m.sample?._tag === "Values" ? m.sample.values : []
    expect(values.length).toBe(expected.length)
    expect([...values].sort((a, b) => a - b)).toEqual(expected.map((s) => Math.round(s.durationMs * 1000) / 1e6).sort((a, b) => a - b))
    expect(m.query).toBe('{ resource.service.name = "contract-svc" && span.track = "canary" && name != "restart" }')
    expect(m.warnings).toEqual([])
    const search = tempo.received.find((r) => r.path === "/api/search")!
    expect(search.params.get("spss")).toBe("100")
    expect(search.params.get("limit")).toBe("20000")
    expect(search.params.get("start")).toBe(String(window(1).start / 1000))
    expect(search.params.get("end")).toBe(String(window(1).end / 1000))
  })

  it("continuous: a search that hits the limit says the latencies come from the first traces found", async () => {
    const m = value(await viaLayer({ url: tempo.url, ...fast, searchLimit: 50 }, "latency"))
    expect(m.sample?._tag === "Values" && m.sample.values.length).toBeLessThanOrEqual(50)
    expect(m.warnings.join(" ")).toContain("search limit of 50 traces")
  })

  it("continuous: spans of overlapping traces that started outside the window are not samples", async () => {
    const local = await FakeTempo.start()
    try {
      const w = window(1)
      const span = (id: string, startMs: number, durationMs: number): FakeSpan => ({ traceId: "a".repeat(31) + id, spanId: "b".repeat(15) + id, service: scenario.service, name: "GET /x", startMs, durationMs, attributes: { track: "canary" } })
      // one trace, one span just before the window (ending inside it) and one inside
      local.add([{ ...span("1", w.start - 500, 1000), traceId: "c".repeat(32) }, { ...span("2", w.start + 10, 250), traceId: "c".repeat(32) }])
      const m = value(await viaLayer({ url: local.url, ...fast }, "latency"))
      expect(m.sample).toEqual({ _tag: "Values", values: [0.25] })
    } finally {
      await local.close()
    }
  })

  it("ratio: error spans over all spans from TraceQL metrics (instant /api/metrics/query with count_over_time)", async () => {
    const m = value(await viaLayer({ url: tempo.url, ...fast }, "error-rate"))
    const inWindow = spans.filter((s) => s.service === scenario.service && s.attributes?.track === "canary" && s.name !== "restart" && s.startMs >= window(1).start && s.startMs < window(1).end)
    expect(m.sample).toEqual({ _tag: "Counts", errors: inWindow.filter((s) => s.status === "error").length, total: inWindow.length })
    const calls = tempo.received.filter((r) => r.path === "/api/metrics/query")
    expect(calls.length).toBe(2)
    expect(calls[0]!.params.get("q")).toMatch(/\| count_over_time\(\)$/)
    expect(tempo.received.some((r) => r.path === "/api/search")).toBe(false)
  })

  it("ratio on a Tempo with query_range only: step dividing the window, samples summed, the same counts", async () => {
    const a = value(await viaLayer({ url: tempo.url, ...fast }, "error-rate"))
    const b = value(await viaLayer({ url: rangeTempo.url, ...fast }, "error-rate"))
    expect(b.sample).toEqual(a.sample)
    const calls = rangeTempo.received.map((r) => r.path)
    expect(calls.filter((p) => p === "/api/metrics/query").length).toBe(1)
    expect(calls.filter((p) => p === "/api/metrics/query_range").length).toBe(2)
    const range = rangeTempo.received.find((r) => r.path === "/api/metrics/query_range")!
    const step = Number(range.params.get("step")!.replace("s", ""))
    expect((window(1).start / 1000) % step).toBe(0)
    expect(scenario.windowSeconds % step).toBe(0)
  })

  it("ratio before Tempo 2.4: both metrics endpoints 404, counted from search with a warning that counts are capped", async () => {
    const m = value(await viaLayer({ url: oldTempo.url, ...fast, searchLimit: 100 }, "error-rate"))
    expect(m.sample?._tag).toBe("Counts")
    if (m.sample?._tag === "Counts") expect(m.sample.total).toBeLessThanOrEqual(100)
    expect(m.warnings.join(" ")).toContain("no TraceQL metrics API")
    expect(m.warnings.join(" ")).toContain("capped")
  })

  it("counter: the count of matching spans; a metric with a rate() stage is counted the same", async () => {
    const m = value(await viaLayer({ url: tempo.url, ...fast }, "restarts"))
    expect(m.sample).toEqual({ _tag: "Values", values: [scenario.restarts.candidate] })
    const spec = specWith([{ name: "restarts", kind: "counter", source: "tempo", threshold: 0, query: '{ name = "restart" && span.track = "{{track}}" } | rate()' }])
    expect(value(await viaLayer({ url: tempo.url, ...fast }, "restarts", "candidate", spec)).sample).toEqual({ _tag: "Values", values: [2] })
  })

  it("no data is no sample with a reason: an unknown service, a counter with no spans, a ratio whose total is empty", async () => {
    const spec = specWith([
      { name: "c", kind: "counter", source: "tempo", threshold: 0, query: '{ resource.service.name = "ghost" }' },
      { name: "r", kind: "ratio", source: "tempo", threshold: 0, errorsQuery: '{ resource.service.name = "ghost" && status = error }', totalQuery: '{ resource.service.name = "ghost" }' },
      { name: "l", kind: "continuous", source: "tempo", threshold: 0, query: '{ resource.service.name = "ghost" }' }
    ])
    for (const name of ["c", "r", "l"]) {
      const m = value(await viaLayer({ url: tempo.url, ...fast }, name, "candidate", spec))
      expect(m.sample).toBeUndefined()
      expect(m.reason).toMatch(/no spans matched/)
    }
  })

  it("ratio: no error spans with spans in the total is 0 errors, not no data", async () => {
    const spec = specWith([
      { name: "r", kind: "ratio", source: "tempo", threshold: 0, errorsQuery: '{ span.track = "{{track}}" && status = error && name = "restart" }', totalQuery: '{ span.track = "{{track}}" && name = "restart" }' }
    ])
    expect(value(await viaLayer({ url: tempo.url, ...fast }, "r", "candidate", spec)).sample).toEqual({ _tag: "Counts", errors: 0, total: 2 })
  })

  it("errors above the total are a BadResponse", async () => {
    const spec = specWith([{ name: "r", kind: "ratio", source: "tempo", threshold: 0, errorsQuery: "{ }", totalQuery: '{ name = "restart" }' }])
    expect(errorOf(await viaLayer({ url: tempo.url, ...fast }, "r", "candidate", spec)).reason).toBe("BadResponse")
  })

  it("offset mode: the baseline is the candidate's query one offset earlier", async () => {
    const spec = specWith([{ name: "restarts", kind: "counter", source: "tempo", threshold: 0, query: '{ name = "restart" && span.track = "{{track}}" }' }], { baseline: { by: "offset", offset: "2m" } })
    const m = value(await viaLayer({ url: tempo.url, ...fast }, "restarts", "baseline", spec))
    expect(m.query).toContain('span.track = "canary"')
    const call = tempo.received.find((r) => r.path === "/api/metrics/query")!
    expect(BigInt(call.params.get("start")!)).toBe(BigInt(window(0).start) * 1_000_000n)
  })

  it("a TraceQL parse error (400, plain text) is BadQuery with Tempo's first line, not retried", async () => {
    const spec = specWith([{ name: "l", kind: "continuous", source: "tempo", threshold: 0, query: "{ span.track = }" }])
    const e = errorOf(await viaLayer({ url: tempo.url, ...fast }, "l", "candidate", spec))
    expect(e.reason).toBe("BadQuery")
    expect(e.detail).toMatch(/invalid TraceQL query: parse error at line 1, col \d+: syntax error: unexpected/)
    expect(tempo.received.length).toBe(1)
  })

  it("a query with another pipeline stage is refused before it is sent", async () => {
    const spec = specWith([
      { name: "c", kind: "counter", source: "tempo", threshold: 0, query: '{ name = "restart" } | by(span.track)' },
      { name: "l", kind: "continuous", source: "tempo", threshold: 0, query: '{ name = "x|y" } | count_over_time()' }
    ])
    expect(errorOf(await viaLayer({ url: tempo.url, ...fast }, "c", "candidate", spec)).reason).toBe("BadQuery")
    expect(errorOf(await viaLayer({ url: tempo.url, ...fast }, "l", "candidate", spec)).reason).toBe("BadQuery")
    expect(tempo.received.length).toBe(0)
  })

  it("429 with Retry-After is waited for and retried; a 5xx is retried then Unreachable; too long a Retry-After is not waited", async () => {
    tempo.inject({ status: 429, body: "rate limited\n", contentType: "text/plain", headers: { "retry-after": "1" }, times: 1 })
    const ok = value(await viaLayer({ url: tempo.url, ...fast }, "restarts"))
    expect(ok.sample).toEqual({ _tag: "Values", values: [2] })
    expect(tempo.received.length).toBe(2)
    tempo.reset()
    tempo.inject({ status: 503, body: "too many outstanding requests\n", contentType: "text/plain", times: 10 })
    const e = errorOf(await viaLayer({ url: tempo.url, ...fast }, "restarts"))
    expect(e.reason).toBe("Unreachable")
    expect(e.detail).toContain("503")
    expect(tempo.received.length).toBe(3)
    tempo.reset()
    tempo.inject({ status: 429, body: "slow down\n", contentType: "text/plain", headers: { "retry-after": "3600" }, times: 10 })
    expect(errorOf(await viaLayer({ url: tempo.url, ...fast }, "restarts")).detail).toContain("429")
    expect(tempo.received.length).toBe(1)
  })

  it("silence is Timeout; garbage is BadResponse; a closed port is Unreachable", async () => {
    tempo.delay(1500)
    expect(errorOf(await viaLayer({ url: tempo.url, timeout: Duration.millis(300), retries: 0 }, "restarts")).reason).toBe("Timeout")
    tempo.reset()
    tempo.inject({ status: 200, body: "<html>gateway</html>", contentType: "text/html" })
    expect(errorOf(await viaLayer({ url: tempo.url, ...fast }, "restarts")).reason).toBe("BadResponse")
    tempo.inject({ status: 200, body: JSON.stringify({ traces: [{ traceID: 1 }] }) })
    expect(errorOf(await viaLayer({ url: tempo.url, ...fast }, "latency")).reason).toBe("BadResponse")
    expect(errorOf(await viaLayer({ url: "http://127.0.0.1:1", ...fast, retries: 0 }, "restarts")).reason).toBe("Unreachable")
  })

  it("a trace with more matched spans than spss says how many were not returned", async () => {
    const local = await FakeTempo.start()
    try {
      const at = window(1).start + 1000
      local.add(Array.from({ length: 150 }, (_, i): FakeSpan => ({ traceId: "d".repeat(32), spanId: i.toString(16).padStart(16, "0"), service: scenario.service, name: "loop", startMs: at + i, durationMs: 2, attributes: { track: "canary" } })))
      const m = value(await viaLayer({ url: local.url, ...fast }, "latency"))
      expect(m.sample?._tag === "Values" && m.sample.values.length).toBe(100)
      expect(m.warnings).toContain("50 matched spans were not returned (Tempo returns at most 100 spans per trace's span set)")
    } finally {
      await local.close()
    }
  })

  it("NaN in a TraceQL metrics answer is dropped with a warning, never counted", async () => {
    tempo.inject({ status: 200, body: JSON.stringify({ series: [{ labels: [], value: "NaN" }, { labels: [], value: 2 }] }) })
    const m = value(await viaLayer({ url: tempo.url, ...fast }, "restarts"))
    expect(m.sample).toEqual({ _tag: "Values", values: [2] })
    expect(m.warnings).toContain("1 TraceQL metrics values were not finite numbers and were dropped")
  })

  it("a partial search says so in the warnings", async () => {
    tempo.partial(1)
    const m = value(await viaLayer({ url: tempo.url, ...fast }, "latency"))
    expect(m.warnings.join(" ")).toContain("partial search: Tempo completed 1 of 2 jobs")
  })

  it("sends the tenant and the token; a missing tenant is refused; the token never reaches an error or a warning", async () => {
    const options = { url: tenantTempo.url, ...fast, tenant: "team-a", bearerToken: Redacted.make("t0ken-s3cret") }
    const a = value(await viaLayer(options, "restarts"))
    expect(a.sample).toEqual({ _tag: "Values", values: [2] })
    expect(tenantTempo.received[0]!.headers["x-scope-orgid"]).toBe("team-a")
    expect(tenantTempo.received[0]!.headers.authorization).toBe("Bearer t0ken-s3cret")
    // tenants see their own spans only
    const b = value(await viaLayer({ ...options, tenant: "team-b", searchLimit: 20_000 }, "latency"))
    const own = value(await viaLayer({ ...options, searchLimit: 20_000 }, "latency"))
    const med = (s: typeof b.sample) => (s?._tag === "Values" ? [...s.values].sort((x, y) => x - y)[Math.floor(s.values.length / 2)]! : NaN)
    expect(med(b.sample) / med(own.sample)).toBeGreaterThan(50)
    const noTenant = errorOf(await viaLayer({ url: tenantTempo.url, ...fast, bearerToken: Redacted.make("t0ken-s3cret") }, "restarts"))
    expect(noTenant.reason).toBe("Unreachable")
    expect(noTenant.detail).toContain("no org id")
    // a gateway echoing the credentials back
    tenantTempo.inject({ status: 400, body: "bad request: Authorization: Bearer t0ken-s3cret was refused for tenant team-a\n", contentType: "text/plain" })
    const echoed = errorOf(await viaLayer(options, "restarts"))
    expect(JSON.stringify({ detail: echoed.detail, message: echoed.message })).not.toContain("t0ken-s3cret")
    tenantTempo.inject({ status: 200, body: JSON.stringify({ series: [{ value: 2 }], status: "PARTIAL", message: "querier t0ken-s3cret failed" }) })
    const warned = value(await viaLayer(options, "restarts"))
    expect(warned.warnings.join(" ")).toContain("partial")
    expect(warned.warnings.join(" ")).not.toContain("t0ken-s3cret")
    const wrong = errorOf(await viaLayer({ ...options, bearerToken: Redacted.make("wrong") }, "restarts"))
    expect(wrong.detail).toContain("401")
  })

  it("a tenant given Redacted is sent, and redacted from what comes back", async () => {
    const options = { url: tenantTempo.url, ...fast, tenant: Redacted.make("team-a"), bearerToken: Redacted.make("t0ken-s3cret") }
    expect(value(await viaLayer(options, "restarts")).sample).toEqual({ _tag: "Values", values: [2] })
    expect(tenantTempo.received[0]!.headers["x-scope-orgid"]).toBe("team-a")
    tenantTempo.inject({ status: 403, body: "tenant team-a is not allowed to query\n", contentType: "text/plain" })
    const e = errorOf(await viaLayer(options, "restarts"))
    expect(e.detail).toContain("403")
    expect(e.detail).not.toContain("team-a")
  })

  it("basic auth from options or from the URL's userinfo, never shown", async () => {
    const local = await FakeTempo.start({ auth: { basicAuth: { username: "ops", password: "pa55word" } } })
    try {
      local.add(spans)
      expect(value(await viaLayer({ url: local.url, ...fast, basicAuth: { username: "ops", password: Redacted.make("pa55word") } }, "restarts")).sample).toEqual({ _tag: "Values", values: [2] })
      const withUserinfo = local.url.replace("http://", "http://ops:pa55word@")
      expect(value(await viaLayer({ url: withUserinfo, ...fast }, "restarts")).sample).toEqual({ _tag: "Values", values: [2] })
      const e = errorOf(await viaLayer({ url: withUserinfo.replace(/:\d+$/, ":1"), ...fast, retries: 0 }, "restarts"))
      expect(e.detail).not.toContain("pa55word")
    } finally {
      await local.close()
    }
  })

  it("refuses another source's metric and a signatures metric as Unsupported", async () => {
    const spec = specWith([
      { name: "p", kind: "continuous", threshold: 0, query: "up" },
      { name: "j", kind: "ratio", source: "jaeger", threshold: 0 }
    ])
    expect(errorOf(await viaLayer({ url: tempo.url, ...fast }, "p", "candidate", spec)).reason).toBe("Unsupported")
    expect(errorOf(await viaLayer({ url: tempo.url, ...fast }, "j", "candidate", spec)).reason).toBe("Unsupported")
    expect(tempo.received.length).toBe(0)
  })

  it("checkSpec refuses at load what observe would refuse later, naming the metric and field", () => {
    const check = (metrics: ReadonlyArray<Record<string, unknown>>) => {
      const exit = Effect.runSyncExit(TempoSource.checkSpec(specWith(metrics)))
      return Exit.isSuccess(exit) ? "ok" : errorOf(exit).detail
    }
    expect(Exit.isSuccess(Effect.runSyncExit(TempoSource.checkSpec(tempoContractSpec)))).toBe(true)
    expect(check([{ name: "c", kind: "counter", source: "tempo", threshold: 0 }])).toContain("metric c: a tempo counter metric needs query")
    expect(check([{ name: "r", kind: "ratio", source: "tempo", threshold: 0, errorsQuery: "{ }" }])).toContain("needs errorsQuery and totalQuery")
    expect(check([{ name: "l", kind: "continuous", source: "tempo", threshold: 0, query: '{ span.x = "{{nope}}" }' }])).toContain("query: unknown placeholder {{nope}}")
    expect(check([{ name: "l", kind: "continuous", source: "tempo", threshold: 0, query: "{ } | rate()" }])).toContain("without a pipeline")
    expect(check([{ name: "c", kind: "counter", source: "tempo", threshold: 0, query: "{ } | by(name)" }])).toContain("count_over_time")
    expect(check([{ name: "p", kind: "counter", threshold: 0 }])).toBe("ok")
  })

  it("splitPipeline splits at the first pipe outside strings and braces", () => {
    expect(TempoSource.splitPipeline('{ a = "x | y" || b = `|` } | rate()')).toEqual({ filter: '{ a = "x | y" || b = `|` }', pipeline: "rate()" })
    expect(TempoSource.splitPipeline('{ a = "\\"|" }')).toEqual({ filter: '{ a = "\\"|" }' })
  })
})

describe("TraceQL templating cannot be escaped (property, against the fake Tempo's TraceQL parser)", () => {
  const template = '{ resource.service.name = "{{service}}" && span.track = "{{track}}" && name = "{{op}}" }'
  test.prop([fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), fc.string()], { numRuns: 300 })("any values stay inside their literals and the query's structure is unchanged", (service, track, op) => {
    const rendered = QueryTemplate.render(template, { service, track, op })
    const parsed = TraceQL.parse(rendered)
    const cmp = (scope: "resource" | "span", name: string, v: string): TraceQL.Expr => ({ _tag: "Compare", field: { _tag: "Attribute", scope, name }, op: "=", value: { _tag: "String", value: v } })
    expect(parsed).toEqual({
      filter: {
        _tag: "And",
        left: { _tag: "And", left: cmp("resource", "service.name", service), right: cmp("span", "track", track) },
        right: { _tag: "Compare", field: { _tag: "Intrinsic", name: "name" }, op: "=", value: { _tag: "String", value: op } }
      }
    })
  })

  test.prop([fc.string({ unit: "binary", minLength: 1 })], { numRuns: 100 })("through the source, a track label with quotes and braces selects exactly the spans with that label", async (label) => {
    fc.pre(!label.includes("\u0000"))
    const local = await FakeTempo.start()
    try {
      const at = window(1).start + 1000
      local.add([
        { traceId: "1".repeat(32), spanId: "1".repeat(16), service: "svc", name: "op", startMs: at, durationMs: 5, attributes: { track: label } },
        { traceId: "2".repeat(32), spanId: "2".repeat(16), service: "svc", name: "op", startMs: at, durationMs: 7, attributes: { track: `${label}x` } },
        { traceId: "3".repeat(32), spanId: "3".repeat(16), service: "svc", name: "op", startMs: at, durationMs: 9, attributes: { track: "canary" } }
      ])
      const spec = Effect.runSync(
        SloSpec.decode({
          apiVersion: "rollwise/v1",
          kind: "SloSpec",
          service: "svc",
          window: "2m",
          baseline: { by: "label", candidate: label },
          metrics: [{ name: "l", kind: "continuous", source: "tempo", threshold: 1, query: '{ resource.service.name = "{{service}}" && span.track = "{{track}}" }' }]
        })
      )
      const m = value(await viaLayer({ url: local.url, ...fast }, "l", "candidate", spec))
      expect(m.sample).toEqual({ _tag: "Values", values: [0.005] })
    } finally {
      await local.close()
    }
  })
})
