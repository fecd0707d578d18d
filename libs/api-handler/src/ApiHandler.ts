import { type EvidenceStore, MetricSource } from "@rollwise/rollout-engine"
import { ByteSize, Cause, Clock, Context, Duration, Effect, Layer, Metric, Redacted, type Scope } from "effect"
import { constFalse } from "effect/Function"
import { HttpIncomingMessage, HttpMiddleware, HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { Analyses, Api, ApiError, Flagger, Rollouts } from "@rollwise/api-contract"
import * as AnalysesRoute from "./AnalysesRoute.ts"
import * as ArgoJudge from "./ArgoJudge.ts"
import * as FlaggerJudge from "./FlaggerJudge.ts"
import * as FlagsRoute from "./FlagsRoute.ts"
import * as GatesRoute from "./GatesRoute.ts"
import * as KayentaJudge from "./KayentaJudge.ts"
import * as Responses from "./internal/responses.ts"
import { maxDepth } from "./internal/jsonDepth.ts"
import * as RiskRoute from "./RiskRoute.ts"
import * as RolloutsRoute from "./RolloutsRoute.ts"
import * as ServiceMetrics from "./ServiceMetrics.ts"

/**
 * The Rollwise API as one platform-free HTTP handler: the Api.routes of
 * {@link Api.RollwiseApi} with their handlers (which decide through risk-core,
 * slo-policy and rollout-engine, nothing of their own), wrapped in what every
 * request gets — authentication, a body limit, a nesting limit, a timeout,
 * JSON errors, metrics and one log line. A Node server, a Lambda handler or a
 * test runs the same handler.
 *
 * Two credentials: the operator token opens every route; the integration
 * token (when configured) opens only the Api.routes Argo Rollouts, Flagger,
 * Kayenta and Prometheus call (`Api.integrationRoutes`), sent either as
 * `Authorization: Bearer` or, for callers that cannot send headers, as the
 * path prefix `/hooks/<token>/…`, which is stripped before routing and shown
 * as `/hooks/***` in logs, spans and errors.
 */

/** How the handler behaves; everything but `authorize` has a default. */
export interface Options {
  /**
   * Whether a bearer token is the operator's (compare in constant time),
   * which opens every route. Called with the token of
   * `Authorization: Bearer <token>`, or undefined when the header is missing
   * or not a bearer token. Absent: no authentication (only for a loopback or
   * explicitly insecure server).
   */
  readonly authorize?: ((token: Redacted.Redacted<string> | undefined) => boolean) | undefined
  /**
   * Whether a token is the integration token (compare in constant time),
   * which opens only `Api.integrationRoutes` — as a bearer token or as the
   * `/hooks/<token>/` path prefix. Absent: no integration token; the
   * integration Api.routes take the operator token and `/hooks/…` answers 404.
   */
  readonly authorizeHook?: ((token: Redacted.Redacted<string> | undefined) => boolean) | undefined
  /**
   * Answer `POST /judge` without any credential (default false), for a
   * Kayenta whose operators do not want the integration token in its logs
   * (its remote judge sends no header, and logs its base URL). Safe to open:
   * the judge is a pure function of its payload — it reads no server data and
   * writes nothing — bounded by the body limit and the request timeout.
   */
  readonly publicJudge?: boolean | undefined
  /** Largest request body in bytes (default 1 MiB); larger is a 413. */
  readonly bodyLimitBytes?: number | undefined
  /** Deepest JSON nesting a body may have (default 64); deeper is a 400. */
  readonly maxJsonDepth?: number | undefined
  /** Longest a request may take (default 30 s); longer is a 503. */
  readonly requestTimeout?: Duration.Input | undefined
  /** Where `GET /v1/flags/{key}` reads flags (default: none, 503 naming `--flags-dir`). */
  readonly flags?: FlagsRoute.FlagReader["Service"] | undefined
  /** Prefix of `evidenceUrl` in Argo answers, e.g. `https://rollwise.example.com` (default: none, a path). */
  readonly publicUrl?: string | undefined
  /**
   * Where `POST /v1/analyses` bodies are parsed, decoded and judged (default:
   * by the route, on this thread). A Node server passes a pool of worker
   * threads running `AnalysesRoute.analyzeBody` — the route's own decoding and
   * analysis, so the answers are the same — and the body's text is all this
   * thread handles.
   */
  readonly analyzeBody?: ((text: string) => Effect.Effect<Analyses.Response, ApiError.InputError>) | undefined
  /** Readiness: the problems of the configured dependencies, empty when ready (default: always ready). */
  readonly readiness?: Effect.Effect<ReadonlyArray<string>> | undefined
}

/** The default body limit: 1 MiB. */
export const defaultBodyLimitBytes = 1024 * 1024

/** The default nesting limit of a JSON body. */
export const defaultMaxJsonDepth = 64

/** The default request timeout. */
export const defaultRequestTimeout: Duration.Duration = Duration.seconds(30)

/** A text's length in UTF-8 bytes (lone surrogates count as the 3 bytes of U+FFFD). */
const utf8Length = (text: string): number => {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) bytes += 1
    else if (c < 0x800) bytes += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4
      i++
    } else bytes += 3
  }
  return bytes
}

/** Whether a text is longer than `limit` bytes as UTF-8 (counting only when its length cannot tell). */
const exceeds = (text: string, limit: number): boolean =>
  text.length > limit ? true : text.length * 3 <= limit ? false : utf8Length(text) > limit

const bearer = /^bearer[ \t]+(\S+)[ \t]*$/i

/** A body the JSON Api.routes take: `application/json`, with parameters. */
const jsonContent = /^application\/json\s*(;|$)/i

/** The token of an `Authorization: Bearer <token>` header, if that is what it is. */
export const bearerToken = (header: string | undefined): Redacted.Redacted<string> | undefined => {
  const match = header === undefined ? null : bearer.exec(header)
  return match === null ? undefined : Redacted.make(match[1]!)
}

/** A request's path: its URL without query string or fragment. */
const pathOf = (url: string): string => url.split("?")[0]!.split("#")[0]!

/**
 * A URL under the integration-token prefix, split: the token (the first
 * segment after `/hooks/`) and the URL it stands in front of (always starting
 * with `/`, query string kept). Undefined for any other URL.
 */
export const splitHookPath = (url: string): { readonly token: string; readonly url: string } | undefined => {
  if (!url.startsWith(Api.hookPathPrefix)) return undefined
  const after = url.slice(Api.hookPathPrefix.length)
  const end = after.search(/[/?#]/)
  const token = end === -1 ? after : after.slice(0, end)
  const rest = end === -1 ? "" : after.slice(end)
  return { token, url: rest.startsWith("/") ? rest : `/${rest}` }
}

/** The URL as logs, spans and error messages may show it: the token of `/hooks/<token>/…` replaced by `***`. */
export const maskedUrl = (url: string): string => {
  const hook = splitHookPath(url)
  return hook === undefined ? url : `${Api.hookPathPrefix}***${hook.url}`
}

/**
 * Whether a request carries a secret in its path (`/hooks/<token>/…`). The
 * platform's own server span records the raw URL (`url.full`, `url.path`),
 * so a server must not trace these requests itself: give its HTTP server
 * {@link layerPlatformTracer}. The handler traces them with the token masked.
 */
export const secretInPath = (request: HttpServerRequest.HttpServerRequest): boolean => request.url.startsWith(Api.hookPathPrefix)

/**
 * `HttpMiddleware.TracerDisabledWhen` for the platform that serves this
 * handler (Node server, Lambda): no platform span for {@link secretInPath}
 * requests, whose span the handler makes itself with the path masked.
 */
export const layerPlatformTracer: Layer.Layer<never> = Layer.succeed(HttpMiddleware.TracerDisabledWhen)(secretInPath)

/** The route template a request matched, for metrics and logs (`unmatched` otherwise). */
export const routeOf = (method: string, path: string): string => {
  for (const route of Api.routes) {
    if (route.method !== method && !(method === "HEAD" && route.method === "GET")) continue
    const pattern = route.path.split("/")
    const actual = path.split("/")
    if (pattern.length === actual.length && pattern.every((segment, i) => segment.startsWith(":") ? actual[i] !== "" : segment === actual[i])) return route.path
  }
  return "unmatched"
}

/**
 * A decision, traced and counted: one span `rollwise.<kind>` around it whose
 * attributes carry the outcome (`rollwise.action` and what else says why),
 * and one increment of `rollwise_decisions_total{kind, action, service}`. The span is
 * a child of the request's server span; with no tracer installed it costs a
 * native span and nothing is exported.
 */
const decided =
  <A>(
    kind: ServiceMetrics.DecisionKind,
    describe: (a: A) => { readonly action: string; readonly service?: string | undefined; readonly attributes?: Record<string, string | number | boolean> }
  ) =>
  <E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    effect.pipe(
      Effect.tap((a) => {
        const d = describe(a)
        return Effect.andThen(Effect.annotateCurrentSpan({ "rollwise.decision": kind, "rollwise.action": d.action, ...d.attributes }), ServiceMetrics.recordDecision(kind, d.action, d.service))
      }),
      Effect.withSpan(`rollwise.${kind}`, { attributes: { "rollwise.decision": kind } })
    )

/** The analyses decision, traced and counted the same on the route and off the main thread. */
const analysisDecided = decided<Analyses.Response>("analysis", (r) => ({
  action: r.verdict.action,
  attributes: { "rollwise.score": r.verdict.score, "rollwise.windows": r.verdicts.length, "rollwise.release": r.release }
}))

const DecisionsLive = HttpApiBuilder.group(Api.RollwiseApi, "decisions", (handlers) =>
  handlers
    .handle("risk", ({ payload }) =>
      RiskRoute.decide(payload).pipe(decided("risk", (d) => ({ action: d.strategy, service: payload.changes.service, attributes: { "rollwise.risk_score": d.risk_score, "rollwise.pace": d.pace, "rollwise.model": `${d.model.kind}@${d.model.version}` } })))
    )
    .handle("analyses", ({ payload }) => AnalysesRoute.analyze(payload).pipe(analysisDecided))
    .handle("gates", ({ payload }) => GatesRoute.evaluate(payload).pipe(decided("gate", (r) => ({ action: r.status, attributes: { "rollwise.gates": r.gates.length } }))))
)

const ArgoLive = (publicUrl: string) =>
  HttpApiBuilder.group(Api.RollwiseApi, "argo", (handlers) =>
    handlers
      .handle("metric", ({ payload }) =>
        ArgoJudge.judge(payload, publicUrl).pipe(
          decided("argo", (r) => ({
            action: r.decision,
            service: payload.service,
            attributes: { "rollwise.score": r.score, "rollwise.slo": payload.slo, "rollwise.service": payload.service, "k8s.namespace.name": payload.namespace, "rollwise.evidence_url": r.evidenceUrl }
          }))
        )
      )
      .handle("evidence", ({ params }) =>
        Effect.gen(function* () {
          const log = yield* ArgoJudge.EvidenceLog
          return yield* log.get(params.id)
        })
      )
  )

const FlaggerLive = (publicUrl: string) => {
  const hook = (name: Flagger.Hook) => ({ payload }: { readonly payload: Flagger.Payload }) =>
    FlaggerJudge.answer(name, payload, publicUrl).pipe(
      decided("flagger", (a) => ({
        action: `${name}:${a.proceed ? "proceed" : "halt"}`,
        service: payload.name,
        attributes: { "rollwise.flagger.hook": name, "rollwise.flagger.canary": `${payload.namespace}/${payload.name}`, "rollwise.proceed": a.proceed }
      }))
    )
  return HttpApiBuilder.group(Api.RollwiseApi, "flagger", (handlers) =>
    handlers
      .handle("confirm-rollout", hook("confirm-rollout"))
      .handle("pre-rollout", hook("pre-rollout"))
      .handle("rollout", hook("rollout"))
      .handle("confirm-traffic-increase", hook("confirm-traffic-increase"))
      .handle("confirm-promotion", hook("confirm-promotion"))
      .handle("post-rollout", hook("post-rollout"))
      .handle("rollback", hook("rollback"))
      .handle("event", hook("event"))
  )
}

const operatorAction = (verb: "promote" | "rollback") =>
  decided<Rollouts.ActionResponse>("operator", (r) => ({ action: `${verb}:${r.outcome}`, attributes: { "rollwise.rollout": r.rolloutId, "rollwise.phase": r.phase } }))

const RolloutsLive = (publicUrl: string) =>
  HttpApiBuilder.group(Api.RollwiseApi, "rollouts", (handlers) =>
    handlers
      .handle("list", ({ query }) => RolloutsRoute.list(query))
      .handle("start", ({ payload }) =>
        Effect.gen(function* () {
          const driver = yield* RolloutsRoute.RolloutDriver
          return yield* driver.start(payload, publicUrl)
        }).pipe(
          decided("rollout", (r) => ({ action: r.strategy, service: payload.service, attributes: { "rollwise.rollout": r.rolloutId, "rollwise.steps": r.steps.join(","), "rollwise.approval_required": r.approvalRequired } }))
        )
      )
      .handle("get", ({ params }) => RolloutsRoute.detail(params.id, publicUrl))
      .handle("promote", ({ params, payload }) => Effect.flatMap(Clock.currentTimeMillis, (now) => RolloutsRoute.promote(params.id, payload, now)).pipe(operatorAction("promote")))
      .handle("rollback", ({ params, payload }) => Effect.flatMap(Clock.currentTimeMillis, (now) => RolloutsRoute.rollback(params.id, payload, now)).pipe(operatorAction("rollback")))
      .handle("evidence", ({ params }) => RolloutsRoute.evidence(params.id))
  )

const KayentaLive = HttpApiBuilder.group(Api.RollwiseApi, "kayenta", (handlers) =>
  handlers.handle("judge", ({ payload }) =>
    KayentaJudge.judge(payload).pipe(
      decided("kayenta", (r) => ({ action: r.score.classification, attributes: { "rollwise.score": r.score.score, "rollwise.metrics": r.results.length } }))
    )
  )
)

const HealthLive = (readiness: Effect.Effect<ReadonlyArray<string>>) =>
  HttpApiBuilder.group(Api.RollwiseApi, "health", (handlers) =>
    handlers
      .handle("healthz", () => Effect.succeed({ status: "ok" as const }))
      .handle("readyz", () =>
        Effect.gen(function* () {
          const problems = yield* readiness
          if (problems.length > 0) return yield* new ApiError.Unavailable({ message: "not ready", reasons: problems })
          const slos = yield* ArgoJudge.Slos
          return { status: "ready" as const, slos: [...slos.keys()].sort() }
        })
      )
  )

const FlagsLive = HttpApiBuilder.group(Api.RollwiseApi, "flags", (handlers) =>
  handlers.handle("get", ({ params, request }) => FlagsRoute.get(params.key, request.headers["if-none-match"]))
)

const MetricsLive = HttpApiBuilder.group(Api.RollwiseApi, "metrics", (handlers) => handlers.handle("metrics", () => ServiceMetrics.render))

/**
 * The contract's security middleware, satisfied: every request is
 * authenticated before routing (the handler's `authenticate`, the only way
 * into the router), where the route, the path token and both credentials are
 * known; the middleware itself has nothing left to check.
 */
const authLayer = Layer.succeed(Api.BearerAuth, Api.BearerAuth.of({ bearer: (httpEffect) => httpEffect }))

/** The integration Api.routes in words, for the 403. */
const integrationRoutesText = "POST /v1/argo/metric, POST /v1/flagger/<hook>, POST /judge, GET /v1/flags/<key> and GET /metrics"

/**
 * Build the handler. It needs the SLO specs Argo requests name
 * ({@link ArgoJudge.Slos}), a MetricSource to measure them, and an
 * {@link GatesRoute.OpaGateway}; the metrics registry is its own, so two servers
 * in one process count separately.
 */
export const make = (
  options: Options = {}
): Effect.Effect<
  Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest | Scope.Scope>,
  never,
  Scope.Scope | MetricSource.MetricSource | ArgoJudge.Slos | GatesRoute.OpaGateway | EvidenceStore.EvidenceStore | RolloutsRoute.RolloutDriver
> =>
  Effect.gen(function* () {
    const limit = options.bodyLimitBytes ?? defaultBodyLimitBytes
    const depthLimit = options.maxJsonDepth ?? defaultMaxJsonDepth
    const timeout = options.requestTimeout ?? defaultRequestTimeout
    const registry: Metric.MetricRegistry = new Map()
    const evidence = ArgoJudge.EvidenceLog.makeMemory()
    // every query the judging Api.routes make is counted, so Prometheus trouble shows in /metrics (not in readiness)
    const source = yield* MetricSource.MetricSource
    const record = (outcome: ServiceMetrics.QueryOutcome) => Effect.provideService(ServiceMetrics.recordQuery(outcome), Metric.MetricRegistry, registry)
    const countedSource = MetricSource.MetricSource.of({
      observe: (request) =>
        source.observe(request).pipe(
          Effect.tap((measurement) => record({ result: measurement.sample === undefined ? "nodata" : "ok" })),
          Effect.tapError((error) => record({ result: "error", reason: error.reason }))
        )
    })
    // the handlers' services, for the Api.routes to run with
    const services = Context.add(
      Context.add(
        Context.add(yield* Effect.context<MetricSource.MetricSource | ArgoJudge.Slos | GatesRoute.OpaGateway | EvidenceStore.EvidenceStore | RolloutsRoute.RolloutDriver>(), ArgoJudge.EvidenceLog, evidence),
        Metric.MetricRegistry,
        registry
      ),
      MetricSource.MetricSource,
      countedSource
    ).pipe(Context.add(FlagsRoute.FlagReader, options.flags ?? FlagsRoute.noFlags))
    const publicUrl = (options.publicUrl ?? "").replace(/\/+$/, "")
    const handlers = Layer.mergeAll(
      DecisionsLive,
      ArgoLive(publicUrl),
      FlaggerLive(publicUrl),
      RolloutsLive(publicUrl),
      KayentaLive,
      HealthLive(options.readiness ?? Effect.succeed([])),
      FlagsLive,
      MetricsLive
    ).pipe(
      Layer.provide(authLayer),
      Layer.provide(Layer.succeedContext(services))
    )
    const router = Effect.provideContext(
      yield* HttpRouter.toHttpEffect(
        HttpApiBuilder.layer(Api.RollwiseApi, { openapiPath: Api.openapiPath }).pipe(Layer.provide(handlers), Layer.provide(HttpServer.layerServices))
      ),
      services
    )
    const maxBodySize = ByteSize.bytes(limit)

    const forbidden = () =>
      Responses.error(403, "Forbidden", `the integration token may call only ${integrationRoutesText}; this route needs the operator token (Authorization: Bearer)`)

    /**
     * Who may call: a response refusing the request, or undefined to go on.
     * `pathToken` is the token of a `/hooks/<token>/…` URL (already stripped
     * from `path`). Both checks are constant-time; the operator token is never
     * accepted in a path (it would end up in callers' logs).
     */
    const authenticate = (method: string, path: string, route: string, header: string | undefined, pathToken: string | undefined) => {
      const authorizeHook = options.authorizeHook
      if (pathToken !== undefined) {
        if (authorizeHook === undefined) return Responses.error(404, "NotFound", `no route ${method} ${Api.hookPathPrefix}***${path}: this server has no integration token (ROLLWISE_HOOK_TOKEN)`)
        if (!authorizeHook(Redacted.make(pathToken))) return Responses.unauthorized(`wrong integration token in the path (${Api.hookPathPrefix}<token>/…)`)
        return Api.isIntegrationRoute(method, route) ? undefined : forbidden()
      }
      if (options.authorize === undefined || Api.publicPaths.has(path)) return undefined
      if (options.publicJudge === true && method === "POST" && route === "/judge") return undefined
      const token = bearerToken(header)
      const operator = options.authorize(token)
      const hook = authorizeHook !== undefined && authorizeHook(token)
      if (operator) return undefined
      if (hook) return Api.isIntegrationRoute(method, route) ? undefined : forbidden()
      return Responses.unauthorized("missing or wrong bearer token (send Authorization: Bearer <token>)")
    }

    /** Everything up to the handler: auth, body checks; a response here ends the request early. */
    const admit = (request: HttpServerRequest.HttpServerRequest, path: string, route: string, pathToken: string | undefined) =>
      Effect.gen(function* () {
        const refused = authenticate(request.method, path, route, request.headers["authorization"], pathToken)
        if (refused !== undefined) return refused
        const length = request.headers["content-length"]
        if (length !== undefined && Number(length) > limit) return Responses.payloadTooLarge(limit)
        if (request.method === "POST" || request.method === "PUT" || request.method === "PATCH") {
          // read (and cache) the body under the limit, then refuse absurd nesting before any schema walks it
          const text = yield* request.text
          // a body without Content-Length (chunked, or a Lambda event) is measured here
          if (exceeds(text, limit)) return Responses.payloadTooLarge(limit)
          if (maxDepth(text) > depthLimit) return Responses.inputError(undefined, `the body nests deeper than ${depthLimit} levels`)
        }
        return undefined
      })

    /** `POST /v1/analyses` with the body's text handed to `analyzeBody`: the route's answers, this thread only reads and writes. */
    const analysesOffThread = (request: HttpServerRequest.HttpServerRequest, analyzeBody: NonNullable<Options["analyzeBody"]>) =>
      Effect.gen(function* () {
        if (!jsonContent.test(request.headers["content-type"] ?? "")) return Responses.error(415, "UnsupportedMediaType", "send the body as JSON with Content-Type: application/json")
        const text = yield* request.text
        return yield* analyzeBody(text).pipe(
          analysisDecided,
          Effect.match({
            onSuccess: (response) => HttpServerResponse.jsonUnsafe(response),
            onFailure: (e) => Responses.inputError(e.field, e.message)
          })
        )
      })

    /**
     * One request as routed: `request` is what the Api.routes see (the
     * `/hooks/<token>` prefix already stripped), `shownPath` what the log
     * line says, `pathToken` the stripped token if any.
     */
    const serveRequest = (request: HttpServerRequest.HttpServerRequest, shownPath: string, pathToken: string | undefined) =>
      Effect.gen(function* () {
        const started = yield* Clock.currentTimeNanos
        const path = pathOf(request.url)
        const route = routeOf(request.method, path)
        // the server span (HttpEffect's tracer, or ours for a path token) gets the route template
        yield* Effect.annotateCurrentSpan("http.route", route)
        const offThread = options.analyzeBody !== undefined && request.method === "POST" && route === "/v1/analyses" ? options.analyzeBody : undefined
        const handled = Effect.flatMap(admit(request, path, route, pathToken), (early) =>
          early !== undefined ? Effect.succeed(early) : offThread !== undefined ? analysesOffThread(request, offThread) : router
        ).pipe(
          // the Api.routes read the request from the context: the one with the prefix stripped
          Effect.provideService(HttpServerRequest.HttpServerRequest, request),
          Effect.provideService(HttpIncomingMessage.MaxBodySize, maxBodySize),
          Effect.timeoutOrElse({
            duration: timeout,
            orElse: () => Effect.succeed(Responses.error(503, "Unavailable", `the request took longer than ${Duration.format(Duration.fromInputUnsafe(timeout))}`))
          }),
          Effect.catchCause((cause) => {
            const mapped = Responses.fromCause(cause, limit)
            if (!mapped.bug) return Effect.succeed(mapped.response)
            // a cause may hold the request, whose original URL holds a path token: log it as text, masked
            const logged =
              pathToken === undefined
                ? Effect.logError("request failed with a defect", cause)
                : Effect.logError("request failed with a defect").pipe(Effect.annotateLogs({ cause: Cause.pretty(cause).replaceAll(pathToken, "***") }))
            return Effect.as(logged, mapped.response)
          })
        )
        const raw = yield* handled
        const response = raw.status === 415 ? Responses.error(415, "UnsupportedMediaType", "send the body as JSON with Content-Type: application/json") : raw
        const seconds = Number((yield* Clock.currentTimeNanos) - started) / 1e9
        yield* ServiceMetrics.recordRequest(route, request.method, response.status, seconds)
        yield* Effect.logInfo("request").pipe(
          Effect.annotateLogs({ method: request.method, path: shownPath.length > 200 ? `${shownPath.slice(0, 200)}…` : shownPath, route, status: response.status, ms: Math.round(seconds * 10000) / 10 })
        )
        return response
      })

    return Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const hook = splitHookPath(request.url)
      if (hook === undefined) return yield* serveRequest(request, pathOf(request.url), undefined)
      // a path token: routed without it, and traced here with it masked (the platform does not trace these: layerPlatformTracer)
      const masked = maskedUrl(request.url)
      return yield* serveRequest(request.modify({ url: hook.url }), pathOf(masked), hook.token).pipe(
        HttpMiddleware.tracer,
        Effect.provideService(HttpServerRequest.HttpServerRequest, request.modify({ url: masked })),
        Effect.provideService(HttpMiddleware.TracerDisabledWhen, constFalse)
      )
    }).pipe(Effect.provideContext(services))
  })
