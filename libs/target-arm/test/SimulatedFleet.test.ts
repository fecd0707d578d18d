import { describe, expect, it } from "vitest"
import { Cohorts, SimulatedFleet } from "../src/index.ts"

/**
 * The simulated fleet's noise must not know the cohorts: a healthy fleet's
 * devices in a 20 % cohort crash as often as the rest, whatever the rollout
 * id. Both draw from FNV-1a-based hashes of strings holding the device id,
 * whose low bits share the bytes' parity; the finaliser must keep that from
 * reaching what the health source compares.
 */
describe("SimulatedFleet", () => {
  it("crashes of a healthy fleet are independent of cohort membership (10,000 devices, 8 rollout ids × 10 ticks)", () => {
    const fleet = SimulatedFleet.make({ size: 10_000, seed: 11 })
    let inCohort = 0
    let inCohortCrashes = 0
    let rest = 0
    let restCrashes = 0
    for (let r = 0; r < 8; r++) {
      const salt = `rollout-${r}`
      for (let t = 0; t < 10; t++) {
        fleet.tick()
        for (const d of fleet.devices()) {
          const member = Cohorts.bucket(d.id, salt) < 0.2
          if (member) {
            inCohort++
            inCohortCrashes += (d.crashes ?? 0) > 0 ? 1 : 0
          } else {
            rest++
            restCrashes += (d.crashes ?? 0) > 0 ? 1 : 0
          }
        }
      }
    }
    const p1 = inCohortCrashes / inCohort
    const p2 = restCrashes / rest
    const pooled = (inCohortCrashes + restCrashes) / (inCohort + rest)
    const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / inCohort + 1 / rest))
    // about 1 % of devices crash per tick in both groups; |z| beyond 4 would be a 1-in-15,000 accident
    expect(pooled).toBeGreaterThan(0.005)
    expect(pooled).toBeLessThan(0.02)
    expect(Math.abs(z)).toBeLessThan(4)
  })
})
