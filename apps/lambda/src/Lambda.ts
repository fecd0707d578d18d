import { ApiHandler, ArgoJudge, GatesRoute, RolloutsRoute } from "@rollwise/api-handler"
import { hookTokenProblem, jsonLines, noMetricSource, tokenChecker } from "@rollwise/api-server"
import type { MetricSource } from "@rollwise/rollout-engine"
import { SloSpec } from "@rollwise/slo-policy"
import { PrometheusSource } from "@rollwise/source-prometheus"
import { Context, Data, Duration, Effect, Layer, Logger, Redacted, type Scope } from "effect"
import { HttpEffect, type HttpServerRequest, type HttpServerResponse } from "effect/http"
import { type Event, EventError, type Result, toRequest, toResult } from "./Event.ts"

/**
 * The configuration does not allow serving: `NoAuth` (neither
 * `ROLLWISE_API_TOKEN` nor `ROLLWISE_INSECURE=1`; an integration token alone
 * does not count, it opens only the decision routes), `BadOption` (an empty
 * token, an integration token that is not URL-safe or equals the operator
 * token, `ROLLWISE_PUBLIC_JUDGE` other than true/false, `ROLLWISE_SLOS_JSON`
 * that is not JSON or holds a spec that does not decode). The message says
 * what to change; it never holds a token.
 */
export class LambdaConfigError extends Data.TaggedError("LambdaConfigError")<{
  readonly reason: "NoAuth" | "BadOption"
  readonly message: string
}> {}

/** Everything {@link makeHandler} needs. */
export interface Options {
  /** The operator token: the bearer token every route but /healthz and /readyz accepts. */
  readonly token?: Redacted.Redacted<string> | undefined
  /**
   * The integration token (`ROLLWISE_HOOK_TOKEN`): only the routes Argo
   * Rollouts, Flagger, Kayenta and Prometheus call, as a bearer token or as
   * the path prefix `/hooks/<token>/` — as on `rollwise serve`.
   */
  readonly hookToken?: Redacted.Redacted<string> | undefined
  /** `POST /judge` without any credential (`ROLLWISE_PUBLIC_JUDGE=true`), as `rollwise serve --public-judge`. */
  readonly publicJudge?: boolean | undefined
  /** Serve without a token. Never the default: without a token or this, nothing is served. */
  readonly insecure?: boolean | undefined
  /** The SLO specs Argo requests name, by name. */
  readonly slos?: Readonly<Record<string, SloSpec.Spec>> | undefined
  /** Where the Argo metric measures (default: none, so every Argo answer is `slow`). */
  readonly metricSource?: Layer.Layer<MetricSource.MetricSource> | undefined
  /** Readiness: reasons the function cannot serve (default: none; Prometheus trouble shows in /metrics instead). */
  readonly readiness?: Effect.Effect<ReadonlyArray<string>> | undefined
  /** Prefix of Argo answers' `evidenceUrl` (default: a path). */
  readonly publicUrl?: string | undefined
  /** Largest request body (default 1 MiB). */
  readonly bodyLimitBytes?: number | undefined
  /** Longest a request may run (default 30 s; keep it under the function's timeout). */
  readonly requestTimeout?: Duration.Input | undefined
  /** Where JSON log lines go (default: stdout, i.e. CloudWatch); `false` for none. */
  readonly log?: ((line: string) => void) | false | undefined
}

/** A built handler: answer events with it; `dispose` releases its resources. */
export interface Handler {
  readonly handle: (event: Event) => Promise<Result>
  readonly dispose: () => Promise<void>
}

let builds = 0

/** How many handlers this module has built: a warm Lambda must not build another (tests assert it). */
export const buildCount = (): number => builds


const json = (statusCode: number, body: unknown): Result => ({
  statusCode,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
  isBase64Encoded: false
})

/** The platform-free API handler as a service, so its layer's scope owns it. */
class App extends Context.Service<App, Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest | Scope.Scope>>()(
  "rollwise/lambda/App"
) {}

/** A handler that answers every event 503 and says why once in the log: what a misconfigured function serves. */
const refusing = (error: LambdaConfigError, log: Options["log"]): Handler => {
  builds++
  const write = log === false ? undefined : (log ?? ((line: string) => console.log(line)))
  write?.(JSON.stringify({ time: new Date().toISOString(), level: "ERROR", msg: "refusing to serve", reason: error.reason, detail: error.message }))
  const answer = json(503, { _tag: "Unavailable", message: "the function is misconfigured and serves nothing; its log says why" })
  return { handle: () => Promise.resolve(answer), dispose: () => Promise.resolve() }
}

/**
 * Build the API for Lambda: `ApiHandler.make` (the same routes, auth, limits
 * and errors as `rollwise serve`) run through `HttpEffect.toWebHandlerLayerWith`,
 * with events mapped to Web Requests. Build it once per container and reuse
 * it: the metrics registry and the Argo evidence live in it. Without a token
 * and without `insecure` it refuses: every event is answered 503 (fail
 * closed), and the log says why.
 */
export const makeHandler = (options: Options = {}): Handler => {
  if (options.token === undefined && options.insecure !== true) {
    return refusing(
      new LambdaConfigError({ reason: "NoAuth", message: "no ROLLWISE_API_TOKEN: set one, or ROLLWISE_INSECURE=1 to serve without authentication on purpose" }),
      options.log
    )
  }
  if (options.token !== undefined && Redacted.value(options.token).trim() === "") {
    return refusing(new LambdaConfigError({ reason: "BadOption", message: "the API token is empty" }), options.log)
  }
  const hookProblem = options.hookToken === undefined ? undefined : hookTokenProblem(options.hookToken, options.token, "ROLLWISE_HOOK_TOKEN")
  if (hookProblem !== undefined) return refusing(new LambdaConfigError({ reason: "BadOption", message: hookProblem }), options.log)
  builds++
  const logger = options.log === false ? Logger.layer([]) : Logger.layer([jsonLines(options.log ?? ((line) => console.log(line)))])
  const app = Layer.effect(
    App,
    ApiHandler.make({
      authorize: options.token === undefined ? undefined : tokenChecker(options.token),
      authorizeHook: options.hookToken === undefined ? undefined : tokenChecker(options.hookToken),
      publicJudge: options.publicJudge,
      bodyLimitBytes: options.bodyLimitBytes,
      requestTimeout: options.requestTimeout,
      publicUrl: options.publicUrl,
      readiness: options.readiness
    })
  ).pipe(
    Layer.provide(Layer.mergeAll(options.metricSource ?? noMetricSource, ArgoJudge.Slos.layer(options.slos ?? {}), GatesRoute.OpaGateway.layerDisabled, RolloutsRoute.noStore, RolloutsRoute.RolloutDriver.none))
  )
  // ApiHandler.layerPlatformTracer: no platform span for /hooks/<token>/… (the handler makes its own, masked)
  const web = HttpEffect.toWebHandlerLayerWith(Layer.mergeAll(app, logger, ApiHandler.layerPlatformTracer), {
    toHandler: (context) => Effect.succeed(Context.get(context, App))
  })
  return {
    handle: async (event) => {
      let request: Request
      try {
        request = toRequest(event)
      } catch (e) {
        // a malformed event (or header) is the caller's fault, not a crash
        return json(400, { _tag: "InputError", message: e instanceof EventError ? e.message : `the event cannot be a request: ${e instanceof Error ? e.message : String(e)}` })
      }
      return toResult(await web.handler(request))
    },
    dispose: web.dispose
  }
}

/** Environment variables {@link optionsFromEnv} reads. */
export type Env = Readonly<Record<string, string | undefined>>

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value.trim() === "" ? undefined : value.trim())

/** `ROLLWISE_SLOS_JSON`: a JSON object of SLO name → SloSpec document (what `--slo-dir` holds, one file per name). */
export const slosFromJson = (text: string | undefined): Effect.Effect<Record<string, SloSpec.Spec>, LambdaConfigError> =>
  Effect.gen(function* () {
    if (text === undefined) return {}
    const bad = (message: string) => new LambdaConfigError({ reason: "BadOption", message: `ROLLWISE_SLOS_JSON: ${message}` })
    const doc = yield* Effect.try({ try: () => JSON.parse(text) as unknown, catch: (e) => bad(`not valid JSON (${e instanceof Error ? e.message : String(e)})`) })
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return yield* bad("expected an object of SLO name → SloSpec")
    const slos: Record<string, SloSpec.Spec> = {}
    for (const [name, spec] of Object.entries(doc)) {
      slos[name] = yield* SloSpec.decode(spec, `ROLLWISE_SLOS_JSON.${name}`).pipe(Effect.mapError((e) => bad(e.message)))
    }
    return slos
  })

/**
 * The options `rollwise serve` would take, from a Lambda's environment:
 * `ROLLWISE_API_TOKEN`, `ROLLWISE_HOOK_TOKEN`, `ROLLWISE_PUBLIC_JUDGE`,
 * `ROLLWISE_INSECURE=1`, `ROLLWISE_SLOS_JSON` (instead
 * of `ROLLWISE_SLO_DIR`, which a function has no directory for),
 * `ROLLWISE_PROMETHEUS_URL` with `ROLLWISE_PROMETHEUS_TOKEN` or
 * `_USER`/`_PASSWORD`, and `ROLLWISE_PUBLIC_URL`.
 */
export const optionsFromEnv = (env: Env): Effect.Effect<Options, LambdaConfigError> =>
  Effect.gen(function* () {
    const token = nonEmpty(env["ROLLWISE_API_TOKEN"])
    const hookToken = nonEmpty(env["ROLLWISE_HOOK_TOKEN"])
    const publicJudge = nonEmpty(env["ROLLWISE_PUBLIC_JUDGE"])?.toLowerCase()
    if (publicJudge !== undefined && !["true", "false", "1", "0"].includes(publicJudge)) {
      return yield* new LambdaConfigError({ reason: "BadOption", message: `ROLLWISE_PUBLIC_JUDGE must be true or false (got ${JSON.stringify(publicJudge)})` })
    }
    const url = nonEmpty(env["ROLLWISE_PROMETHEUS_URL"])
    const promToken = nonEmpty(env["ROLLWISE_PROMETHEUS_TOKEN"])
    const promUser = nonEmpty(env["ROLLWISE_PROMETHEUS_USER"])
    const promPassword = env["ROLLWISE_PROMETHEUS_PASSWORD"]
    const slos = yield* slosFromJson(nonEmpty(env["ROLLWISE_SLOS_JSON"]))
    if (url !== undefined) {
      // an SLO whose windows Prometheus cannot read at its step is a configuration error, not nodata answers later
      for (const [name, spec] of Object.entries(slos)) {
        yield* PrometheusSource.checkSpec(spec).pipe(Effect.mapError((e) => new LambdaConfigError({ reason: "BadOption", message: `ROLLWISE_SLOS_JSON.${name}: ${e.detail}` })))
      }
    }
    return {
      token: token === undefined ? undefined : Redacted.make(token),
      hookToken: hookToken === undefined ? undefined : Redacted.make(hookToken),
      publicJudge: publicJudge === "true" || publicJudge === "1",
      insecure: env["ROLLWISE_INSECURE"] === "1" || env["ROLLWISE_INSECURE"] === "true",
      slos,
      metricSource:
        url === undefined
          ? undefined
          : PrometheusSource.layer({
              url,
              timeout: Duration.seconds(10),
              retries: 1,
              ...(promToken !== undefined ? { bearerToken: Redacted.make(promToken) } : {}),
              ...(promUser !== undefined && promPassword !== undefined ? { basicAuth: { username: promUser, password: Redacted.make(promPassword) } } : {})
            }),
      publicUrl: nonEmpty(env["ROLLWISE_PUBLIC_URL"])
    }
  })

/** The handler an environment configures; a configuration error gives the refusing handler (every event 503, the reason logged). */
export const handlerFromEnv = (env: Env, log?: Options["log"]): Handler =>
  Effect.runSync(
    optionsFromEnv(env).pipe(
      Effect.match({
        onFailure: (error) => refusing(error, log),
        onSuccess: (options) => makeHandler({ ...options, log })
      })
    )
  )
