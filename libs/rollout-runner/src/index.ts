/**
 * A rollout from its recorded setup to its end, shared by `rollwise rollout`
 * and the HTTP API's `POST /v1/rollouts`: the setup schema kept in the
 * rollout's record, the target (Kubernetes, an exec hook, simulated) and
 * metric source (Prometheus, simulated traffic) built from it, the gates,
 * and the engine run that records every event.
 *
 * @since 0.1.0
 */

/** Setup, target and plan; `run` drives a rollout to its end. */
export * as Runner from "./Runner.ts"

/** The gates of a policy (local and OPA) for a decision at a time. */
export * as Gating from "./Gating.ts"

/** Metric sources built from a setup: Prometheus with credentials from the environment. */
export * as MetricSources from "./MetricSources.ts"
export * as Notifications from "./Notifications.ts"
