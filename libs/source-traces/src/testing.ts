/**
 * Test support for @rollwise/source-traces: a fake Tempo and a fake Jaeger
 * built from their HTTP APIs (paths, parameters, limits, auth and tenant
 * checks, status codes and error bodies as the real servers send them, with
 * failure injection and slowness), a seeded span generator for canary
 * scenarios, and the contract scenario as spans.
 */
import { MetricSourceContract } from "@rollwise/rollout-engine/testing"
import { SloSpec } from "@rollwise/slo-policy"
import { Random } from "@rollwise/stats-core"
import { Effect } from "effect"
import { type Auth, FakeServer, type Injection, type Received, type Reply } from "./internal/fakeServer.ts"
import * as TraceQL from "./internal/traceql.ts"

export type { Injection, Received } from "./internal/fakeServer.ts"
/** The TraceQL subset the fake Tempo evaluates: `parse` reads a query as the fake does (for injection properties). */
export * as TraceQL from "./internal/traceql.ts"

/** One span, as both fakes store it. */
export interface FakeSpan {
  /** 32 hex digits. */
  readonly traceId: string
  /** 16 hex digits. */
  readonly spanId: string
  readonly parentSpanId?: string
  /** The process's / resource's service.name. */
  readonly service: string
  /** Operation name. */
  readonly name: string
  /** Epoch milliseconds (fractions allowed). */
  readonly startMs: number
  readonly durationMs: number
  readonly status?: "error" | "ok" | "unset"
  readonly kind?: "server" | "client" | "internal" | "producer" | "consumer" | "unspecified"
  readonly attributes?: Readonly<Record<string, string | number | boolean>>
  /** Resource attributes beside service.name (Jaeger: process tags). */
  readonly resource?: Readonly<Record<string, string | number | boolean>>
  /** Tempo tenant (X-Scope-OrgID) the span was written to; default the fake's tenant. */
  readonly tenant?: string
}

const text = (status: number, body: string): Reply => ({ status, body, contentType: "text/plain; charset=utf-8" })
const json = (status: number, body: unknown): Reply => ({ status, body: JSON.stringify(body), contentType: "application/json" })
const notFound = () => text(404, "404 page not found\n")

const byTrace = (spans: ReadonlyArray<FakeSpan>): Map<string, Array<FakeSpan>> => {
  const m = new Map<string, Array<FakeSpan>>()
  for (const s of spans) {
    const list = m.get(s.traceId) ?? []
    list.push(s)
    m.set(s.traceId, list)
  }
  return m
}

const nanos = (ms: number): bigint => BigInt(Math.round(ms * 1000)) * 1000n

/** Go's time.ParseDuration for the forms tests send (`10s`, `1m30s`, `250ms`); undefined when malformed. */
const parseGoDuration = (s: string): number | undefined => {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
  if (s === "0") return 0
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y
  let total = 0
  let at = 0
  while (at < s.length) {
    re.lastIndex = at
    const m = re.exec(s)
    if (m === null) return undefined
    total += Number(m[1]) * units[m[2]!]!
    at = re.lastIndex
  }
  return at === 0 ? undefined : total
}

// ---------------------------------------------------------------- Tempo

/** How the fake Tempo is set up. */
export interface FakeTempoOptions {
  /** Multitenancy on: requests without `X-Scope-OrgID` get 401 "no org id"; spans live per tenant (default tenant of spans: this one). */
  readonly tenant?: string
  readonly auth?: Auth
  /**
   * Which TraceQL metrics endpoints exist: `all` (a current Tempo: the instant
   * query, and query_range with right-closed buckets labelled by their end
   * plus one bucket before the range, as since 2.10), `range` (2.4–2.6:
   * query_range only, left-closed buckets labelled by their start), `none`
   * (before 2.4: both 404).
   */
  readonly metricsApi?: "all" | "range" | "none"
  /** `query_frontend.search.max_limit` (default 262144, Tempo's). */
  readonly maxLimit?: number
}

const tempoAttr = (key: string, v: string | number | boolean) => ({
  key,
  value: typeof v === "string" ? { stringValue: v } : typeof v === "boolean" ? { boolValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v }
})

const spanView = (s: FakeSpan): TraceQL.SpanView => ({
  name: s.name,
  status: s.status ?? "unset",
  kind: s.kind ?? "server",
  durationMs: s.durationMs,
  attributes: s.attributes ?? {},
  resource: { ...(s.resource ?? {}), "service.name": s.service }
})

/** Tempo's time parameters for metrics (pkg/api parseTimestamp): up to 10 digits unix seconds, more unix nanoseconds, a decimal point seconds, else RFC3339 (ms; undefined when malformed). */
const tempoTime = (v: string | null): number | undefined => {
  if (v === null || v === "") return undefined
  if (v.includes(".") && /^\d+\.\d*$/.test(v)) return Number(v) * 1000
  if (/^\d+$/.test(v)) return v.length <= 10 ? Number(v) * 1000 : Number(BigInt(v)) / 1e6
  const t = Date.parse(v)
  return Number.isNaN(t) ? undefined : t
}

/**
 * A fake Grafana Tempo following its HTTP API docs and query-frontend code
 * (docs/sources/tempo/api_docs, modules/frontend, pkg/api): `GET /api/search`
 * (TraceQL `q`, `start`/`end` unix seconds, `limit` default 20 and
 * `max_limit`, `spss` default 3 and at most 100, traces most recent first,
 * every trace overlapping the range with its matched spans whatever their
 * time, `matched` counts), `/api/metrics/query_range` (start and end aligned
 * to the step, as Tempo does) and `/api/metrics/query` (instant) for
 * `| count_over_time()` and `| rate()`; 400 with Tempo's plain-text errors
 * (`invalid TraceQL query: parse error at line 1, col N: …`), 401 "no org id"
 * without a tenant, 404 for endpoints an older Tempo lacks.
 */
export class FakeTempo {
  private spans: Array<FakeSpan> = []
  private traceCache: Map<string, Array<FakeSpan>> | undefined
  private partialLeft = 0
  private constructor(
    private readonly server: FakeServer,
    private readonly options: FakeTempoOptions
  ) {}

  static async start(options: FakeTempoOptions = {}): Promise<FakeTempo> {
    const ref: { self?: FakeTempo } = {}
    const server = await FakeServer.start((r) => ref.self!.handle(r), options.auth ?? {}, () => text(401, "Unauthorized\n"))
    ref.self = new FakeTempo(server, options)
    return ref.self
  }

  get url(): string {
    return this.server.url
  }
  /** Every request received, in order. */
  get received(): ReadonlyArray<Received> {
    return this.server.received
  }
  /** Store spans. */
  add(spans: ReadonlyArray<FakeSpan>): void {
    for (const s of spans) this.spans.push(s)
    this.traceCache = undefined
  }
  /** Answer the next requests with this failure instead (status, body, headers, e.g. 429 with Retry-After). */
  inject(injection: Injection): void {
    this.server.inject(injection)
  }
  /** The next `times` searches come back partial: half the traces, `completedJobs` below `totalJobs`. */
  partial(times = 1): void {
    this.partialLeft += times
  }
  delay(ms: number): void {
    this.server.delay(ms)
  }
  reset(): void {
    this.server.reset()
    this.partialLeft = 0
  }
  close(): Promise<void> {
    return this.server.close()
  }

  private visible(r: Received): Array<FakeSpan> | Reply {
    const tenant = r.headers["x-scope-orgid"]
    if (this.options.tenant !== undefined) {
      if (typeof tenant !== "string" || tenant === "") return text(401, "no org id\n")
      return this.spans.filter((s) => (s.tenant ?? this.options.tenant) === tenant)
    }
    return this.spans
  }

  private handle(r: Received): Reply {
    if (r.path === "/api/search") return this.search(r)
    if (r.path === "/api/metrics/query_range" && this.options.metricsApi !== "none") return this.metrics(r, false)
    if (r.path === "/api/metrics/query" && (this.options.metricsApi ?? "all") === "all") return this.metrics(r, true)
    if (r.path === "/api/echo") return text(200, "echo")
    return notFound()
  }

  private search(r: Received): Reply {
    const spans = this.visible(r)
    if (!Array.isArray(spans)) return spans
    const p = r.params
    const uint = (name: string): number | undefined | Reply => {
      const v = p.get(name)
      if (v === null) return undefined
      if (!/^\d+$/.test(v) || Number(v) > 4294967295) return text(400, `invalid ${name}: strconv.ParseUint: parsing ${JSON.stringify(v)}: invalid syntax\n`)
      return Number(v)
    }
    const start = uint("start")
    const end = uint("end")
    const limitP = uint("limit")
    const spssP = uint("spss")
    for (const v of [start, end, limitP, spssP]) if (typeof v === "object") return v
    if (limitP === 0) return text(400, "invalid limit: must be a positive number\n")
    const maxLimit = this.options.maxLimit ?? 262_144
    if (typeof limitP === "number" && limitP > maxLimit) return text(400, `limit ${limitP} exceeds max limit ${maxLimit}\n`)
    const s = (start as number | undefined) ?? 0
    const e = (end as number | undefined) ?? 0
    if ((s !== 0 || e !== 0) && e <= s) return text(400, `http parameter start must be before end. received start=${s} end=${e}\n`)
    const spss = (spssP as number | undefined) ?? 3
    if (spss > 100) return text(400, `spans per span set exceeds 100. received ${spss}\n`)
    const limit = (limitP as number | undefined) ?? 20
    let query: TraceQL.Query
    try {
      query = TraceQL.parse(p.get("q") ?? "{}")
    } catch (err) {
      return text(400, `invalid TraceQL query: ${err instanceof Error ? err.message : String(err)}\n`)
    }
    if (query.metric !== undefined) return text(400, "invalid TraceQL query: metrics queries are not supported by search; use /api/metrics/query_range\n")
    const traces: Array<{ start: number; spans: Array<FakeSpan>; matched: Array<FakeSpan> }> = []
    const grouped = spans === this.spans ? (this.traceCache ??= byTrace(spans)) : byTrace(spans)
    for (const list of grouped.values()) {
      const first = Math.min(...list.map((x) => x.startMs))
      const last = Math.max(...list.map((x) => x.startMs + x.durationMs))
      if (s !== 0 || e !== 0) {
        if (last < s * 1000 || first > e * 1000) continue
      }
      const matched = list.filter((x) => TraceQL.matches(query.filter, spanView(x))).sort((a, b) => a.startMs - b.startMs)
      if (matched.length > 0) traces.push({ start: first, spans: list, matched })
    }
    traces.sort((a, b) => b.start - a.start)
    let chosen = traces.slice(0, limit)
    let completed = 2
    if (this.partialLeft > 0) {
      this.partialLeft--
      chosen = chosen.slice(0, Math.floor(chosen.length / 2))
      completed = 1
    }
    const referenced = new Set<string>()
    const walk = (x: TraceQL.Expr): void => {
      if (x._tag === "And" || x._tag === "Or") {
        walk(x.left)
        walk(x.right)
      } else if (x._tag === "Compare" && x.field._tag === "Attribute" && x.field.scope !== "resource") referenced.add(x.field.name)
    }
    walk(query.filter)
    const body = {
      traces: chosen.map((t) => {
        const root = t.spans.find((x) => x.parentSpanId === undefined) ?? t.spans[0]!
        const end = Math.max(...t.spans.map((x) => x.startMs + x.durationMs))
        const set = {
          spans: t.matched.slice(0, spss).map((x) => ({
            spanID: x.spanId,
            name: x.name,
            startTimeUnixNano: String(nanos(x.startMs)),
            durationNanos: String(nanos(x.durationMs)),
            attributes: Object.entries(x.attributes ?? {})
              .filter(([k]) => referenced.has(k))
              .map(([k, v]) => tempoAttr(k, v))
          })),
          matched: t.matched.length
        }
        return {
          traceID: t.spans[0]!.traceId,
          rootServiceName: root.service,
          rootTraceName: root.name,
          startTimeUnixNano: String(nanos(t.start)),
          durationMs: Math.round(end - t.start),
          spanSet: set,
          spanSets: [set]
        }
      }),
      metrics: { inspectedTraces: traces.length, inspectedBytes: String(traces.length * 1024), totalBlocks: 1, completedJobs: completed, totalJobs: 2 }
    }
    return json(200, body)
  }

  private metrics(r: Received, instant: boolean): Reply {
    const spans = this.visible(r)
    if (!Array.isArray(spans)) return spans
    const p = r.params
    let query: TraceQL.Query
    try {
      query = TraceQL.parse(p.get("q") ?? p.get("query") ?? "")
    } catch (err) {
      return text(400, `invalid TraceQL query: ${err instanceof Error ? err.message : String(err)}\n`)
    }
    if (query.metric === undefined) return text(400, "invalid TraceQL query: a metrics query needs a metrics function such as | rate()\n")
    const start = tempoTime(p.get("start"))
    const end = tempoTime(p.get("end"))
    if (start === undefined || end === undefined) return text(400, "invalid start or end: expected unix seconds, unix nanoseconds or RFC3339\n")
    if (end <= start) return text(400, `invalid start or end: end ${end} must be after start ${start}\n`)
    const matched = spans.filter((x) => TraceQL.matches(query.filter, spanView(x)))
    const perSecond = query.metric === "rate"
    if (instant) {
      // IntervalMapperInstant: both ends included
      const n = matched.filter((x) => x.startMs >= start && x.startMs <= end).length
      const value = perSecond ? n / ((end - start) / 1000) : n
      return json(200, { series: n === 0 ? [] : [{ labels: [{ key: "__name__", value: { stringValue: query.metric } }], value }], metrics: { inspectedSpans: String(spans.length), completedJobs: 1, totalJobs: 1 } })
    }
    const stepText = p.get("step")
    const stepSeconds = stepText === null ? undefined : Number(stepText)
    const stepMs = stepText === null ? Math.max(1000, Math.round((end - start) / 100 / 1000) * 1000) : stepSeconds !== undefined && Number.isFinite(stepSeconds) ? stepSeconds * 1000 : parseGoDuration(stepText)
    if (stepMs === undefined || stepMs <= 0) return text(400, `cannot parse ${JSON.stringify(stepText)} to a valid duration\n`)
    const samples: Array<{ timestampMs: string; value: number }> = []
    const from = Math.floor(start / stepMs) * stepMs
    const to = Math.ceil(end / stepMs) * stepMs
    if ((this.options.metricsApi ?? "all") === "all") {
      // Tempo ≥ 2.10 (#5366): the range aligned to the step plus one bucket before it; buckets right-closed (t - step, t], labelled by their end
      for (let t = from; t <= to; t += stepMs) {
        const n = matched.filter((x) => x.startMs > t - stepMs && x.startMs <= t).length
        if (n > 0) samples.push({ timestampMs: String(t), value: perSecond ? n / (stepMs / 1000) : n })
      }
    } else {
      // Tempo 2.4–2.6: the range aligned to the step; buckets left-closed [t, t + step), labelled by their start
      for (let t = from; t < to; t += stepMs) {
        const n = matched.filter((x) => x.startMs >= t && x.startMs < t + stepMs).length
        if (n > 0) samples.push({ timestampMs: String(t), value: perSecond ? n / (stepMs / 1000) : n })
      }
    }
    return json(200, { series: samples.length === 0 ? [] : [{ labels: [{ key: "__name__", value: { stringValue: query.metric } }], samples }], metrics: { inspectedSpans: String(spans.length), completedJobs: 1, totalJobs: 1 } })
  }
}

// ---------------------------------------------------------------- Jaeger

/** How the fake Jaeger is set up. */
export interface FakeJaegerOptions {
  /** Credentials a proxy before Jaeger demands (401 text otherwise); Jaeger itself has none. */
  readonly auth?: Auth
}

/** `http.Error(w, json(structuredResponse{Errors: …}), code)`, as jaeger-query's handleError writes it. */
const jaegerError = (code: number, msg: string): Reply => text(code, `${JSON.stringify({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code, msg }] })}\n`)

const jaegerTag = (key: string, v: string | number | boolean) => ({
  key,
  type: typeof v === "string" ? "string" : typeof v === "boolean" ? "bool" : Number.isInteger(v) ? "int64" : "float64",
  value: v
})

const spanTags = (s: FakeSpan) => [
  ...Object.entries(s.attributes ?? {}).map(([k, v]) => jaegerTag(k, v)),
  ...(s.kind !== undefined ? [jaegerTag("span.kind", s.kind)] : []),
  // what Jaeger's OTLP translator writes for a span with status ERROR
  ...(s.status === "error" ? [jaegerTag("otel.status_code", "ERROR"), jaegerTag("error", true)] : s.status === "ok" ? [jaegerTag("otel.status_code", "OK")] : [])
]

/**
 * A fake Jaeger query service following the internal HTTP JSON API the UI
 * used (cmd/query/app/http_handler.go and query_parser.go, up to v2.20):
 * `GET /api/traces` with `service`, `operation`, `tags` (a JSON object of
 * strings; malformed → 400), `start`/`end` (µs, both included), `limit`
 * (traces, default 100), `minDuration`/`maxDuration`; a trace is returned
 * whole (every span, other services' too) when one of its spans matches;
 * most recent traces first. `GET /api/services`. Errors as jaeger-query
 * writes them: `http.Error` with the JSON envelope `{"data":null,…,"errors":
 * [{"code","msg"}]}` as text/plain; `total`, `limit`, `offset` always 0 in a
 * search answer, as the real handler leaves them; an unknown service is
 * `{"data": []}` with 200.
 */
export class FakeJaeger {
  private spans: Array<FakeSpan> = []
  private traces = new Map<string, Array<FakeSpan>>()
  private tagsOf = new WeakMap<FakeSpan, Array<ReturnType<typeof jaegerTag>>>()
  private partialErrors: Array<{ code: number; msg: string; traceID?: string }> = []
  private constructor(private readonly server: FakeServer) {}

  static async start(options: FakeJaegerOptions = {}): Promise<FakeJaeger> {
    const ref: { self?: FakeJaeger } = {}
    const server = await FakeServer.start((r) => ref.self!.handle(r), options.auth ?? {}, () => text(401, "Unauthorized\n"))
    ref.self = new FakeJaeger(server)
    return ref.self
  }

  get url(): string {
    return this.server.url
  }
  get received(): ReadonlyArray<Received> {
    return this.server.received
  }
  add(spans: ReadonlyArray<FakeSpan>): void {
    for (const s of spans) {
      this.spans.push(s)
      const list = this.traces.get(s.traceId) ?? []
      list.push(s)
      this.traces.set(s.traceId, list)
    }
  }
  inject(injection: Injection): void {
    this.server.inject(injection)
  }
  /** A span's tags and its process's, as Jaeger matches `tags` against them. */
  private allTags(s: FakeSpan) {
    let tags = this.tagsOf.get(s)
    if (tags === undefined) {
      tags = [...spanTags(s), ...Object.entries(s.resource ?? {}).map(([k, v]) => jaegerTag(k, v))]
      this.tagsOf.set(s, tags)
    }
    return tags
  }
  /** The next search answers with its data and these `errors` beside it (a partial answer). */
  reportErrors(errors: ReadonlyArray<{ code: number; msg: string; traceID?: string }>): void {
    this.partialErrors.push(...errors)
  }
  delay(ms: number): void {
    this.server.delay(ms)
  }
  reset(): void {
    this.server.reset()
    this.partialErrors = []
  }
  close(): Promise<void> {
    return this.server.close()
  }

  private handle(r: Received): Reply {
    if (r.path === "/api/services") {
      const services = [...new Set(this.spans.map((s) => s.service))].sort()
      return json(200, { data: services, total: services.length, limit: 0, offset: 0, errors: null })
    }
    if (r.path === "/api/traces") return this.search(r)
    return notFound()
  }

  private search(r: Received): Reply {
    const p = r.params
    const now = Date.now() * 1000
    const int = (name: string, fallback: number): number | Reply => {
      const v = p.get(name)
      if (v === null || v === "") return fallback
      if (!/^-?\d+$/.test(v)) return jaegerError(400, `unable to parse param '${name}': strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`)
      return Number(v)
    }
    const start = int("start", now)
    const end = int("end", now)
    if (typeof start !== "number") return start
    if (typeof end !== "number") return end
    const tags: Record<string, string> = {}
    for (const t of p.getAll("tag")) {
      const parts = t.split(":")
      if (parts.length <= 1) return jaegerError(400, `malformed 'tag' parameter, expecting key:value, received: ${t}`)
      tags[parts[0]!] = parts.slice(1).join(":")
    }
    for (const t of p.getAll("tags")) {
      let parsed: unknown
      try {
        parsed = JSON.parse(t)
      } catch (e) {
        return jaegerError(400, `malformed 'tags' parameter, cannot unmarshal JSON: ${e instanceof Error ? e.message : String(e)}`)
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== "string")) {
        return jaegerError(400, "malformed 'tags' parameter, cannot unmarshal JSON: json: cannot unmarshal into Go value of type map[string]string")
      }
      Object.assign(tags, parsed)
    }
    const limitText = p.get("limit")
    if (limitText !== null && limitText !== "" && !/^-?\d+$/.test(limitText)) return jaegerError(400, `strconv.ParseInt: parsing ${JSON.stringify(limitText)}: invalid syntax`)
    const limit = limitText === null || limitText === "" ? 100 : Number(limitText)
    const durations: Array<number | undefined> = []
    for (const name of ["minDuration", "maxDuration"]) {
      const v = p.get(name)
      if (v === null || v === "") durations.push(undefined)
      else {
        const d = parseGoDuration(v)
        if (d === undefined) return jaegerError(400, `unable to parse param '${name}': time: invalid duration ${JSON.stringify(v)}`)
        durations.push(d)
      }
    }
    const [minD, maxD] = durations
    if (minD !== undefined && maxD !== undefined && maxD < minD) return jaegerError(400, "'maxDuration' should be greater than 'minDuration'")
    const service = p.get("service") ?? ""
    if (service === "") return jaegerError(400, "parameter 'service' is required")
    const operation = p.get("operation") ?? ""
    const wanted = Object.entries(tags)
    const tagMatches = (s: FakeSpan) => {
      const all = this.allTags(s)
      return wanted.every(([k, v]) => all.some((t) => t.key === k && String(t.value) === v))
    }
    const matching = (s: FakeSpan) => {
      const st = Math.round(s.startMs * 1000)
      return (
        s.service === service &&
        (operation === "" || s.name === operation) &&
        st >= start &&
        st <= end &&
        (minD === undefined || s.durationMs >= minD) &&
        (maxD === undefined || s.durationMs <= maxD) &&
        tagMatches(s)
      )
    }
    const found: Array<{ latest: number; spans: Array<FakeSpan> }> = []
    for (const list of this.traces.values()) {
      let latest = -Infinity
      for (const h of list) if (h.startMs > latest && matching(h)) latest = h.startMs
      if (latest > -Infinity) found.push({ latest, spans: list })
    }
    found.sort((a, b) => b.latest - a.latest)
    const data = found.slice(0, Math.max(0, limit)).map(({ spans }) => {
      const services = [...new Set(spans.map((s) => s.service))]
      const pid = (s: FakeSpan) => `p${services.indexOf(s.service) + 1}`
      return {
        traceID: spans[0]!.traceId,
        spans: spans.map((s) => ({
          traceID: s.traceId,
          spanID: s.spanId,
          flags: 1,
          operationName: s.name,
          references: s.parentSpanId !== undefined ? [{ refType: "CHILD_OF", traceID: s.traceId, spanID: s.parentSpanId }] : [],
          startTime: Math.round(s.startMs * 1000),
          duration: Math.round(s.durationMs * 1000),
          tags: spanTags(s),
          logs: [],
          processID: pid(s),
          warnings: null
        })),
        processes: Object.fromEntries(
          services.map((name, i) => {
            const res = spans.find((s) => s.service === name)?.resource ?? {}
            return [`p${i + 1}`, { serviceName: name, tags: Object.entries(res).map(([k, v]) => jaegerTag(k, v)) }]
          })
        ),
        warnings: null
      }
    })
    const errors = this.partialErrors.length > 0 ? this.partialErrors.splice(0) : null
    return json(200, { data, total: 0, limit: 0, offset: 0, errors })
  }
}

// ---------------------------------------------------------------- spans for canary scenarios

/** An operation of a track: its share of requests, latency and error ratio. */
export interface Operation {
  readonly name: string
  /** Share of the track's requests (shares are normalised). */
  readonly share: number
  readonly latencySeconds: number
  readonly errorRatio: number
}

/** One track's traffic. */
export interface TrackTraffic {
  readonly requestsPerSecond: number
  readonly operations: ReadonlyArray<Operation>
  /** "restart" spans per window (process start-ups). */
  readonly restartsPerWindow?: number
}

/** A canary scenario: two tracks of one service over consecutive windows. */
export interface Scenario {
  readonly seed: number
  readonly service: string
  /** Epoch ms. */
  readonly start: number
  readonly windowSeconds: number
  readonly windows: number
  readonly baseline: TrackTraffic
  readonly candidate: TrackTraffic
  /** The span attribute `track`'s values (default `stable`, `canary`: `QueryTemplate.trackLabel`'s). */
  readonly labels?: { readonly baseline: string; readonly candidate: string }
}

/**
 * Spans for a scenario, deterministic for a seed: every request a trace with
 * a server span of `service` (attributes `track`, `http.route`; status error
 * for failed requests; lognormal latency around the operation's) and a client
 * span to `<service>-db` under it; plus `restart` spans. Arrivals are uniform
 * random over each window, so counts vary like real traffic.
 */
export const generateSpans = (scenario: Scenario): Array<FakeSpan> => {
  const random = Random.mulberry32(scenario.seed)
  const normal = Random.normals(scenario.seed ^ 0x5bd1e995)
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join("")
  const labels = scenario.labels ?? { baseline: "stable", candidate: "canary" }
  const out: Array<FakeSpan> = []
  for (const track of ["baseline", "candidate"] as const) {
    const traffic = scenario[track]
    const totalShare = traffic.operations.reduce((a, o) => a + o.share, 0) || 1
    for (let w = 0; w < scenario.windows; w++) {
      const from = scenario.start + w * scenario.windowSeconds * 1000
      const requests = Math.round(traffic.requestsPerSecond * scenario.windowSeconds)
      for (let i = 0; i < requests; i++) {
        let pick = random() * totalShare
        const op = traffic.operations.find((o) => (pick -= o.share) < 0) ?? traffic.operations[traffic.operations.length - 1]!
        const startMs = from + random() * scenario.windowSeconds * 1000
        const durationMs = Math.max(0.05, op.latencySeconds * 1000 * Math.exp(0.25 * normal()))
        const failed = random() < op.errorRatio
        const traceId = hex(32)
        const spanId = hex(16)
        out.push({
          traceId,
          spanId,
          service: scenario.service,
          name: op.name,
          startMs,
          durationMs,
          status: failed ? "error" : "ok",
          kind: "server",
          attributes: { track: labels[track], "http.route": op.name, "http.status_code": failed ? 500 : 200 }
        })
        out.push({ traceId, spanId: hex(16), parentSpanId: spanId, service: `${scenario.service}-db`, name: "SELECT", startMs: startMs + durationMs * 0.1, durationMs: durationMs * 0.5, status: "unset", kind: "client", attributes: { track: labels[track] } })
      }
      for (let i = 0; i < (traffic.restartsPerWindow ?? 0); i++) {
        out.push({ traceId: hex(32), spanId: hex(16), service: scenario.service, name: "restart", startMs: from + ((i + 0.5) / (traffic.restartsPerWindow ?? 1)) * scenario.windowSeconds * 1000, durationMs: 1500, status: "ok", kind: "internal", attributes: { track: labels[track] } })
      }
    }
  }
  return out
}

/**
 * A canary scenario with uneven traffic: the candidate takes `canaryShare`
 * (default 10 %) of `requestsPerSecond`; the candidate's operations are the
 * baseline's with `candidate` overrides by name (slower, more errors).
 */
export const canaryScenario = (options: {
  readonly seed: number
  readonly service: string
  readonly start: number
  readonly windowSeconds: number
  readonly windows: number
  readonly requestsPerSecond: number
  readonly canaryShare?: number
  readonly operations: ReadonlyArray<Operation>
  readonly candidate?: Readonly<Record<string, Partial<Omit<Operation, "name">>>>
}): Scenario => {
  const share = options.canaryShare ?? 0.1
  return {
    seed: options.seed,
    service: options.service,
    start: options.start,
    windowSeconds: options.windowSeconds,
    windows: options.windows,
    baseline: { requestsPerSecond: options.requestsPerSecond * (1 - share), operations: options.operations },
    candidate: { requestsPerSecond: options.requestsPerSecond * share, operations: options.operations.map((o) => ({ ...o, ...(options.candidate?.[o.name] ?? {}) })) }
  }
}

/** `MetricSourceContract.scenario` as a span scenario (one operation, restarts as `restart` spans). */
export const contractScenario = (seed = 7): Scenario => {
  const s = MetricSourceContract.scenario
  const track = (t: { readonly latencySeconds: number; readonly requestsPerSecond: number; readonly errorRatio: number }, restarts: number): TrackTraffic => ({
    requestsPerSecond: t.requestsPerSecond,
    operations: [{ name: "GET /checkout", share: 1, latencySeconds: t.latencySeconds, errorRatio: t.errorRatio }],
    restartsPerWindow: restarts
  })
  return { seed, service: s.service, start: s.start, windowSeconds: s.windowSeconds, windows: s.windows, baseline: track(s.baseline, s.restarts.baseline), candidate: track(s.candidate, s.restarts.candidate) }
}

/** The contract's slo.yaml with TraceQL queries, for a Tempo loaded with {@link contractScenario}. */
export const tempoContractSpec = Effect.runSync(
  SloSpec.decode({
    apiVersion: "rollwise/v1",
    kind: "SloSpec",
    service: MetricSourceContract.scenario.service,
    window: "2m",
    metrics: [
      { name: "latency", kind: "continuous", source: "tempo", threshold: 0.3, query: '{ resource.service.name = "{{service}}" && span.track = "{{track}}" && name != "restart" }' },
      {
        name: "error-rate",
        kind: "ratio",
        source: "tempo",
        threshold: 0.01,
        errorsQuery: '{ resource.service.name = "{{service}}" && span.track = "{{track}}" && name != "restart" && status = error }',
        totalQuery: '{ resource.service.name = "{{service}}" && span.track = "{{track}}" && name != "restart" }'
      },
      { name: "restarts", kind: "counter", source: "tempo", threshold: 0, query: '{ resource.service.name = "{{service}}" && span.track = "{{track}}" && name = "restart" }' },
      { name: "absent", kind: "continuous", source: "tempo", threshold: 1, query: '{ resource.service.name = "no-such-service" }' }
    ]
  })
)

/**
 * The contract's slo.yaml for Jaeger: latency and error-rate read spans by
 * operation and `track` tag; restarts is a Tempo counter (a Jaeger metric
 * cannot be a counter), so the contract runs through a layer that routes by
 * `source` as the runner does.
 */
export const jaegerContractSpec = Effect.runSync(
  SloSpec.decode({
    apiVersion: "rollwise/v1",
    kind: "SloSpec",
    service: MetricSourceContract.scenario.service,
    window: "2m",
    metrics: [
      { name: "latency", kind: "continuous", source: "jaeger", threshold: 0.3, operation: "GET /checkout", tags: { track: "{{track}}" } },
      { name: "error-rate", kind: "ratio", source: "jaeger", threshold: 0.01, operation: "GET /checkout", tags: { track: "{{track}}" } },
      { name: "restarts", kind: "counter", source: "tempo", threshold: 0, query: '{ resource.service.name = "{{service}}" && span.track = "{{track}}" && name = "restart" }' },
      { name: "absent", kind: "continuous", source: "jaeger", threshold: 1, operation: "no-such-operation" }
    ]
  })
)
