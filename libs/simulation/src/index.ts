/**
 * Simulated targets and metrics for the demo and tests: seeded canary
 * traffic whose candidate is healthy or regresses, per target and step.
 *
 * @since 0.1.0
 */
export * as Simulation from "./Simulation.ts"
