import { readFileSync } from "node:fs"
import type { EvidenceStore, MetricSource } from "@rollwise/rollout-engine"
import { SloSpec } from "@rollwise/slo-policy"
import { Context, Effect, Exit, Layer, Logger, Scope } from "effect"
import { HttpEffect, type HttpServerRequest } from "effect/http"
import { ApiHandler, ArgoJudge, GatesRoute, RolloutsRoute } from "../src/index.ts"
import { byName, ndjsonLines, scenarioSource, sloDocument } from "../src/testing.ts"

/** A fixture file's text. */
export const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")

/** A JSON fixture. */
export const json = <A = unknown>(name: string): A => JSON.parse(fixture(name)) as A

/** NDJSON fixture lines as objects. */
export const ndjson = (name: string): Array<unknown> => ndjsonLines(fixture(name))

export { byName, sloDocument }

/** {@link sloDocument} decoded. */
export const spec = Effect.runSync(SloSpec.decode(sloDocument, "test"))

/** A web-Request handler over the platform-free server, and a way to close it. */
export const makeHandler = async (
  options: ApiHandler.Options = {},
  source: Layer.Layer<MetricSource.MetricSource> = scenarioSource(byName),
  opa: Layer.Layer<GatesRoute.OpaGateway> = GatesRoute.OpaGateway.layerDisabled,
  store: Layer.Layer<EvidenceStore.EvidenceStore> = RolloutsRoute.noStore,
  driver: Layer.Layer<RolloutsRoute.RolloutDriver> = RolloutsRoute.RolloutDriver.none
) => {
  const scope = Effect.runSync(Scope.make())
  const app = await Effect.runPromise(
    ApiHandler.make(options).pipe(Effect.provide(Layer.mergeAll(source, ArgoJudge.Slos.layer({ checkout: spec }), opa, store, driver)), Scope.provide(scope))
  )
  // quiet: the request log lines are the server's business, tested in the app
  const handler = HttpEffect.toWebHandlerWith<never, HttpServerRequest.HttpServerRequest | Scope.Scope>(Context.make(Logger.CurrentLoggers, new Set()))(app)
  const fetch = (path: string, init: RequestInit = {}) => handler(new Request(`http://localhost${path}`, init))
  return {
    fetch,
    post: (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) }),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
