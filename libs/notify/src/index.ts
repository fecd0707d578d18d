/**
 * Rollout
 *
 * @since 0.1.0
 */
export * as Notify from "./Notify.ts"
