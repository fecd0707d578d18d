/**
 * Test support for @rollwise/source-loki: in-memory layers and contract suites.
 */
export {}
