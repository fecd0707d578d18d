import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { RiskInputError } from "../../../src/index.ts"
import { derive, inputs, matrixOf, signedLog1p, vectorOf } from "../../../src/internal/model/features.ts"
import { table } from "../../generate.ts"

const spec = {
  features: ["x0", "x2", "ratio", "product"],
  derived: [
    { name: "ratio", op: "ratio", a: "x1", b: "x0" },
    { name: "product", op: "product", a: "x0", b: "x2" }
  ]
} as const

describe("feature vectors", () => {
  it("lists a model's inputs: its features minus the derived ones, plus their operands, once each", () => {
    expect(inputs(spec)).toEqual(["x0", "x2", "x1"])
  })

  it("computes ratio as a / (|b| + 1) and product as a·b; log1p keeps the sign", () => {
    expect(derive("ratio", 10, -4)).toBe(2)
    expect(derive("product", 3, -2)).toBe(-6)
    expect(signedLog1p(-Math.E + 1)).toBeCloseTo(-1, 15)
    expect(signedLog1p(0)).toBe(0)
  })

  it("builds the same vector from a record as from the table row, derived features included", () => {
    const data = table(50, 3, 2, () => 0)
    const X = matrixOf(spec, data)
    if (X instanceof RiskInputError) throw X
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 49 }), (i) => {
        const record = Object.fromEntries(data.featureNames.map((n, j) => [n, data.X[i * 3 + j]!]))
        const x = vectorOf(spec, record)
        if (x instanceof RiskInputError) throw x
        expect([...x]).toEqual([...X.subarray(i * 4, i * 4 + 4)])
      })
    )
  })

  it("returns a missing input or operand as a MissingFeature value, never a throw", () => {
    const missing = vectorOf(spec, { x0: 1, x2: 2 })
    expect(missing).toBeInstanceOf(RiskInputError)
    expect(missing).toMatchObject({ reason: "MissingFeature", field: "x1", message: 'model feature "x1" is missing from the input (available: x0, x2)' })
    const data = table(5, 2, 2, () => 0)
    expect(matrixOf(spec, data)).toMatchObject({ reason: "MissingFeature", field: "x2" })
  })
})
