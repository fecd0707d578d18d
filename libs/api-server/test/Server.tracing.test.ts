import { layerInMemory } from "@rollwise/telemetry/testing"
import { describe, expect, it } from "vitest"
import { json, startServer, token } from "./helpers.ts"

describe("OpenTelemetry traces (in-memory exporter)", () => {
  it("records a server span per request with its route and status, and a child span per decision with the verdict", async () => {
    const tracing = layerInMemory({ serviceName: "rollwise-api" })
    let strategy = ""
    const server = await startServer({ tracing: tracing.layer, tracingDescription: "traces: in memory" })
    try {
      expect(JSON.parse(server.lines[0]!)).toMatchObject({ traces: "traces: in memory" })
      const risk = await server.post("/v1/risk", { changes: json("changes.json"), target: "k8s" })
      expect(risk.status).toBe(200)
      const decision = (await risk.json()) as { strategy: string; risk_score: number }
      strategy = decision.strategy
      const argo = await server.post("/v1/argo/metric", { service: "regressing-checkout", namespace: "shop", canaryHash: "a1", stableHash: "b2", slo: "checkout" })
      expect(argo.status).toBe(200)
      const bad = await server.post("/v1/risk", { changes: { service: 7 } })
      expect(bad.status).toBe(400)
    } finally {
      await server.close()
    }
    const spans = tracing.spansUnsafe()
    const servers = spans.filter((s) => s.kind === "server")
    expect(servers.map((s) => s.attributes["http.route"])).toEqual(["/v1/risk", "/v1/argo/metric", "/v1/risk"])
    expect(servers.map((s) => s.attributes["http.response.status_code"])).toEqual([200, 200, 400])
    const risk = spans.find((s) => s.name === "rollwise.risk")!
    expect(risk.parentSpanId).toBe(servers[0]!.spanId)
    expect(risk.traceId).toBe(servers[0]!.traceId)
    expect(risk.attributes).toMatchObject({ "rollwise.decision": "risk", "rollwise.action": strategy, "rollwise.risk_score": expect.any(Number) })
    const argo = spans.find((s) => s.name === "rollwise.argo")!
    expect(argo.parentSpanId).toBe(servers[1]!.spanId)
    expect(argo.attributes).toMatchObject({ "rollwise.action": "rollback", "rollwise.slo": "checkout", "rollwise.service": "regressing-checkout", "k8s.namespace.name": "shop" })
    // a refused body decides nothing: no decision span under the 400
    expect(spans.filter((s) => s.parentSpanId === servers[2]!.spanId && s.name.startsWith("rollwise."))).toEqual([])
    // the bearer token never reaches a span
    expect(JSON.stringify(spans)).not.toContain(token)
  })
})
