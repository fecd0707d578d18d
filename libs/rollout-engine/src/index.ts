/**
 * The ports a rollout runs through (MetricSource; DeployTarget and
 * EvidenceStore come with the engine) with in-memory layers and contract
 * suites.
 *
 * @since 0.1.0
 */
export * as MetricSource from "./MetricSource.ts"
export * as Analysis from "./Analysis.ts"
