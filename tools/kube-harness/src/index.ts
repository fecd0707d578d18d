/**
 * Test harness for Kubernetes adapters and charts: the real kubectl and helm
 * binaries, and a faithful fake Kubernetes API server.
 */
export * from "./Binaries.ts"
export * from "./FakeKube.ts"
export * from "./Scenarios.ts"
