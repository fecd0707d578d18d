/**
 * Flag
 *
 * @since 0.1.0
 */
export * as TargetFlag from "./TargetFlag.ts"
