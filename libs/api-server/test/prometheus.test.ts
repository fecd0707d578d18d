import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeServices } from "@effect/platform-node"
import { liveSloYaml, prometheusAvailable, type RunningPrometheus, type Series, stableCanary, startPrometheus } from "@rollwise/prometheus-harness"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ArgoMetric } from "@rollwise/api-contract"
import { resolveOptions } from "../src/index.ts"
import { auth, type Running, serveFlagsWith, startServer, token } from "./helpers.ts"

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

  it("is ready while Prometheus is, and says so when it is not", async () => {
    expect((await server.fetch("/readyz")).status).toBe(200)
    await prometheus.stop()
    const r = await server.fetch("/readyz")
    expect(r.status).toBe(503)
    expect(((await r.json()) as { reasons: Array<string> }).reasons).toEqual([`prometheus at ${prometheus.url} is unreachable`])
    // the metric still answers 200: no data is a hold, never an error for Argo
    expect((await ask("checkout")).decision).toBe("slow")
  })
})
