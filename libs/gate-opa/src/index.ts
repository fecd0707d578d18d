/**
 * Asks an OPA server (REST data API) whether a deploy may start, failing
 * closed when it cannot be reached.
 *
 * @since 0.1.0
 */
export * as OpaGate from "./OpaGate.ts"
