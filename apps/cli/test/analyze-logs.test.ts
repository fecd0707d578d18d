import { FakeElasticsearch, generateAppLogs } from "@rollwise/source-elasticsearch/testing"
import { generateLogs, scenarios, signaturesMetric, startFakeLoki } from "@rollwise/source-loki/testing"
import { canaryScenario, FakeJaeger, FakeTempo, generateSpans } from "@rollwise/source-traces/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { stringify } from "yaml"
import { rollwiseAsync, scratch } from "./support.ts"

/**
 * `rollwise analyze` live over logs and traces: one slo.yaml whose metrics
 * read Loki (new error signatures), Elasticsearch (an error ratio from log
 * documents), Tempo (span latency and error spans, TraceQL) and Jaeger (span
 * latency by operation and tags) — each a fake built from the vendor's HTTP
 * API, with its auth switched on.
 */
const { dir, file } = scratch("analyze-logs")
const rollwise = rollwiseAsync(dir)
const start = Date.UTC(2026, 10, 2, 12, 0, 0)
const windows = 4
const windowSeconds = 120
const end = new Date(start + windows * windowSeconds * 1000).toISOString()
const secrets = { loki: "loki-token-7f3a9c", es: { id: "rollwise", key: "es-key-51d0e2" }, tempo: "tempo-token-c0ffee", jaeger: "jaeger-token-b4dd1e" }

const servers: Array<{ close: () => Promise<void> }> = []
const urls: Record<string, Record<string, string>> = {}

const spec = (service: string) => ({
  apiVersion: "rollwise/v1",
  kind: "SloSpec",
  service,
  window: "2m",
  maxWindows: 10,
  promoteAfter: 3,
  warmupWindows: 0,
  metrics: [
    { ...signaturesMetric, tolerance: 1 },
    {
      name: "log-error-rate",
      kind: "ratio",
      source: "elasticsearch",
      index: "logs-{{service}}",
      errorsQuery: 'service:"{{service}}" AND track:"{{track}}" AND level:error',
      totalQuery: 'service:"{{service}}" AND track:"{{track}}" AND event:request',
      threshold: 0.02,
      tolerance: 1
    },
    { name: "span-latency", kind: "continuous", source: "tempo", query: '{ resource.service.name = "{{service}}" && span.track = "{{track}}" && name = "GET /cart" }', threshold: 0.5, tolerance: 0.2 },
    {
      name: "span-errors",
      kind: "ratio",
      source: "tempo",
      errorsQuery: '{ resource.service.name = "{{service}}" && span.track = "{{track}}" && status = error }',
      totalQuery: '{ resource.service.name = "{{service}}" && span.track = "{{track}}" && kind = server }',
      threshold: 0.02,
      tolerance: 1
    },
    { name: "jaeger-latency", kind: "continuous", source: "jaeger", operation: "GET /cart", tags: { track: "{{track}}" }, threshold: 0.5, tolerance: 0.2 }
  ]
})

/** The four fakes for one service: healthy everywhere, or with a new exception in 0.5 % of the canary's requests (Loki only). */
const load = async (service: string, newError: boolean) => {
  const loki = await startFakeLoki({ bearerToken: secrets.loki })
  loki.load(generateLogs({ ...(newError ? scenarios.newError(start, 3, windows) : scenarios.healthy(start, 3, windows)), service }).streams)
  const es = await FakeElasticsearch.start({ auth: { apiKeys: [secrets.es] } })
  const profile = { latencyMs: 40, errorRatio: 0.004 }
  es.add(`logs-${service}`, generateAppLogs({ seed: 5, service, start, windowSeconds, windows, requestsPerSecond: 50, stable: profile, canary: profile }))
  const spans = generateSpans(
    canaryScenario({ seed: 9, service, start, windowSeconds, windows, requestsPerSecond: 40, operations: [{ name: "GET /cart", share: 1, latencySeconds: 0.05, errorRatio: 0.003 }] })
  )
  const tempo = await FakeTempo.start({ tenant: "team-a", auth: { bearerToken: secrets.tempo } })
  tempo.add(spans)
  const jaeger = await FakeJaeger.start({ auth: { bearerToken: secrets.jaeger } })
  jaeger.add(spans)
  servers.push(loki, es, tempo, jaeger)
  urls[service] = { loki: loki.url, es: es.url, tempo: tempo.url, jaeger: jaeger.url }
}

const env = {
  ROLLWISE_LOKI_TOKEN: secrets.loki,
  ROLLWISE_ELASTICSEARCH_API_KEY: `${secrets.es.id}:${secrets.es.key}`,
  ROLLWISE_TEMPO_TOKEN: secrets.tempo,
  ROLLWISE_TEMPO_TENANT: "team-a",
  ROLLWISE_JAEGER_TOKEN: secrets.jaeger
}

const analyze = (service: string, ...extra: ReadonlyArray<string>) => {
  const u = urls[service]!
  return rollwiseAsync(dir, { ...process.env, ...env })(
    "analyze",
    "--slo",
    file(`slo-${service}.yaml`, stringify(spec(service))),
    "--loki",
    u["loki"]!,
    "--elasticsearch",
    u["es"]!,
    "--tempo",
    u["tempo"]!,
    "--jaeger",
    u["jaeger"]!,
    "--window-end",
    end,
    "--windows",
    String(windows),
    "--timeout",
    "30",
    ...extra
  )
}

beforeAll(async () => {
  await load("checkout", false)
  await load("payments", true)
}, 60_000)
afterAll(async () => {
  for (const s of servers) await s.close()
})

describe("rollwise analyze over Loki, Elasticsearch, Tempo and Jaeger (fakes from their HTTP API docs)", () => {
  it("a healthy candidate promotes, every metric judged from its own source", async () => {
    const r = await analyze("checkout", "--json")
    expect(r.stderr).not.toMatch(/has no data/)
    expect(r.code).toBe(0)
    const verdict = JSON.parse(r.stdout)
    expect(verdict.action, JSON.stringify(verdict.metrics.map((m: { name: string; status: string; reason: string }) => [m.name, m.status, m.reason])) + r.stderr + verdict.reasons.join(" ")).toBe("promote")
    expect(verdict.metrics.map((m: { name: string; status: string }) => [m.name, m.status])).toEqual([
      ["new-errors", "pass"],
      ["log-error-rate", "pass"],
      ["span-latency", "pass"],
      ["span-errors", "pass"],
      ["jaeger-latency", "pass"]
    ])
    // no credential reaches the output
    for (const s of [secrets.loki, secrets.es.key, secrets.tempo, secrets.jaeger]) expect(r.stdout + r.stderr).not.toContain(s)
  }, 120_000)

  it("a new exception in 0.5 % of the canary's requests rolls back, quoting its template and a line", async () => {
    const r = await analyze("payments", "--json", "--exit-code")
    expect(r.code).toBe(11)
    const verdict = JSON.parse(r.stdout)
    expect(verdict.action).toBe("rollback")
    const signatures = verdict.metrics.find((m: { name: string }) => m.name === "new-errors")
    expect(signatures.status).toBe("fail")
    expect(signatures.reason).toMatch(/new error signature “[^”]*<\*>[^”]*”: \d+ in the candidate vs 0 in the baseline .*e\.g\. “/)
  }, 120_000)

  it("a metric whose source has no URL is refused up front, naming the flag (exit 3)", async () => {
    const r = await rollwise("analyze", "--slo", file("slo-partial.yaml", stringify(spec("checkout"))), "--loki", urls["checkout"]!["loki"]!, "--window-end", end)
    expect(r.code).toBe(3)
    expect(r.stderr).toBe("rollwise: slo: metric log-error-rate reads elasticsearch: give --elasticsearch URL (only --loki given)\n")
  })

  it("a URL with credentials in it is refused, never echoed (exit 3)", async () => {
    const r = await rollwise("analyze", "--slo", file("slo-creds.yaml", stringify(spec("checkout"))), "--loki", "http://admin:hunter2@loki.example:3100", "--window-end", end)
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/^rollwise: --loki: holds credentials/)
    expect(r.stderr).not.toContain("hunter2")
  })

  it("a wrong token is a nodata window with Loki's reason, never a promotion", async () => {
    const r = await rollwiseAsync(dir, { ...process.env, ...env, ROLLWISE_LOKI_TOKEN: "wrong-token" })(
      "analyze",
      "--slo",
      file("slo-wrong.yaml", stringify(spec("checkout"))),
      "--loki",
      urls["checkout"]!["loki"]!,
      "--elasticsearch",
      urls["checkout"]!["es"]!,
      "--tempo",
      urls["checkout"]!["tempo"]!,
      "--jaeger",
      urls["checkout"]!["jaeger"]!,
      "--window-end",
      end,
      "--windows",
      "4",
      "--json"
    )
    expect(r.code).toBe(0)
    const verdict = JSON.parse(r.stdout)
    expect(verdict.action).not.toBe("promote")
    expect(verdict.metrics.find((m: { name: string }) => m.name === "new-errors").status).toBe("nodata")
    expect(r.stderr).toMatch(/warning: new-errors \((baseline|candidate)\) has no data: /)
    expect(r.stderr).not.toContain("wrong-token")
  }, 120_000)
})
