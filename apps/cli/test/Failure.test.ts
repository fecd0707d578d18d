import { Cause, Data } from "effect"
import { describe, expect, it } from "vitest"
import { ExitCode } from "../src/ExitCode.ts"
import { NotImplementedError, report } from "../src/Failure.ts"

class DecodeError extends Data.TaggedError("DecodeError")<{ readonly file: string }> {
  override get message() {
    return `${this.file}: line 3: expected a number\n  (got "abc")`
  }
}
class SomethingElse extends Data.TaggedError("SomethingElse")<{ readonly note?: string }> {}

describe("Failure.report", () => {
  it("maps a known tagged failure to its exit code and one line", () => {
    const r = report(Cause.fail(new DecodeError({ file: "changes.json" })))
    expect(r.exitCode).toBe(ExitCode.BadInput)
    expect(r.line).toBe(`changes.json: line 3: expected a number; (got "abc")`)
    expect(r.line).not.toContain("\n")
  })

  it("maps not-yet commands to exit 6", () => {
    expect(report(Cause.fail(new NotImplementedError({ command: "demo", tracking: "issue #7" }))).exitCode).toBe(
      ExitCode.NotImplemented
    )
  })

  it("treats an unlisted failure or a defect as an internal error (exit 1) and asks for --debug", () => {
    const unlisted = report(Cause.fail(new SomethingElse({})))
    expect(unlisted.exitCode).toBe(ExitCode.Internal)
    const defect = report(Cause.die(new Error("boom")))
    expect(defect.exitCode).toBe(ExitCode.Internal)
    expect(defect.line).toContain("boom")
    expect(defect.line).toContain("--debug")
    expect(defect.detail).toContain("boom")
  })

  it("treats interruption as exit 130", () => {
    expect(report(Cause.interrupt()).exitCode).toBe(ExitCode.Interrupted)
  })
})
