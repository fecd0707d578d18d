import { fc, test } from "@fast-check/vitest"
import { MetricSource } from "@rollwise/rollout-engine"
import { MetricSourceContract } from "@rollwise/rollout-engine/testing"
import { SloSpec } from "@rollwise/slo-policy"
import { Effect, Exit, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { SourceElasticsearch } from "../src/index.ts"
import { contractDocs, FakeElasticsearch, generateAppLogs } from "../src/testing.ts"

const scenario = MetricSourceContract.scenario

const decode = (doc: Record<string, unknown>) => Effect.runSync(SloSpec.decode({ apiVersion: "rollwise/v1", kind: "SloSpec", service: scenario.service, window: "2m", ...doc }))

/** The contract's spec in this source's language: query_string over the service's log index. */
const contractSpec = decode({
  metrics: [
    { name: "latency", kind: "continuous", source: "elasticsearch", index: "logs-{{service}}-*", field: "http.duration_ms", query: 'event:request AND track:"{{track}}"', threshold: 300 },
    {
      name: "error-rate",
      kind: "ratio",
      source: "elasticsearch",
      index: "logs-{{service}}-*",
      errorsQuery: "event:request AND track:{{track}} AND http.status:>=500",
      totalQuery: "event:request AND track:{{track}}",
      threshold: 0.01
    },
    { name: "restarts", kind: "counter", source: "elasticsearch", index: "logs-{{service}}-*", query: "event:restart AND track:{{track}}", threshold: 0 },
    { name: "absent", kind: "continuous", source: "elasticsearch", index: "metrics-{{service}}-*", field: "value", query: "track:{{track}}", threshold: 1 }
  ]
})

let fake: FakeElasticsearch
beforeAll(async () => {
  fake = await FakeElasticsearch.start({ auth: { apiKeys: [{ id: "rollwise", key: "s3cr3t-api-key" }] } })
  fake.add(`logs-${scenario.service}-2026.11.01`, contractDocs(scenario))
})
afterAll(() => fake.close())

MetricSourceContract.suite(
  "SourceElasticsearch (fake Elasticsearch 8, from its REST API docs)",
  () => SourceElasticsearch.layer({ url: fake.url, apiKey: Redacted.make("rollwise:s3cr3t-api-key"), retries: 0 }),
  contractSpec
)

describe("MetricSource contract over OpenSearch", () => {
  let os: FakeElasticsearch
  beforeAll(async () => {
    os = await FakeElasticsearch.start({ distribution: "opensearch", auth: { basic: { username: "rollwise", password: "os-pass-123456" } } })
    os.add(`logs-${scenario.service}-2026.11.01`, contractDocs(scenario))
  })
  afterAll(() => os.close())
  MetricSourceContract.suite(
    "SourceElasticsearch (fake OpenSearch 2, from its REST API docs)",
    () => SourceElasticsearch.layer({ url: os.url, basicAuth: { username: "rollwise", password: Redacted.make("os-pass-123456") }, retries: 0 }),
    contractSpec
  )
})

// ------------------------------------------------------------------ each kind, against docs counted here

const T = Date.UTC(2026, 10, 2, 9, 0, 0)
const W = 60_000
const docs = generateAppLogs({
  seed: 42,
  service: "checkout",
  start: T,
  windowSeconds: 60,
  windows: 3,
  requestsPerSecond: 20,
  canaryShare: 0.1,
  stable: { errorRatio: 0.01, latencyMs: 50 },
  canary: { errorRatio: 0.05, latencyMs: 80, errorMessages: ["NullPointerException in CartService.apply line {n}"], restartsPerWindow: 1 }
})
const timeOf = (d: Record<string, unknown>) => Date.parse(d["@timestamp"] as string)
const inWindow = (i: number) => (d: Record<string, unknown>) => timeOf(d) >= T + i * W && timeOf(d) < T + (i + 1) * W
const http = (d: Record<string, unknown>) => d["http"] as { status: number; duration_ms: number; path: string }

const metric = (m: Record<string, unknown>) =>
  Object.fromEntries(Object.entries({ name: "m", source: "elasticsearch", index: "logs-{{service}}-*", threshold: 1, ...m }).filter(([, v]) => v !== undefined))
const specOf = (m: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  Effect.runSync(SloSpec.decode({ apiVersion: "rollwise/v1", kind: "SloSpec", service: "checkout", window: "1m", metrics: [metric(m)], ...extra }))

let app: FakeElasticsearch
beforeAll(async () => {
  app = await FakeElasticsearch.start()
  app.add("logs-checkout-2026.11.02", docs)
})
afterAll(() => app.close())

const observe = (spec: SloSpec.Spec, track: "baseline" | "candidate" = "candidate", i = 1, options: Partial<SourceElasticsearch.Options> = {}) =>
  Effect.runPromiseExit(
    Effect.gen(function* () {
      const source = yield* MetricSource.MetricSource
      return yield* source.observe({ spec, metric: spec.metrics[0]!, track, window: { start: T + i * W, end: T + (i + 1) * W } })
    }).pipe(Effect.provide(SourceElasticsearch.layer({ url: app.url, retries: 0, ...options })))
  )
const ok = async (p: ReturnType<typeof observe>) => {
  const exit = await p
  if (Exit.isFailure(exit)) throw new Error(`expected a measurement, got ${String(exit.cause)}`)
  return exit.value
}
const failed = async (p: ReturnType<typeof observe>) => {
  const exit = await p
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${JSON.stringify(exit.value)}`)
  return (exit.cause.reasons[0] as { error: MetricSource.MetricSourceError }).error
}

describe("SourceElasticsearch.observe (fake Elasticsearch 8, from its REST API docs; expected counts computed from the documents)", () => {
  it("counter: the number of matching documents in the window, in one _search", async () => {
    const spec = specOf({ kind: "counter", query: "event:restart AND track:{{track}}", threshold: 0 })
    app.received.length = 0
    const m = await ok(observe(spec))
    expect(m.sample).toEqual({ _tag: "Values", values: [docs.filter(inWindow(1)).filter((d) => d["event"] === "restart" && d["track"] === "canary").length] })
    expect(m.sample).toEqual({ _tag: "Values", values: [1] })
    expect(m.query).toBe("logs-checkout-*: event:restart AND track:canary")
    expect(app.received).toHaveLength(1)
    expect(app.received[0]!.path).toBe("/logs-checkout-*/_search")
  })

  it("counter: none matching among the window's documents is 0; a window without documents is no data", async () => {
    const spec = specOf({ kind: "counter", query: "event:restart AND track:{{track}}", threshold: 0 })
    expect((await ok(observe(spec, "baseline"))).sample).toEqual({ _tag: "Values", values: [0] })
    const empty = await ok(observe(spec, "candidate", 10))
    expect(empty.sample).toBeUndefined()
    expect(empty.reason).toBe("no documents in logs-checkout-* in the window")
  })

  it("ratio: errors and total counted in one round trip (a filters aggregation)", async () => {
    const spec = specOf({ kind: "ratio", errorsQuery: "track:{{track}} AND event:request AND http.status:[500 TO 599]", totalQuery: "track:{{track}} AND event:request", threshold: 0.01 })
    for (const [track, label] of [["baseline", "stable"], ["candidate", "canary"]] as const) {
      app.received.length = 0
      const m = await ok(observe(spec, track))
      const requests = docs.filter(inWindow(1)).filter((d) => d["track"] === label && d["event"] === "request")
      expect(m.sample).toEqual({ _tag: "Counts", errors: requests.filter((d) => http(d).status >= 500).length, total: requests.length })
      expect(app.received).toHaveLength(1)
      expect((app.received[0]!.body as { size: number }).size).toBe(0)
    }
  })

  it("ratio: errors above the total is BadResponse; no total is no data", async () => {
    const wrong = specOf({ kind: "ratio", errorsQuery: "event:request", totalQuery: "track:{{track}} AND event:request", threshold: 0.01 })
    expect((await failed(observe(wrong, "candidate"))).detail).toMatch(/^metric m: \d+ errors out of \d+ \(does errorsQuery select a subset of totalQuery\?\)$/)
    const none = specOf({ kind: "ratio", errorsQuery: "level:error AND track:{{track}}", totalQuery: "track:{{track}} AND event:nothing", threshold: 0.01 })
    const m = await ok(observe(none))
    expect(m.sample).toBeUndefined()
    expect(m.reason).toBe("totalQuery matched no document in the window")
  })

  it("continuous: the field's values of every matching document in time order, the same whatever the page size", async () => {
    const spec = specOf({ kind: "continuous", field: "http.duration_ms", query: 'event:request AND track:"{{track}}"', threshold: 100 })
    const expected = docs
      .filter(inWindow(1))
      .filter((d) => d["track"] === "stable" && d["event"] === "request")
      .map((d) => http(d).duration_ms)
    const whole = await ok(observe(spec, "baseline"))
    expect(whole.sample).toEqual({ _tag: "Values", values: expected })
    app.received.length = 0
    const paged = await ok(observe(spec, "baseline", 1, { pageSize: 97 }))
    expect(paged.sample).toEqual({ _tag: "Values", values: expected })
    expect(app.received.length).toBeGreaterThan(Math.floor(expected.length / 97))
    const later = app.received[1]!.body as { search_after?: ReadonlyArray<number>; _source?: boolean; docvalue_fields?: ReadonlyArray<string> }
    expect(later.search_after).toHaveLength(1)
    expect(later._source).toBe(false)
    expect(later.docvalue_fields).toEqual(["http.duration_ms"])
  })

  it("continuous: a pattern matching no index is no data; a missing concrete index is BadQuery; a text field is BadQuery", async () => {
    const absent = await ok(observe(specOf({ kind: "continuous", index: "metrics-{{service}}-*", field: "v", query: "track:{{track}}" })))
    expect(absent.sample).toBeUndefined()
    expect(absent.reason).toBe("no index matches metrics-checkout-*")
    const typo = await failed(observe(specOf({ kind: "continuous", index: "logs-{{service}}", field: "v", query: "track:{{track}}" })))
    expect(typo.reason).toBe("BadQuery")
    expect(typo.detail).toContain("no such index [logs-checkout]")
    const text = await failed(observe(specOf({ kind: "continuous", field: "message", query: "track:{{track}}" })))
    expect(text.reason).toBe("BadQuery")
    expect(text.detail).toContain("Can't load fielddata on [message]")
  })

  it("continuous: documents without the field are no data, with the count", async () => {
    const m = await ok(observe(specOf({ kind: "continuous", field: "http.duration_ms", query: "event:restart AND track:{{track}}" })))
    expect(m.sample).toBeUndefined()
    expect(m.reason).toBe("1 documents matched but none had a numeric http.duration_ms")
  })

  it("signatures: the window's messages in time order, total from totalQuery", async () => {
    const spec = specOf({ kind: "signatures", query: "level:error AND track:{{track}}", totalQuery: "event:request AND track:{{track}}", threshold: 0 })
    const w = docs.filter(inWindow(1)).filter((d) => d["track"] === "canary")
    const m = await ok(observe(spec, "candidate", 1, { pageSize: 3 }))
    expect(m.sample).toEqual({ _tag: "Lines", lines: w.filter((d) => d["level"] === "error").map((d) => d["message"]), total: w.filter((d) => d["event"] === "request").length })
    expect(m.warnings).toEqual([])
    expect(m.query).toBe("logs-checkout-*: level:error AND track:canary (exposure: event:request AND track:canary)")
  })

  it("signatures: more lines than maxLines are truncated, said, and the total scaled by the share read", async () => {
    const spec = specOf({ kind: "signatures", query: "track:{{track}}", totalQuery: "track:{{track}}", maxLines: 100, threshold: 0 })
    const w = docs.filter(inWindow(1)).filter((d) => d["track"] === "stable")
    const m = await ok(observe(spec, "baseline", 1, { pageSize: 30 }))
    expect(m.sample).toEqual({ _tag: "Lines", lines: w.slice(0, 100).map((d) => d["message"]), total: 100, truncated: true })
    expect(m.warnings).toEqual([`read 100 of ${w.length.toLocaleString("en-US")} matching lines (maxLines 100); the exposure is scaled by the same share`])
  })

  it("signatures: no line with a positive total is a healthy empty window; no line and no totalQuery is no data", async () => {
    const quiet = specOf({ kind: "signatures", query: "level:fatal AND track:{{track}}", totalQuery: "track:{{track}}", threshold: 0 })
    const m = await ok(observe(quiet))
    expect(m.sample).toEqual({ _tag: "Lines", lines: [], total: docs.filter(inWindow(1)).filter((d) => d["track"] === "canary").length })
    const bare = await ok(observe(specOf({ kind: "signatures", query: "level:fatal AND track:{{track}}", threshold: 0 })))
    expect(bare.sample).toBeUndefined()
    expect(bare.reason).toBe("no line matched (and the metric has no totalQuery to count the exposure)")
  })

  it("the baseline in offset mode is the candidate's query one offset earlier", async () => {
    const spec = specOf({ kind: "counter", query: "event:request AND track:{{track}}", threshold: 0 }, { baseline: { by: "offset", offset: "1m" } })
    const m = await ok(observe(spec, "baseline", 2))
    expect(m.sample).toEqual({ _tag: "Values", values: [docs.filter(inWindow(1)).filter((d) => d["track"] === "canary" && d["event"] === "request").length] })
  })

  it("variables full of query_string syntax match only themselves (end to end)", async () => {
    const spec = specOf({ kind: "counter", query: "http.path.keyword:{{route}} AND track:{{track}}", threshold: 0 }, { variables: { route: "/api/cart" } })
    const m = await ok(observe(spec))
    expect(m.query).toBe("logs-checkout-*: http.path.keyword:\\/api\\/cart AND track:canary")
    expect(m.sample).toEqual({ _tag: "Values", values: [docs.filter(inWindow(1)).filter((d) => d["track"] === "canary" && d["event"] === "request" && http(d).path === "/api/cart").length] })
    const wild = specOf({ kind: "counter", query: "http.path.keyword:{{route}} AND track:{{track}}", threshold: 0 }, { variables: { route: "/api/*" } })
    expect((await ok(observe(wild))).sample).toEqual({ _tag: "Values", values: [0] })
    const lt = specOf({ kind: "counter", query: "http.path.keyword:{{route}}", threshold: 0 }, { variables: { route: "<script>" } })
    expect((await failed(observe(lt))).detail).toContain("{{route}} contains < or >")
  })

  it("refuses a metric of another source as Unsupported", async () => {
    const spec = Effect.runSync(SloSpec.decode({ apiVersion: "rollwise/v1", kind: "SloSpec", service: "checkout", window: "1m", metrics: [{ name: "p", kind: "counter", query: "up", threshold: 1 }] }))
    const e = await failed(observe(spec))
    expect(e.reason).toBe("Unsupported")
    expect(e.detail).toBe("metric p is a prometheus metric; this source reads elasticsearch metrics")
  })
})

describe("SourceElasticsearch paging and limits (fake Elasticsearch 8, from its REST API docs)", () => {
  let big: FakeElasticsearch
  beforeAll(async () => {
    big = await FakeElasticsearch.start()
    // 10,050 documents, ten at every millisecond: more than one page, more than the sample cap
    big.add(
      "perf-1",
      Array.from({ length: 10_050 }, (_, i) => ({ "@timestamp": T + 1000 + Math.floor(i / 10), latency: i, track: "canary" }))
    )
  })
  afterAll(() => big.close())

  it("continuous: at most 10,000 samples a window, in time order, with a warning; documents sharing a timestamp across pages are read once", async () => {
    const spec = specOf({ kind: "continuous", index: "perf-*", field: "latency", query: "track:{{track}}", threshold: 1 })
    const exit = await Effect.runPromiseExit(
      Effect.gen(function* () {
        const source = yield* MetricSource.MetricSource
        return yield* source.observe({ spec, metric: spec.metrics[0]!, track: "candidate", window: { start: T, end: T + W } })
      }).pipe(Effect.provide(SourceElasticsearch.layer({ url: big.url, retries: 0, pageSize: 995 })))
    )
    if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
    const m = exit.value
    expect(m.sample).toEqual({ _tag: "Values", values: Array.from({ length: 10_000 }, (_, i) => i) })
    expect(m.warnings).toEqual(["10,050 documents matched; read the first 10,000 in time order, 10,000 samples (at most 10,000 a window)"])
    for (const r of big.received) expect((r.body as { size: number }).size).toBeLessThanOrEqual(10_000)
  })
})

describe("SourceElasticsearch.checkSpec (at spec load)", () => {
  const check = (m: Record<string, unknown>) => {
    const exit = Effect.runSyncExit(SourceElasticsearch.checkSpec(specOf(m)))
    return Exit.isSuccess(exit) ? undefined : (exit.cause.reasons[0] as { error: SourceElasticsearch.SpecError }).error
  }
  it("accepts complete elasticsearch metrics and ignores other sources", () => {
    expect(check({ kind: "continuous", field: "http.duration_ms", query: "track:{{track}}" })).toBeUndefined()
    expect(check({ kind: "signatures", query: "level:error" })).toBeUndefined()
    expect(Effect.runSync(SourceElasticsearch.checkSpec(specOf({ source: "prometheus", index: undefined, kind: "counter", query: "up" })))).toBeUndefined()
  })
  it("names the metric and what it lacks, in one line", () => {
    expect(check({ kind: "counter", index: undefined, query: "x" })?.message).toBe("metric m (elasticsearch counter) needs index: the index or pattern to search, e.g. logs-{{service}}-*")
    expect(check({ kind: "continuous", query: "x" })?.message).toBe("metric m (elasticsearch continuous) needs field: the numeric field whose values are the samples, e.g. http.duration_ms")
    expect(check({ kind: "ratio", errorsQuery: "x" })?.message).toBe('metric m (elasticsearch ratio) needs totalQuery: a query_string query, e.g. service:"{{service}}" AND track:"{{track}}"')
    expect(check({ kind: "counter", query: "track:{{trak}}" })?.message).toBe("metric m (elasticsearch counter): query: unknown placeholder {{trak}} (known: namespace, service, step, track, window)")
    expect(check({ kind: "counter", index: "_all", query: "x" })?.message).toContain('metric m (elasticsearch counter): index: index "_all"')
    expect(check({ kind: "counter", field: "x", query: "x" })?._tag).toBe("ElasticsearchSpecError")
  })
})

describe("SourceElasticsearch paging is exact (property, fake Elasticsearch 8, from its REST API docs)", () => {
  let fake: FakeElasticsearch
  let run = 0
  beforeAll(async () => {
    fake = await FakeElasticsearch.start()
  })
  afterAll(() => fake.close())

  test.prop([fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 150 }), fc.integer({ min: 1, max: 25 })], { numRuns: 40 })(
    "every matching document once, in time order, at any page size; when a page holds a single millisecond, a warning and no duplicates",
    async (offsets, pageSize) => {
      const index = `paging-${run++}`
      fake.add(index, offsets.map((o, i) => ({ "@timestamp": T + o, v: i, track: "canary" })))
      const spec = specOf({ kind: "continuous", index, field: "v", query: "track:{{track}}" })
      const exit = await Effect.runPromiseExit(
        Effect.gen(function* () {
          const source = yield* MetricSource.MetricSource
          return yield* source.observe({ spec, metric: spec.metrics[0]!, track: "candidate", window: { start: T, end: T + W } })
        }).pipe(Effect.provide(SourceElasticsearch.layer({ url: fake.url, retries: 0, pageSize })))
      )
      if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
      const values = exit.value.sample?._tag === "Values" ? exit.value.sample.values : []
      const expected = offsets.map((o, i) => ({ o, i })).sort((a, b) => a.o - b.o || a.i - b.i).map((x) => x.i)
      const largestMillisecond = Math.max(...[...new Set(offsets)].map((o) => offsets.filter((x) => x === o).length))
      if (largestMillisecond < pageSize) {
        expect(values).toEqual(expected)
        expect(exit.value.warnings).toEqual([])
      } else {
        expect(new Set(values).size).toBe(values.length)
        const order = new Map(expected.map((v, k) => [v, k]))
        const positions = values.map((v) => order.get(v)!)
        expect(positions).toEqual([...positions].sort((a, b) => a - b))
        if (values.length < expected.length) expect(exit.value.warnings.some((w) => w.includes("share the timestamp"))).toBe(true)
      }
    }
  )
})

describe("SourceElasticsearch with answers a healthy cluster does not give (injected, fake Elasticsearch 8)", () => {
  it("non-finite values are dropped with a warning; a total the cluster still counts as gte is said", async () => {
    const spec = specOf({ kind: "continuous", field: "v", query: "track:{{track}}" })
    app.inject(200, {
      timed_out: false,
      _shards: { total: 1, successful: 1, failed: 0 },
      hits: { total: { value: 3, relation: "gte" }, hits: [{ _id: "1", fields: { v: [1, "NaN"] }, sort: [T + W] }, { _id: "2", fields: { v: ["Infinity", 2.5] }, sort: [T + W + 1] }] }
    })
    const m = await ok(observe(spec))
    expect(m.sample).toEqual({ _tag: "Values", values: [1, 2.5] })
    expect(m.warnings).toEqual([
      "the cluster counted matches only to 3 (relation gte) although track_total_hits was true",
      "3 documents matched; read the first 2 in time order, 2 samples (at most 10,000 a window)",
      "2 values of v were not finite numbers and were dropped"
    ])
  })

  it("a full page whose sort values are not integers is BadResponse (the timestamp is not a date field)", async () => {
    const spec = specOf({ kind: "continuous", field: "v", query: "track:{{track}}" })
    app.inject(200, { _shards: { total: 1, successful: 1, failed: 0 }, hits: { total: { value: 5, relation: "eq" }, hits: [{ fields: { v: [1] }, sort: ["2026-11-02"] }] } })
    const e = await failed(observe(spec, "candidate", 1, { pageSize: 1 }))
    expect(e.reason).toBe("BadResponse")
    expect(e.detail).toBe("metric m: a hit's sort value on @timestamp is not an integer (is @timestamp a date field?)")
  })

  it("a counts answer without the filters aggregation is BadResponse", async () => {
    const spec = specOf({ kind: "counter", query: "track:{{track}}" })
    app.inject(200, { _shards: { total: 1, successful: 1, failed: 0 }, hits: { total: { value: 5, relation: "eq" }, hits: [] } })
    expect((await failed(observe(spec))).detail).toBe('metric m: the answer has no filters aggregation "rollwise" with doc_count per query')
  })

  it("partial shard failures reach the measurement as warnings", async () => {
    const spec = specOf({ kind: "counter", query: "track:{{track}}" })
    app.inject(200, {
      timed_out: true,
      _shards: { total: 3, successful: 2, failed: 1, failures: [{ index: "logs-checkout-1", shard: 1, reason: { type: "node_disconnected_exception", reason: "node disconnected" } }] },
      hits: { total: { value: 9, relation: "eq" }, hits: [] },
      aggregations: { rollwise: { buckets: { matched: { doc_count: 4 } } } }
    })
    const m = await ok(observe(spec))
    expect(m.sample).toEqual({ _tag: "Values", values: [4] })
    expect(m.warnings).toEqual([
      "1 of 3 shards failed, results are partial (logs-checkout-1[1]: node_disconnected_exception: node disconnected)",
      "the search timed out on some shards, results are partial"
    ])
  })
})
