import { describe, expect, it } from "vitest"
import { Coverage } from "../src/index.ts"

const jacoco = `<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd">
<report name="app"><package name="a"><class name="a/B"><counter type="LINE" missed="5" covered="5"/></class>
<counter type="INSTRUCTION" missed="1" covered="9"/><counter type="LINE" missed="5" covered="5"/></package>
<counter type="INSTRUCTION" missed="10" covered="90"/><counter type="LINE" missed="25" covered="75"/></report>`

describe("Coverage.parse", () => {
  it("reads lcov by summing LF/LH over files", () => {
    const r = Coverage.parse("TN:\nSF:a.ts\nLF:10\nLH:5\nend_of_record\nSF:b.ts\nLF:30\nLH:25\nend_of_record\n")
    expect(r).toEqual({ format: "lcov", covered: 30, valid: 40, percent: 75 })
  })

  it("reads Cobertura from lines-covered/lines-valid, or line-rate when those are absent", () => {
    expect(Coverage.parse('<coverage lines-covered="3" lines-valid="4" line-rate="0.1">').percent).toBe(75)
    expect(Coverage.parse('<coverage line-rate="0.625" branch-rate="0">').percent).toBe(62.5)
  })

  it("reads JaCoCo's report-level LINE counter, not a package's", () => {
    expect(Coverage.parse(jacoco)).toEqual({ format: "jacoco", covered: 75, valid: 100, percent: 75 })
  })

  it.each([
    ["unrecognised text", "hello world", "not an lcov, Cobertura or JaCoCo report"],
    ["an lcov report with no lines", "TN:\nSF:a\nend_of_record\n", "the lcov report counts no lines"],
    ["a negative count", "SF:a\nLF:-3\nLH:1\n", 'LF is not a non-negative number ("-3")'],
    ["more hits than lines", "SF:a\nLF:3\nLH:4\n", "more covered lines (4) than lines (3)"],
    ["a Cobertura rate above 1", '<coverage line-rate="1.5">', "line-rate 1.5 is above 1"],
    ["a Cobertura report without rates", "<coverage>", "line-rate is missing"],
    ["a JaCoCo report without LINE counters", '<report><counter type="BRANCH" missed="1" covered="1"/></report>', "no LINE counter"]
  ])("rejects %s", (_, text, message) => {
    expect(() => Coverage.parse(text)).toThrow(message)
  })

  it("delta is after minus before, in percentage points", () => {
    const before = Coverage.parse("LF:100\nLH:90\n")
    const after = Coverage.parse("LF:100\nLH:85\n")
    expect(Coverage.delta(before, after)).toBeCloseTo(-5, 12)
  })
})
