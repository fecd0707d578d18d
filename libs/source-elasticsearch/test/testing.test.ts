import { fc, test } from "@fast-check/vitest"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { FakeElasticsearch, generateAppLogs, QueryStringParser } from "../src/testing.ts"

const { parse, matches, flatten } = QueryStringParser
const T = Date.UTC(2026, 10, 3)

let es: FakeElasticsearch
let os: FakeElasticsearch
beforeAll(async () => {
  es = await FakeElasticsearch.start()
  os = await FakeElasticsearch.start({ distribution: "opensearch" })
  es.add(
    "big",
    Array.from({ length: 10_001 }, (_, i) => ({ "@timestamp": T + i, n: i }))
  )
})
afterAll(async () => {
  await es.close()
  await os.close()
})

/** The parts of answers these tests read. */
interface Answer {
  readonly status?: number
  readonly error: { readonly type: string; readonly reason: string; readonly root_cause: ReadonlyArray<{ readonly type: string; readonly reason: string }> }
  readonly _shards: { readonly total: number }
  readonly hits: { readonly total?: unknown; readonly hits: ReadonlyArray<{ readonly sort?: ReadonlyArray<number>; readonly fields?: unknown }> }
}

const post = async (fake: FakeElasticsearch, path: string, body: unknown, contentType = "application/json") => {
  const r = await fetch(`${fake.url}${path}`, { method: "POST", headers: { "content-type": contentType }, body: typeof body === "string" ? body : JSON.stringify(body) })
  return { status: r.status, body: (await r.json()) as Answer }
}

describe("FakeElasticsearch is as strict as Elasticsearch's REST API docs say", () => {
  it("GET / says which product answers (OpenSearch: version.distribution)", async () => {
    const a = (await (await fetch(`${es.url}/`)).json()) as { version: { number: string; distribution?: string }; tagline: string }
    const b = (await (await fetch(`${os.url}/`)).json()) as { version: { distribution?: string }; tagline: string }
    expect(a.version.distribution).toBeUndefined()
    expect(a.tagline).toBe("You Know, for Search")
    expect(b.version.distribution).toBe("opensearch")
  })

  it("track_total_hits counts to 10,000 by default (relation gte), exactly when true, not at all when false", async () => {
    expect((await post(es, "/big/_search", { size: 0 })).body.hits.total).toEqual({ value: 10_000, relation: "gte" })
    expect((await post(es, "/big/_search", { size: 0, track_total_hits: true })).body.hits.total).toEqual({ value: 10_001, relation: "eq" })
    expect((await post(es, "/big/_search", { size: 0, track_total_hits: false })).body.hits.total).toBeUndefined()
  })

  it("from + size beyond max_result_window is 400 Result window is too large", async () => {
    const r = await post(es, "/big/_search", { size: 10_001 })
    expect(r.status).toBe(400)
    expect(r.body.error.type).toBe("search_phase_execution_exception")
    expect(r.body.error.root_cause[0]?.type).toBe("illegal_argument_exception")
    expect(r.body.error.root_cause[0]?.reason).toContain("Result window is too large, from + size must be less than or equal to: [10000] but was [10001]")
    expect((await post(es, "/big/_search", { from: 9_999, size: 2 })).status).toBe(400)
  })

  it("search_after needs a sort of the same length and from 0, and reads strictly after", async () => {
    expect((await post(es, "/big/_search", { search_after: [1] })).body.error.reason).toBe("Sort must contain at least one field.")
    expect((await post(es, "/big/_search", { sort: [{ "@timestamp": "asc" }, "_doc"], search_after: [1] })).body.error.reason).toBe("search_after has 1 value(s) but sort has 2.")
    expect((await post(es, "/big/_search", { from: 1, sort: [{ "@timestamp": "asc" }], search_after: [1] })).status).toBe(400)
    const r = await post(es, "/big/_search", { size: 2, sort: [{ "@timestamp": { order: "asc" } }], search_after: [T + 5] })
    expect(r.body.hits.hits.map((h) => h.sort)).toEqual([[T + 6], [T + 7]])
  })

  it("unknown body keys, unknown queries and non-JSON bodies are refused like Elasticsearch does", async () => {
    expect((await post(es, "/big/_search", { sizee: 1 })).body.error.type).toBe("parsing_exception")
    expect((await post(es, "/big/_search", { query: { matchh: {} } })).body.error.reason).toBe("unknown query [matchh]")
    expect((await post(es, "/big/_search", { size: 1 }, "text/plain")).status).toBe(406)
  })

  it("a missing concrete index is 404 index_not_found_exception; a pattern matching nothing is 200 with no shards", async () => {
    const r = await post(es, "/nope/_search", {})
    expect(r.status).toBe(404)
    expect(r.body).toMatchObject({ error: { type: "index_not_found_exception", reason: "no such index [nope]" }, status: 404 })
    const p = await post(es, "/nope-*/_search", {})
    expect(p.status).toBe(200)
    expect(p.body._shards.total).toBe(0)
  })

  it("a text field has no doc values: docvalue_fields on it is 400", async () => {
    es.add("text", [{ "@timestamp": T, message: "hello" }])
    const r = await post(es, "/text/_search", { docvalue_fields: ["message"] })
    expect(r.status).toBe(400)
    expect(r.body.error.root_cause[0]?.reason).toContain("Can't load fielddata on [message]")
    expect((await post(es, "/text/_search", { docvalue_fields: ["message.keyword"] })).body.hits.hits[0]?.fields).toEqual({ "message.keyword": ["hello"] })
  })
})

describe("the fake's query_string parser follows Lucene's classic parser", () => {
  const doc = flatten({ service: "checkout", level: "error", message: "Upstream timeout after 3000ms", http: { status: 503 }, tags: ["a", "b"] })
  const q = (text: string, op: "AND" | "OR" = "AND") => matches(parse(text, op), doc)

  it("terms, fields, phrases, wildcards, ranges, exists", () => {
    expect(q("checkout")).toBe(true)
    expect(q("level:error")).toBe(true)
    expect(q('message:"upstream timeout"')).toBe(true)
    expect(q('message:"timeout upstream"')).toBe(false)
    expect(q("message:time*")).toBe(true)
    expect(q("service.keyword:check*")).toBe(true)
    expect(q("service.keyword:Check*")).toBe(false)
    expect(q("http.status:[500 TO 599]")).toBe(true)
    expect(q("http.status:{503 TO 599]")).toBe(false)
    expect(q("http.status:>=500")).toBe(true)
    expect(q("http.status:<500")).toBe(false)
    expect(q("_exists_:http.status")).toBe(true)
    expect(q("tags:b")).toBe(true)
  })

  it("AND, OR, NOT, +, - and parentheses as Lucene's addClause combines them", () => {
    expect(q("level:error AND level:warn")).toBe(false)
    expect(q("level:error OR level:warn")).toBe(true)
    expect(q("level:warn || service:checkout")).toBe(true)
    expect(q("NOT level:warn")).toBe(true)
    expect(q("-level:error")).toBe(false)
    expect(q("service:checkout !level:error")).toBe(false)
    expect(q("(level:warn OR level:error) AND service:checkout")).toBe(true)
    expect(q("level:warn service:checkout", "AND")).toBe(false)
    expect(q("level:warn service:checkout", "OR")).toBe(true)
    // Lucene has no precedence: with default OR, `a AND b OR c` makes a and b required, c optional
    expect(q("level:warn AND service:checkout OR level:error", "OR")).toBe(false)
  })

  it("escapes make syntax literal; unsupported syntax and broken queries fail to parse", () => {
    expect(parse("a\\:b\\ c", "AND")).toEqual({ _tag: "Term", field: undefined, text: "a:b c" })
    expect(parse("\\AND", "AND")).toEqual({ _tag: "Term", field: undefined, text: "AND" })
    for (const bad of ["level:(error", '"open', "a^2", "a~", "/re/", "AND a", ")"]) expect(() => parse(bad, "AND")).toThrow(QueryStringParser.ParseError)
  })
})

describe("generateAppLogs", () => {
  const options = {
    seed: 1,
    service: "svc",
    start: T,
    windowSeconds: 60,
    windows: 5,
    requestsPerSecond: 40,
    stable: { errorRatio: 0.01, latencyMs: 50 },
    canary: { errorRatio: 0.02, latencyMs: 60, restartsPerWindow: 1 }
  }

  it("is reproducible from its seed, in time order", () => {
    const a = generateAppLogs(options)
    expect(generateAppLogs(options)).toEqual(a)
    expect(generateAppLogs({ ...options, seed: 2 })).not.toEqual(a)
    const times = a.map((d) => Date.parse(d["@timestamp"] as string))
    expect(times).toEqual([...times].sort((x, y) => x - y))
  })

  test.prop([fc.integer({ min: 0, max: 2 ** 31 })], { numRuns: 10 })("uneven traffic: the canary gets about a tenth, with a few errors and its restarts", (seed) => {
    const docs = generateAppLogs({ ...options, seed })
    const requests = docs.filter((d) => d["event"] === "request")
    const canary = requests.filter((d) => d["track"] === "canary")
    expect(requests.length).toBeGreaterThan(40 * 300 * 0.9)
    expect(requests.length).toBeLessThan(40 * 300 * 1.1)
    expect(canary.length / requests.length).toBeGreaterThan(0.08)
    expect(canary.length / requests.length).toBeLessThan(0.12)
    const errors = canary.filter((d) => d["level"] === "error").length
    expect(errors).toBeLessThan(canary.length * 0.05)
    expect(docs.filter((d) => d["event"] === "restart" && d["track"] === "canary")).toHaveLength(5)
  })
})
