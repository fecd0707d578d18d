/**
 * Test support for @rollwise/target-flag: a fake Unleash Admin API (built
 * from Unleash's docs) and in-memory flag stores (`FlagStore.layerMemory`).
 */
export * as FakeUnleash from "./internal/fakeUnleash.ts"
