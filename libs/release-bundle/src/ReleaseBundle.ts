/**
 * The integration bundle: a release manifest of per-platform artifacts with streamed SHA-256, verified byte for byte
 */
export {}
