import { Effect, Exit, Schema } from "effect"
import { OpenApi } from "effect/http-api"
import { describe, expect, it } from "vitest"
import { Api, ArgoMetric, Flagger, Kayenta, Rollouts } from "../src/index.ts"

/**
 * The declaration alone, without a handler: the OpenAPI document a client
 * generator reads lists every route the server answers, and the wire
 * schemas accept what the real callers send and refuse what they must.
 */
describe("the API declaration", () => {
  const doc = OpenApi.fromApi(Api.RollwiseApi) as unknown as { readonly paths: Record<string, Record<string, unknown>> }

  it("the OpenAPI document has every listed route with its method", () => {
    for (const { method, path } of Api.routes.filter((r) => r.path !== Api.openapiPath)) {
      expect(doc.paths[path.replace(/:(\w+)/g, "{$1}")]?.[method.toLowerCase()], `${method} ${path}`).toBeDefined()
    }
  })

  it("the integration routes are routes of the API, and only Argo's, Flagger's, Kayenta's and Prometheus's", () => {
    for (const route of Api.integrationRoutes) expect(Api.routes.some((r) => r.method === route.method && r.path === route.path)).toBe(true)
    expect(Api.isIntegrationRoute("POST", "/v1/argo/metric")).toBe(true)
    expect(Api.isIntegrationRoute("POST", "/v1/rollouts")).toBe(false)
    expect(Flagger.hooks.every((hook) => Api.isIntegrationRoute("POST", `/v1/flagger/${hook}`))).toBe(true)
  })

  it("Argo's request refuses a name that could escape a query (quotes, braces, spaces)", () => {
    const decode = Schema.decodeUnknownExit(ArgoMetric.Request)
    const request = { slo: "checkout", service: "checkout", namespace: "shop", canaryHash: "6d4f8c", stableHash: "5b7c9d" }
    expect(Exit.isSuccess(decode(request))).toBe(true)
    for (const service of ['a"b', "a}b", "a b", "", "-a"]) expect(Exit.isFailure(decode({ ...request, service })), service).toBe(true)
    expect(Exit.isFailure(decode({ ...request, canaryHash: "6d4f8c'} or vector(1)" }))).toBe(true)
  })

  it("Kayenta's request is read with its extra fields ignored, and a bad one names the field", async () => {
    const request = { canaryConfig: { metrics: [], classifier: { groupWeights: {} }, extra: 1 }, metricSetPairList: [], scoreThresholds: { pass: 95, marginal: 75 }, more: true }
    expect(Exit.isSuccess(await Effect.runPromiseExit(Kayenta.decodeRequest(request)))).toBe(true)
    const bad = await Effect.runPromiseExit(Kayenta.decodeRequest({ ...request, scoreThresholds: { pass: "high", marginal: 75 } }))
    expect(Exit.isFailure(bad) && JSON.stringify(bad.cause)).toContain("scoreThresholds.pass")
  })

  it("an operator's name and reason are plain text: control and bidi characters are refused", () => {
    const decode = Schema.decodeUnknownExit(Rollouts.PromoteRequest)
    expect(Exit.isSuccess(decode({ by: "alice" }))).toBe(true)
    for (const by of ["al\u0007ice", "al\u202Eice", "al\nice", ""]) expect(Exit.isFailure(decode({ by })), JSON.stringify(by)).toBe(true)
  })
})
