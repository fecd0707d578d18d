import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import * as Cusum from "../src/Cusum.ts"
import { normals } from "./support/random.ts"

const windows = fc.array(fc.array(fc.oneof(fc.double({ min: -50, max: 50, noNaN: true }), fc.constant(NaN)), { maxLength: 20 }), { maxLength: 15 })

describe("CUSUM chart", () => {
  test.prop([windows, fc.double({ min: 0, max: 2, noNaN: true }), fc.double({ min: 1, max: 10, noNaN: true })])(
    "folding windows one at a time equals folding them in one batch",
    (ws, k, h) => {
      const start = Cusum.make({ target: 0, sigma: 4, k, h })
      const oneByOne = ws.reduce((s, w) => Cusum.fold(s, w), start)
      expect(Cusum.fold(start, ws.flat())).toEqual(oneByOne)
    }
  )

  it("accumulates drift on each side and alarms past h", () => {
    let s = Cusum.make({ target: 10, sigma: 2, k: 0.5, h: 4 })
    s = Cusum.fold(s, [12, 12, 12]) // z = 1 each: C+ = 0.5, 1, 1.5
    expect(s.high).toBeCloseTo(1.5, 12)
    expect(s.low).toBe(0)
    s = Cusum.fold(s, [16, 16]) // z = 3: C+ = 4, 6.5
    expect(s.signal).toBe("high")
    expect(s.firstAlarmAt).toBe(5)
    const r = Cusum.reset(s)
    expect(r).toMatchObject({ high: 0, low: 0, signal: "none", count: 5, alarms: s.alarms })
    expect(Cusum.fold(Cusum.make({ target: 10, sigma: 2 }), [4, 4, 4]).low).toBeGreaterThan(0)
  })

  it("stays quiet in control: no alarm in 300 in-control points (seeded)", () => {
    const next = normals(42)
    const values = Array.from({ length: 300 }, () => 50 + 3 * next())
    expect(Cusum.fold(Cusum.make({ target: 50, sigma: 3 }), values).alarms).toBe(0)
  })
})
