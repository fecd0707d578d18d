/**
 * Statistics every verdict rests on: rank tests, effect sizes, proportions,
 * drift charts, sequential tests, quantiles, the Isolation Forest and the
 * stable bucketing hash. Pure functions over numbers and immutable streaming
 * states; no I/O, no clock, and randomness only as a `Uniform` the caller
 * passes in (seeded, so every result is reproducible).
 *
 * @since 0.1.0
 */
export * as Alternative from "./Alternative.ts"
export * as Bucketing from "./Bucketing.ts"
export * as Distributions from "./Distributions.ts"
export * as Ewma from "./Ewma.ts"
export * as HodgesLehmann from "./HodgesLehmann.ts"
export * as IsolationForest from "./IsolationForest.ts"
export * as MannWhitney from "./MannWhitney.ts"
export * as Moments from "./Moments.ts"
export * as Msprt from "./Msprt.ts"
export * as Proportions from "./Proportions.ts"
export * as Quantile from "./Quantile.ts"
export * as Random from "./Random.ts"
export * as Sample from "./Sample.ts"
export * as ZScore from "./ZScore.ts"
