import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Bucketing, type FlagDocument } from "../src/index.ts"

/** χ²(99) at 0.999. */
const CHI2_99_0999 = 148.23

const doc = (percentage: number, salt = "rollout-1", key = "new-cart"): FlagDocument.FlagDocument => ({
  apiVersion: "rollwise/v1",
  kind: "Flag",
  key,
  version: 0,
  percentage,
  on: "new",
  off: "old",
  salt,
  updatedAt: 0
})

const users = fc.string({ minLength: 1, maxLength: 40 })
const percents = fc.integer({ min: 0, max: 1_000_000 }).map((n) => n / 10_000)

describe("Bucketing (pure)", () => {
  it("a bucket is in [0, 100) with 4-decimal resolution, and sticky (same inputs, same bucket)", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (salt, key, user) => {
        const b = Bucketing.bucket(salt, key, user)
        expect(b).toBeGreaterThanOrEqual(0)
        expect(b).toBeLessThan(100)
        expect(Math.abs(b * 10_000 - Math.round(b * 10_000))).toBeLessThan(1e-6)
        expect(Bucketing.bucket(salt, key, user)).toBe(b)
        expect(Bucketing.variant(doc(37.5, salt), user)).toBe(Bucketing.variant(doc(37.5, salt), user))
      })
    )
    // pinned: a change of hash would reshuffle every running flag canary
    expect(Bucketing.bucket("rollout-1", "new-cart", "user-1")).toBe(16.5195)
    expect(Bucketing.bucket("rollout-1", "new-cart", "user-2")).toBe(39.1409)
  })

  it("nested: a user in the share at p is in it at every q ≥ p", () => {
    fc.assert(
      fc.property(users, percents, percents, fc.string(), (user, a, b, salt) => {
        const [p, q] = a <= b ? [a, b] : [b, a]
        if (Bucketing.inShare(doc(p, salt), user)) expect(Bucketing.inShare(doc(q, salt), user)).toBe(true)
      })
    )
  })

  it("0 % puts nobody in the share and 100 % everybody; variant follows inShare", () => {
    fc.assert(
      fc.property(users, fc.string(), (user, salt) => {
        expect(Bucketing.inShare(doc(0, salt), user)).toBe(false)
        expect(Bucketing.variant(doc(0, salt), user)).toBe("old")
        expect(Bucketing.inShare(doc(100, salt), user)).toBe(true)
        expect(Bucketing.variant(doc(100, salt), user)).toBe("new")
      })
    )
  })

  it("inShare is exactly bucket < percentage", () => {
    fc.assert(
      fc.property(users, percents, (user, p) => {
        expect(Bucketing.inShare(doc(p), user)).toBe(p >= 100 || Bucketing.bucket("rollout-1", "new-cart", user) < p)
      })
    )
  })

  it("uniform: χ² over 100 bins of 100,000 sequential user ids is under the 0.999 limit; shares are within 1 point of the percentage", () => {
    const counts = new Array<number>(100).fill(0)
    const n = 100_000
    let in5 = 0
    let in25 = 0
    for (let i = 0; i < n; i++) {
      const b = Bucketing.bucket("rollout-1", "new-cart", `user-${i}`)
      counts[Math.floor(b)]!++
      if (b < 5) in5++
      if (b < 25) in25++
    }
    const chi2 = counts.reduce((s, c) => s + (c - n / 100) ** 2 / (n / 100), 0)
    expect(chi2).toBeLessThan(CHI2_99_0999)
    expect(Math.abs((100 * in5) / n - 5)).toBeLessThan(1)
    expect(Math.abs((100 * in25) / n - 25)).toBeLessThan(1)
  })

  it("a different salt reshuffles: about half of the users in the 50 % share change side", () => {
    const n = 20_000
    let changed = 0
    let inA = 0
    for (let i = 0; i < n; i++) {
      const a = Bucketing.inShare(doc(50, "rollout-1"), `user-${i}`)
      const b = Bucketing.inShare(doc(50, "rollout-2"), `user-${i}`)
      if (a) inA++
      if (a && !b) changed++
    }
    // independent draws: P(out at salt 2 | in at salt 1) = 0.5, sd ≈ 0.5 / √10000 = 0.005
    expect(changed / inA).toBeGreaterThan(0.45)
    expect(changed / inA).toBeLessThan(0.55)
  })

  it("a different flag key draws other users (two flags at 10 % do not hit the same users)", () => {
    const n = 20_000
    let both = 0
    for (let i = 0; i < n; i++) if (Bucketing.inShare(doc(10, "s", "flag-a"), `u${i}`) && Bucketing.inShare(doc(10, "s", "flag-b"), `u${i}`)) both++
    // independent: 1 % of users in both (200 ± 14)
    expect(both).toBeGreaterThan(120)
    expect(both).toBeLessThan(280)
  })
})
