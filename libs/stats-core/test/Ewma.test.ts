import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import * as Ewma from "../src/Ewma.ts"
import { normals } from "./support/random.ts"

const windows = fc.array(fc.array(fc.oneof(fc.double({ min: -50, max: 50, noNaN: true }), fc.constant(NaN)), { maxLength: 20 }), { maxLength: 15 })

describe("EWMA chart", () => {
  test.prop([windows, fc.double({ min: 0.05, max: 1, noNaN: true })])(
    "folding windows one at a time equals folding them in one batch",
    (ws, lambda) => {
      const start = Ewma.make({ target: 0, sigma: 3, lambda })
      const oneByOne = ws.reduce((s, w) => Ewma.fold(s, w), start)
      expect(Ewma.fold(start, ws.flat())).toEqual(oneByOne)
    }
  )

  it("uses the exact time-varying limits and flags a sustained shift", () => {
    const lambda = 0.2
    let s = Ewma.make({ target: 100, sigma: 5, lambda, limitWidth: 3 })
    s = Ewma.update(s, 103)
    expect(s.value).toBeCloseTo(100.6, 12)
    expect(s.upper).toBeCloseTo(100 + 3 * 5 * Math.sqrt((lambda / (2 - lambda)) * (1 - 0.8 ** 2)), 12)
    const next = normals(5)
    for (let i = 0; i < 30; i++) s = Ewma.update(s, 100 + 5 * next())
    const quiet = s.alarms
    for (let i = 0; i < 30; i++) s = Ewma.update(s, 110 + 5 * next())
    expect(s.alarms).toBeGreaterThan(quiet)
    expect(s.signal).toBe("high")
    expect(s.firstAlarmAt).toBeGreaterThan(31)
  })

  it("skips non-finite values and treats sigma 0 as 'any deviation alarms'", () => {
    const s = Ewma.fold(Ewma.make({ target: 1, sigma: 0 }), [NaN, 1, Infinity, 1.001])
    expect(s.skipped).toBe(2)
    expect(s.count).toBe(2)
    expect(s.signal).toBe("high")
  })
})
