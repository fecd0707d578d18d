/**
 * The integration bundle: a release manifest of per-platform artifacts with streamed SHA-256, verified byte for byte
 *
 * @since 0.1.0
 */
export * as ReleaseBundle from "./ReleaseBundle.ts"
