/**
 * Test support for @rollwise/target-windows: in-memory layers and contract suites.
 */
export {}
