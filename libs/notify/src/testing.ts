/**
 * Test support for @rollwise/notify: in-memory layers and contract suites.
 */
export {}
