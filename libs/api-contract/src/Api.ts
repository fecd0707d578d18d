import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, HttpApiSchema, HttpApiSecurity, OpenApi } from "effect/http-api"
import * as Analyses from "./Analyses.ts"
import { InputError, NotFound, PayloadTooLarge, Unauthorized, Unavailable, UnsupportedMediaType } from "./ApiError.ts"
import * as ArgoMetric from "./ArgoMetric.ts"
import * as Flagger from "./Flagger.ts"
import * as Flags from "./Flags.ts"
import * as Gates from "./Gates.ts"
import * as Kayenta from "./Kayenta.ts"
import * as Risk from "./Risk.ts"
import * as Rollouts from "./Rollouts.ts"

/**
 * Bearer-token authentication on every route but `/healthz` and `/readyz`.
 * The contract only declares it (for the OpenAPI document and typed
 * clients, which must supply the token); the server decides which token a
 * route takes — the operator token everywhere, the integration token on
 * {@link integrationRoutes} only — and compares it before routing.
 */
export class BearerAuth extends HttpApiMiddleware.Service<BearerAuth>()("rollwise/api-contract/BearerAuth", {
  requiredForClient: true,
  security: { bearer: HttpApiSecurity.bearer },
  error: Unauthorized
}) {}

/** Errors any route with a body can answer besides its own. */
const bodyErrors = [InputError, PayloadTooLarge, UnsupportedMediaType, Unavailable] as const

/** Decisions before and during a deploy: risk, offline analysis, gates. */
export class DecisionsGroup extends HttpApiGroup.make("decisions")
  .add(
    HttpApiEndpoint.post("risk", "/v1/risk", { payload: Risk.Request, success: Risk.Response, error: bodyErrors }).annotateMerge(
      OpenApi.annotations({ summary: "Score a change's risk and choose strategy, pace and steps (rollwise decide)" })
    ),
    HttpApiEndpoint.post("analyses", "/v1/analyses", { payload: Analyses.Request, success: Analyses.Response, error: bodyErrors }).annotateMerge(
      OpenApi.annotations({ summary: "Judge recorded windows of a release against an SLO spec (rollwise analyze, offline)" })
    ),
    HttpApiEndpoint.post("gates", "/v1/gates", { payload: Gates.Request, success: Gates.Response, error: bodyErrors }).annotateMerge(
      OpenApi.annotations({ summary: "Check change window, error budget, approval and OPA gates for a decision (rollwise gate)" })
    )
  )
  .middleware(BearerAuth)
  .annotateMerge(OpenApi.annotations({ title: "Decisions", description: "Risk, analysis and gates, decided by the same libraries as the CLI" })) {}

/** The Argo Rollouts `web` metric provider and the evidence behind its answers. */
export class ArgoGroup extends HttpApiGroup.make("argo")
  .add(
    HttpApiEndpoint.post("metric", "/v1/argo/metric", { payload: ArgoMetric.Request, success: ArgoMetric.Response, error: bodyErrors }).annotateMerge(
      OpenApi.annotations({ summary: "Argo Rollouts web metric: 200 with decision promote|slow|rollback for every verdict" })
    ),
    HttpApiEndpoint.get("evidence", "/v1/argo/evidence/:id", {
      params: { id: Schema.String },
      success: ArgoMetric.Evidence,
      error: [NotFound, Unavailable]
    }).annotateMerge(OpenApi.annotations({ summary: "The judgement behind one Argo answer (its evidenceUrl), while the server keeps it" }))
  )
  .middleware(BearerAuth)
  .annotateMerge(OpenApi.annotations({ title: "Argo Rollouts", description: "The web metric provider an AnalysisTemplate calls" })) {}

/** Rollouts in the evidence store, and the operator's promote and rollback. */
export class RolloutsGroup extends HttpApiGroup.make("rollouts")
  .add(
    HttpApiEndpoint.get("list", "/v1/rollouts", { query: Rollouts.ListQuery, success: Rollouts.ListResponse, error: [InputError, Unavailable] }).annotateMerge(
      OpenApi.annotations({ summary: "Recorded rollouts, newest first (rollwise evidence list)" })
    ),
    HttpApiEndpoint.post("start", "/v1/rollouts", {
      payload: Rollouts.StartRequest,
      success: Rollouts.StartResponse,
      error: [...bodyErrors, Rollouts.AlreadyExists]
    }).annotateMerge(OpenApi.annotations({ summary: "Start a rollout the server drives (rollwise rollout): 202 with its id; 503 when the server drives no targets" })),
    HttpApiEndpoint.get("get", "/v1/rollouts/:id", { params: { id: Rollouts.RolloutId }, success: Rollouts.Detail, error: [InputError, NotFound, Unavailable] }).annotateMerge(
      OpenApi.annotations({ summary: "One rollout: where it stands and a line per recorded event (rollwise evidence show)" })
    ),
    HttpApiEndpoint.post("promote", "/v1/rollouts/:id/promote", {
      params: { id: Rollouts.RolloutId },
      payload: Rollouts.PromoteRequest,
      success: Rollouts.ActionResponse,
      error: [...bodyErrors, NotFound, Rollouts.Refused]
    }).annotateMerge(OpenApi.annotations({ summary: "Approve the full step (rollwise promote); 409 when the recorded state refuses" })),
    HttpApiEndpoint.post("rollback", "/v1/rollouts/:id/rollback", {
      params: { id: Rollouts.RolloutId },
      payload: Rollouts.RollbackRequest,
      success: Rollouts.ActionResponse,
      error: [...bodyErrors, NotFound, Rollouts.Refused]
    }).annotateMerge(OpenApi.annotations({ summary: "Ask for a rollback (rollwise rollback); 409 after a promotion" })),
    HttpApiEndpoint.get("evidence", "/v1/evidence/:id", { params: { id: Rollouts.RolloutId }, success: Rollouts.EvidenceDocument, error: [InputError, NotFound, Unavailable] }).annotateMerge(
      OpenApi.annotations({ summary: "Everything recorded for a rollout: its record and every event (rollwise evidence show --json)" })
    )
  )
  .middleware(BearerAuth)
  .annotateMerge(OpenApi.annotations({ title: "Rollouts", description: "Rollouts recorded by rollwise rollout, their evidence, and the operator's actions" })) {}

/** One Flagger webhook route: 200 proceeds, 409 halts. */
const flaggerHook = <const H extends Flagger.Hook>(hook: H, summary: string) =>
  HttpApiEndpoint.post(hook, `/v1/flagger/${hook}`, { payload: Flagger.Payload, success: [Flagger.Proceed, Flagger.Halt], error: bodyErrors })
    // Flagger owns this payload: a field a newer Flagger adds must not halt every canary with a 400
    .annotate(HttpApi.PayloadParseOptions, { onExcessProperty: "ignore", errors: "first" })
    .annotateMerge(OpenApi.annotations({ summary }))

/** Flagger's canary webhooks, one route per hook type (an unknown hook is a 404). */
export class FlaggerGroup extends HttpApiGroup.make("flagger")
  .add(
    flaggerHook("confirm-rollout", "Flagger confirm-rollout: 200, Rollwise does not gate the start"),
    flaggerHook("pre-rollout", "Flagger pre-rollout: 200 acknowledgement"),
    flaggerHook("rollout", "Flagger rollout: judge the canary; 409 (a failed check) on rollback, 200 on promote or slow"),
    flaggerHook("confirm-traffic-increase", "Flagger confirm-traffic-increase: 200 on promote; 409 holds the weight on slow or rollback"),
    flaggerHook("confirm-promotion", "Flagger confirm-promotion: 200 on promote, 409 holds the promotion otherwise"),
    flaggerHook("post-rollout", "Flagger post-rollout: 200 acknowledgement"),
    flaggerHook("rollback", "Flagger rollback: 200 (Flagger rolls back) on a rollback verdict, 409 otherwise"),
    flaggerHook("event", "Flagger event: recorded in the log, 200")
  )
  .middleware(BearerAuth)
  .annotateMerge(OpenApi.annotations({ title: "Flagger", description: "Webhooks a Flagger Canary's analysis calls; 200 proceeds, 409 halts" })) {}

/**
 * Kayenta's remote judge: Spinnaker's canary stages with Rollwise's
 * judgement. Kayenta posts its own model with fields Rollwise does not read
 * (scopes, attributes, query details), so this one route ignores unknown
 * fields instead of refusing them.
 */
export class KayentaGroup extends HttpApiGroup.make("kayenta", { topLevel: true })
  .add(
    HttpApiEndpoint.post("judge", "/judge", { payload: Kayenta.Request, success: Kayenta.Response, error: bodyErrors })
      .annotate(HttpApi.PayloadParseOptions, { onExcessProperty: "ignore", errors: "first" })
      .annotateMerge(
        OpenApi.annotations({ summary: "Kayenta remote judge: {canaryConfig, scoreThresholds, metricSetPairList} → CanaryJudgeResult, judged by Rollwise's analyzer" })
      )
  )
  .middleware(BearerAuth)
  .annotateMerge(OpenApi.annotations({ title: "Kayenta", description: "A remote judge for Spinnaker's Kayenta (configure kayenta.remote-judge.endpoint)" })) {}

/** Health of the server and a dependency check. */
export const Health = Schema.Struct({
  status: Schema.Literals(["ok", "ready"]),
  /** The SLO names the server judges Argo requests with (readyz only). */
  slos: Schema.optionalKey(Schema.Array(Schema.String))
}).annotate({ identifier: "Health" })

/** Liveness and readiness, without authentication (kubelet probes carry no token). */
export class HealthGroup extends HttpApiGroup.make("health", { topLevel: true })
  .add(
    HttpApiEndpoint.get("healthz", "/healthz", { success: Health }).annotateMerge(OpenApi.annotations({ summary: "Liveness: the process answers" })),
    HttpApiEndpoint.get("readyz", "/readyz", { success: Health, error: Unavailable }).annotateMerge(
      OpenApi.annotations({ summary: "Readiness: the configured dependencies answer (503 with the reasons when not)" })
    )
  )
  .annotateMerge(OpenApi.annotations({ title: "Health" })) {}

/** Feature-flag canaries: the flags a rollout drives, as applications poll them. */
export class FlagsGroup extends HttpApiGroup.make("flags")
  .add(
    HttpApiEndpoint.get("get", "/v1/flags/:key", { params: { key: Flags.FlagKey }, success: Flags.FlagDocument, error: [InputError, NotFound, Unavailable] }).annotateMerge(
      OpenApi.annotations({
        summary: "A flag's document (percentage, variants, salt) with ETag: its version; If-None-Match with the current version answers 304 without a body"
      })
    )
  )
  .middleware(BearerAuth)
  .annotateMerge(OpenApi.annotations({ title: "Flags", description: "What the OpenFeature provider polls: the share of users a flag canary's rollout has reached" })) {}

/** The service's own metrics. */
export class MetricsGroup extends HttpApiGroup.make("metrics", { topLevel: true })
  .add(
    HttpApiEndpoint.get("metrics", "/metrics", {
      success: Schema.String.pipe(HttpApiSchema.asText({ contentType: "text/plain; version=0.0.4; charset=utf-8" }))
    }).annotateMerge(OpenApi.annotations({ summary: "Prometheus text exposition: requests by route and status, latency histogram, decisions by action" }))
  )
  .middleware(BearerAuth) {}

/**
 * The whole Rollwise HTTP API. Bodies are decoded strictly: a field the
 * schema does not know is a 400 naming it, as in every file the CLI reads —
 * except where another system owns the payload: Kayenta's `/judge` (its
 * caller sends its whole model) and Flagger's webhooks (a newer Flagger may
 * add fields), which ignore fields they do not read.
 */
export class RollwiseApi extends HttpApi.make("rollwise")
  .add(DecisionsGroup)
  .add(ArgoGroup)
  .add(FlaggerGroup)
  .add(RolloutsGroup)
  .add(KayentaGroup)
  .add(FlagsGroup)
  .add(HealthGroup)
  .add(MetricsGroup)
  .annotate(HttpApi.PayloadParseOptions, { onExcessProperty: "error", errors: "first" })
  .annotateMerge(
    OpenApi.annotations({
      title: "Rollwise API",
      version: "1",
      description: "Risk scoring, canary analysis, release gates, the Argo Rollouts web metric provider and Flagger webhooks."
    })
  ) {}

/** Where the OpenAPI document is served. */
export const openapiPath = "/openapi.json"

/** Every route as `METHOD path-template`, the route labels of the metrics. */
export const routes: ReadonlyArray<{ readonly method: string; readonly path: string }> = [
  { method: "POST", path: "/v1/risk" },
  { method: "POST", path: "/v1/analyses" },
  { method: "POST", path: "/v1/gates" },
  { method: "POST", path: "/v1/argo/metric" },
  { method: "GET", path: "/v1/argo/evidence/:id" },
  ...Flagger.hooks.map((hook) => ({ method: "POST", path: `/v1/flagger/${hook}` })),
  { method: "GET", path: "/v1/rollouts" },
  { method: "POST", path: "/v1/rollouts" },
  { method: "GET", path: "/v1/rollouts/:id" },
  { method: "POST", path: "/v1/rollouts/:id/promote" },
  { method: "POST", path: "/v1/rollouts/:id/rollback" },
  { method: "GET", path: "/v1/evidence/:id" },
  { method: "POST", path: "/judge" },
  { method: "GET", path: "/v1/flags/:key" },
  { method: "GET", path: "/healthz" },
  { method: "GET", path: "/readyz" },
  { method: "GET", path: "/metrics" },
  { method: "GET", path: openapiPath }
]

/** Paths served without a token: the kubelet's probes. */
export const publicPaths: ReadonlySet<string> = new Set(["/healthz", "/readyz"])

/**
 * The routes the integration token (`ROLLWISE_HOOK_TOKEN`) may call: the
 * read-only decisions Argo Rollouts, Flagger and Kayenta ask for, the flags
 * applications poll, and the service's metrics Prometheus scrapes. None of them writes anything an
 * operator relies on or reads recorded rollouts; every other route needs the
 * operator token.
 */
export const integrationRoutes: ReadonlyArray<{ readonly method: string; readonly path: string }> = [
  { method: "POST", path: "/v1/argo/metric" },
  ...Flagger.hooks.map((hook) => ({ method: "POST", path: `/v1/flagger/${hook}` })),
  { method: "POST", path: "/judge" },
  { method: "GET", path: "/v1/flags/:key" },
  { method: "GET", path: "/metrics" }
]

/** Whether a route template (see `routes`) is one of the {@link integrationRoutes}; HEAD counts as GET. */
export const isIntegrationRoute = (method: string, route: string): boolean =>
  integrationRoutes.some((r) => r.path === route && (r.method === method || (method === "HEAD" && r.method === "GET")))

/**
 * The path prefix that carries the integration token for callers that cannot
 * send headers: `/hooks/<token>/v1/flagger/rollout` is
 * `POST /v1/flagger/rollout` with that token. Only the
 * {@link integrationRoutes} answer under it.
 */
export const hookPathPrefix = "/hooks/"
