import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import * as Accuracy from "../src/Accuracy.ts"

describe("grouping accuracy", () => {
  it("counts a line only when its predicted group is exactly its true event's lines", () => {
    // truth: A A A B B C; predicted: {0,1,2} correct (A), {3} and {4} split B (wrong), {5} correct (C)
    expect(Accuracy.grouping([7, 7, 7, 8, 9, 10], ["A", "A", "A", "B", "B", "C"])).toBeCloseTo(4 / 6, 15)
    // merging B and C into one group makes all three wrong
    expect(Accuracy.grouping([0, 0, 0, 1, 1, 1], ["A", "A", "A", "B", "B", "C"])).toBeCloseTo(3 / 6, 15)
    // ids are labels only
    expect(Accuracy.grouping([5, 5, 2], ["x", "x", "y"])).toBe(1)
    expect(Accuracy.grouping([], [])).toBe(1)
  })

  test.prop([fc.array(fc.nat({ max: 5 }), { maxLength: 50 })])("is 1 for the truth itself, under any relabelling", (truth) => {
    expect(Accuracy.grouping(truth.map((t) => 100 - t * 3), truth.map(String))).toBe(1)
  })

  test.prop([fc.array(fc.nat({ max: 5 }), { maxLength: 50 }), fc.array(fc.nat({ max: 5 }), { maxLength: 50 })])("lies in [0, 1]", (p, t) => {
    const a = Accuracy.grouping(p, t.map(String))
    expect(a).toBeGreaterThanOrEqual(0)
    expect(a).toBeLessThanOrEqual(1)
  })
})
