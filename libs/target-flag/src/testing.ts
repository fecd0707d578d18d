/**
 * Test support for @rollwise/target-flag: in-memory layers and contract suites.
 */
export {}
