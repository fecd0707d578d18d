import { Effect, Exit, Result, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { Decode, DecodeError } from "../src/index.ts"

const Metric = Schema.Struct({
  name: Schema.String,
  kind: Schema.Literals(["ratio", "continuous", "counter"]),
  threshold: Schema.Finite
})
const Spec = Schema.Struct({ service: Schema.String, metrics: Schema.Array(Metric) })

const failure = (input: unknown, options: Decode.DecodeOptions = {}): DecodeError => {
  const r = Decode.decodeResult(Spec, options)(input)
  if (Result.isSuccess(r)) throw new Error("expected a failure")
  return r.failure
}

describe("Decode", () => {
  it("decodes valid input", async () => {
    const input = { service: "checkout", metrics: [{ name: "latency", kind: "continuous", threshold: 0.3 }] }
    expect(await Effect.runPromise(Decode.decode(Spec)(input))).toEqual(input)
  })

  it.each([
    [{ service: "s", metrics: [{ name: "a", kind: "ratioo", threshold: 1 }] }, "metrics[0].kind", 'expected "ratio" | "continuous" | "counter"'],
    [{ service: "s", metrics: [{ name: "a", kind: "ratio", threshold: 1, typo: 2 }] }, "metrics[0].typo", "unknown field (not in the schema)"],
    [{ metrics: [] }, "service", "required field is missing"],
    [{ service: "s", metrics: [{ name: "a", kind: "ratio", threshold: Number.NaN }] }, "metrics[0].threshold", "expected a finite number"],
    [[1, 2], "", "expected object"]
  ])("names the field: %j", (input, path, detail) => {
    const error = failure(input)
    expect(error.path).toBe(path)
    expect(error.detail.toLowerCase()).toContain(detail.toLowerCase())
    expect(error.message).not.toContain("\n")
  })

  it.each([
    [{ service: "s", metrics: [{ name: "a", kind: "ratioo", threshold: 1 }] }, 'metrics[0].kind: expected "ratio" | "continuous" | "counter", got "ratioo"'],
    [{ service: "s", metrics: [{ name: "a", kind: "ratio", threshold: Number.NaN }] }, "metrics[0].threshold: expected a finite number, got NaN"],
    [{ service: "s", metrics: [{ name: "a", kind: "ratio", threshold: 1, typo: 2 }] }, "metrics[0].typo: unknown field (not in the schema)"],
    [{ service: 7, metrics: [] }, "service: expected string, got 7"],
    [{ metrics: [] }, "service: required field is missing"],
    [{ service: "s", metrics: [], "a b": 1 }, 'Spec.json: ["a b"]: unknown field (not in the schema)'],
    [null, "expected object, got null"]
  ])("says what was expected and what was got: %j", (input, message) => {
    const error = failure(input, message.startsWith("Spec.json") ? { source: "Spec.json" } : {})
    expect(error.message).toBe(message)
  })

  it("reports the member a union input was meant to be, not another member's unknown fields", () => {
    const Values = Schema.Struct({ metric: Schema.String, values: Schema.Array(Schema.Finite) })
    const Counts = Schema.Struct({ metric: Schema.String, errors: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)), total: Schema.Int })
    const decode = Decode.decodeResult(Schema.Union([Values, Counts]), { source: "obs.ndjson", line: 1 })
    const bad = decode({ metric: "error-rate", errors: -1, total: 10 })
    expect(Result.isFailure(bad) && bad.failure.message).toBe("obs.ndjson: line 1: errors: expected a value greater than or equal to 0, got -1")
    const typo = decode({ metric: "latency", values: [1], typo: 1 })
    expect(Result.isFailure(typo) && typo.failure.message).toBe("obs.ndjson: line 1: typo: unknown field (not in the schema)")
  })

  it("keeps a rejected document out of the one line when it is long", () => {
    const error = failure(Array.from({ length: 1000 }, (_, i) => i))
    expect(error.detail.startsWith("expected object, got [0,1,2,")).toBe(true)
    expect(error.detail.length).toBeLessThanOrEqual(300)
    expect(error.detail.endsWith("…")).toBe(true)
  })

  it("prefixes the source and line when given", () => {
    const error = failure({ metrics: [] }, { source: "slo.yaml", line: 3 })
    expect(error.message).toBe("slo.yaml: line 3: service: required field is missing")
    expect(error._tag).toBe("DecodeError")
  })

  it("fails the Effect with the same DecodeError", async () => {
    const exit = await Effect.runPromiseExit(Decode.decode(Spec, { source: "x.json" })({ service: 1, metrics: [] }))
    expect(Exit.isFailure(exit)).toBe(true)
  })

  it("formats paths like users write them", () => {
    expect(Decode.formatPath(["metrics", 0, "kind"])).toBe("metrics[0].kind")
    expect(Decode.formatPath(["extra", "a b"])).toBe('extra["a b"]')
    expect(Decode.formatPath([])).toBe("")
  })
})
