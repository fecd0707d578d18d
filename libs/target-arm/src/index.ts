/**
 * DeployTarget for ARM/edge fleets: nested device cohorts through Mender, Balena or a generic HTTP OTA service, with per-cohort health
 *
 * @since 0.1.0
 */
export * as Cohorts from "./Cohorts.ts"
export * as Fleet from "./Fleet.ts"
export * as Health from "./Health.ts"
export * as SimulatedFleet from "./SimulatedFleet.ts"
export * as TargetArm from "./TargetArm.ts"
