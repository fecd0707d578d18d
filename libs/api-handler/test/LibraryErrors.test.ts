import { DecodeError } from "@rollwise/input-schema"
import { RiskInputError } from "@rollwise/risk-core"
import { describe, expect, it } from "vitest"
import { LibraryErrors } from "../src/index.ts"

describe("LibraryErrors.toApiInputError: a library's input error as the API's 400 naming the request field", () => {
  it("an input-schema error is re-rooted at the request field its document came from", () => {
    const e = LibraryErrors.toApiInputError("slo")(new DecodeError({ source: "slo", path: "metrics[0].kind", detail: "expected continuous, ratio or counter" }))
    expect(e).toMatchObject({ _tag: "InputError", field: "slo.metrics[0].kind", message: "slo.metrics[0].kind: expected continuous, ratio or counter" })
    expect(LibraryErrors.toApiInputError("policy")(new DecodeError({ path: "", detail: "expected an object" }))).toMatchObject({ field: "policy", message: "policy: expected an object" })
  })

  it("without a root, the error's own source names the field (else body)", () => {
    expect(LibraryErrors.toApiInputError()(new DecodeError({ source: "decision", path: "steps", detail: "is empty" }))).toMatchObject({ field: "decision.steps" })
    expect(LibraryErrors.toApiInputError()(new DecodeError({ path: "x", detail: "bad" }))).toMatchObject({ field: "body.x" })
  })

  it("an array read as lines: a line is an element, no line is the whole set", () => {
    const at = LibraryErrors.toApiInputError("observations", { elements: true })
    expect(at(new DecodeError({ line: 4, path: "values[1]", detail: "expected a number" }))).toMatchObject({ field: "observations[3].values[1]" })
    expect(at(new DecodeError({ line: 2, path: "", detail: "a duplicate" }))).toMatchObject({ field: "observations[1]" })
    expect(at(new DecodeError({ path: "window", detail: "windows 0 and 3 with nothing between" }))).toMatchObject({ field: "observations" })
  })

  it("a risk-core error keeps its own message and names its field under the root", () => {
    const e = LibraryErrors.toApiInputError("policy")(new RiskInputError({ reason: "InvalidPolicy", message: "weights.lines: expected a number", field: "weights.lines" }))
    expect(e).toMatchObject({ _tag: "InputError", field: "policy.weights.lines", message: "weights.lines: expected a number" })
    expect(LibraryErrors.toApiInputError("changes")(new RiskInputError({ reason: "InvalidChangeSet", message: "expected an object" }))).toMatchObject({ field: "changes" })
  })
})
