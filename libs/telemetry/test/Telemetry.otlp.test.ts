import { Data, Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Telemetry } from "../src/index.ts"
import { attributesOf, closedPort, startReceiver } from "./fixtures/otlpReceiver.ts"

/**
 * The real OpenTelemetry SDK and OTLP/HTTP exporter (as installed) posting to
 * a local receiver that follows the collector's OTLP/HTTP JSON contract.
 */
class DecisionFailed extends Data.TaggedError("DecisionFailed")<{ readonly why: string }> {}

const decide = Effect.fn("rollwise.decide")(function* (action: string) {
  yield* Effect.annotateCurrentSpan({ "rollwise.action": action, "rollwise.window": 3 })
  return action
})

const request = Effect.gen(function* () {
  yield* Effect.annotateCurrentSpan("http.route", "/v1/analyses")
  yield* decide("promote")
  yield* decide("hold")
  yield* Effect.fail(new DecisionFailed({ why: "gate closed" })).pipe(Effect.withSpan("rollwise.gate"), Effect.ignore)
  yield* Effect.annotateCurrentSpan("http.response.status_code", 200)
}).pipe(Effect.withSpan("POST /v1/analyses", { kind: "server", attributes: { "http.request.method": "POST" } }))

let receiver: Awaited<ReturnType<typeof startReceiver>>
beforeAll(async () => {
  receiver = await startReceiver()
})
afterAll(() => receiver.close())

describe("Telemetry.layer (real OTLP/HTTP exporter against a local receiver)", () => {
  it("posts the spans as OTLP JSON to /v1/traces when the scope closes, with parent links, attributes, the resource and the headers", async () => {
    const config = await Effect.runPromise(
      Telemetry.parseConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Bearer%20t0ken-xyz,x-tenant=rollwise",
        OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=test"
      })
    )
    expect(Telemetry.describe(config, { serviceName: "rollwise" })).toBe(
      `traces: otlp → ${receiver.url}/v1/traces (service rollwise; headers authorization, x-tenant)`
    )
    await Effect.runPromise(request.pipe(Effect.provide(Telemetry.layer(config, { serviceName: "rollwise", serviceVersion: "1.2.3" }))))

    // the batch processor holds spans until the scope closes: all of them arrived by then
    expect(receiver.received.length).toBeGreaterThan(0)
    for (const post of receiver.received) {
      expect(post.path).toBe("/v1/traces")
      expect(post.contentType).toBe("application/json")
      expect(post.headers.authorization).toBe("Bearer t0ken-xyz")
      expect(post.headers["x-tenant"]).toBe("rollwise")
    }
    const spans = receiver.spans()
    expect(spans.map((s) => s.span.name).sort()).toEqual(["POST /v1/analyses", "rollwise.decide", "rollwise.decide", "rollwise.gate"])

    const root = spans.find((s) => s.span.name === "POST /v1/analyses")!
    expect(root.span.parentSpanId ?? "").toBe("")
    expect(root.span.kind).toBe(2) // SPAN_KIND_SERVER
    expect(root.span.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(root.span.spanId).toMatch(/^[0-9a-f]{16}$/)
    expect(attributesOf(root.span.attributes)).toMatchObject({ "http.route": "/v1/analyses", "http.request.method": "POST", "http.response.status_code": 200 })
    expect(root.span.status?.code).toBe(1) // STATUS_CODE_OK

    const children = spans.filter((s) => s.span.name !== "POST /v1/analyses")
    for (const child of children) {
      expect(child.span.parentSpanId).toBe(root.span.spanId)
      expect(child.span.traceId).toBe(root.span.traceId)
    }
    const decisions = children.filter((s) => s.span.name === "rollwise.decide").map((s) => attributesOf(s.span.attributes))
    expect(decisions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ "rollwise.action": "promote", "rollwise.window": 3 }),
        expect.objectContaining({ "rollwise.action": "hold", "rollwise.window": 3 })
      ])
    )
    const gate = children.find((s) => s.span.name === "rollwise.gate")!
    expect(gate.span.status?.code).toBe(2) // STATUS_CODE_ERROR
    // Effect records a failure as an `exception` event; a tagged error without a message leaves the status message empty
    expect(gate.span.events?.map((e) => [e.name, attributesOf(e.attributes)["exception.type"]])).toEqual([["exception", "DecisionFailed"]])

    expect(attributesOf(root.resource)).toMatchObject({
      "service.name": "rollwise",
      "service.version": "1.2.3",
      "deployment.environment": "test"
    })
  })

  it("takes service.name from OTEL_SERVICE_NAME over the caller's default, and the full traces URL as given", async () => {
    const before = receiver.received.length
    await Effect.runPromise(
      Effect.void.pipe(
        Effect.withSpan("ping"),
        Effect.provide(
          Telemetry.layerFromEnv(
            { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`, OTEL_SERVICE_NAME: "rollwise-api" },
            { serviceName: "rollwise" }
          )
        )
      )
    )
    const spans = receiver.spans().slice(-1)
    expect(receiver.received.length).toBe(before + 1)
    expect(spans[0]!.span.name).toBe("ping")
    expect(attributesOf(spans[0]!.resource)["service.name"]).toBe("rollwise-api")
  })

  it("drops every span under OTEL_TRACES_SAMPLER=always_off and posts nothing", async () => {
    const before = receiver.received.length
    await Effect.runPromise(
      Effect.void.pipe(
        Effect.withSpan("unsampled"),
        Effect.provide(Telemetry.layerFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_SAMPLER: "always_off" }, { serviceName: "rollwise" }))
      )
    )
    expect(receiver.received.length).toBe(before)
  })
})

describe("Telemetry.layer with the collector down (real exporter, connection refused)", () => {
  it("closes its scope within the shutdown bound and neither throws nor fails the program", async () => {
    const port = await closedPort()
    const config = await Effect.runPromise(Telemetry.parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` }))
    const started = Date.now()
    const result = await Effect.runPromise(
      Effect.succeed("decided").pipe(Effect.withSpan("rollwise.decide"), Effect.provide(Telemetry.layer(config, { serviceName: "rollwise", shutdownTimeout: "500 millis" })))
    )
    const elapsed = Date.now() - started
    expect(result).toBe("decided")
    expect(elapsed).toBeLessThan(1500)
  })

  it("closes within the bound when the collector accepts the connection but never answers", async () => {
    const { createServer } = await import("node:http")
    const silent = createServer(() => {
      // never answers
    })
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve))
    try {
      const { port } = silent.address() as { port: number }
      const started = Date.now()
      await Effect.runPromise(
        Effect.void.pipe(
          Effect.withSpan("rollwise.decide"),
          Effect.provide(Telemetry.layerFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` }, { serviceName: "rollwise", shutdownTimeout: "500 millis" }))
        )
      )
      expect(Date.now() - started).toBeLessThan(1500)
    } finally {
      silent.closeAllConnections()
      await new Promise<void>((resolve) => silent.close(() => resolve()))
    }
  })
})
