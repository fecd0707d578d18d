/**
 * Online
 *
 * @since 0.1.0
 */
export * as LogSignatures from "./LogSignatures.ts"
