/**
 * The ports a rollout runs through (MetricSource, DeployTarget,
 * EvidenceStore) with in-memory layers and contract suites, and the live
 * analysis loop.
 *
 * @since 0.1.0
 */
export * as MetricSource from "./MetricSource.ts"
export * as LiveAnalysis from "./LiveAnalysis.ts"
export * as DeployTarget from "./DeployTarget.ts"
export * as EvidenceStore from "./EvidenceStore.ts"
export * as Rollout from "./Rollout.ts"
export * as Engine from "./Engine.ts"
export * as Operator from "./Operator.ts"
export * as Timeline from "./Timeline.ts"
