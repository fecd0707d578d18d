/**
 * The Rollwise HTTP API declared once with Effect HttpApi and Schema — risk,
 * offline analyses, gates, the Argo Rollouts web metric, health, metrics and
 * the OpenAPI document — and the wire schemas of every route, ours and the
 * foreign protocols' (Argo Rollouts, Flagger, Kayenta). What the routes do is
 * `@rollwise/api-handler`'s.
 *
 * @since 0.1.0
 */

/** The API declaration: groups, endpoints, bearer security, route list (for servers, clients and OpenAPI). */
export * as Api from "./Api.ts"

/** The errors every route may answer, as JSON bodies tagged by `_tag`. */
export * as ApiError from "./ApiError.ts"

/** `POST /v1/risk`: ChangeSet (+ target, policy) → Decision. */
export * as Risk from "./Risk.ts"

/** `POST /v1/analyses`: SLO spec + observations → the verdicts. */
export * as Analyses from "./Analyses.ts"

/** `POST /v1/gates`: GatePolicy + Decision (+ time, approval) → pass/block; the OPA port. */
export * as Gates from "./Gates.ts"

/** `POST /v1/argo/metric`: the Argo Rollouts web metric provider; the SLO registry and evidence log. */
export * as ArgoMetric from "./ArgoMetric.ts"

/** `POST /v1/flagger/{hook}`: Flagger's canary webhooks, judged like the Argo metric. */
export * as Flagger from "./Flagger.ts"

/** `POST /judge`: Kayenta's remote judge (CanaryJudgeResult from Rollwise's analyzer). */
export * as Kayenta from "./Kayenta.ts"

/** `GET /v1/rollouts[/{id}]`, promote/rollback, `GET /v1/evidence/{id}`: the evidence store over HTTP. */
export * as Rollouts from "./Rollouts.ts"


/** `GET /v1/flags/{key}`: the flag document applications poll (with ETag), for feature-flag canaries. */
export * as Flags from "./Flags.ts"
