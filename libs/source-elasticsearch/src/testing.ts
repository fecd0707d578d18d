/**
 * Test support for @rollwise/source-elasticsearch: `FakeElasticsearch`, an
 * HTTP server on 127.0.0.1 built from Elasticsearch's documented `_search`
 * contract (and OpenSearch's, which answers alike), and `generateAppLogs`, a
 * seeded generator of application log documents for canary scenarios.
 *
 * The fake is never kinder than the real thing: it checks credentials
 * (ApiKey, Basic, Bearer; OpenSearch has no API keys) and answers with the
 * real error bodies and statuses — 400 `search_phase_execution_exception`
 * wrapping `query_shard_exception` for a query it cannot parse or
 * `illegal_argument_exception` "Result window is too large" beyond
 * `max_result_window` (10,000), 401 `security_exception` (OpenSearch: a bare
 * `Unauthorized`), 403, 404 `index_not_found_exception` for a missing
 * concrete index (a pattern matching nothing is 200 with no shards), 406 for a
 * body that is not JSON; `track_total_hits` counts only to 10,000 (relation
 * `gte`) unless told otherwise; `search_after` needs a sort of the same
 * length and `from` 0; a text field has no doc values. Failures can be
 * injected (any status and body for the next requests, a delay, a failing
 * shard, a timed-out search).
 */
import { Random } from "@rollwise/stats-core"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import * as Lucene from "./internal/luceneQuery.ts"

/** The fake's own query_string parser and matcher, for property tests of templates against the same rules it searches by. */
export const QueryStringParser = { parse: Lucene.parse, matches: Lucene.matches, flatten: Lucene.flatten, analyze: Lucene.analyze, ParseError: Lucene.ParseError }
export type QueryNode = Lucene.Node

/** Who may call the fake. Without any, security is off (every request passes). */
export interface FakeAuth {
  /** Elasticsearch API keys (`Authorization: ApiKey base64(id:api_key)`). */
  readonly apiKeys?: ReadonlyArray<{ readonly id: string; readonly key: string }>
  readonly basic?: { readonly username: string; readonly password: string }
  readonly bearer?: string
  /** Index patterns the caller may read (default all); a search touching another index is 403. */
  readonly indices?: ReadonlyArray<string>
}

export interface FakeOptions {
  /** Answer as OpenSearch (`version.distribution: "opensearch"` on `GET /`, no API keys, a bare 401). */
  readonly distribution?: "elasticsearch" | "opensearch"
  readonly auth?: FakeAuth
  /** `index.max_result_window` (default 10,000). */
  readonly maxResultWindow?: number
  /** The date field documents are timed by (default `@timestamp`). */
  readonly timestampField?: string
}

/** A request the fake received (for assertions). */
export interface Received {
  readonly method: string
  readonly path: string
  readonly body: unknown
  readonly authorization: string | undefined
}

interface Doc {
  readonly index: string
  readonly id: string
  readonly seq: number
  readonly source: Record<string, unknown>
  readonly flat: Map<string, Array<unknown>>
  readonly time: number | undefined
}

/** A search failed the way Elasticsearch fails it: status and JSON (or text) body. */
class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Readonly<Record<string, string>> = {}
  ) {
    super(typeof body === "string" ? body : JSON.stringify(body))
  }
}

const esError = (status: number, type: string, reason: string, extra: Record<string, unknown> = {}) => ({
  error: { root_cause: [{ type, reason, ...extra }], type, reason, ...extra },
  status
})

/** Failures on the shards: `all shards failed`, as the coordinating node reports them. */
const phaseError = (status: number, index: string, cause: { type: string; reason: string; caused_by?: unknown }) => ({
  error: {
    root_cause: [{ type: cause.type, reason: cause.reason, index }],
    type: "search_phase_execution_exception",
    reason: "all shards failed",
    phase: "query",
    grouped: true,
    failed_shards: [{ shard: 0, index, node: "fake-node-0", reason: { ...cause, index } }]
  },
  status
})

const parsing = (reason: string) => new HttpFailure(400, esError(400, "parsing_exception", reason, { line: 1, col: 1 }))

const wildcardToRegExp = (pattern: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`)

const isRange = (q: unknown) => q !== null && typeof q === "object" && "range" in q

const asArray = (x: unknown): Array<unknown> => (x === undefined ? [] : Array.isArray(x) ? x : [x])

const timeOf = (value: unknown): number | undefined => {
  if (typeof value === "number") return value
  if (typeof value === "string") {
    const t = Date.parse(value)
    return Number.isNaN(t) ? undefined : t
  }
  return undefined
}

const searchKeys = new Set(["size", "from", "query", "track_total_hits", "sort", "search_after", "docvalue_fields", "fields", "_source", "aggs", "aggregations", "timeout"])

/**
 * A fake Elasticsearch (or OpenSearch) `_search` API over in-memory indices
 * of JSON documents. Start it with {@link FakeElasticsearch.start}, load
 * documents with {@link FakeElasticsearch.add}, point the source at `url`.
 */
export class FakeElasticsearch {
  readonly received: Array<Received> = []
  private readonly indices = new Map<string, Array<Doc>>()
  private seq = 0
  private readonly injected: Array<{ status: number; body: unknown; headers: Readonly<Record<string, string>> }> = []
  private delays: Array<number> = []
  private readonly failingShards = new Map<string, { type: string; reason: string; status: number }>()
  private timeOuts = 0
  private readonly maxWindow: number
  private readonly ts: string

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: FakeOptions
  ) {
    this.maxWindow = options.maxResultWindow ?? 10_000
    this.ts = options.timestampField ?? "@timestamp"
  }

  /** Start on 127.0.0.1 at a free port. */
  static start(options: FakeOptions = {}): Promise<FakeElasticsearch> {
    return new Promise((resolve, reject) => {
      let fake: FakeElasticsearch | undefined
      const server = createServer((req, res) => void fake?.handle(req, res))
      server.once("error", reject)
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        fake = new FakeElasticsearch(server, `http://127.0.0.1:${port}`, options)
        resolve(fake)
      })
    })
  }

  /** Add documents to an index (created on first use); `_id`s are `<index>-<n>`. */
  add(index: string, docs: ReadonlyArray<Record<string, unknown>>): this {
    const list = this.indices.get(index) ?? []
    this.indices.set(index, list)
    for (const source of docs) {
      const flat = Lucene.flatten(source)
      list.push({ index, id: `${index}-${list.length}`, seq: this.seq++, source, flat, time: timeOf(flat.get(this.ts)?.[0]) })
    }
    return this
  }

  /** Answer the next `times` requests with `status` and `body` (an object is sent as JSON, a string as text). */
  inject(status: number, body: unknown, times = 1, headers: Readonly<Record<string, string>> = {}): this {
    for (let i = 0; i < times; i++) this.injected.push({ status, body, headers })
    return this
  }

  /** Hold the next `times` answers for `ms` (a slow cluster). */
  delay(ms: number, times = 1): this {
    for (let i = 0; i < times; i++) this.delays.push(ms)
    return this
  }

  /** Make the shard of `index` fail every search (partial results; when every searched shard fails, the whole search fails with `status`). */
  failShard(index: string, reason = "fake shard failure", type = "illegal_state_exception", status = 503): this {
    this.failingShards.set(index, { type, reason, status })
    return this
  }

  /** The next `times` searches time out on their shards (`timed_out: true`, hits kept). */
  timeOut(times = 1): this {
    this.timeOuts += times
    return this
  }

  /** Forget injected failures and delays. */
  reset(): this {
    this.injected.length = 0
    this.delays = []
    this.failingShards.clear()
    this.timeOuts = 0
    return this
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections()
      this.server.close(() => resolve())
    })
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Array<Buffer> = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString("utf8")
    const url = new URL(req.url ?? "/", "http://fake")
    let body: unknown = text
    try {
      body = text === "" ? undefined : JSON.parse(text)
    } catch {
      // kept as text; a search refuses it below
    }
    this.received.push({ method: req.method ?? "GET", path: url.pathname, body, authorization: req.headers.authorization })
    const send = (status: number, payload: unknown, headers: Readonly<Record<string, string>> = {}) => {
      const isText = typeof payload === "string"
      res.writeHead(status, {
        "content-type": isText ? "text/plain; charset=UTF-8" : "application/json; charset=UTF-8",
        ...(this.options.distribution === "opensearch" ? {} : { "x-elastic-product": "Elasticsearch" }),
        ...headers
      })
      res.end(isText ? payload : JSON.stringify(payload))
    }
    const delay = this.delays.shift()
    if (delay !== undefined) await new Promise((r) => setTimeout(r, delay))
    if (res.destroyed) return
    const injected = this.injected.shift()
    if (injected !== undefined) return send(injected.status, injected.body, injected.headers)
    try {
      this.authenticate(req, url.pathname)
      if (req.method === "GET" && url.pathname === "/") return send(200, this.info())
      const m = /^\/(?:([^/]+)\/)?_search$/.exec(url.pathname)
      if (m === null || (req.method !== "POST" && req.method !== "GET")) {
        return send(400, { error: `no handler found for uri [${url.pathname}] and method [${req.method}]`, status: 400 })
      }
      if (text !== "" && !/^application\/(?:json|vnd\.elasticsearch\+json)/.test(req.headers["content-type"] ?? "")) {
        return send(406, { error: `Content-Type header [${req.headers["content-type"] ?? ""}] is not supported`, status: 406 })
      }
      if (typeof body === "string") throw new HttpFailure(400, esError(400, "x_content_parse_exception", "[1:1] Unexpected character: the body is not JSON"))
      return send(200, this.search(decodeURIComponent(m[1] ?? "_all"), (body ?? {}) as Record<string, unknown>, url.searchParams))
    } catch (e) {
      if (e instanceof HttpFailure) return send(e.status, e.body, e.headers)
      return send(500, esError(500, "exception", e instanceof Error ? e.message : String(e)))
    }
  }

  private info() {
    const opensearch = this.options.distribution === "opensearch"
    return {
      name: "fake-node-0",
      cluster_name: "rollwise-fake",
      cluster_uuid: "fAk3fAk3fAk3fAk3fAk3fA",
      version: opensearch
        ? { distribution: "opensearch", number: "2.11.0", build_type: "tar", lucene_version: "9.7.0", minimum_wire_compatibility_version: "7.10.0", minimum_index_compatibility_version: "7.0.0" }
        : { number: "8.11.0", build_flavor: "default", build_type: "docker", lucene_version: "9.8.0", minimum_wire_compatibility_version: "7.17.0", minimum_index_compatibility_version: "7.0.0" },
      tagline: opensearch ? "The OpenSearch Project: https://opensearch.org/" : "You Know, for Search"
    }
  }

  private authenticate(req: IncomingMessage, path: string): void {
    const auth = this.options.auth
    if (auth === undefined) return
    const header = req.headers.authorization
    const opensearch = this.options.distribution === "opensearch"
    const deny = (reason: string): never => {
      if (opensearch) throw new HttpFailure(401, "Unauthorized", { "www-authenticate": 'Basic realm="OpenSearch Security"' })
      const challenge = { "WWW-Authenticate": ['Basic realm="security" charset="UTF-8"', 'Bearer realm="security"', "ApiKey"] }
      throw new HttpFailure(401, esError(401, "security_exception", reason, { header: challenge }), { "www-authenticate": 'Basic realm="security" charset="UTF-8"' })
    }
    if (header === undefined) return deny(`missing authentication credentials for REST request [${path}]`)
    const [scheme = "", value = ""] = header.split(/\s+/, 2)
    const decoded = () => Buffer.from(value, "base64").toString("utf8")
    if (scheme === "ApiKey" && !opensearch) {
      const [id, ...rest] = decoded().split(":")
      if ((auth.apiKeys ?? []).some((k) => k.id === id && k.key === rest.join(":"))) return
      return deny(`unable to authenticate with provided credentials and anonymous access is not allowed for this request`)
    }
    if (scheme === "Basic" && auth.basic !== undefined) {
      const text = decoded()
      const colon = text.indexOf(":")
      if (text.slice(0, colon) === auth.basic.username && text.slice(colon + 1) === auth.basic.password) return
      return deny(`unable to authenticate user [${text.slice(0, Math.max(0, colon))}] for REST request [${path}]`)
    }
    if (scheme === "Bearer" && auth.bearer !== undefined && value === auth.bearer) return
    return deny(`unable to authenticate with provided credentials and anonymous access is not allowed for this request`)
  }

  /** The indices an index expression names: `*` patterns, `,` lists, `-` exclusions; a missing concrete name is 404. */
  private resolve(expression: string): Array<string> {
    const all = [...this.indices.keys()].sort()
    const out = new Set<string>()
    for (const part of expression.split(",")) {
      if (part === "_all" || part === "*") {
        for (const i of all) out.add(i)
      } else if (part.startsWith("-") && out.size > 0) {
        const re = wildcardToRegExp(part.slice(1))
        for (const i of [...out]) if (re.test(i)) out.delete(i)
      } else if (part.includes("*")) {
        const re = wildcardToRegExp(part)
        for (const i of all) if (re.test(i)) out.add(i)
      } else if (part.startsWith("_")) {
        throw new HttpFailure(400, esError(400, "invalid_index_name_exception", `Invalid index name [${part}], must not start with '_'.`, { index: part }))
      } else if (this.indices.has(part)) out.add(part)
      else {
        throw new HttpFailure(
          404,
          esError(404, "index_not_found_exception", `no such index [${part}]`, { "resource.type": "index_or_alias", "resource.id": part, index_uuid: "_na_", index: part })
        )
      }
    }
    const allowed = this.options.auth?.indices
    if (allowed !== undefined) {
      const forbidden = [...out].filter((i) => !allowed.some((p) => wildcardToRegExp(p).test(i)))
      if (forbidden.length > 0) {
        throw new HttpFailure(
          403,
          esError(403, "security_exception", `action [indices:data/read/search] is unauthorized for user [rollwise] with effective roles [reader] on indices [${forbidden.join(",")}], this action is granted by the index privileges [read,all]`)
        )
      }
    }
    return [...out]
  }

  /** Compile a query DSL object into a predicate over documents (query_string, range, bool, match_all). */
  private compile(query: unknown): (doc: Doc) => boolean {
    if (query === undefined) return () => true
    if (query === null || typeof query !== "object" || Array.isArray(query)) throw parsing("[_na] query malformed, must start with start_object")
    const entries = Object.entries(query)
    if (entries.length !== 1) throw parsing(`[_na] query malformed, expected one query, got ${entries.length}`)
    const [type, spec] = entries[0]! as [string, Record<string, unknown>]
    switch (type) {
      case "match_all":
        return () => true
      case "bool": {
        for (const k of Object.keys(spec)) if (!["filter", "must", "must_not", "should", "minimum_should_match"].includes(k)) throw parsing(`[bool] query does not support [${k}]`)
        // ranges first: they are cheap and exclude most documents (the result is the same)
        const cheapFirst = (qs: Array<unknown>) => [...qs.filter((q) => isRange(q)), ...qs.filter((q) => !isRange(q))]
        const all = (k: string) => cheapFirst(asArray(spec[k])).map((q) => this.compile(q))
        const [must, mustNot, should] = [[...all("filter"), ...all("must")], all("must_not"), all("should")]
        return (d) => must.every((p) => p(d)) && !mustNot.some((p) => p(d)) && (should.length === 0 || must.length > 0 || should.some((p) => p(d)))
      }
      case "range": {
        const [field, bounds] = Object.entries(spec)[0] as [string, Record<string, unknown>]
        const toValue = (v: unknown) => {
          if (v === undefined) return undefined
          if (field === this.ts) {
            const t = bounds["format"] === "epoch_millis" ? Number(v) : timeOf(v)
            if (t === undefined || Number.isNaN(t)) throw new HttpFailure(400, phaseError(400, "_na_", { type: "parse_exception", reason: `failed to parse date field [${String(v)}]` }))
            return t
          }
          return v as number | string
        }
        const gte = toValue(bounds["gte"])
        const gt = toValue(bounds["gt"])
        const lte = toValue(bounds["lte"])
        const lt = toValue(bounds["lt"])
        return (d) => {
          const values = field === this.ts ? (d.time === undefined ? [] : [d.time]) : (d.flat.get(field) ?? [])
          return values.some((raw) => {
            const v = raw as number | string
            return (gte === undefined || v >= gte) && (gt === undefined || v > gt) && (lte === undefined || v <= lte) && (lt === undefined || v < lt)
          })
        }
      }
      case "query_string": {
        const text = spec["query"]
        if (typeof text !== "string") throw parsing("[query_string] requires query")
        const op = String(spec["default_operator"] ?? "OR").toUpperCase()
        if (op !== "AND" && op !== "OR") throw parsing(`[query_string] default_operator [${op}] is not valid`)
        let node: Lucene.Node
        try {
          node = Lucene.parse(text, op)
        } catch (e) {
          throw new HttpFailure(
            400,
            phaseError(400, "_na_", { type: "query_shard_exception", reason: `Failed to parse query [${text}]`, caused_by: { type: "parse_exception", reason: e instanceof Error ? e.message : String(e) } })
          )
        }
        const field = typeof spec["default_field"] === "string" ? spec["default_field"] : undefined
        const scoped = field === undefined ? node : withDefaultField(node, field)
        return (d) => {
          try {
            return Lucene.matches(scoped, d.flat)
          } catch (e) {
            if (e instanceof Lucene.FieldError) throw new HttpFailure(400, phaseError(400, d.index, { type: "query_shard_exception", reason: e.message }))
            throw e
          }
        }
      }
      default:
        throw parsing(`unknown query [${type}]`)
    }
  }

  private search(expression: string, body: Record<string, unknown>, params: URLSearchParams): unknown {
    for (const key of Object.keys(body)) if (!searchKeys.has(key)) throw parsing(`Unknown key for a ${Array.isArray(body[key]) ? "START_ARRAY" : typeof body[key] === "object" ? "START_OBJECT" : "VALUE_STRING"} in [${key}].`)
    const names = this.resolve(expression)
    const size = Number(body["size"] ?? params.get("size") ?? 10)
    const from = Number(body["from"] ?? params.get("from") ?? 0)
    if (!Number.isInteger(size) || size < 0) throw new HttpFailure(400, esError(400, "illegal_argument_exception", `[size] parameter cannot be negative, found [${size}]`))
    const failing = names.filter((n) => this.failingShards.has(n))
    const live = names.filter((n) => !this.failingShards.has(n))
    if (names.length > 0 && live.length === 0) {
      const f = this.failingShards.get(failing[0]!)!
      throw new HttpFailure(f.status, phaseError(f.status, failing[0]!, { type: f.type, reason: f.reason }))
    }
    if (names.length > 0 && from + size > this.maxWindow) {
      throw new HttpFailure(
        400,
        phaseError(400, names[0]!, {
          type: "illegal_argument_exception",
          reason: `Result window is too large, from + size must be less than or equal to: [${this.maxWindow}] but was [${from + size}]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.`
        })
      )
    }
    const sortSpec = asArray(body["sort"]).map((s) => {
      if (typeof s === "string") return { field: s, desc: s === "_score" }
      const [field, how] = Object.entries(s as Record<string, unknown>)[0] as [string, unknown]
      const order = typeof how === "string" ? how : (how as { order?: string } | undefined)?.order
      return { field, desc: order === "desc" }
    })
    const searchAfter = body["search_after"] as Array<unknown> | undefined
    if (searchAfter !== undefined) {
      if (sortSpec.length === 0) throw new HttpFailure(400, esError(400, "illegal_argument_exception", "Sort must contain at least one field."))
      if (searchAfter.length !== sortSpec.length) throw new HttpFailure(400, esError(400, "illegal_argument_exception", `search_after has ${searchAfter.length} value(s) but sort has ${sortSpec.length}.`))
      if (from > 0) throw new HttpFailure(400, esError(400, "illegal_argument_exception", "`from` parameter must be set to 0 when `search_after` is used."))
    }
    const predicate = names.length === 0 ? () => false : this.compile(body["query"])
    const docs = live.flatMap((n) => this.indices.get(n)!).filter(predicate)
    // sort values
    const sortValue = (d: Doc, field: string): number | string | undefined => {
      if (field === "_doc") return d.seq
      if (field === this.ts) return d.time
      const vs = d.flat.get(field.endsWith(".keyword") ? field.slice(0, -8) : field) ?? []
      const v = vs[0]
      if (typeof v === "string" && !field.endsWith(".keyword")) {
        throw new HttpFailure(
          400,
          phaseError(400, d.index, {
            type: "illegal_argument_exception",
            reason: `Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [${field}] in order to load field data by uninverting the inverted index. Note that this can use significant memory.`
          })
        )
      }
      return v as number | string | undefined
    }
    const keyed = docs.map((d) => ({ d, sort: sortSpec.map((s) => sortValue(d, s.field)) }))
    const cmp = (a: ReadonlyArray<unknown>, b: ReadonlyArray<unknown>) => {
      for (let i = 0; i < sortSpec.length; i++) {
        const x = a[i] as number | string | undefined
        const y = b[i] as number | string | undefined
        if (x === y) continue
        if (x === undefined) return 1 // missing: _last
        if (y === undefined) return -1
        const c = x < y ? -1 : 1
        return sortSpec[i]!.desc ? -c : c
      }
      return 0
    }
    if (sortSpec.length > 0) keyed.sort((a, b) => cmp(a.sort, b.sort) || a.d.seq - b.d.seq)
    const after = searchAfter === undefined ? keyed : keyed.filter((k) => cmp(k.sort, searchAfter) > 0)
    const page = after.slice(from, from + size)
    // hits.total
    const tth = body["track_total_hits"] ?? 10_000
    const total = docs.length
    const totalField =
      tth === false ? {} : tth === true ? { total: { value: total, relation: "eq" } } : { total: total > Number(tth) ? { value: Number(tth), relation: "gte" } : { value: total, relation: "eq" } }
    const timedOut = this.timeOuts > 0 && names.length > 0
    if (timedOut) this.timeOuts--
    return {
      took: 1,
      timed_out: timedOut,
      _shards: {
        total: names.length,
        successful: live.length,
        skipped: 0,
        failed: failing.length,
        ...(failing.length > 0
          ? { failures: failing.map((n) => ({ shard: 0, index: n, node: "fake-node-0", reason: { type: this.failingShards.get(n)!.type, reason: this.failingShards.get(n)!.reason } })) }
          : {})
      },
      hits: { ...totalField, max_score: null, hits: page.map((k) => this.hit(k.d, k.sort, body, sortSpec.length > 0)) },
      ...this.aggregate(body, docs)
    }
  }

  private hit(d: Doc, sort: ReadonlyArray<unknown>, body: Record<string, unknown>, sorted: boolean) {
    const source = filterSource(d.source, body["_source"])
    const fields: Record<string, Array<unknown>> = {}
    for (const spec of asArray(body["docvalue_fields"])) {
      const field = typeof spec === "string" ? spec : String((spec as { field?: unknown }).field)
      const keyword = field.endsWith(".keyword")
      const values = (field === this.ts ? (d.time === undefined ? [] : [new Date(d.time).toISOString()]) : (d.flat.get(keyword ? field.slice(0, -8) : field) ?? [])) as Array<unknown>
      if (!keyword && field !== this.ts && values.some((v) => typeof v === "string")) {
        throw new HttpFailure(
          400,
          phaseError(400, d.index, {
            type: "illegal_argument_exception",
            reason: `Can't load fielddata on [${field}] because fielddata is unsupported on fields of type [text]. Use a field of type [keyword] instead.`
          })
        )
      }
      if (values.length > 0) fields[field] = values
    }
    for (const spec of asArray(body["fields"])) {
      const field = typeof spec === "string" ? spec : String((spec as { field?: unknown }).field)
      const values = d.flat.get(field) ?? []
      if (values.length > 0) fields[field] = values
    }
    return {
      _index: d.index,
      _id: d.id,
      _score: sorted ? null : 0,
      ...(source !== undefined ? { _source: source } : {}),
      ...(Object.keys(fields).length > 0 ? { fields } : {}),
      ...(sorted ? { sort } : {})
    }
  }

  private aggregate(body: Record<string, unknown>, docs: ReadonlyArray<Doc>) {
    const aggs = (body["aggs"] ?? body["aggregations"]) as Record<string, Record<string, unknown>> | undefined
    if (aggs === undefined) return {}
    const out: Record<string, unknown> = {}
    for (const [name, spec] of Object.entries(aggs)) {
      const [type, params] = Object.entries(spec)[0] as [string, Record<string, unknown>]
      if (type !== "filters") throw parsing(`Unknown aggregation type [${type}] did you mean [filters]?`)
      const filters = params["filters"]
      if (Array.isArray(filters)) out[name] = { buckets: filters.map((f) => ({ doc_count: docs.filter(this.compile(f)).length })) }
      else {
        const buckets: Record<string, { doc_count: number }> = {}
        for (const [k, f] of Object.entries(filters as Record<string, unknown>)) buckets[k] = { doc_count: docs.filter(this.compile(f)).length }
        out[name] = { buckets }
      }
    }
    return { aggregations: out }
  }
}

/** `field:` prefixes given by `default_field` reach the terms without one. */
const withDefaultField = (node: Lucene.Node, field: string): Lucene.Node => {
  switch (node._tag) {
    case "Bool":
      return { _tag: "Bool", clauses: node.clauses.map((c) => ({ occur: c.occur, node: withDefaultField(c.node, field) })) }
    case "Exists":
      return node
    default:
      return node.field === undefined ? { ...node, field } : node
  }
}

/** `_source` filtering: `false`, `true`, a path or paths, or `{includes, excludes}` (wildcards allowed; a path includes what is under it). */
const filterSource = (source: Record<string, unknown>, spec: unknown): Record<string, unknown> | undefined => {
  if (spec === false) return undefined
  if (spec === undefined || spec === true) return source
  const includes = typeof spec === "string" || Array.isArray(spec) ? asArray(spec) : asArray((spec as { includes?: unknown }).includes)
  const excludes = typeof spec === "object" && !Array.isArray(spec) ? asArray((spec as { excludes?: unknown }).excludes) : []
  const res = (ps: Array<unknown>) => ps.map((p) => wildcardToRegExp(String(p)))
  const [inc, exc] = [res(includes), res(excludes)]
  const keep = (path: string) =>
    (inc.length === 0 || inc.some((r) => r.test(path) || path.split(".").some((_, i, parts) => r.test(parts.slice(0, i + 1).join("."))))) && !exc.some((r) => r.test(path))
  const walk = (value: Record<string, unknown>, prefix: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      const path = prefix === "" ? k : `${prefix}.${k}`
      if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        const inner = walk(v as Record<string, unknown>, path)
        if (Object.keys(inner).length > 0) out[k] = inner
      } else if (keep(path)) out[k] = v
    }
    return out
  }
  return walk(source, "")
}

// ---------------------------------------------------------------- generator

/** One track's behaviour in {@link generateAppLogs}. */
export interface TrackProfile {
  /** Share of errors among requests (0.002 = 0.2 %). */
  readonly errorRatio: number
  /** Median request duration, ms (durations are log-normal around it). */
  readonly latencyMs: number
  /** Error messages this track logs (templates with `{n}` for a number); default: a few common ones. */
  readonly errorMessages?: ReadonlyArray<string>
  /** Restarts per window. */
  readonly restartsPerWindow?: number
}

export interface AppLogsOptions {
  readonly seed: number
  readonly service: string
  /** Epoch ms of the first window. */
  readonly start: number
  readonly windowSeconds: number
  readonly windows: number
  /** Requests per second over both tracks. */
  readonly requestsPerSecond: number
  /** The canary's share of traffic (default 0.1). */
  readonly canaryShare?: number
  readonly stable: TrackProfile
  readonly canary: TrackProfile
  /** `@timestamp` as ISO text (default) or epoch ms. */
  readonly timestamps?: "iso" | "millis"
}

const defaultErrors = ["upstream timeout after {n}ms calling inventory", "connection reset by peer while reading response from payments", "deadlock detected on table orders, retry {n}"]
const paths = ["/api/cart", "/api/checkout", "/api/items", "/api/user", "/healthz"]

/**
 * Application log documents for canary scenarios, reproducible from `seed`
 * (stats-core's mulberry32): requests arrive as a Poisson-like stream split
 * unevenly between the `stable` and `canary` tracks (canary ~10 %), each one a
 * document `{"@timestamp", service, track, level, event: "request", http:
 * {method, path, status, duration_ms}, message}`; errors (status 500, level
 * `error`) carry one of the track's error messages; restarts are documents
 * with `event: "restart"`. Sorted by time.
 */
export const generateAppLogs = (options: AppLogsOptions): Array<Record<string, unknown>> => {
  const uniform = Random.mulberry32(options.seed)
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform())
  const share = options.canaryShare ?? 0.1
  const end = options.start + options.windowSeconds * options.windows * 1000
  const docs: Array<Record<string, unknown>> = []
  const stamp = (t: number) => (options.timestamps === "millis" ? t : new Date(t).toISOString())
  const meanGapMs = 1000 / options.requestsPerSecond
  let n = 0
  for (let t = options.start + -Math.log(1 - uniform()) * meanGapMs; t < end; t += -Math.log(1 - uniform()) * meanGapMs) {
    const at = Math.floor(t)
    const canary = uniform() < share
    const profile = canary ? options.canary : options.stable
    const track = canary ? "canary" : "stable"
    const path = paths[Math.floor(uniform() * paths.length)]!
    const duration = Math.round(profile.latencyMs * Math.exp(0.25 * normal()) * 10) / 10
    const error = uniform() < profile.errorRatio
    const messages = profile.errorMessages ?? defaultErrors
    const message = error
      ? `ERROR ${messages[Math.floor(uniform() * messages.length)]!.replace("{n}", String(Math.floor(uniform() * 5000)))}`
      : `GET ${path} 200 in ${duration}ms request_id=${(n++).toString(16)}`
    docs.push({
      "@timestamp": stamp(at),
      service: options.service,
      track,
      level: error ? "error" : "info",
      event: "request",
      http: { method: "GET", path, status: error ? 500 : 200, duration_ms: duration },
      message
    })
  }
  for (let w = 0; w < options.windows; w++) {
    for (const [track, profile] of [["stable", options.stable], ["canary", options.canary]] as const) {
      for (let i = 0; i < (profile.restartsPerWindow ?? 0); i++) {
        const at = options.start + w * options.windowSeconds * 1000 + Math.floor(uniform() * options.windowSeconds * 1000)
        docs.push({ "@timestamp": stamp(at), service: options.service, track, level: "warn", event: "restart", message: `container ${options.service} restarted (exit code 137)` })
      }
    }
  }
  return docs.sort((a, b) => (timeOf(a["@timestamp"]) ?? 0) - (timeOf(b["@timestamp"]) ?? 0))
}

/** The MetricSource contract's scenario (`MetricSourceContract.scenario`), as the documents this generator writes: equal traffic on both tracks. */
export const contractDocs = (scenario: {
  readonly service: string
  readonly start: number
  readonly windowSeconds: number
  readonly windows: number
  readonly baseline: { readonly latencySeconds: number; readonly requestsPerSecond: number; readonly errorRatio: number }
  readonly candidate: { readonly latencySeconds: number; readonly requestsPerSecond: number; readonly errorRatio: number }
  readonly restarts: { readonly baseline: number; readonly candidate: number }
}): Array<Record<string, unknown>> =>
  generateAppLogs({
    seed: 7,
    service: scenario.service,
    start: scenario.start,
    windowSeconds: scenario.windowSeconds,
    windows: scenario.windows,
    requestsPerSecond: scenario.baseline.requestsPerSecond + scenario.candidate.requestsPerSecond,
    canaryShare: scenario.candidate.requestsPerSecond / (scenario.baseline.requestsPerSecond + scenario.candidate.requestsPerSecond),
    stable: { errorRatio: scenario.baseline.errorRatio, latencyMs: scenario.baseline.latencySeconds * 1000, restartsPerWindow: scenario.restarts.baseline },
    canary: { errorRatio: scenario.candidate.errorRatio, latencyMs: scenario.candidate.latencySeconds * 1000, restartsPerWindow: scenario.restarts.candidate }
  })
