export * as SloSpec from "./SloSpec.ts"
export * as Observation from "./Observation.ts"
export * as Gates from "./Gates.ts"
export * as Duration from "./Duration.ts"
