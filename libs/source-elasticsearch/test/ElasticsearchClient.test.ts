import { MetricSource } from "@rollwise/rollout-engine"
import { Duration, Effect, Exit, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { ElasticsearchClient } from "../src/index.ts"
import { FakeElasticsearch } from "../src/testing.ts"

const apiKey = { id: "rollwise", key: "k3y-0f-th3-ap1-that-must-n0t-leak" }
const encoded = Buffer.from(`${apiKey.id}:${apiKey.key}`).toString("base64")
const password = "pa55w0rd-that-must-not-leak"
const t0 = Date.UTC(2026, 10, 1, 12)

let es: FakeElasticsearch
let os: FakeElasticsearch
beforeAll(async () => {
  es = await FakeElasticsearch.start({ auth: { apiKeys: [apiKey], basic: { username: "reader", password }, indices: ["logs-*"] } })
  os = await FakeElasticsearch.start({ distribution: "opensearch", auth: { basic: { username: "reader", password } } })
  for (const f of [es, os]) {
    f.add("logs-a", [{ "@timestamp": t0, message: "hello world", n: 1 }])
    f.add("logs-b", [{ "@timestamp": t0 + 1, message: "hello again", n: 2 }])
    f.add("secrets", [{ "@timestamp": t0, message: "top secret" }])
  }
})
afterAll(async () => {
  await es.close()
  await os.close()
})
beforeEach(() => {
  es.reset()
  os.reset()
  es.received.length = 0
  os.received.length = 0
})

const body = (query = "hello") => ({ size: 10, track_total_hits: true, query: { bool: { filter: [{ query_string: { query, default_operator: "AND" } }] } } })

const search = (options: ElasticsearchClient.Options, index = "logs-*", b: unknown = body()) =>
  Effect.runPromiseExit(
    Effect.gen(function* () {
      const client = yield* ElasticsearchClient.make(options)
      return yield* client.search(index, b, "q")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

const failure = (exit: Exit.Exit<unknown, MetricSource.MetricSourceError>): MetricSource.MetricSourceError => {
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${JSON.stringify(exit.value)}`)
  const reason = exit.cause.reasons[0] as { error?: MetricSource.MetricSourceError }
  if (reason.error === undefined) throw new Error("expected a MetricSourceError")
  return reason.error
}
const success = <A>(exit: Exit.Exit<A, unknown>): A => {
  if (Exit.isFailure(exit)) throw new Error(`expected a success, got ${String(exit.cause)}`)
  return exit.value
}

const withKey = (url: string, extra: Partial<ElasticsearchClient.Options> = {}): ElasticsearchClient.Options => ({ url, apiKey: Redacted.make(`${apiKey.id}:${apiKey.key}`), retries: 0, ...extra })

describe("ElasticsearchClient (fake Elasticsearch 8, from its REST API docs)", () => {
  it("sends Authorization: ApiKey base64(id:key), or an encoded key as given, and reads hits", async () => {
    const r = success(await search(withKey(es.url)))
    expect(r.response.hits.total).toEqual({ value: 2, relation: "eq" })
    expect(r.shards).toBe(2)
    expect(r.warnings).toEqual([])
    expect(es.received[0]!.authorization).toBe(`ApiKey ${encoded}`)
    success(await search({ url: es.url, apiKey: Redacted.make(encoded), retries: 0 }))
    expect(es.received[1]!.authorization).toBe(`ApiKey ${encoded}`)
    expect(ElasticsearchClient.apiKeyHeader("a:b")).toBe(`ApiKey ${Buffer.from("a:b").toString("base64")}`)
  })

  it("takes basic credentials from the URL's userinfo without showing them", async () => {
    const url = es.url.replace("http://", `http://reader:${encodeURIComponent(password)}@`)
    success(await search({ url, retries: 0 }))
    const e = failure(await search({ url, retries: 0 }, "missing-index"))
    expect(e.message).not.toContain(password)
    expect(e.message).toContain("http://127.0.0.1:")
  })

  it("a query Elasticsearch cannot parse is BadQuery with the parser's words, not retried", async () => {
    const e = failure(await search(withKey(es.url, { retries: 2 }), "logs-*", body("message:(hello")))
    expect(e.reason).toBe("BadQuery")
    expect(e.detail).toContain("HTTP 400")
    expect(e.detail).toContain("query_shard_exception: Failed to parse query [message:(hello]")
    expect(e.detail).not.toContain("\n")
    expect(es.received).toHaveLength(1)
  })

  it("a missing concrete index is BadQuery (a typo); a pattern matching nothing is an empty answer with no shards", async () => {
    const e = failure(await search(withKey(es.url), "logs-typo"))
    expect(e.reason).toBe("BadQuery")
    expect(e.detail).toContain("index_not_found_exception: no such index [logs-typo]")
    const r = success(await search(withKey(es.url), "nothing-*"))
    expect(r.shards).toBe(0)
    expect(r.response.hits.hits).toEqual([])
  })

  it("bad credentials are Unreachable (authentication failed), never retried, the key never shown", async () => {
    const e = failure(await search({ url: es.url, apiKey: Redacted.make("rollwise:wrong-key-1234567"), retries: 2 }))
    expect(e.reason).toBe("Unreachable")
    expect(e.detail).toContain("authentication failed (HTTP 401")
    expect(e.detail).toContain("security_exception")
    expect(e.message).not.toContain("wrong-key-1234567")
    expect(es.received).toHaveLength(1)
    const none = failure(await search({ url: es.url, retries: 0 }))
    expect(none.detail).toContain("missing authentication credentials")
  })

  it("an index the credentials may not read is 403: Unreachable, saying the privilege", async () => {
    const e = failure(await search(withKey(es.url), "secrets"))
    expect(e.reason).toBe("Unreachable")
    expect(e.detail).toContain("not allowed to search secrets")
    expect(e.detail).toContain("is unauthorized for user")
  })

  it("429 is retried after its Retry-After, bounded", async () => {
    es.inject(429, { error: { root_cause: [{ type: "es_rejected_execution_exception", reason: "rejected execution of search on EsThreadPoolExecutor[name = node/search, queue capacity = 1000]" }], type: "es_rejected_execution_exception", reason: "rejected execution" }, status: 429 }, 1, { "retry-after": "1" })
    const r = success(await search(withKey(es.url, { retries: 1 })))
    expect(r.response.hits.hits).toHaveLength(2)
    expect(es.received).toHaveLength(2)
    es.received.length = 0
    const breaker = { error: { root_cause: [{ type: "circuit_breaking_exception", reason: "[parent] Data too large, data for [<http_request>] would be [1024mb], which is larger than the limit of [1000mb]" }], type: "circuit_breaking_exception", reason: "[parent] Data too large" }, status: 429 }
    es.inject(429, breaker, 3)
    const e = failure(await search(withKey(es.url, { retries: 1 })))
    expect(e.reason).toBe("Unreachable")
    expect(e.detail).toContain("overloaded")
    expect(e.detail).toContain("circuit_breaking_exception")
    expect(es.received).toHaveLength(2)
  })

  it("5xx is retried, bounded, then Unreachable with the cluster's reason", async () => {
    es.inject(503, { error: { root_cause: [], type: "cluster_block_exception", reason: "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];" }, status: 503 }, 5)
    const e = failure(await search(withKey(es.url, { retries: 2 })))
    expect(e.reason).toBe("Unreachable")
    expect(e.detail).toContain("HTTP 503")
    expect(e.detail).toContain("cluster_block_exception")
    expect(es.received).toHaveLength(3)
  })

  it("a slow cluster is Timeout", async () => {
    es.delay(3_000)
    const e = failure(await search(withKey(es.url, { timeout: Duration.millis(300) })))
    expect(e.reason).toBe("Timeout")
    expect(e.detail).toContain("within 300ms")
  })

  it("a body that is not JSON, or not a search answer, is BadResponse naming what is wrong", async () => {
    es.inject(200, "<html>proxy login</html>")
    expect(failure(await search(withKey(es.url))).reason).toBe("BadResponse")
    es.inject(200, { hits: { total: { value: 1, relation: "maybe" }, hits: [] } })
    const e = failure(await search(withKey(es.url)))
    expect(e.reason).toBe("BadResponse")
    expect(e.detail).toContain("hits.total")
  })

  it("failed shards and a timed-out search are warnings with the first failure's reason", async () => {
    es.failShard("logs-b", "Trying to query 1200 shards, which is over the limit", "illegal_argument_exception")
    es.timeOut()
    const r = success(await search(withKey(es.url)))
    expect(r.response.hits.hits).toHaveLength(1)
    expect(r.warnings).toEqual([
      "1 of 2 shards failed, results are partial (logs-b[0]: illegal_argument_exception: Trying to query 1200 shards, which is over the limit)",
      "the search timed out on some shards, results are partial"
    ])
  })

  it("all shards failed: the cluster's error (retried as 503), or BadResponse when a 200 carries no successful shard", async () => {
    es.failShard("logs-a", "no shard available", "no_shard_available_action_exception")
    es.failShard("logs-b", "no shard available", "no_shard_available_action_exception")
    const e = failure(await search(withKey(es.url, { retries: 1 })))
    expect(e.reason).toBe("Unreachable")
    expect(e.detail).toContain("no_shard_available_action_exception")
    expect(es.received).toHaveLength(2)
    es.reset()
    es.inject(200, { timed_out: false, _shards: { total: 2, successful: 0, failed: 2, failures: [{ index: "logs-a", shard: 0, reason: { type: "x", reason: "broken" } }] }, hits: { hits: [] } })
    const b = failure(await search(withKey(es.url)))
    expect(b.reason).toBe("BadResponse")
    expect(b.detail).toBe("all 2 shards failed (logs-a[0]: x: broken)")
  })

  it("never shows a credential an upstream echoes back (key, encoded key, password, Basic value)", async () => {
    const basic = Buffer.from(`reader:${password}`).toString("base64")
    const echo = `proxy says: Authorization: ApiKey ${encoded}; key=${apiKey.key}; basic ${basic}; pw ${password}`
    const clients: Array<[ElasticsearchClient.Options, ReadonlyArray<string>]> = [
      [withKey(es.url), [apiKey.key, encoded]],
      [{ url: es.url, basicAuth: { username: "reader", password: Redacted.make(password) }, retries: 0 }, [password, basic]]
    ]
    for (const [options, secrets] of clients) {
      es.inject(502, { error: echo, status: 502 })
      es.inject(200, { _shards: { total: 2, successful: 1, failed: 1, failures: [{ index: "logs-a", shard: 0, reason: { type: "x", reason: echo } }] }, hits: { hits: [] } })
      const e = failure(await search(options))
      const r = success(await search(options))
      for (const text of [e.message, ...r.warnings]) {
        expect(text).toContain("***")
        for (const secret of secrets) expect(text).not.toContain(secret)
      }
    }
  })

  it("a closed port is Unreachable", async () => {
    const e = failure(await search({ url: "http://127.0.0.1:1", retries: 0 }))
    expect(e.reason).toBe("Unreachable")
    expect(e.detail).toContain("cannot reach http://127.0.0.1:1")
  })
})

describe("ElasticsearchClient (fake OpenSearch 2, from its REST API docs)", () => {
  it("reads with basic auth", async () => {
    const r = success(await search({ url: os.url, basicAuth: { username: "reader", password: Redacted.make(password) }, retries: 0 }))
    expect(r.response.hits.hits).toHaveLength(2)
  })

  it("has no API keys: a bare 401 Unauthorized, Unreachable", async () => {
    const e = failure(await search(withKey(os.url)))
    expect(e.reason).toBe("Unreachable")
    expect(e.detail).toContain("authentication failed (HTTP 401")
    expect(e.detail).toContain("Unauthorized")
  })
})
