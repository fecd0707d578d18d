import { fc, test } from "@fast-check/vitest"
import { MetricSource } from "@rollwise/rollout-engine"
import { QueryTemplate, SloSpec } from "@rollwise/slo-policy"
import { Duration, Effect, Exit } from "effect"
import { readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { JaegerSource, TempoSource } from "../src/index.ts"
import { canaryScenario, FakeJaeger, FakeTempo, generateSpans, TraceQL } from "../src/testing.ts"

describe("the fake Tempo's TraceQL parser (Tempo's lexer rules: Go-quoted strings)", () => {
  it("reads span sets with &&, ||, parentheses, scopes, intrinsics, durations and status keywords", () => {
    const q = TraceQL.parse('{ (resource.service.name = "a" || .x != 3) && duration > 1.5s && status = error && span.http.status_code >= 500 } | count_over_time()')
    expect(q.metric).toBe("count_over_time")
    expect(q.filter._tag).toBe("And")
    expect(TraceQL.parse("{}")).toEqual({ filter: { _tag: "True" } })
    expect(TraceQL.parse("{ duration > 250ms }").filter).toEqual({ _tag: "Compare", field: { _tag: "Intrinsic", name: "duration" }, op: ">", value: { _tag: "Duration", ms: 250 } })
  })

  it("unquotes strings as Go's strconv.Unquote does, raw strings verbatim", () => {
    const read = (literal: string) => {
      const f = TraceQL.parse(`{ name = ${literal} }`).filter
      return f._tag === "Compare" && f.value._tag === "String" ? f.value.value : undefined
    }
    expect(read('"a\\"b\\\\c\\n\\t"')).toBe('a"b\\c\n\t')
    expect(read('"\\x41\\u00e9\\U0001F600\\101"')).toBe("Aé😀A")
    expect(read("`raw \\n \"q\"`")).toBe('raw \\n "q"')
  })

  it("refuses what Tempo refuses, with its words", () => {
    expect(() => TraceQL.parse("{ name = }")).toThrow(/^parse error at line 1, col 10: syntax error: unexpected }$/)
    expect(() => TraceQL.parse('{ name = "a\nb" }')).toThrow(/literal not terminated/)
    expect(() => TraceQL.parse('{ name = "\\q" }')).toThrow(/invalid syntax/)
    expect(() => TraceQL.parse("{ name = 'a' }")).toThrow(/unexpected/)
    expect(() => TraceQL.parse('{ name = "a" } | quantile_over_time(duration, .9)')).toThrow(/syntax error: unexpected/)
    expect(() => TraceQL.parse('{ name = "a" } extra')).toThrow(/unexpected IDENTIFIER/)
  })

  test.prop([fc.string({ unit: "binary" })], { numRuns: 500 })("a value escaped by QueryTemplate reads back exactly, through the fake's parser", (v) => {
    const f = TraceQL.parse(`{ span.a = "${QueryTemplate.escapeString(v)}" }`).filter
    expect(f).toEqual({ _tag: "Compare", field: { _tag: "Attribute", scope: "span", name: "a" }, op: "=", value: { _tag: "String", value: v } })
  })

  it("evaluates: a missing attribute matches nothing; regexes are anchored; durations in ms", () => {
    const span: TraceQL.SpanView = { name: "GET /a", status: "error", kind: "server", durationMs: 120, attributes: { code: 500, ok: false }, resource: { "service.name": "svc" } }
    const m = (q: string) => TraceQL.matches(TraceQL.parse(q).filter, span)
    expect(m('{ resource.service.name = "svc" && status = error && duration > 100ms }')).toBe(true)
    expect(m('{ span.missing != "x" }')).toBe(false)
    expect(m('{ name =~ "GET.*" }')).toBe(true)
    expect(m('{ name =~ "GET" }')).toBe(false)
    expect(m("{ span.code >= 500 && span.ok = false }")).toBe(true)
    expect(m("{ duration > 1s || status = ok }")).toBe(false)
    expect(m("{ kind = server && status != ok }")).toBe(true)
    expect(m("{ kind = client }")).toBe(false)
  })
})

describe("the fake Tempo refuses what Tempo's query frontend refuses (fake Tempo, from pkg/api and modules/frontend)", () => {
  let tempo: FakeTempo
  let old: FakeTempo
  beforeAll(async () => {
    tempo = await FakeTempo.start({ maxLimit: 1000 })
    old = await FakeTempo.start({ metricsApi: "none" })
  })
  afterAll(async () => {
    await Promise.all([tempo.close(), old.close()])
  })
  const get = async (base: string, path: string) => {
    const r = await fetch(`${base}${path}`)
    return { status: r.status, body: await r.text() }
  }
  it("limit, spss, start/end and metrics queries on search", async () => {
    expect(await get(tempo.url, "/api/search?q=%7B%7D&limit=5000")).toEqual({ status: 400, body: "limit 5000 exceeds max limit 1000\n" })
    expect(await get(tempo.url, "/api/search?q=%7B%7D&limit=0")).toEqual({ status: 400, body: "invalid limit: must be a positive number\n" })
    expect(await get(tempo.url, "/api/search?q=%7B%7D&spss=101")).toEqual({ status: 400, body: "spans per span set exceeds 100. received 101\n" })
    expect(await get(tempo.url, "/api/search?q=%7B%7D&start=10&end=10")).toEqual({ status: 400, body: "http parameter start must be before end. received start=10 end=10\n" })
    expect((await get(tempo.url, `/api/search?q=${encodeURIComponent("{} | rate()")}`)).status).toBe(400)
    expect(JSON.parse((await get(tempo.url, "/api/search?q=%7B%7D")).body)).toEqual({ traces: [], metrics: { inspectedTraces: 0, inspectedBytes: "0", totalBlocks: 1, completedJobs: 2, totalJobs: 2 } })
  })
  it("query_range buckets as Tempo labels them: since 2.10 right-closed by their end with one bucket before the range; 2.4–2.6 left-closed by their start", async () => {
    const at = (ms: number) => ({ traceId: ms.toString(16).padStart(32, "0"), spanId: ms.toString(16).padStart(16, "0"), service: "s", name: "n", startMs: ms, durationMs: 1 })
    const range = await FakeTempo.start({ metricsApi: "range" })
    try {
      for (const f of [tempo, range]) f.add([at(60_000), at(90_000), at(120_000)])
      const q = `/api/metrics/query_range?q=${encodeURIComponent("{ } | count_over_time()")}&start=60&end=120&step=60s`
      expect(JSON.parse((await get(tempo.url, q)).body).series[0].samples).toEqual([
        { timestampMs: "60000", value: 1 },
        { timestampMs: "120000", value: 2 }
      ])
      expect(JSON.parse((await get(range.url, q)).body).series[0].samples).toEqual([{ timestampMs: "60000", value: 2 }])
      const instant = `/api/metrics/query?q=${encodeURIComponent("{ } | count_over_time()")}&start=60000000000&end=120000000000`
      expect(JSON.parse((await get(tempo.url, instant)).body).series[0].value).toBe(3)
    } finally {
      await range.close()
    }
  })

  it("metrics endpoints: a plain span set is refused; an older Tempo has none (404)", async () => {
    expect((await get(tempo.url, `/api/metrics/query?q=${encodeURIComponent("{}")}&start=1&end=2`)).status).toBe(400)
    expect(await get(old.url, `/api/metrics/query_range?q=${encodeURIComponent("{} | rate()")}`)).toEqual({ status: 404, body: "404 page not found\n" })
  })
})

describe("seeded canary scenarios (fake Tempo and fake Jaeger)", () => {
  const start = Date.UTC(2026, 10, 2, 9, 0, 0)
  const scenario = canaryScenario({
    seed: 42,
    service: "shop",
    start,
    windowSeconds: 60,
    windows: 1,
    requestsPerSecond: 100,
    operations: [
      { name: "GET /cart", share: 0.7, latencySeconds: 0.05, errorRatio: 0.001 },
      { name: "POST /pay", share: 0.3, latencySeconds: 0.2, errorRatio: 0.002 }
    ],
    candidate: { "POST /pay": { latencySeconds: 0.5, errorRatio: 0.05 } }
  })
  const spans = generateSpans(scenario)
  let tempo: FakeTempo
  let jaeger: FakeJaeger
  beforeAll(async () => {
    tempo = await FakeTempo.start()
    tempo.add(spans)
    jaeger = await FakeJaeger.start()
    jaeger.add(spans)
  })
  afterAll(async () => {
    await Promise.all([tempo.close(), jaeger.close()])
  })

  it("is deterministic for a seed, and the canary takes about 10 % of requests", () => {
    expect(generateSpans(scenario)).toEqual(spans)
    expect(generateSpans({ ...scenario, seed: 43 })).not.toEqual(spans)
    const servers = spans.filter((s) => s.service === "shop" && s.name !== "restart")
    const canary = servers.filter((s) => s.attributes?.track === "canary").length
    expect(canary / servers.length).toBeCloseTo(0.1, 2)
  })

  const spec = Effect.runSync(
    SloSpec.decode({
      apiVersion: "rollwise/v1",
      kind: "SloSpec",
      service: "shop",
      window: "1m",
      metrics: [
        { name: "pay-errors-tempo", kind: "ratio", source: "tempo", threshold: 0.01, errorsQuery: '{ resource.service.name = "{{service}}" && span.track = "{{track}}" && name = "POST /pay" && status = error }', totalQuery: '{ resource.service.name = "{{service}}" && span.track = "{{track}}" && name = "POST /pay" }' },
        { name: "pay-errors-jaeger", kind: "ratio", source: "jaeger", threshold: 0.01, operation: "POST /pay", tags: { track: "{{track}}" } },
        { name: "pay-latency-jaeger", kind: "continuous", source: "jaeger", threshold: 1, operation: "POST /pay", tags: { track: "{{track}}" } }
      ]
    })
  )
  const observe = (name: string, track: "baseline" | "candidate") =>
    Effect.runPromiseExit(
      Effect.gen(function* () {
        const source = yield* MetricSource.MetricSource
        return yield* source.observe({ spec, metric: spec.metrics.find((m) => m.name === name)!, track, window: { start, end: start + 60_000 } })
      }).pipe(Effect.provide(name.endsWith("tempo") ? TempoSource.layer({ url: tempo.url, timeout: Duration.seconds(5) }) : JaegerSource.layer({ url: jaeger.url, timeout: Duration.seconds(5), limit: 10_000 })))
    )
  const ok = <A>(e: Exit.Exit<A, unknown>) => {
    if (Exit.isFailure(e)) throw new Error(String(e.cause))
    return e.value
  }

  it("a candidate whose payments fail more shows a higher error ratio in both sources, with the same counts", async () => {
    const rate = (m: MetricSource.Measurement) => (m.sample?._tag === "Counts" ? m.sample.errors / m.sample.total : Number.NaN)
    const tb = ok(await observe("pay-errors-tempo", "baseline"))
    const tc = ok(await observe("pay-errors-tempo", "candidate"))
    const jc = ok(await observe("pay-errors-jaeger", "candidate"))
    expect(rate(tc)).toBeGreaterThan(5 * rate(tb))
    expect(jc.sample).toEqual(tc.sample)
  })

  it("a candidate whose payments are slower shows longer span durations", async () => {
    const med = (m: MetricSource.Measurement) => (m.sample?._tag === "Values" ? [...m.sample.values].sort((a, b) => a - b)[Math.floor(m.sample.values.length / 2)]! : Number.NaN)
    const b = ok(await observe("pay-latency-jaeger", "baseline"))
    const c = ok(await observe("pay-latency-jaeger", "candidate"))
    expect(med(c) / med(b)).toBeGreaterThan(2)
  })
})

describe("the README's slo.yaml (test/fixtures/slo-traces.yaml) against both fakes", () => {
  it("every metric comes back with a sample of its kind, the candidate worse", async () => {
    const spec = Effect.runSync(SloSpec.decode(parse(readFileSync(new URL("fixtures/slo-traces.yaml", import.meta.url), "utf8"))))
    const start = Date.UTC(2026, 10, 3, 10, 0, 0)
    const scenario = canaryScenario({
      seed: 5,
      service: "checkout",
      start,
      windowSeconds: 120,
      windows: 1,
      requestsPerSecond: 60,
      operations: [
        { name: "GET /cart", share: 0.6, latencySeconds: 0.1, errorRatio: 0.002 },
        { name: "POST /pay", share: 0.4, latencySeconds: 0.3, errorRatio: 0.005 }
      ],
      candidate: { "POST /pay": { latencySeconds: 0.9, errorRatio: 0.08 } }
    })
    const spans = generateSpans({ ...scenario, candidate: { ...scenario.candidate, restartsPerWindow: 3 } })
    const tempo = await FakeTempo.start()
    const jaeger = await FakeJaeger.start()
    try {
      tempo.add(spans)
      jaeger.add(spans)
      const tempoLayer = TempoSource.layer({ url: tempo.url, timeout: Duration.seconds(5) })
      const jaegerLayer = JaegerSource.layer({ url: jaeger.url, timeout: Duration.seconds(5) })
      const results: Record<string, Partial<Record<"baseline" | "candidate", MetricSource.Measurement>>> = {}
      for (const metric of spec.metrics) {
        for (const track of ["baseline", "candidate"] as const) {
          const exit = await Effect.runPromiseExit(
            Effect.gen(function* () {
              const source = yield* MetricSource.MetricSource
              return yield* source.observe({ spec, metric, track, window: { start, end: start + 120_000 } })
            }).pipe(Effect.provide(metric.source === "tempo" ? tempoLayer : jaegerLayer))
          )
          if (Exit.isFailure(exit)) throw new Error(`${metric.name} ${track}: ${String(exit.cause)}`)
          ;(results[metric.name] ??= {})[track] = exit.value
        }
      }
      const rate = (m?: MetricSource.Measurement) => (m?.sample?._tag === "Counts" ? m.sample.errors / m.sample.total : Number.NaN)
      const med = (m?: MetricSource.Measurement) => (m?.sample?._tag === "Values" ? [...m.sample.values].sort((a, b) => a - b)[Math.floor(m.sample.values.length / 2)]! : Number.NaN)
      const mean = (m?: MetricSource.Measurement) => (m?.sample?._tag === "Values" ? m.sample.values.reduce((a, v) => a + v, 0) / m.sample.values.length : Number.NaN)
      expect(mean(results["span-latency"]!.candidate)).toBeGreaterThan(1.5 * mean(results["span-latency"]!.baseline))
      expect(rate(results["error-spans"]!.candidate)).toBeGreaterThan(rate(results["error-spans"]!.baseline))
      expect(results["restarts"]!.candidate!.sample).toEqual({ _tag: "Values", values: [3] })
      expect(results["restarts"]!.baseline!.sample).toBeUndefined()
      expect(med(results["pay-latency"]!.candidate) / med(results["pay-latency"]!.baseline)).toBeGreaterThan(2)
      expect(rate(results["pay-errors"]!.candidate)).toBeGreaterThan(rate(results["pay-errors"]!.baseline))
    } finally {
      await Promise.all([tempo.close(), jaeger.close()])
    }
  })
})
