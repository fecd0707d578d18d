import { Data, Effect } from "effect"
import { describe, expect, it } from "vitest"
import { layerInMemory } from "../src/testing.ts"

class GateClosed extends Data.TaggedError("GateClosed")<{ readonly message: string }> {}

const decide = Effect.fn("rollwise.decide")(function* (action: string) {
  yield* Effect.annotateCurrentSpan("rollwise.action", action)
  if (action === "rollback") return yield* new GateClosed({ message: "error rate above threshold" })
  return action
})

const handle = (route: string, actions: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    yield* Effect.annotateCurrentSpan("http.route", route)
    const results = yield* Effect.forEach(actions, (a) => decide(a).pipe(Effect.orElseSucceed(() => "failed")))
    yield* Effect.logInfo("decided")
    yield* Effect.annotateCurrentSpan("http.response.status_code", 200)
    return results
  }).pipe(Effect.withSpan(`POST ${route}`, { kind: "server" }))

describe("testing.layerInMemory (the real OpenTelemetry SDK, spans kept in memory)", () => {
  it("records one span per request and a child span per decision, with attributes, status and events", async () => {
    const tracing = layerInMemory({ serviceName: "rollwise-api", serviceVersion: "0.0.1" })
    const results = await Effect.runPromise(handle("/v1/analyses", ["promote", "rollback"]).pipe(Effect.provide(tracing.layer)))
    expect(results).toEqual(["promote", "failed"])

    // still readable after the layer's scope closed
    const spans = tracing.spansUnsafe()
    expect(spans.map((s) => s.name)).toEqual(["rollwise.decide", "rollwise.decide", "POST /v1/analyses"])
    const [promote, rollback, request] = spans as [(typeof spans)[0], (typeof spans)[0], (typeof spans)[0]]

    expect(request.parentSpanId).toBeUndefined()
    expect(request.kind).toBe("server")
    expect(request.attributes).toMatchObject({ "http.route": "/v1/analyses", "http.response.status_code": 200 })
    expect(request.status.code).toBe("ok")
    expect(request.resource).toMatchObject({ "service.name": "rollwise-api", "service.version": "0.0.1" })
    expect(request.durationMillis).toBeGreaterThanOrEqual(0)

    for (const child of [promote, rollback]) {
      expect(child.parentSpanId).toBe(request.spanId)
      expect(child.traceId).toBe(request.traceId)
    }
    expect(promote.attributes["rollwise.action"]).toBe("promote")
    expect(promote.status.code).toBe("ok")
    expect(rollback.attributes["rollwise.action"]).toBe("rollback")
    expect(rollback.status).toEqual({ code: "error", message: "error rate above threshold" })
    expect(rollback.events).toEqual([
      expect.objectContaining({ name: "exception", attributes: expect.objectContaining({ "exception.type": "GateClosed", "exception.message": "error rate above threshold" }) })
    ])
    expect(request.events.map((e) => e.name)).toContain("decided")
  })

  it("reads spans from inside Effect and forgets them on reset; each call is a fresh recorder", async () => {
    const tracing = layerInMemory()
    const other = layerInMemory()
    const seen = await Effect.runPromise(
      Effect.gen(function* () {
        yield* Effect.void.pipe(Effect.withSpan("first"))
        const before = yield* tracing.spans
        yield* tracing.reset
        yield* Effect.void.pipe(Effect.withSpan("second"))
        return { before: before.map((s) => s.name), after: (yield* tracing.spans).map((s) => s.name) }
      }).pipe(Effect.provide(tracing.layer))
    )
    expect(seen).toEqual({ before: ["first"], after: ["second"] })
    expect(other.spansUnsafe()).toEqual([])
    expect(tracing.spansUnsafe()[0]!.resource["service.name"]).toBe("rollwise-test")
  })
})
