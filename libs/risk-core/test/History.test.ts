import { describe, expect, it } from "vitest"
import { History } from "../src/index.ts"
import { fails, ok } from "./helpers.ts"
import { testdata } from "./testdata.ts"

const csv = (...lines: ReadonlyArray<string>) => lines.join("\n") + "\n"

describe("History.parseCsv", () => {
  it("reads features, labels and line numbers, row-major", () => {
    const table = ok(History.parseCsv(csv("la,ld,failed", "10,2,0", "300,40,1", "5,0,0"), { label: "failed" }))
    expect(table.featureNames).toEqual(["la", "ld"])
    expect(table.rows).toBe(3)
    expect([...table.X]).toEqual([10, 2, 300, 40, 5, 0])
    expect([...table.y]).toEqual([0, 1, 0])
    expect([...table.lines]).toEqual([2, 3, 4])
    expect(table.time).toBeUndefined()
    expect(table.skipped).toEqual([])
  })

  it("handles quotes, CRLF, a BOM, blank lines, booleans and exponents", () => {
    const text = '\uFEFFid,"note",la,failed\r\n"a,1","say ""hi""\nthere",1e2,true\r\n\r\nb2,plain,-.5,FALSE\r\n'
    const table = ok(History.parseCsv(text, { label: "failed", drop: ["id"] }))
    expect(table.featureNames).toEqual(["la"])
    expect([...table.X]).toEqual([100, -0.5])
    expect([...table.y]).toEqual([1, 0])
    expect([...table.lines]).toEqual([2, 5])
    expect(table.skipped).toEqual([{ column: "note", reason: 'not numeric (2 of 2 rows, e.g. "say \\"hi\\"\\nthere" on row 2)' }])
  })

  it("uses the features given, in their order", () => {
    const table = ok(History.parseCsv(csv("a,b,c,failed", "1,2,3,0", "4,5,6,1"), { label: "failed", features: ["c", "a"] }))
    expect(table.featureNames).toEqual(["c", "a"])
    expect([...table.X]).toEqual([3, 1, 6, 4])
  })

  it("sorts rows by the time column, stably, and keeps each row's line", () => {
    const table = ok(
      History.parseCsv(csv("when,la,failed", "2024/3/2 10:00,1,0", "2024-01-05T00:00:00Z,2,1", "2024/3/2 10:00,3,0", "2023/12/31 23:59,4,1"), {
        label: "failed",
        time: "when"
      })
    )
    expect([...table.X]).toEqual([4, 2, 1, 3])
    expect([...table.lines]).toEqual([5, 3, 2, 4])
    expect([...table.time!]).toEqual([
      Date.UTC(2023, 11, 31, 23, 59),
      Date.UTC(2024, 0, 5),
      Date.UTC(2024, 2, 2, 10),
      Date.UTC(2024, 2, 2, 10)
    ])
  })

  it("skips mostly non-numeric columns and reports them", () => {
    const table = ok(History.parseCsv(csv("sha,la,failed", "3e4fa9,1,0", "ab12cd,2,1", "123456,3,0"), { label: "failed" }))
    expect(table.featureNames).toEqual(["la"])
    expect(table.skipped.map((s) => s.column)).toEqual(["sha"])
  })

  it("names an empty header cell after its position", () => {
    const table = ok(History.parseCsv(csv(",la,failed", "0,1,0", "1,2,1"), { label: "failed", drop: ["column1"] }))
    expect(table.featureNames).toEqual(["la"])
  })

  it.each([
    ["missing label column", csv("la,bug", "1,0"), { label: "failed" }, 1, "failed", 'label column "failed" not found (columns: "la", "bug")'],
    ["label not 0/1", csv("la,failed", "1,0", "2,2"), { label: "failed" }, 3, "failed", "row 3, column failed: label must be 0 or 1, got 2"],
    ["label text", csv("la,failed", "1,yes"), { label: "failed" }, 2, "failed", 'row 2, column failed: label must be 0 or 1, got "yes"'],
    ["label missing", csv("la,failed", "1,"), { label: "failed" }, 2, "failed", "row 2, column failed: missing label"],
    ["non-numeric value", csv("la,failed", "1,0", "2,0", "abc,1"), { label: "failed" }, 4, "la", 'row 4, column la: expected a number, got "abc"'],
    ["non-numeric value in a named feature", csv("la,failed", "abc,1"), { label: "failed", features: ["la"] }, 2, "la", 'row 2, column la: expected a number, got "abc"'],
    ["NaN", csv("la,failed", "1,0", "NaN,1"), { label: "failed" }, 3, "la", 'row 3, column la: expected a finite number, got "NaN"'],
    ["infinity", csv("la,failed", "-inf,1"), { label: "failed" }, 2, "la", 'row 2, column la: expected a finite number, got "-inf"'],
    ["overflow", csv("la,failed", "1e999,1"), { label: "failed" }, 2, "la", 'row 2, column la: expected a finite number, got "1e999"'],
    ["missing value", csv("la,ld,failed", "1,,0"), { label: "failed" }, 2, "ld", "row 2, column ld: missing value"],
    ["wrong cell count", csv("la,failed", "1,0", "1,0,7"), { label: "failed" }, 3, undefined, "row 3: expected 2 cells, got 3"],
    ["duplicate column", csv("la,la,failed", "1,1,0"), { label: "failed" }, 1, "la", 'row 1: duplicate column "la"'],
    ["unterminated quote", csv("la,failed", '"1,0'), { label: "failed" }, 2, undefined, "row 2: unterminated quoted field"],
    ["text after a quote", csv("la,failed", '"1"x,0'), { label: "failed" }, 2, undefined, "row 2: unexpected text after a closing quote"],
    ["unknown feature", csv("la,failed", "1,0"), { label: "failed", features: ["lt"] }, 1, "lt", 'feature column "lt" not found (columns: "la", "failed")'],
    ["unknown time column", csv("la,failed", "1,0"), { label: "failed", time: "date" }, 1, "date", 'time column "date" not found (columns: "la", "failed")'],
    ["unknown column to drop", csv("la,failed", "1,0"), { label: "failed", drop: ["__"] }, 1, "__", 'column "__" to drop not found (columns: "la", "failed")'],
    ["bad time", csv("t,la,failed", "yesterday,1,0"), { label: "failed", time: "t" }, 2, "t", 'row 2, column t: expected a time (a number or a date such as 2025-03-14T09:30:00Z), got "yesterday"'],
    ["empty history", csv("la,failed"), { label: "failed" }, undefined, undefined, "empty history: no data rows"],
    ["empty file", "", { label: "failed" }, undefined, undefined, "empty history: no header and no rows"],
    ["only text columns", csv("sha,failed", "abc,0"), { label: "failed" }, undefined, undefined, "no numeric feature columns"],
    ["label as a feature", csv("la,failed", "1,0"), { label: "failed", features: ["failed"] }, undefined, "failed", 'the label column "failed" cannot also be a feature']
  ] as const)("%s", (_, text, options, row, field, message) => {
    const error = fails(History.parseCsv(text, options))
    expect(error._tag).toBe("RiskInputError")
    expect(error.reason).toBe("InvalidHistory")
    expect(error.row).toBe(row)
    expect(error.field).toBe(field)
    expect(error.message).toBe(message)
  })

  it("reads a real Kamei 2013 set in time order", () => {
    const table = ok(History.parseCsv(testdata("jit/kamei2013/bugzilla.csv"), { label: "bug", time: "commitdate", drop: ["transactionid"] }))
    expect(table.featureNames).toEqual(["ns", "nm", "nf", "entropy", "la", "ld", "lt", "fix", "ndev", "pd", "npt", "exp", "rexp", "sexp"])
    expect(table.rows).toBe(4620)
    for (let i = 1; i < table.rows; i++) expect(table.time![i]).toBeGreaterThanOrEqual(table.time![i - 1]!)
    const positives = table.y.reduce((a, b) => a + b, 0)
    // Kamei et al. (2013, table 2) report 36 % defect-inducing changes for Bugzilla, rounded
    expect(Math.abs(positives / table.rows - 0.36)).toBeLessThan(0.01)
  })

  it("reads an ISSTA 2021 set without its label-copy column", () => {
    const table = ok(History.parseCsv(testdata("jit/issta21/jdt_k_test.csv"), { label: "bug", time: "date", drop: ["__", "Unnamed: 0"] }))
    expect(table.skipped.map((s) => s.column)).toEqual(["_id"])
    expect(table.featureNames).not.toContain("__")
    expect(table.featureNames).toHaveLength(14)
    expect(table.rows).toBe(656)
  })
})

describe("History.parseJsonl", () => {
  it("reads objects, keeps strings as text and the union of keys", () => {
    const text = ['{"sha":"a1","la":10,"failed":0}', "", '{"sha":"b2","la":20,"failed":true,"ld":1}'].join("\n")
    const error = fails(History.parseJsonl(text, { label: "failed" }))
    expect(error.message).toBe("row 1, column ld: missing value")
    const table = ok(History.parseJsonl(text, { label: "failed", features: ["la"] }))
    expect([...table.X]).toEqual([10, 20])
    expect([...table.y]).toEqual([0, 1])
    expect([...table.lines]).toEqual([1, 3])
  })

  it("never reads a string as a number", () => {
    const error = fails(History.parseJsonl('{"la":"12","failed":0}\n{"la":3,"failed":1}\n', { label: "failed", features: ["la"] }))
    expect(error.message).toBe('row 1, column la: expected a number, got "12"')
  })

  it.each([
    ["invalid JSON", '{"la":1,"failed":0}\n{"la":2,', 2, undefined, "row 2: invalid JSON"],
    ["not an object", "[1,2]", 1, undefined, "row 1: expected a JSON object, got an array"],
    ["missing label column", '{"la":1}', undefined, "failed", 'label column "failed" not found (columns: "la")'],
    ["label not 0/1", '{"la":1,"failed":0.5}', 1, "failed", "row 1, column failed: label must be 0 or 1, got 0.5"],
    ["null value", '{"la":null,"failed":1}', 1, "la", "row 1, column la: missing value"],
    ["empty history", "\n\n", undefined, undefined, "empty history: no data rows"]
  ] as const)("%s", (_, text, row, field, message) => {
    const error = fails(History.parseJsonl(text, { label: "failed" }))
    expect(error.message.startsWith(message)).toBe(true)
    expect(error.row).toBe(row)
    expect(error.field).toBe(field)
  })
})

describe("History.checkTrainable", () => {
  it.each([
    ["a constant column", csv("la,ns,failed", "1,1,0", "2,1,1"), "column ns is constant (every row is 1): it cannot inform a model; leave it out of the features", "ns"],
    ["a single class", csv("la,failed", "1,0", "2,0"), "every row has label 0: a model needs both failed and successful deploys", undefined]
  ] as const)("rejects %s", (_, text, message, field) => {
    const error = fails(History.checkTrainable(ok(History.parseCsv(text, { label: "failed" }))))
    expect(error.reason).toBe("NotTrainable")
    expect(error.message).toBe(message)
    expect(error.field).toBe(field)
  })

  it("accepts a table with both labels and varying columns", () => {
    const table = ok(History.parseCsv(csv("la,failed", "1,0", "2,1"), { label: "failed" }))
    expect(ok(History.checkTrainable(table))).toBeUndefined()
  })
})
