/**
 * Test support for @rollwise/target-arm: in-memory layers and contract suites.
 */
export {}
