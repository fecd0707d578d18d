/**
 * Test support for @rollwise/target-arm: the simulated fleet (also what the
 * demo drives), and a fleet file for it.
 */
import type * as Fleet from "./Fleet.ts"

export * as SimulatedFleet from "./SimulatedFleet.ts"

/** A decoded fleet file with every default filled, for tests: override what the test is about. */
export const fleetFile = (overrides: Partial<Fleet.Fleet> = {}): Fleet.Fleet => ({
  apiVersion: "rollwise/v1",
  kind: "Fleet",
  name: "test-fleet",
  manager: { simulated: { devices: 1000, seed: 1, flaky: 0 } },
  artifact: { candidate: "app-{version}", stable: "stable" },
  devices: { filters: {}, exclude: [] },
  install: { maxFailurePercent: 10, waitSeconds: 60, pollSeconds: 0.001 },
  health: { offlineAfterSeconds: 600, minDevices: 5, kpis: [] },
  ...overrides
})
