/**
 * Test support for @rollwise/source-loki: `FakeLoki`, an HTTP server on
 * 127.0.0.1 that follows Loki's query API (paths, parameters, tenant and
 * auth checks, limits, error texts and codes, failure injection) over
 * streams loaded in memory; `generateLogs`, a seeded generator of a
 * service's canary logs; and `loadContractScenario` for the MetricSource
 * contract suite.
 */
import { Random } from "@rollwise/stats-core"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import * as LogQL from "./internal/LogQL.ts"

/** How the fake is set up: like a Loki with `auth_enabled`, behind a gateway checking credentials, with its limits. */
export interface FakeLokiOptions {
  /** Multi-tenant (`auth_enabled: true`): a request without `X-Scope-OrgID` gets 401 `no org id`, and sees only its tenant's streams. */
  readonly multiTenant?: boolean
  /** A gateway's bearer token: requests without it get 401. */
  readonly bearerToken?: string
  /** A gateway's Basic credentials: requests without them get 401. */
  readonly basicAuth?: { readonly username: string; readonly password: string }
  /** `limits_config.max_entries_limit_per_query` (default 5000). */
  readonly maxEntriesLimitPerQuery?: number
  /** `limits_config.max_query_length` in ms (default 721 h). */
  readonly maxQueryLengthMs?: number
}

/** A failure the fake serves instead of an answer: status, body, headers, for the next `times` requests (default 1). */
export interface Injection {
  readonly status: number
  readonly body: string
  readonly headers?: Readonly<Record<string, string>>
  readonly times?: number
  /** Only requests whose `query` parameter contains this text. */
  readonly whenQueryIncludes?: string
}

/** A request as the fake received it (for asserting paging, limits and headers). */
export interface Received {
  readonly path: string
  readonly params: Readonly<Record<string, string>>
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly status: number
}

/** One stream to load: its labels and its lines as `[time, line]`, time in epoch ms (a number) or ns (a bigint). */
export interface StreamInput {
  readonly labels: Readonly<Record<string, string>>
  readonly entries: ReadonlyArray<readonly [number | bigint, string]>
  /** The tenant that owns it (default `fake`). */
  readonly tenant?: string
}

/** A running fake Loki. */
export interface FakeLoki {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  /** Add streams (lines of a stream with the same labels are merged; an exact duplicate of time and text is kept once, as Loki does). */
  readonly load: (streams: ReadonlyArray<StreamInput>) => void
  /** Serve this failure to the next matching requests. */
  readonly inject: (injection: Injection) => void
  /** Answer the next `times` requests (default 1) only after `ms`. */
  readonly delay: (ms: number, times?: number) => void
  /** Warnings added to every successful answer (as Loki 3 sends in `warnings`). */
  readonly setWarnings: (warnings: ReadonlyArray<string>) => void
  /** Every request received, in order. */
  readonly requests: ReadonlyArray<Received>
  readonly close: () => Promise<void>
}

/** Loki's own words for the errors the fake serves (pkg/util/validation, pkg/loghttp, pkg/logql). */
export const errors = {
  noOrgId: "no org id",
  tooManyOutstanding: "too many outstanding requests",
  maxEntries: (limit: number, max: number) => `max entries limit per query exceeded, limit > max_entries_limit_per_query (${limit} > ${max})`,
  queryTooLong: (length: string, limit: string) => `the query time range exceeds the limit (query length: ${length}, limit: ${limit})`,
  endBeforeStart: "end timestamp must not be before or equal to start time",
  stepTooSmall: "exceeded maximum resolution of 11,000 points per time series. Try increasing the value of the step parameter",
  negativeStep: "zero or negative query resolution step widths are not accepted. Try a positive integer",
  instantLogQuery: "log queries are not supported as an instant query type, please change your query to a range query type",
  negativeLimit: "limit must be a positive value"
} as const

/** A duration as Go's `time.Duration.String()` writes it (`744h0m0s`, `1m30s`, `500ms`). */
export const goDuration = (ms: number): string => {
  if (ms === 0) return "0s"
  if (ms < 1000) return `${ms}ms`
  const h = Math.floor(ms / 3_600_000)
  const m = Math.floor((ms % 3_600_000) / 60_000)
  const s = (ms % 60_000) / 1000
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`
}

/** A time parameter as Loki reads it: an integer of ≤ 10 digits is seconds, longer is ns; a decimal is seconds; else RFC 3339. */
const parseTime = (text: string): bigint | undefined => {
  if (/^-?\d+$/.test(text)) return text.replace("-", "").length <= 10 ? BigInt(text) * 1_000_000_000n : BigInt(text)
  if (/^-?\d+\.\d+$/.test(text)) return BigInt(Math.round(Number(text) * 1e6)) * 1000n
  const ms = Date.parse(text)
  if (Number.isNaN(ms)) return undefined
  const frac = /\.(\d+)/.exec(text)?.[1] ?? ""
  const extraNs = frac.length > 3 ? BigInt(frac.slice(3, 9).padEnd(6, "0")) : 0n
  return BigInt(ms) * 1_000_000n + extraNs
}

/** A step parameter: a duration (`10s`) or seconds (`10`, `0.5`), in ms. */
const parseStep = (text: string): number | undefined => {
  const d = LogQL.parseDuration(text)
  if (d !== undefined) return d
  return /^-?\d+(\.\d+)?$/.test(text) ? Math.round(Number(text) * 1000) : undefined
}

/** A float as Go's `strconv.FormatFloat(v, 'f', -1, 64)` writes it (NaN and ±Inf as Prometheus does). */
const formatValue = (v: number) => (Number.isNaN(v) ? "NaN" : v === Number.POSITIVE_INFINITY ? "+Inf" : v === Number.NEGATIVE_INFINITY ? "-Inf" : String(v))

const seconds = (ns: bigint) => Number(ns / 1_000_000n) / 1000

/** Thrown while answering: an error status and Loki's plain-text body. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string
  ) {
    super(body)
  }
}

/**
 * Start a fake Loki on 127.0.0.1 (a free port). It serves `GET`/`POST`
 * `/loki/api/v1/query` and `/loki/api/v1/query_range` with Loki's parameters
 * (`query`, `time`, `start`, `end`, `step`, `limit`, `direction`), evaluates
 * the LogQL subset of `internal/LogQL.ts` with a real parser, answers with
 * Loki's JSON (`streams` with `[ns, line]`, `matrix`, `vector`) and, on
 * failure, Loki's plain-text errors with its status codes.
 */
export const startFakeLoki = (options: FakeLokiOptions = {}): Promise<FakeLoki> => {
  const maxEntries = options.maxEntriesLimitPerQuery ?? 5000
  const maxLength = options.maxQueryLengthMs ?? 721 * 3_600_000
  const byTenant = new Map<string, Map<string, { labels: Readonly<Record<string, string>>; entries: Array<LogQL.Entry>; keys: Set<string> }>>()
  const injections: Array<Injection & { left: number }> = []
  const delays: Array<{ ms: number; left: number }> = []
  let warnings: ReadonlyArray<string> = []
  const requests: Array<Received> = []

  const streamsOf = (tenant: string): Array<LogQL.Stream> =>
    [...(byTenant.get(tenant)?.values() ?? [])].map((s) => ({ labels: s.labels, entries: s.entries }))

  const authorized = (req: IncomingMessage): boolean => {
    const auth = req.headers.authorization ?? ""
    if (options.bearerToken !== undefined && auth !== `Bearer ${options.bearerToken}`) return false
    if (options.basicAuth !== undefined && auth !== `Basic ${Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`).toString("base64")}`) return false
    return true
  }

  const answer = (params: Record<string, string>, path: string, tenant: string): unknown => {
    const query = params.query ?? ""
    let expr: LogQL.Expr
    try {
      expr = LogQL.parse(query)
    } catch (e) {
      throw new HttpError(400, e instanceof Error ? e.message : String(e))
    }
    const streams = streamsOf(tenant)
    const nowNs = BigInt(Date.now()) * 1_000_000n
    const time = (name: string, fallback: bigint) => {
      const text = params[name]
      if (text === undefined || text === "") return fallback
      const t = parseTime(text)
      if (t === undefined) throw new HttpError(400, `invalid parameter "${name}": cannot parse "${text}" to a valid timestamp`)
      return t
    }
    const evaluate = <A>(run: () => A): A => {
      try {
        return run()
      } catch (e) {
        if (e instanceof LogQL.PipelineError) throw new HttpError(400, e.message)
        throw e
      }
    }
    if (path === "/loki/api/v1/query") {
      if (expr._tag === "Log") throw new HttpError(400, errors.instantLogQuery)
      const metric = expr
      const t = time("time", nowNs)
      return evaluate(() => ({ resultType: "vector", result: LogQL.evaluate(metric, streams, t).map((s) => ({ metric: s.labels, value: [seconds(t), formatValue(s.value)] })) }))
    }
    const end = time("end", nowNs)
    const start = time("start", end - 3_600_000_000_000n)
    if (end < start) throw new HttpError(400, errors.endBeforeStart)
    const lengthMs = Number((end - start) / 1_000_000n)
    if (lengthMs > maxLength) throw new HttpError(400, errors.queryTooLong(goDuration(lengthMs), goDuration(maxLength)))
    if (expr._tag === "Log") {
      const limitText = params.limit ?? "100"
      if (!/^-?\d+$/.test(limitText)) throw new HttpError(400, `strconv.ParseInt: parsing ${JSON.stringify(limitText)}: invalid syntax`)
      const limit = Number(limitText)
      if (limit <= 0) throw new HttpError(400, errors.negativeLimit)
      if (limit > maxEntries) throw new HttpError(400, errors.maxEntries(limit, maxEntries))
      const direction = (params.direction ?? "backward").toLowerCase()
      if (direction !== "forward" && direction !== "backward") throw new HttpError(400, `invalid direction '${params.direction}'`)
      const log = expr
      const picked = evaluate(() => LogQL.select(log, streams, start, end, { limit, backward: direction === "backward" })).map((e) => ({ ...e, key: LogQL.labelsKey(e.labels) }))
      picked.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : a.line < b.line ? -1 : a.line > b.line ? 1 : 0))
      if (direction === "backward") picked.reverse()
      const grouped = new Map<string, { stream: Readonly<Record<string, string>>; values: Array<[string, string]> }>()
      for (const e of picked.slice(0, limit)) {
        const g = grouped.get(e.key) ?? { stream: e.labels, values: [] }
        grouped.set(e.key, g)
        g.values.push([e.ts.toString(), e.line])
      }
      return { resultType: "streams", result: [...grouped.values()] }
    }
    const stepText = params.step
    const stepMs = stepText === undefined || stepText === "" ? Math.max(1000, Math.floor(lengthMs / 250 / 1000) * 1000) : parseStep(stepText)
    if (stepMs === undefined) throw new HttpError(400, `invalid parameter "step": cannot parse "${stepText}" to a valid duration`)
    if (stepMs <= 0) throw new HttpError(400, errors.negativeStep)
    if (lengthMs / stepMs > 11_000) throw new HttpError(400, errors.stepTooSmall)
    const metric = expr
    const series = new Map<string, { metric: Readonly<Record<string, string>>; values: Array<[number, string]> }>()
    const stepNs = BigInt(stepMs) * 1_000_000n
    evaluate(() => {
      for (let t = start; t <= end; t += stepNs) {
        for (const s of LogQL.evaluate(metric, streams, t)) {
          const key = LogQL.labelsKey(s.labels)
          const into = series.get(key) ?? { metric: s.labels, values: [] }
          series.set(key, into)
          into.values.push([seconds(t), formatValue(s.value)])
        }
      }
    })
    return { resultType: "matrix", result: [...series.values()] }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    const params: Record<string, string> = Object.fromEntries(url.searchParams)
    if (req.method === "POST") {
      let body = ""
      for await (const chunk of req) body += String(chunk)
      for (const [k, v] of new URLSearchParams(body)) params[k] = v
    }
    const headers = { authorization: req.headers.authorization, "x-scope-orgid": req.headers["x-scope-orgid"] as string | undefined }
    const send = (status: number, body: string, type: string, extra: Readonly<Record<string, string>> = {}) => {
      requests.push({ path: url.pathname, params, headers, status })
      res.writeHead(status, { "Content-Type": type, ...extra })
      res.end(body)
    }
    const plain = (status: number, text: string, extra?: Readonly<Record<string, string>>) => send(status, `${text}\n`, "text/plain; charset=utf-8", extra)
    const d = delays.find((x) => x.left > 0)
    if (d !== undefined) {
      d.left--
      await new Promise((r) => setTimeout(r, d.ms))
    }
    const inj = injections.find((i) => i.left > 0 && (i.whenQueryIncludes === undefined || (params.query ?? "").includes(i.whenQueryIncludes)))
    if (inj !== undefined) {
      inj.left--
      return send(inj.status, inj.body, "text/plain; charset=utf-8", inj.headers)
    }
    if (!authorized(req)) return plain(401, "Unauthorized")
    if (url.pathname !== "/loki/api/v1/query" && url.pathname !== "/loki/api/v1/query_range") return plain(404, "404 page not found")
    if (req.method !== "GET" && req.method !== "POST") return plain(405, "method not allowed")
    const orgId = headers["x-scope-orgid"]
    if (options.multiTenant === true && (orgId === undefined || orgId === "")) return plain(401, errors.noOrgId)
    const tenant = options.multiTenant === true ? orgId! : "fake"
    try {
      const data = answer(params, url.pathname, tenant)
      const body = {
        status: "success",
        data: { ...(data as object), stats: { summary: { execTime: 0.001, totalLinesProcessed: 0 } } },
        ...(warnings.length > 0 ? { warnings } : {})
      }
      return send(200, JSON.stringify(body), "application/json; charset=UTF-8")
    } catch (e) {
      if (e instanceof HttpError) return plain(e.status, e.body)
      return plain(500, e instanceof Error ? e.message : String(e))
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      res.writeHead(500)
      res.end(String(e))
    })
  })

  const load = (input: ReadonlyArray<StreamInput>) => {
    for (const s of input) {
      const tenant = s.tenant ?? "fake"
      const streams = byTenant.get(tenant) ?? new Map<string, { labels: Readonly<Record<string, string>>; entries: Array<LogQL.Entry>; keys: Set<string> }>()
      byTenant.set(tenant, streams)
      const key = LogQL.labelsKey(s.labels)
      const into = streams.get(key) ?? { labels: { ...s.labels }, entries: [], keys: new Set<string>() }
      streams.set(key, into)
      for (const [time, line] of s.entries) {
        const ts = typeof time === "bigint" ? time : BigInt(Math.round(time)) * 1_000_000n
        const k = `${ts}\u0000${line}`
        if (into.keys.has(k)) continue
        into.keys.add(k)
        into.entries.push({ ts, line })
      }
      into.entries.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0))
    }
  }

  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}`,
        load,
        inject: (i) => injections.push({ ...i, left: i.times ?? 1 }),
        delay: (ms, times = 1) => delays.push({ ms, left: times }),
        setWarnings: (w) => {
          warnings = [...w]
        },
        requests,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections()
            server.close(() => r())
          })
      })
    })
  })
}

// ---------------------------------------------------------------- generator

/** What {@link generateLogs} writes. */
export interface GenerateOptions {
  readonly seed: number
  /** Epoch ms of the first window's start. */
  readonly start: number
  readonly windows: number
  readonly windowSeconds: number
  /** Requests per second over both tracks (each request logs one line). */
  readonly requestsPerSecond: number
  /** The candidate's (canary's) share of requests, e.g. 0.1. */
  readonly canaryShare: number
  /** Message templates of request lines (logfmt); `{path}`, `{id}`, `{ms}`, `{status}`, `{user}` are filled per request. Default: {@link defaultTemplates}. */
  readonly templates?: ReadonlyArray<string>
  /** The service label (default `checkout`). */
  readonly service?: string
  /** The namespace label (default `default`). */
  readonly namespace?: string
  /** Track label values (default `stable`, `canary`, as slo.yaml's default). */
  readonly trackLabels?: { readonly baseline: string; readonly candidate: string }
  /** Share of baseline requests that log the known warning (default 0.02). */
  readonly warningShare?: number
  /** Share of candidate requests that log the known warning (default `warningShare`): a noisier, known warning. */
  readonly candidateWarningShare?: number
  /** Share of candidate requests that fail with a NEW exception type, never seen on the baseline (default 0). */
  readonly newErrorShare?: number
  /** Share of requests on both tracks that fail with the known, old error (status 500; default 0.002). */
  readonly errorShare?: number
  /** The candidate's known-error share (default `errorShare`). */
  readonly candidateErrorShare?: number
  /** Median request duration in ms on the baseline (default 40). */
  readonly latencyMs?: number
  /** The candidate's durations are this many times the baseline's (default 1). */
  readonly candidateLatencyFactor?: number
  /** Container restarts per window, logged as a `container restarted` line (default none). */
  readonly restarts?: { readonly baseline: number; readonly candidate: number }
}

/** Per-track counts of what was generated, for asserting against. */
export interface GeneratedCounts {
  readonly requests: number
  readonly warnings: number
  readonly errors: number
  readonly newErrors: number
  readonly restarts: number
}

/** The generated streams (load them with `fake.load`) and what they hold per track. */
export interface Generated {
  readonly streams: ReadonlyArray<StreamInput>
  readonly baseline: GeneratedCounts
  readonly candidate: GeneratedCounts
}

/** Request-line templates a web service might log, in logfmt. */
export const defaultTemplates: ReadonlyArray<string> = [
  'level=info msg="request handled" method=GET path={path} status={status} duration_ms={ms} request_id={id}',
  'level=info msg="request handled" method=POST path={path} status={status} duration_ms={ms} request_id={id} user={user}',
  'level=info msg="cache lookup" path={path} hit=true duration_ms={ms} request_id={id}'
]

/** The known warning both tracks log. */
export const knownWarning = 'level=warn msg="slow downstream call" upstream=inventory latency_ms={ms} request_id={id}'
/** The known error both tracks log at a small rate. */
export const knownError = 'level=error msg="request failed" error="upstream timeout after {ms}ms" path={path} status=500 duration_ms={ms} request_id={id}'
/** The new exception only the candidate logs (with `newErrorShare`). */
export const newError =
  'level=error msg="unhandled exception" exception=ShippingStateError detail="order {order} in state PAID has no shipping address (attempt {attempt})" at="orders/shipping.ts:{line}" status=500 duration_ms={ms} request_id={id}'

const paths = ["/api/orders/{n}", "/api/cart/{n}/items", "/api/products/{n}", "/api/users/{n}/profile", "/healthz"]

/**
 * Deterministic (same options, same logs) logs of a service with a baseline
 * (`stable`) and a candidate (`canary`) track, over `windows` windows of
 * `windowSeconds` from `start`. Requests arrive as a Poisson process at
 * `requestsPerSecond`, a `canaryShare` of them to the candidate; each logs one
 * logfmt line from `templates` (ids, paths, durations varying), or the known
 * warning, the known error, or — on the candidate only, in `newErrorShare` of
 * its requests — a NEW exception type whose message varies in ids. Streams
 * are labelled `{service, namespace, track, pod, level}`; timestamps are ms
 * plus a sub-ms nanosecond part, some shared by two lines.
 */
export const generateLogs = (options: GenerateOptions): Generated => {
  const uniform = Random.mulberry32(options.seed)
  const service = options.service ?? "checkout"
  const namespace = options.namespace ?? "default"
  const tracks = options.trackLabels ?? { baseline: "stable", candidate: "canary" }
  const templates = options.templates ?? defaultTemplates
  const warningShare = options.warningShare ?? 0.02
  const errorShare = options.errorShare ?? 0.002
  const latency = options.latencyMs ?? 40
  const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(uniform() * xs.length)]!
  const hexId = () => Math.floor(uniform() * 0xffffffff).toString(16).padStart(8, "0") + Math.floor(uniform() * 0xffff).toString(16).padStart(4, "0")
  const normal = () => {
    let u = 0
    while (u === 0) u = uniform()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform())
  }
  const streams = new Map<string, { labels: Record<string, string>; entries: Array<[bigint, string]> }>()
  const push = (labels: Record<string, string>, ts: bigint, line: string) => {
    const key = JSON.stringify(labels)
    const s = streams.get(key) ?? { labels, entries: [] }
    streams.set(key, s)
    s.entries.push([ts, line])
  }
  const counts = {
    baseline: { requests: 0, warnings: 0, errors: 0, newErrors: 0, restarts: 0 },
    candidate: { requests: 0, warnings: 0, errors: 0, newErrors: 0, restarts: 0 }
  }
  const endMs = options.start + options.windows * options.windowSeconds * 1000
  let tMs = options.start
  let previousNs = -1n
  for (;;) {
    // exponential gaps: a Poisson process
    tMs += (-Math.log(1 - uniform()) / options.requestsPerSecond) * 1000
    if (tMs >= endMs) break
    const track: "baseline" | "candidate" = uniform() < options.canaryShare ? "candidate" : "baseline"
    const c = counts[track]
    c.requests++
    const factor = track === "candidate" ? (options.candidateLatencyFactor ?? 1) : 1
    const ms = Math.max(1, Math.round(latency * factor * Math.exp(0.35 * normal())))
    // now and then two lines share a nanosecond (Loki keeps both when their text differs)
    let ts = BigInt(Math.floor(tMs)) * 1_000_000n + BigInt(Math.floor(uniform() * 1_000_000))
    if (previousNs >= 0n && uniform() < 0.01) ts = previousNs > ts ? previousNs : ts
    if (ts < previousNs) ts = previousNs
    previousNs = ts
    const fill = (template: string) =>
      template
        .replace(/\{path\}/g, () => pick(paths).replace("{n}", String(1000 + Math.floor(uniform() * 90_000))))
        .replace(/\{id\}/g, hexId)
        .replace(/\{ms\}/g, String(ms))
        .replace(/\{status\}/g, () => pick(["200", "200", "200", "201", "204", "304"]))
        .replace(/\{user\}/g, () => `u${Math.floor(uniform() * 100_000)}`)
        .replace(/\{order\}/g, () => String(10_000 + Math.floor(uniform() * 90_000)))
        .replace(/\{attempt\}/g, () => String(1 + Math.floor(uniform() * 3)))
        .replace(/\{line\}/g, () => pick(["88", "88", "91"]))
    const pod = `${service}-${track === "candidate" ? "7d9f" : "5c4b"}-${pick(["a1", "b2", "c3"])}`
    const labels = (level: string) => ({ service, namespace, track: tracks[track], pod, level })
    const newShare = track === "candidate" ? (options.newErrorShare ?? 0) : 0
    const errShare = track === "candidate" ? (options.candidateErrorShare ?? errorShare) : errorShare
    const warnShare = track === "candidate" ? (options.candidateWarningShare ?? warningShare) : warningShare
    const u = uniform()
    if (u < newShare) {
      c.newErrors++
      push(labels("error"), ts, fill(newError))
    } else if (u < newShare + errShare) {
      c.errors++
      push(labels("error"), ts, fill(knownError))
    } else {
      push(labels("info"), ts, fill(pick(templates)))
      if (uniform() < warnShare) {
        c.warnings++
        push(labels("warn"), ts + 1n, fill(knownWarning))
      }
    }
  }
  for (const track of ["baseline", "candidate"] as const) {
    const perWindow = options.restarts?.[track] ?? 0
    for (let w = 0; w < options.windows; w++) {
      for (let i = 0; i < perWindow; i++) {
        const at = options.start + w * options.windowSeconds * 1000 + ((i + 0.5) / perWindow) * options.windowSeconds * 1000
        counts[track].restarts++
        push({ service, namespace, track: tracks[track], pod: `${service}-kubelet`, level: "warn" }, BigInt(Math.floor(at)) * 1_000_000n, `level=warn msg="container restarted" reason=OOMKilled restart_count=${i + 1}`)
      }
    }
  }
  return { streams: [...streams.values()].map((s) => ({ labels: s.labels, entries: s.entries })), baseline: counts.baseline, candidate: counts.candidate }
}

// ---------------------------------------------------------------- contract

/** The MetricSource contract's scenario (rollout-engine's `MetricSourceContract.scenario`), repeated here so src does not import a test suite. */
export interface ContractScenario {
  readonly service: string
  readonly start: number
  readonly windowSeconds: number
  readonly windows: number
  readonly baseline: { readonly latencySeconds: number; readonly requestsPerSecond: number; readonly errorRatio: number }
  readonly candidate: { readonly latencySeconds: number; readonly requestsPerSecond: number; readonly errorRatio: number }
  readonly restarts: { readonly baseline: number; readonly candidate: number }
}

/**
 * Load the contract's scenario into a fake Loki: request lines with
 * `duration_ms`, failed requests (`status=500`) at each track's error ratio,
 * and restarts; read it with {@link contractMetrics}.
 */
export const loadContractScenario = (fake: Pick<FakeLoki, "load">, scenario: ContractScenario, seed = 7): Generated => {
  const rps = scenario.baseline.requestsPerSecond + scenario.candidate.requestsPerSecond
  const generated = generateLogs({
    seed,
    start: scenario.start,
    windows: scenario.windows,
    windowSeconds: scenario.windowSeconds,
    requestsPerSecond: rps,
    canaryShare: scenario.candidate.requestsPerSecond / rps,
    service: scenario.service,
    latencyMs: scenario.baseline.latencySeconds * 1000,
    candidateLatencyFactor: scenario.candidate.latencySeconds / scenario.baseline.latencySeconds,
    errorShare: scenario.baseline.errorRatio,
    candidateErrorShare: scenario.candidate.errorRatio,
    restarts: scenario.restarts
  })
  fake.load(generated.streams)
  return generated
}

/** The contract's four metrics as LogQL over {@link loadContractScenario}'s logs (latency continuous, error-rate ratio, restarts counter, absent). */
export const contractMetrics = [
  {
    name: "latency",
    kind: "continuous",
    source: "loki",
    threshold: 300,
    query: 'avg_over_time({service="{{service}}", track="{{track}}"} |= "duration_ms=" | logfmt | unwrap duration_ms [{{step}}])'
  },
  {
    name: "error-rate",
    kind: "ratio",
    source: "loki",
    threshold: 0.01,
    errorsQuery: 'sum(count_over_time({service="{{service}}", track="{{track}}"} |= "status=500" [{{window}}]))',
    totalQuery: 'sum(count_over_time({service="{{service}}", track="{{track}}"} |= "duration_ms=" [{{window}}]))'
  },
  { name: "restarts", kind: "counter", source: "loki", threshold: 0, query: 'sum(count_over_time({service="{{service}}", track="{{track}}"} |= "container restarted" [{{window}}]))' },
  { name: "absent", kind: "continuous", source: "loki", threshold: 1, query: 'sum(rate({service="no-such-service", track="{{track}}"} [{{step}}]))' }
] as const

// ---------------------------------------------------------------- scenarios

/**
 * {@link generateLogs} presets for issue #22's canary scenarios: 100
 * requests/s, 10 % to the canary, windows of 2 minutes (so ~1,200 candidate
 * requests a window). `newError`: a new exception type in 0.5 % of candidate
 * requests (~6 a window) — must roll back. `noisyWarning`: the known warning
 * three times as often on the candidate, nothing new — must not. `healthy`:
 * both tracks alike.
 */
export const scenarios = {
  healthy: (start: number, seed = 1, windows = 5): GenerateOptions => ({ seed, start, windows, windowSeconds: 120, requestsPerSecond: 100, canaryShare: 0.1 }),
  newError: (start: number, seed = 1, windows = 5): GenerateOptions => ({ seed, start, windows, windowSeconds: 120, requestsPerSecond: 100, canaryShare: 0.1, newErrorShare: 0.005 }),
  noisyWarning: (start: number, seed = 1, windows = 5): GenerateOptions => ({
    seed,
    start,
    windows,
    windowSeconds: 120,
    requestsPerSecond: 100,
    canaryShare: 0.1,
    warningShare: 0.02,
    candidateWarningShare: 0.06
  })
} as const

/**
 * A signatures metric (slo.yaml's shape) over {@link generateLogs}' logs: the
 * error and warning lines of the track, with its requests as the exposure.
 */
export const signaturesMetric = {
  name: "new-errors",
  kind: "signatures",
  source: "loki",
  direction: "lower",
  threshold: 0,
  critical: true,
  query: '{service="{{service}}", track="{{track}}"} |~ "level=(error|warn)"',
  totalQuery: 'sum(count_over_time({service="{{service}}", track="{{track}}"} |= "duration_ms=" [{{window}}]))'
} as const
