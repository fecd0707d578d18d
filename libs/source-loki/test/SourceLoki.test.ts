import { fc, test } from "@fast-check/vitest"
import { MetricSource } from "@rollwise/rollout-engine"
import { MetricSourceContract } from "@rollwise/rollout-engine/testing"
import { QueryTemplate, SloSpec } from "@rollwise/slo-policy"
import { ConfigProvider, Duration, Effect, Exit, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { SourceLoki } from "../src/index.ts"
import * as LogQL from "../src/internal/LogQL.ts"
import { contractMetrics, type FakeLoki, generateLogs, loadContractScenario, startFakeLoki } from "../src/testing.ts"

const decode = (doc: Record<string, unknown>) => Effect.runSync(SloSpec.decode({ apiVersion: "rollwise/v1", kind: "SloSpec", ...doc }))

const failure = (exit: Exit.Exit<unknown, MetricSource.MetricSourceError>) => {
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${JSON.stringify(exit.value)}`)
  return (exit.cause.reasons[0] as { error: MetricSource.MetricSourceError }).error
}

describe("SourceLoki against the MetricSource contract (fake Loki, from its HTTP API docs)", () => {
  let fake: FakeLoki
  beforeAll(async () => {
    fake = await startFakeLoki({ multiTenant: true })
    // the contract scenario in the tenant the source sends
    loadContractScenario({ load: (streams) => fake.load(streams.map((s) => ({ ...s, tenant: "team-a" }))) }, MetricSourceContract.scenario)
  })
  afterAll(() => fake.close())
  const spec = decode({ service: MetricSourceContract.scenario.service, window: "2m", metrics: contractMetrics })
  MetricSourceContract.suite("Loki (fake Loki, from its HTTP API docs)", () => SourceLoki.layer({ url: fake.url, tenant: "team-a", retries: 0 }), spec)
})

describe("SourceLoki.observe (fake Loki, from its HTTP API docs)", () => {
  let fake: FakeLoki
  const start = Date.UTC(2026, 10, 2, 9, 0, 0)
  const token = "s3cr3t-token-value"
  beforeAll(async () => {
    fake = await startFakeLoki({ bearerToken: token })
    fake.load(
      generateLogs({ seed: 11, start, windows: 2, windowSeconds: 120, requestsPerSecond: 60, canaryShare: 0.1, service: "shop", newErrorShare: 0.05, errorShare: 0.002 }).streams
    )
  })
  afterAll(() => fake.close())
  const window = { start: start + 120_000, end: start + 240_000 }
  const observe = (doc: Record<string, unknown>, track: "baseline" | "candidate" = "candidate", options: Partial<SourceLoki.Options> = {}) => {
    const spec = decode({ service: "shop", window: "2m", ...doc })
    return Effect.runPromiseExit(
      Effect.gen(function* () {
        const source = yield* MetricSource.MetricSource
        return yield* source.observe({ spec, metric: spec.metrics[0]!, track, window })
      }).pipe(Effect.provide(SourceLoki.layer({ url: fake.url, bearerToken: Redacted.make(token), retries: 0, ...options })))
    )
  }
  const ok = async (doc: Record<string, unknown>, track: "baseline" | "candidate" = "candidate", options: Partial<SourceLoki.Options> = {}) => {
    const exit = await observe(doc, track, options)
    if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
    return exit.value
  }
  const errorsOnly = '{service="{{service}}", track="{{track}}", level="error"}'

  it("refuses a metric of another source as Unsupported", async () => {
    const error = failure(await observe({ metrics: [{ name: "p", kind: "counter", threshold: 1, query: "up" }] }))
    expect(error.reason).toBe("Unsupported")
    expect(error.detail).toBe("metric p is a prometheus metric; this source reads loki metrics")
  })

  it("signatures: every error line of the window, in time order, with the requests as exposure", async () => {
    const m = await ok({
      metrics: [
        {
          name: "new-errors",
          kind: "signatures",
          source: "loki",
          threshold: 0,
          query: errorsOnly,
          totalQuery: 'sum(count_over_time({service="{{service}}", track="{{track}}"} |= "duration_ms=" [{{window}}]))'
        }
      ]
    })
    expect(m.query).toBe('{service="shop", track="canary", level="error"}')
    expect(m.sample?._tag).toBe("Lines")
    if (m.sample?._tag !== "Lines") return
    expect(m.sample.truncated).toBeUndefined()
    expect(m.sample.lines.length).toBeGreaterThan(10)
    expect(m.sample.lines.every((l) => l.includes("level=error"))).toBe(true)
    expect(m.sample.lines.some((l) => l.includes("ShippingStateError"))).toBe(true)
    // ~6 requests/s to the canary over 120 s
    expect(m.sample.total).toBeGreaterThan(500)
    expect(m.sample.total).toBeLessThan(1000)
    expect(m.warnings).toEqual([])
  })

  it("signatures over more lines than maxLines: reads maxLines in pages, counts the rest, scales the total and says so", async () => {
    const m = await ok({ metrics: [{ name: "all", kind: "signatures", source: "loki", threshold: 0, query: '{service="{{service}}", track="{{track}}"}', maxLines: 100 }] }, "baseline")
    expect(m.sample?._tag).toBe("Lines")
    if (m.sample?._tag !== "Lines") return
    expect(m.sample.lines).toHaveLength(100)
    expect(m.sample.truncated).toBe(true)
    // no totalQuery: the exposure is the lines matched, scaled to the lines read
    expect(m.sample.total).toBe(100)
    expect(m.warnings.some((w) => /^read 100 of [\d,]+ matching lines \(maxLines 100\); total scaled from [\d,]+ to 100$/.test(w))).toBe(true)
    const count = fake.requests.filter((r) => r.params.query?.startsWith("sum(count_over_time(\n{service=\"shop\", track=\"stable\"}\n[2m]))"))
    expect(count.length).toBeGreaterThan(0)
  })

  it("signatures whose query ends in a # comment still gets its count when truncated (the range stands on its own line)", async () => {
    const m = await ok({ metrics: [{ name: "all", kind: "signatures", source: "loki", threshold: 0, query: '{service="{{service}}", track="{{track}}"} # every line of the track', maxLines: 50 }] }, "baseline")
    expect(m.sample?._tag === "Lines" && m.sample.truncated).toBe(true)
    expect(m.sample?._tag === "Lines" && m.sample.lines.length).toBe(50)
  })

  it("signatures with no matching line and no totalQuery is no data, never an empty healthy window", async () => {
    const m = await ok({ metrics: [{ name: "s", kind: "signatures", source: "loki", threshold: 0, query: '{service="{{service}}", track="{{track}}"} |= "no such text"' }] })
    expect(m.sample).toBeUndefined()
    expect(m.reason).toBe("no log line matched")
  })

  it("signatures with no matching line but requests in the window is a healthy empty window", async () => {
    const m = await ok({
      metrics: [
        {
          name: "s",
          kind: "signatures",
          source: "loki",
          threshold: 0,
          query: '{service="{{service}}", track="{{track}}"} |= "no such text"',
          totalQuery: 'sum(count_over_time({service="{{service}}", track="{{track}}"} [{{window}}]))'
        }
      ]
    })
    expect(m.sample).toEqual({ _tag: "Lines", lines: [], total: expect.any(Number) })
    expect(m.sample?._tag === "Lines" && m.sample.total > 0).toBe(true)
  })

  it("signatures with a metric query is a BadQuery before asking Loki", async () => {
    const error = failure(await observe({ metrics: [{ name: "s", kind: "signatures", source: "loki", threshold: 0, query: 'sum(count_over_time({service="x"}[1m]))' }] }))
    expect(error.reason).toBe("BadQuery")
  })

  it("a counter of a stream that does not exist is no data with a reason, not zero", async () => {
    const m = await ok({ metrics: [{ name: "c", kind: "counter", source: "loki", threshold: 0, query: 'sum(count_over_time({service="ghost"} [{{window}}]))' }] })
    expect(m.sample).toBeUndefined()
    expect(m.reason).toBe("no stream matched")
  })

  it("a ratio whose errors query is empty but total is not is 0 errors", async () => {
    const m = await ok({
      metrics: [
        {
          name: "r",
          kind: "ratio",
          source: "loki",
          threshold: 0.01,
          errorsQuery: 'sum(count_over_time({service="{{service}}", track="{{track}}"} |= "no such text" [{{window}}]))',
          totalQuery: 'sum(count_over_time({service="{{service}}", track="{{track}}"} [{{window}}]))'
        }
      ]
    })
    expect(m.sample?._tag).toBe("Counts")
    expect(m.sample?._tag === "Counts" && m.sample.errors).toBe(0)
  })

  it("a ratio whose errors exceed its total is a BadResponse", async () => {
    const error = failure(
      await observe({
        metrics: [
          {
            name: "r",
            kind: "ratio",
            source: "loki",
            threshold: 0.01,
            errorsQuery: 'sum(count_over_time({service="{{service}}"} [{{window}}]))',
            totalQuery: 'sum(count_over_time({service="{{service}}", track="{{track}}", level="error"} [{{window}}]))'
          }
        ]
      })
    )
    expect(error.reason).toBe("BadResponse")
  })

  it("a Loki parse error is a BadQuery with Loki's first line, and the token never appears", async () => {
    const error = failure(await observe({ metrics: [{ name: "c", kind: "counter", source: "loki", threshold: 0, query: "sum(count_over_time(oops [1m]))" }] }))
    expect(error.reason).toBe("BadQuery")
    expect(error.detail).toBe("Loki refused the query: parse error at line 1, col 21: syntax error: unexpected IDENTIFIER, expecting {")
  })

  it("a wrong token is refused by the gateway; the error says so and holds no secret", async () => {
    const exit = await observe({ metrics: [{ name: "c", kind: "counter", source: "loki", threshold: 0, query: 'sum(count_over_time({service="shop"} [1m]))' }] }, "candidate", {
      bearerToken: Redacted.make("wrong-token-123")
    })
    const error = failure(exit)
    expect(error.reason).toBe("Unreachable")
    expect(error.detail).toContain("HTTP 401")
    expect(JSON.stringify(error)).not.toContain("wrong-token-123")
  })

  it("an upstream echo of the token is redacted in errors and warnings", async () => {
    fake.setWarnings([`query split by gateway for ${token}`])
    const m = await ok({ metrics: [{ name: "c", kind: "counter", source: "loki", threshold: 0, query: 'sum(count_over_time({service="shop"} [{{window}}]))' }] })
    fake.setWarnings([])
    expect(m.warnings.length).toBe(1)
    expect(m.warnings.join()).not.toContain(token)
    fake.inject({ status: 400, body: `bad request from Bearer ${token}\n` })
    const error = failure(await observe({ metrics: [{ name: "c", kind: "counter", source: "loki", threshold: 0, query: 'sum(count_over_time({service="shop"} [{{window}}]))' }] }))
    expect(error.reason).toBe("BadQuery")
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(token)
  })

  it("the baseline in offset mode reads the candidate's streams one offset earlier", async () => {
    const m = await ok(
      {
        baseline: { by: "offset", offset: "2m" },
        metrics: [{ name: "c", kind: "counter", source: "loki", threshold: 0, query: 'sum(count_over_time({service="{{service}}", track="{{track}}"} [{{window}}]))' }]
      },
      "baseline"
    )
    expect(m.query).toBe('sum(count_over_time({service="shop", track="canary"} [2m]))')
    const last = fake.requests.at(-1)!
    expect(last.params.time).toBe(`${BigInt(window.end - 120_000) * 1_000_000n - 1n}`)
  })
})

describe("SourceLoki.checkSpec (at spec load)", () => {
  const check = (metrics: ReadonlyArray<Record<string, unknown>>, window = "2m", step?: string) =>
    Effect.runSyncExit(SourceLoki.checkSpec(decode({ service: "s", window, ...(step !== undefined ? { step } : {}), metrics })))
  it("accepts the contract's metrics", () => {
    expect(Exit.isSuccess(check(contractMetrics))).toBe(true)
  })
  it("refuses a signatures metric whose query is a metric query, naming the metric", () => {
    const exit = check([{ name: "sig", kind: "signatures", source: "loki", threshold: 0, query: 'sum(rate({a="b"}[1m]))' }])
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit)) expect(String(exit.cause)).toContain("metric sig (loki signatures)")
  })
  it("refuses a ratio without its queries and a window that is not whole steps", () => {
    expect(Exit.isFailure(check([{ name: "r", kind: "ratio", source: "loki", threshold: 0 }]))).toBe(true)
    expect(Exit.isFailure(check([{ name: "c", kind: "continuous", source: "loki", threshold: 0, query: 'sum(rate({a="b"}[1m]))' }], "2m", "7s"))).toBe(true)
  })
  it("ignores other sources' metrics", () => {
    expect(Exit.isSuccess(check([{ name: "p", kind: "ratio", threshold: 0 }]))).toBe(true)
  })
})

describe("LogQL templates cannot be escaped (property, against the fake's own LogQL parser)", () => {
  const selectorTemplate = '{service="{{service}}", track=~"{{track}}"} |= "{{needle}}" |~ `{{raw}}`'
  test.prop([fc.string({ unit: "binary", maxLength: 30 }), fc.string({ unit: "binary", maxLength: 30 }), fc.string({ unit: "binary", maxLength: 30 })], { numRuns: 400 })(
    "every value stays the literal it stands in: same structure, and it reads back exactly",
    (service, track, needle) => {
      const spec = decode({ service: service === "" ? "x" : service, window: "2m", baseline: { by: "label", candidate: track === "" ? "c" : track }, variables: { needle, raw: "ok" }, metrics: [{ name: "m", kind: "counter", threshold: 0 }] })
      const values = SourceLoki.placeholders({ spec, metric: spec.metrics[0]!, track: "candidate", window: { start: 0, end: 120_000 } })
      const rendered = QueryTemplate.render(selectorTemplate, values)
      const expr = LogQL.parse(rendered)
      expect(expr._tag).toBe("Log")
      if (expr._tag !== "Log") return
      expect(expr.matchers.map((m) => [m.name, m.op])).toEqual([
        ["service", "="],
        ["track", "=~"]
      ])
      expect(expr.matchers[0]!.value).toBe(values.service)
      // the regex matcher matches the value itself, and only it
      expect(LogQL.compileRegex(expr.matchers[1]!.value, true).test(values.track!)).toBe(true)
      expect(LogQL.compileRegex(expr.matchers[1]!.value, true).test(`${values.track!}x`)).toBe(false)
      expect(expr.stages).toEqual([
        { _tag: "LineFilter", op: "|=", value: values.needle },
        { _tag: "LineFilter", op: "|~", value: "ok" }
      ])
    }
  )
})

describe("SourceLoki.optionsConfig (the environment the CLI reads)", () => {
  const read = (env: Record<string, string>) => Effect.runSyncExit(Effect.gen(function* () {
    return yield* SourceLoki.optionsConfig
  }).pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord(env)))))

  it("reads the URL, tenant, token, timeout and retries; secrets stay Redacted", () => {
    const exit = read({ LOKI_URL: "http://loki:3100", LOKI_TENANT: "team-a", LOKI_TOKEN: "tkn-1", LOKI_TIMEOUT: "5 seconds", LOKI_RETRIES: "1" })
    if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
    const o = exit.value
    expect(o.url).toBe("http://loki:3100")
    expect(o.tenant).toBe("team-a")
    expect(Redacted.isRedacted(o.bearerToken)).toBe(true)
    expect(Redacted.value(o.bearerToken!)).toBe("tkn-1")
    expect(String(o.bearerToken)).not.toContain("tkn-1")
    expect(o.retries).toBe(1)
    expect(o.timeout !== undefined && Duration.toMillis(o.timeout)).toBe(5000)
  })

  it("takes basic auth as a pair, and refuses half of one", () => {
    const exit = read({ LOKI_URL: "http://loki:3100", LOKI_USERNAME: "1234", LOKI_PASSWORD: "pw" })
    expect(Exit.isSuccess(exit) && exit.value.basicAuth?.username).toBe("1234")
    const half = read({ LOKI_URL: "http://loki:3100", LOKI_USERNAME: "1234" })
    expect(Exit.isFailure(half)).toBe(true)
    if (Exit.isFailure(half)) expect(String(half.cause)).toContain("LOKI_USERNAME and LOKI_PASSWORD go together")
    expect(Exit.isFailure(read({}))).toBe(true)
  })
})
