/**
 * Feature-flag canaries: a DeployTarget whose traffic weight is a flag's
 * rollout percentage, the wire document applications poll, and an
 * OpenFeature server provider that evaluates it.
 *
 * @since 0.1.0
 */
export * as FlagDocument from "./FlagDocument.ts"
export * as TargetFlag from "./TargetFlag.ts"
export * as Bucketing from "./Bucketing.ts"
export * as FlagStore from "./FlagStore.ts"
export * as Flagd from "./Flagd.ts"
export * as Provider from "./Provider.ts"
export * as Unleash from "./Unleash.ts"
