import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Cohorts } from "../src/index.ts"

const deviceIds = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 24 }), { minLength: 1, maxLength: 300 })
const percents = fc.integer({ min: 0, max: 100 })
const devicesOf = (ids: ReadonlyArray<string>): Array<Cohorts.Device> => ids.map((id, i) => ({ id, tags: { region: i % 3 === 0 ? "eu" : "us", hw: i % 5 === 0 ? "rev-b" : "rev-c" } }))

/** χ² statistic of buckets over `k` equal bins. */
const chiSquare = (buckets: ReadonlyArray<number>, k: number) => {
  const counts = new Array<number>(k).fill(0)
  for (const b of buckets) counts[Math.floor(b * k)]!++
  const expected = buckets.length / k
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0)
}

describe("Cohorts (pure)", () => {
  it("buckets are in [0, 1) and stable: the same id and salt give the same bucket", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (id, salt) => {
        const b = Cohorts.bucket(id, salt)
        expect(b).toBeGreaterThanOrEqual(0)
        expect(b).toBeLessThan(1)
        expect(Cohorts.bucket(id, salt)).toBe(b)
      })
    )
    // a pinned value: a change of hash would reshuffle every running rollout's cohorts
    expect(Cohorts.bucket("edge-000001", "rollout-1")).toBe(0.3250405993312597)
  })

  it("cohorts are nested: every device of a smaller cohort is in every larger one (property)", () => {
    fc.assert(
      fc.property(deviceIds, fc.string(), percents, percents, (ids, salt, a, b) => {
        const [small, large] = a <= b ? [a, b] : [b, a]
        const plan = Cohorts.plan(devicesOf(ids), salt)
        const big = new Set(Cohorts.cohort(plan, large))
        for (const id of Cohorts.cohort(plan, small)) expect(big.has(id)).toBe(true)
        // the step between them is exactly the difference
        expect([...Cohorts.cohort(plan, small), ...Cohorts.between(plan, small, large)].sort()).toEqual([...big].sort())
      })
    )
  })

  it("cohorts are stable across restarts: the device order of the input does not matter, and the one-device answer agrees (property)", () => {
    fc.assert(
      fc.property(deviceIds, fc.string(), percents, (ids, salt, p) => {
        const devices = devicesOf(ids)
        const a = Cohorts.cohort(Cohorts.plan(devices, salt), p)
        const b = Cohorts.cohort(Cohorts.plan([...devices].reverse(), salt), p)
        expect(b).toEqual(a)
        expect(new Set(a)).toEqual(new Set(devices.filter((d) => Cohorts.inCohort(d, salt, p)).map((d) => d.id)))
      })
    )
  })

  it("tag filters and exclusions: only eligible devices are ever in a cohort, and 100 % is all of them (property)", () => {
    fc.assert(
      fc.property(deviceIds, fc.string(), percents, fc.subarray(["eu", "us"]), (ids, salt, p, regions) => {
        const devices = devicesOf(ids)
        const exclude = ids.filter((_, i) => i % 7 === 1)
        const eligibility = { filters: { region: regions }, exclude }
        const plan = Cohorts.plan(devices, salt, eligibility)
        const eligible = devices.filter((d) => Cohorts.isEligible(d, eligibility))
        for (const id of Cohorts.cohort(plan, p)) {
          const d = devices.find((x) => x.id === id)!
          expect(regions).toContain(d.tags.region)
          expect(exclude).not.toContain(id)
        }
        expect(Cohorts.cohort(plan, 100).length).toBe(eligible.length)
        expect(plan.ineligible).toBe(devices.length - eligible.length)
      })
    )
  })

  /**
   * The stated bound: with n eligible devices, the cohort at p holds a share
   * within 5·sqrt(p(1−p)/n) + 1/n of p (five standard deviations of a
   * binomial share, plus one device of rounding): a failure is a one-in-a-
   * million event for an ideal hash, so a failure here is the hash's fault.
   */
  it("proportions: the cohort's share is within 5·sqrt(p(1−p)/n) + 1/n of p, for any salt and device naming (property)", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.constantFrom("edge-", "rpi4-", "", "00a0c91e6-7dec-11d0-a765-"),
        fc.integer({ min: 200, max: 5000 }),
        fc.constantFrom(1, 5, 20, 50),
        (salt, prefix, n, p) => {
          const devices = Array.from({ length: n }, (_, i) => ({ id: `${prefix}${String(i).padStart(6, "0")}`, tags: {} }))
          const share = Cohorts.cohort(Cohorts.plan(devices, salt), p).length / n
          const q = p / 100
          expect(Math.abs(share - q)).toBeLessThanOrEqual(5 * Math.sqrt((q * (1 - q)) / n) + 1 / n)
        }
      ),
      { numRuns: 60 }
    )
  })

  it("uniformity measured: sequential ids give a χ² over 100 bins within the 99.9 % quantile (148.2); raw FNV-1a is the reason for the finaliser", () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => `edge-${String(i).padStart(6, "0")}`)
    const mixed = chiSquare(ids.map((id) => Cohorts.bucket(id, "rollout-42")), 100)
    const raw = chiSquare(ids.map((id) => Cohorts.rawFnvBucket(id, "rollout-42")), 100)
    expect(mixed).toBeLessThan(148.2)
    // recorded, not asserted as a failure of FNV: whatever it is, the finaliser's number is the one we rely on
    expect(Number.isFinite(raw)).toBe(true)
    console.log(`χ² over 100 bins, 100,000 sequential ids: fnv1a+fmix32 ${mixed.toFixed(1)}, raw fnv1a ${raw.toFixed(1)} (99.9 % quantile 148.2)`)
  })
})
