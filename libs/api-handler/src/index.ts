/**
 * The HTTP API's behaviour, platform-free: the request pipeline (auth,
 * limits, timeouts, JSON errors, metrics, logs), the handlers of our own
 * routes — each deciding through the same libraries as the CLI — and the
 * judging of each foreign protocol (Argo Rollouts, Flagger, Kayenta). The
 * wire schemas and the API declaration are `@rollwise/api-contract`'s; a Node
 * server (`@rollwise/api-server`), a Lambda handler or a test serves this.
 *
 * @since 0.1.0
 */

/** The platform-free HTTP handler: routes, handlers, auth, limits, JSON errors, metrics, logs. */
export * as ApiHandler from "./ApiHandler.ts"

/** `POST /v1/risk`: ChangeSet (+ target, policy) → Decision, through risk-core's heuristic. */
export * as RiskRoute from "./RiskRoute.ts"

/** `POST /v1/analyses`: SLO spec + observations → the verdicts, through slo-policy's analyzer. */
export * as AnalysesRoute from "./AnalysesRoute.ts"

/** `POST /v1/gates`: GatePolicy + Decision (+ time, approval) → pass/block; the OPA port. */
export * as GatesRoute from "./GatesRoute.ts"

/** `GET /v1/rollouts[/{id}]`, promote/rollback, `GET /v1/evidence/{id}`, `POST /v1/rollouts`: the evidence store and the rollout driver. */
export * as RolloutsRoute from "./RolloutsRoute.ts"

/** `GET /v1/flags/{key}`: flag documents with ETag/304, from the server's flag store. */
export * as FlagsRoute from "./FlagsRoute.ts"

/** Argo Rollouts' web metric judged: the SLO registry, the evidence log, the trailing windows' verdict. */
export * as ArgoJudge from "./ArgoJudge.ts"

/** Flagger's webhooks judged like the Argo metric, answered as Flagger reads them. */
export * as FlaggerJudge from "./FlaggerJudge.ts"

/** Kayenta's remote judge: each metric pair judged by the analyzer, scored as NetflixACAJudge scores. */
export * as KayentaJudge from "./KayentaJudge.ts"

/** The one mapping of a library's input error (input-schema, risk-core) to the API's 400 naming the request field. */
export * as LibraryErrors from "./LibraryErrors.ts"

/** The service's own Prometheus metrics. */
export * as ServiceMetrics from "./ServiceMetrics.ts"
