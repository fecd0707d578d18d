/**
 * Test support for @rollwise/source-traces: in-memory layers and contract suites.
 */
export {}
