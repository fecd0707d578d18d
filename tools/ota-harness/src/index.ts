/**
 * Test harness for the ARM target: fakes of Mender's management API (from
 * its OpenAPI), Balena's HTTP API (pine v7) and Rollwise's generic OTA
 * contract, each serving a device fleet (the simulated fleet of
 * `@rollwise/target-arm/testing`, or any {@link FleetModel}) on 127.0.0.1
 * and a free port, with fault injection (429 with Retry-After, 5xx, slow
 * answers).
 */
export * from "./FakeBalena.ts"
export * from "./FakeMender.ts"
export * from "./FakeOta.ts"
export type { Call, Fault, Running } from "./FakeServer.ts"
export type * from "./FleetModel.ts"
