import { fc, test } from "@fast-check/vitest"
import { MetricSource } from "@rollwise/rollout-engine"
import { MetricSourceContract } from "@rollwise/rollout-engine/testing"
import { SloSpec } from "@rollwise/slo-policy"
import { Duration, Effect, Exit, Layer, Redacted } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { JaegerSource, TempoSource } from "../src/index.ts"
import { contractScenario, FakeJaeger, FakeTempo, generateSpans, jaegerContractSpec, type FakeSpan } from "../src/testing.ts"

const scenario = MetricSourceContract.scenario
const spans = generateSpans(contractScenario())
const window = (i: number) => ({ start: scenario.start + i * scenario.windowSeconds * 1000, end: scenario.start + (i + 1) * scenario.windowSeconds * 1000 })

let jaeger: FakeJaeger
let tempo: FakeTempo
beforeAll(async () => {
  jaeger = await FakeJaeger.start()
  jaeger.add(spans)
  tempo = await FakeTempo.start()
  tempo.add(spans)
})
afterAll(async () => {
  await Promise.all([jaeger.close(), tempo.close()])
})
beforeEach(() => {
  jaeger.reset()
  tempo.reset()
})

const fast = { timeout: Duration.seconds(5), retries: 2 }

const viaLayer = (options: JaegerSource.Options, metricName: string, track: "baseline" | "candidate" = "candidate", spec: SloSpec.Spec = jaegerContractSpec, i = 1) =>
  Effect.runPromiseExit(
    Effect.gen(function* () {
      const source = yield* MetricSource.MetricSource
      return yield* source.observe({ spec, metric: spec.metrics.find((m) => m.name === metricName)!, track, window: window(i) })
    }).pipe(Effect.provide(JaegerSource.layer(options)))
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

const current = Effect.gen(function* () {
  return yield* MetricSource.MetricSource
})

/** Routes each metric to its source's layer, as the runner does (a jaeger slo.yaml cannot hold a counter). */
const routed = (jaegerOptions: JaegerSource.Options, tempoOptions: TempoSource.Options): Layer.Layer<MetricSource.MetricSource> =>
  Layer.effect(
    MetricSource.MetricSource,
    Effect.gen(function* () {
      const j = yield* Effect.provide(current, JaegerSource.layer(jaegerOptions))
      const t = yield* Effect.provide(current, TempoSource.layer(tempoOptions))
      return MetricSource.MetricSource.of({ observe: (r) => (r.metric.source === "tempo" ? t.observe(r) : j.observe(r)) })
    })
  )

MetricSourceContract.suite("Jaeger, restarts routed to Tempo (fake Jaeger, from jaeger-query's HTTP handlers)", () => routed({ url: jaeger.url, ...fast }, { url: tempo.url, ...fast }), jaegerContractSpec)

const inWindow = (track: string, i = 1) =>
  spans.filter((s) => s.service === scenario.service && s.name === "GET /checkout" && s.attributes?.track === track && s.startMs >= window(i).start && s.startMs < window(i).end)

describe("JaegerSource (fake Jaeger, from jaeger-query's HTTP handlers)", () => {
  it("continuous: durations in seconds of the service's spans with the operation and tags, started in the window (µs params, tags as JSON)", async () => {
    const m = value(await viaLayer({ url: jaeger.url, ...fast, limit: 20_000 }, "latency"))
    const expected = inWindow("canary")
    expect(m.sample?._tag === "Values" && [...m.sample.values].sort((a, b) => a - b)).toEqual(expected.map((s) => Math.round(s.durationMs * 1000) / 1e6).sort((a, b) => a - b))
    expect(m.warnings).toEqual([])
    const call = jaeger.received[0]!
    expect(call.path).toBe("/api/traces")
    expect(call.params.get("service")).toBe(scenario.service)
    expect(call.params.get("operation")).toBe("GET /checkout")
    expect(JSON.parse(call.params.get("tags")!)).toEqual({ track: "canary" })
    expect(call.params.get("start")).toBe(String(window(1).start * 1000))
    expect(call.params.get("end")).toBe(String(window(1).end * 1000 - 1))
    expect(m.query).toBe(`service=contract-svc&operation=GET+%2Fcheckout&tags=${encodeURIComponent('{"track":"canary"}')}`)
  })

  it("only the service's own spans count, though Jaeger returns whole traces (the db client spans are left out)", async () => {
    const spec = specWith([{ name: "all", kind: "ratio", source: "jaeger", threshold: 0, tags: { track: "{{track}}" } }])
    const m = value(await viaLayer({ url: jaeger.url, ...fast, limit: 20_000 }, "all", "candidate", spec))
    const restarts = spans.filter((s) => s.service === scenario.service && s.name === "restart" && s.attributes?.track === "canary" && s.startMs >= window(1).start && s.startMs < window(1).end)
    expect(m.sample).toEqual({ _tag: "Counts", errors: inWindow("canary").filter((s) => s.status === "error").length, total: inWindow("canary").length + restarts.length })
  })

  it("ratio: spans tagged error=true or otel.status_code=ERROR over all spans", async () => {
    const m = value(await viaLayer({ url: jaeger.url, ...fast, limit: 20_000 }, "error-rate"))
    expect(m.sample).toEqual({ _tag: "Counts", errors: inWindow("canary").filter((s) => s.status === "error").length, total: inWindow("canary").length })
    expect(JaegerSource.isError([{ key: "error", type: "bool", value: true }])).toBe(true)
    expect(JaegerSource.isError([{ key: "error", type: "string", value: "true" }])).toBe(true)
    expect(JaegerSource.isError([{ key: "otel.status_code", type: "string", value: "ERROR" }])).toBe(true)
    expect(JaegerSource.isError([{ key: "otel.status_code", type: "string", value: "OK" }, { key: "error", type: "bool", value: false }])).toBe(false)
  })

  it("a full answer (limit traces) is paged by halving the time range: the same counts as one unlimited search", async () => {
    const whole = value(await viaLayer({ url: jaeger.url, ...fast, limit: 20_000 }, "error-rate"))
    jaeger.reset()
    const paged = value(await viaLayer({ url: jaeger.url, ...fast, limit: 2000 }, "error-rate"))
    expect(paged.sample).toEqual(whole.sample)
    expect(paged.warnings).toEqual([])
    expect(jaeger.received.length).toBeGreaterThan(1)
    expect(jaeger.received.every((r) => r.params.get("limit") === "2000")).toBe(true)
  })

  it("when paging runs out of requests, the counts are said to be capped", async () => {
    const m = value(await viaLayer({ url: jaeger.url, ...fast, limit: 10 }, "error-rate"))
    expect(jaeger.received.length).toBeLessThanOrEqual(JaegerSource.maxRequests)
    expect(m.warnings.join(" ")).toContain("capped")
  })

  it("an unknown service or operation (Jaeger answers data: [] with 200) is no sample with a reason", async () => {
    const spec = Effect.runSync(SloSpec.decode({ apiVersion: "rollwise/v1", kind: "SloSpec", service: "ghost", window: "2m", metrics: [{ name: "l", kind: "continuous", source: "jaeger", threshold: 1 }] }))
    const m = value(await viaLayer({ url: jaeger.url, ...fast }, "l", "candidate", spec))
    expect(m.sample).toBeUndefined()
    expect(m.reason).toContain("no traces of service ghost")
    const n = value(await viaLayer({ url: jaeger.url, ...fast }, "absent"))
    expect(n.sample).toBeUndefined()
    expect(n.reason).not.toBe("")
  })

  it("offset mode shifts the time range; the tag is the candidate's label", async () => {
    const spec = specWith([{ name: "l", kind: "continuous", source: "jaeger", threshold: 1, tags: { track: "{{track}}" } }], { baseline: { by: "offset", offset: "2m" } })
    value(await viaLayer({ url: jaeger.url, ...fast, limit: 20_000 }, "l", "baseline", spec))
    expect(jaeger.received[0]!.params.get("start")).toBe(String(window(0).start * 1000))
    expect(JSON.parse(jaeger.received[0]!.params.get("tags")!)).toEqual({ track: "canary" })
  })

  it("a 400 ({data: null, errors: [{code, msg}]} as text/plain) is BadQuery with Jaeger's message, not retried", async () => {
    jaeger.inject({ status: 400, contentType: "text/plain; charset=utf-8", body: `${JSON.stringify({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 400, msg: "malformed 'tags' parameter, cannot unmarshal JSON: unexpected end of JSON input" }] })}\n` })
    const e = errorOf(await viaLayer({ url: jaeger.url, ...fast }, "latency"))
    expect(e.reason).toBe("BadQuery")
    expect(e.detail).toBe("Jaeger refused the search: malformed 'tags' parameter, cannot unmarshal JSON: unexpected end of JSON input")
    expect(jaeger.received.length).toBe(1)
  })

  it("the fake itself refuses what jaeger-query refuses: bad tags JSON, a missing service, bad start", async () => {
    const get = async (q: string) => {
      const r = await fetch(`${jaeger.url}/api/traces?${q}`)
      return { status: r.status, body: (await r.json()) as { data: unknown; errors: Array<{ code: number; msg: string }> } }
    }
    const badTags = await get("service=a&tags=%7Bnot-json")
    expect(badTags.status).toBe(400)
    expect(badTags.body.data).toBeNull()
    expect(badTags.body.errors[0]!.msg).toContain("malformed 'tags' parameter, cannot unmarshal JSON")
    expect((await get("operation=x")).body.errors[0]!.msg).toBe("parameter 'service' is required")
    expect((await get("service=a&start=yesterday")).body.errors[0]!.msg).toContain("unable to parse param 'start'")
    const services = (await (await fetch(`${jaeger.url}/api/services`)).json()) as { data: Array<string> }
    expect(services.data).toEqual([scenario.service, `${scenario.service}-db`])
  })

  it("a 500 with an errors array is retried, then Unreachable with the message; 429 with Retry-After is waited for", async () => {
    const body = `${JSON.stringify({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 500, msg: "elasticsearch: connection refused" }] })}\n`
    jaeger.inject({ status: 500, contentType: "text/plain; charset=utf-8", body, times: 5 })
    const e = errorOf(await viaLayer({ url: jaeger.url, ...fast }, "latency"))
    expect(e.reason).toBe("Unreachable")
    expect(e.detail).toBe("HTTP 500 from Jaeger: elasticsearch: connection refused")
    expect(jaeger.received.length).toBe(3)
    jaeger.reset()
    jaeger.inject({ status: 429, body: "Too Many Requests\n", contentType: "text/plain", headers: { "retry-after": "1" } })
    expect(value(await viaLayer({ url: jaeger.url, ...fast, limit: 20_000 }, "latency")).sample?._tag).toBe("Values")
    expect(jaeger.received.length).toBe(2)
  })

  it("data with an errors array is a partial answer: the spans, and Jaeger's errors as warnings", async () => {
    jaeger.reportErrors([{ code: 404, msg: "trace not found", traceID: "abc" }])
    const m = value(await viaLayer({ url: jaeger.url, ...fast, limit: 20_000 }, "latency"))
    expect(m.sample?._tag).toBe("Values")
    expect(m.warnings.join(" ")).toContain("404 trace not found")
    jaeger.inject({ status: 200, body: JSON.stringify({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 500, msg: "storage timeout" }] }) })
    expect(errorOf(await viaLayer({ url: jaeger.url, ...fast }, "latency")).reason).toBe("BadResponse")
  })

  it("a Jaeger without /api/traces (404, after v2.20) is Unreachable saying so; garbage is BadResponse; silence is Timeout", async () => {
    jaeger.inject({ status: 404, body: "404 page not found\n", contentType: "text/plain" })
    expect(errorOf(await viaLayer({ url: jaeger.url, ...fast }, "latency")).detail).toContain("removed this search")
    jaeger.inject({ status: 200, body: "{\"data\": [{\"traceID\": 5}]}" })
    expect(errorOf(await viaLayer({ url: jaeger.url, ...fast }, "latency")).reason).toBe("BadResponse")
    jaeger.delay(1500)
    expect(errorOf(await viaLayer({ url: jaeger.url, timeout: Duration.millis(300), retries: 0 }, "latency")).reason).toBe("Timeout")
  })

  it("credentials for a proxy before Jaeger are sent and never shown", async () => {
    const local = await FakeJaeger.start({ auth: { bearerToken: "pr0xy-t0ken" } })
    try {
      local.add(spans.slice(0, 200))
      const ok = await viaLayer({ url: local.url, ...fast, bearerToken: Redacted.make("pr0xy-t0ken") }, "latency", "baseline", jaegerContractSpec, 0)
      expect(Exit.isSuccess(ok)).toBe(true)
      expect(local.received[0]!.headers.authorization).toBe("Bearer pr0xy-t0ken")
      local.inject({ status: 400, contentType: "text/plain", body: `${JSON.stringify({ data: null, errors: [{ code: 400, msg: "header Authorization: Bearer pr0xy-t0ken not allowed" }] })}\n` })
      const e = errorOf(await viaLayer({ url: local.url, ...fast, bearerToken: Redacted.make("pr0xy-t0ken") }, "latency"))
      expect(`${e.detail} ${e.message}`).not.toContain("pr0xy-t0ken")
      expect(errorOf(await viaLayer({ url: local.url, ...fast, bearerToken: Redacted.make("nope") }, "latency")).detail).toContain("401")
    } finally {
      await local.close()
    }
  })

  it("checkSpec refuses queries on a jaeger metric and unknown placeholders, naming the field", () => {
    const check = (metrics: ReadonlyArray<Record<string, unknown>>) => {
      const exit = Effect.runSyncExit(JaegerSource.checkSpec(specWith(metrics)))
      return Exit.isSuccess(exit) ? "ok" : errorOf(exit).detail
    }
    expect(check([{ name: "j", kind: "ratio", source: "jaeger", threshold: 0, operation: "{{service}}-op", tags: { track: "{{track}}" } }])).toBe("ok")
    expect(check([{ name: "j", kind: "continuous", source: "jaeger", threshold: 0, query: "x" }])).toContain("query would be ignored")
    expect(check([{ name: "j", kind: "continuous", source: "jaeger", threshold: 0, tags: { track: "{{trak}}" } }])).toContain("tags.track: unknown placeholder {{trak}}")
  })

  it("refuses other sources' metrics and counters as Unsupported; an unknown placeholder is BadQuery", async () => {
    const spec = specWith([
      { name: "t", kind: "counter", source: "tempo", threshold: 0, query: "{ }" },
      { name: "j", kind: "continuous", source: "jaeger", threshold: 0, operation: "{{nope}}" }
    ])
    expect(errorOf(await viaLayer({ url: jaeger.url, ...fast }, "t", "candidate", spec)).reason).toBe("Unsupported")
    expect(errorOf(await viaLayer({ url: jaeger.url, ...fast }, "j", "candidate", spec)).reason).toBe("BadQuery")
    expect(jaeger.received.length).toBe(0)
  })
})

describe("Jaeger selection values arrive verbatim (property, through the fake's own tags parsing)", () => {
  test.prop([fc.string({ unit: "binary", minLength: 1 }), fc.string({ unit: "binary", minLength: 1 })], { numRuns: 60 })(
    "a track label and an operation with quotes, braces, ampersands or newlines select exactly the spans that carry them",
    async (label, operation) => {
      const local = await FakeJaeger.start()
      try {
        const at = window(1).start + 1000
        const span = (n: string, track: string, op: string, durationMs: number): FakeSpan => ({ traceId: n.repeat(32), spanId: n.repeat(16), service: "svc", name: op, startMs: at, durationMs, attributes: { track } })
        local.add([span("1", label, operation, 5), span("2", `${label}"`, operation, 7), span("3", label, `${operation}}`, 9), span("4", "canary", operation, 11)])
        const spec = Effect.runSync(
          SloSpec.decode({
            apiVersion: "rollwise/v1",
            kind: "SloSpec",
            service: "svc",
            window: "2m",
            baseline: { by: "label", candidate: label },
            variables: { op: operation },
            metrics: [{ name: "l", kind: "continuous", source: "jaeger", threshold: 1, operation: "{{op}}", tags: { track: "{{track}}" } }]
          })
        )
        const m = value(await viaLayer({ url: local.url, ...fast }, "l", "candidate", spec))
        expect(m.sample).toEqual({ _tag: "Values", values: [0.005] })
        const sent = local.received[0]!.params
        expect(sent.get("operation")).toBe(operation)
        expect(JSON.parse(sent.get("tags")!)).toEqual({ track: label })
      } finally {
        await local.close()
      }
    }
  )
})
