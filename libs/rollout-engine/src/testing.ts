/**
 * Test support for @rollwise/rollout-engine: the contract suites every
 * adapter of a port must pass, and the fixtures they run on.
 */
export * as MetricSourceContract from "./internal/metricSourceContract.ts"
export * as EvidenceStoreContract from "./internal/evidenceStoreContract.ts"
export * as DeployTargetContract from "./internal/deployTargetContract.ts"
export * as DriverContract from "./internal/driverContract.ts"
