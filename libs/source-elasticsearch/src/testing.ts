/**
 * Test support for @rollwise/source-elasticsearch: in-memory layers and contract suites.
 */
export {}
