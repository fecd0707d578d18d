import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { type AddressInfo, createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeServices } from "@effect/platform-node"
import { liveSloYaml, prometheusAvailable, type RunningPrometheus, type Series, stableCanary, startPrometheus } from "@rollwise/prometheus-harness"
import { Effect, Option, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ArgoMetric } from "@rollwise/api-contract"
import { resolveOptions } from "../src/index.ts"
import { auth, type Running, serveFlagsWith, spec, startServer, token } from "./helpers.ts"

/**
 * The Argo web metric end to end as `rollwise serve --prometheus` runs it:
 * SLO specs from a directory, the Prometheus MetricSource, and a real
 * Prometheus holding the last half hour of stable/canary history.
 */
const slo = liveSloYaml("placeholder")

const end = Math.floor(Date.now() / 1000)
const history = (job: string, canaryLatency: number): Array<Series> => stableCanary({ job, canaryLatencySeconds: canaryLatency, end, seconds: 1800, rps: 200, seed: 7 })

describe.runIf(prometheusAvailable())("POST /v1/argo/metric against a real Prometheus", () => {
  let prometheus: RunningPrometheus
  let server: Running
  beforeAll(async () => {
    prometheus = await startPrometheus({ series: [...history("checkout", 0.1), ...history("checkout-slow", 0.3)] })
    const dir = mkdtempSync(join(tmpdir(), "rollwise-slo-"))
    writeFileSync(join(dir, "web.yaml"), slo)
    const options = await Effect.runPromise(
      resolveOptions(
        serveFlagsWith({ sloDir: Option.some(dir), prometheus: Option.some(prometheus.url) }),
        { ROLLWISE_API_TOKEN: token }
      ).pipe(Effect.provide(NodeServices.layer))
    )
    server = await startServer(options)
  }, 60_000)
  afterAll(async () => {
    await server?.close()
    await prometheus?.stop()
  })

  const ask = async (service: string) => {
    const r = await server.post("/v1/argo/metric", { service, namespace: "shop", canaryHash: "7d9f8c6b5", stableHash: "5c4b3a291", slo: "web" })
    expect(r.status).toBe(200)
    return (await r.json()) as ArgoMetric.Response
  }

  it("promotes a canary as fast as stable", async () => {
    expect((await ask("checkout")).decision).toBe("promote")
  })

  it("rolls back a canary three times slower, with the reason", async () => {
    const answer = await ask("checkout-slow")
    expect(answer.decision).toBe("rollback")
    expect(answer.reasons.join(" ")).toMatch(/latency/)
    const evidence = (await (await server.fetch(answer.evidenceUrl, { headers: auth })).json()) as ArgoMetric.Evidence
    const latency = evidence.windows[0]!.verdict.metrics.find((m) => m.name === "latency")!
    expect(latency.query).toBe('histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{job="checkout-slow",track="canary"}[1m])) by (le))')
  })

  it("holds (slow) for a service Prometheus has no series of", async () => {
    const answer = await ask("checkout-unknown")
    expect(answer.decision).toBe("slow")
    expect(answer.reasons.join(" ")).toMatch(/no data|nodata/)
  })

  it("stays ready when Prometheus goes away: the metric holds (slow) and /metrics counts the failed queries", async () => {
    expect((await server.fetch("/readyz")).status).toBe(200)
    await prometheus.stop()
    expect(await (await server.fetch("/readyz")).json()).toEqual({ status: "ready", slos: ["web"] })
    // the metric still answers 200: no data is a hold, never an error for Argo
    expect((await ask("checkout")).decision).toBe("slow")
    const metrics = await (await server.fetch("/metrics", { headers: auth })).text()
    expect(metrics).toMatch(/^rollwise_metric_source_queries_total\{result="ok"\} [1-9]\d*$/m)
    expect(metrics).toMatch(/^rollwise_metric_source_queries_total\{result="error",reason="Unreachable"\} [1-9]\d*$/m)
    expect(metrics).toMatch(/^rollwise_metric_source_last_query_success 0$/m)
  })
})

/** `rollwise serve --prometheus <url>` (with the operator token), its options resolved as the command does. */
const serveAgainst = async (url: string) => {
  const options = await Effect.runPromise(resolveOptions(serveFlagsWith({ prometheus: Option.some(url) }), { ROLLWISE_API_TOKEN: token }).pipe(Effect.provide(NodeServices.layer)))
  return startServer({ ...options, slos: { checkout: spec } })
}

/** A port nothing listens on: bound, read, closed. */
const closedPort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address() as AddressInfo
      probe.close(() => resolve(address.port))
    })
  })

const argoBody = { service: "checkout", namespace: "shop", canaryHash: "7d9f8c6b5", stableHash: "5c4b3a291", slo: "checkout" }

describe("readiness means this process can serve, whatever Prometheus does", () => {
  it("is ready with an unreachable Prometheus; the metric answers slow and /metrics says Unreachable", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    const server = await serveAgainst(url)
    try {
      expect(await (await server.fetch("/readyz")).json()).toEqual({ status: "ready", slos: ["checkout"] })
      const answer = await server.post("/v1/argo/metric", argoBody)
      expect(answer.status).toBe(200)
      expect(((await answer.json()) as ArgoMetric.Response).decision).toBe("slow")
      const metrics = await (await server.fetch("/metrics", { headers: auth })).text()
      expect(metrics).toMatch(/^rollwise_metric_source_queries_total\{result="error",reason="Unreachable"\} [1-9]\d*$/m)
      expect(metrics).toMatch(/^rollwise_metric_source_last_query_success 0$/m)
    } finally {
      await server.close()
    }
  })

  /**
   * A real Prometheus behind its own authentication: `--web.config.file`
   * with `basic_auth_users` (prometheus/exporter-toolkit, as Prometheus 2.24+
   * serves it), so every path — /-/ready and the query API alike — answers 401
   * to a caller without its credentials, as the Prometheus did.
   */
  describe.runIf(prometheusAvailable())("with a Prometheus that wants credentials (401 to everything)", () => {
    let child: ChildProcess | undefined
    let promUrl = ""
    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), "rollwise-prom-auth-"))
      writeFileSync(join(dir, "prometheus.yml"), "global:\n  scrape_interval: 15s\n")
      // the example user of Prometheus' basic-auth guide; Rollwise never sends it
      writeFileSync(join(dir, "web.yml"), "basic_auth_users:\n  admin: $2b$12$hNf2lSsxfm0.i4a.1kVpSOVyBCfIB51VRjgBUyv6kdnyTlgWj81Ay\n")
      const port = await closedPort()
      promUrl = `http://127.0.0.1:${port}`
      child = spawn(
        "prometheus",
        [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, `--web.config.file=${join(dir, "web.yml")}`],
        { stdio: "ignore" }
      )
      const deadline = Date.now() + 15_000
      for (;;) {
        const status = await fetch(`${promUrl}/-/ready`).then((r) => r.status, () => 0)
        if (status === 401) break
        if (Date.now() > deadline) throw new Error(`the authenticated prometheus did not answer 401 on /-/ready (last: ${status})`)
        await new Promise((r) => setTimeout(r, 50))
      }
    }, 30_000)
    afterAll(async () => {
      // only the process this test started, by its own handle
      if (child !== undefined && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child!.once("exit", resolve))
        child.kill("SIGTERM")
        await exited
      }
    })

    it("is ready although that Prometheus answers 401 to its /-/ready; the queries' failures show in /metrics", async () => {
      const server = await serveAgainst(promUrl)
      try {
        expect((await fetch(`${promUrl}/api/v1/query?query=up`)).status).toBe(401)
        expect((await server.fetch("/readyz")).status).toBe(200)
        const answer = await server.post("/v1/argo/metric", argoBody)
        const body = (await answer.json()) as ArgoMetric.Response
        expect(body.decision).toBe("slow")
        expect(body.reasons.join(" ")).toContain("401")
        const metrics = await (await server.fetch("/metrics", { headers: auth })).text()
        expect(metrics).toMatch(/^rollwise_metric_source_queries_total\{result="error",reason="BadResponse"\} [1-9]\d*$/m)
        expect(metrics).toMatch(/^rollwise_metric_source_last_query_success 0$/m)
      } finally {
        await server.close()
      }
    })
  })
})

/**
 * The ServiceMonitor, played by a real Prometheus (2.42 here) with the
 * scrape configs the Prometheus Operator generates from an endpoint's
 * `authorization: {type: Bearer, credentials}` (and, for callers that cannot
 * set credentials, a `path` with the token): `up` is 1 with the integration
 * token and 0 without a token, as the issue saw.
 */
describe.runIf(prometheusAvailable())("a real Prometheus scraping /metrics with the integration token", () => {
  const hookToken = "scrape-hook-token-5e8a1f"
  let server: Running
  let prometheus: RunningPrometheus
  beforeAll(async () => {
    server = await startServer({ hookToken: Redacted.make(hookToken) })
    const target = { static_configs: [{ targets: [`127.0.0.1:${server.port}`] }] }
    prometheus = await startPrometheus({
      intervalSeconds: 1,
      scrapeConfigs: [
        { job_name: "bearer", metrics_path: "/metrics", authorization: { type: "Bearer", credentials: hookToken }, ...target },
        { job_name: "path", metrics_path: `/hooks/${hookToken}/metrics`, ...target },
        { job_name: "none", metrics_path: "/metrics", ...target }
      ]
    })
  }, 60_000)
  afterAll(async () => {
    await prometheus?.stop()
    await server?.close()
  })

  it("is up with the token as a bearer or in the path, and down without one", async () => {
    const deadline = Date.now() + 30_000
    let up: Record<string, string> = {}
    while (Date.now() < deadline) {
      const result = (await (await fetch(`${prometheus.url}/api/v1/query?query=up`)).json()) as { data: { result: Array<{ metric: { job: string }; value: [number, string] }> } }
      up = Object.fromEntries(result.data.result.map((r) => [r.metric.job, r.value[1]]))
      if (Object.keys(up).length === 3) break
      await new Promise((r) => setTimeout(r, 250))
    }
    expect(up).toEqual({ bearer: "1", path: "1", none: "0" })
    // Prometheus' scrapes are in the log with the path masked
    expect(server.lines.join("\n")).not.toContain(hookToken)
    expect(server.lines.some((l) => l.includes('"path":"/hooks/***/metrics"') && l.includes('"status":200'))).toBe(true)
  }, 40_000)
})
