import { fc, test } from "@fast-check/vitest"
import { QueryTemplate } from "@rollwise/slo-policy"
import { describe, expect, it } from "vitest"
import * as LogQL from "../../src/internal/LogQL.ts"

const parseError = (query: string) => {
  try {
    LogQL.parse(query)
  } catch (e) {
    if (e instanceof LogQL.ParseError) return e.message
    throw e
  }
  throw new Error(`${query} parsed`)
}

describe("the fake's LogQL parser (the subset, by Loki's grammar)", () => {
  it("reads Go double-quoted strings with every escape, and backtick raw strings as they stand", () => {
    const e = LogQL.parse('{app="a\\x41\\u00e9\\n\\"\\\\\\101"} |= `C:\\path "x"`')
    expect(e).toEqual({
      _tag: "Log",
      matchers: [{ name: "app", op: "=", value: 'aAé\n"\\A' }],
      stages: [{ _tag: "LineFilter", op: "|=", value: 'C:\\path "x"' }]
    })
  })

  it("refuses what Go's unquoting refuses, with Loki's words", () => {
    expect(parseError('{app="a\\q"}')).toBe("parse error at line 1, col 6: invalid char escape")
    expect(parseError('{app="a')).toBe("parse error at line 1, col 6: literal not terminated")
    expect(parseError("{app='a'}")).toBe(`parse error at line 1, col 6: syntax error: unexpected "'"`)
    expect(parseError('{app=~".*"}')).toBe(
      'parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will'
    )
    expect(parseError("{}")).toBe("parse error at line 1, col 2: syntax error: unexpected }, expecting IDENTIFIER")
    expect(parseError('sum(rate({app="a"}))')).toBe("parse error at line 1, col 19: syntax error: unexpected ), expecting RANGE")
    expect(parseError('count_over_time({app="a"} | logfmt | unwrap ms [1m])')).toBe("parse error : invalid aggregation count_over_time with unwrap")
  })

  it("reads the line filters, logfmt, unwrap, ranges before or after the pipeline, and grouping either side", () => {
    const a = LogQL.parse('sum by (level) (count_over_time({app="a", env!="dev", pod=~"p-.+", x!~"y"} |= "GET" != "health" |~ "5\\\\d\\\\d" !~ `^#` [5m]))')
    const b = LogQL.parse('sum(count_over_time({app="a", env!="dev", pod=~"p-.+", x!~"y"}[5m] |= "GET" != "health" |~ "5\\\\d\\\\d" !~ `^#`)) by (level)')
    expect(a).toEqual(b)
    expect(a._tag === "Vector" && a.grouping).toEqual({ without: false, labels: ["level"] })
    const q = LogQL.parse('quantile_over_time(0.95, {app="a"} | logfmt | unwrap duration_ms [1m])')
    expect(q).toMatchObject({ _tag: "Range", fn: "quantile_over_time", param: 0.95, rangeMs: 60_000 })
    // a comment runs to the end of its line
    expect(LogQL.parse('sum(count_over_time(\n{app="a"} # the app\n[2m]))')).toMatchObject({ _tag: "Vector", inner: { rangeMs: 120_000 } })
  })

  it("evaluates range aggregations over (t − range, t], as Loki's range vectors", () => {
    const s = 1_000_000_000n
    const streams: Array<LogQL.Stream> = [
      { labels: { app: "a", level: "info" }, entries: [{ ts: 0n, line: "x duration_ms=10" }, { ts: 30n * s, line: "x duration_ms=30" }, { ts: 60n * s, line: "y duration_ms=50" }] },
      { labels: { app: "a", level: "error" }, entries: [{ ts: 60n * s, line: "boom duration_ms=70" }] }
    ]
    const at = (q: string, t: bigint) => LogQL.evaluate(LogQL.parse(q) as LogQL.MetricExpr, streams, t).map((x) => [x.labels, x.value])
    expect(at('sum(count_over_time({app="a"}[1m]))', 60n * s)).toEqual([[{}, 3]])
    expect(at('sum by (level) (count_over_time({app="a"} |= "x" [1m]))', 60n * s)).toEqual([[{ level: "info" }, 1]])
    expect(at('sum(rate({app="a"}[1m]))', 60n * s)).toEqual([[{}, 3 / 60]])
    expect(at('max(avg_over_time({app="a"} | logfmt | unwrap duration_ms [2m]))', 60n * s)).toEqual([[{}, 70]])
    expect(at('sum(count_over_time({app="nope"}[1m]))', 60n * s)).toEqual([])
  })

  it("an unwrap that meets a line without the number fails as Loki's pipeline error", () => {
    const streams: Array<LogQL.Stream> = [{ labels: { app: "a" }, entries: [{ ts: 1n, line: "no number here" }] }]
    expect(() => LogQL.evaluate(LogQL.parse('sum(sum_over_time({app="a"} | logfmt | unwrap ms [1m]))') as LogQL.MetricExpr, streams, 10n)).toThrow(
      /^pipeline error: 'SampleExtractionErr' for series: '\{__error__="SampleExtractionErr", app="a"\}'/
    )
  })

  test.prop([fc.string({ unit: "binary", maxLength: 40 })], { numRuns: 500 })("QueryTemplate's escaping reads back exactly through Go's unquoting (double quotes)", (value) => {
    const e = LogQL.parse(`{app="${QueryTemplate.escapeString(value)}", x="y"}`)
    expect(e._tag === "Log" && e.matchers[0]!.value).toBe(value)
  })

  test.prop([fc.string({ unit: "binary", maxLength: 40 })], { numRuns: 300 })("a regex-escaped value matches itself and nothing longer", (value) => {
    const e = LogQL.parse(`{app=~"${QueryTemplate.escapeString(QueryTemplate.escapeRegex(value))}", x="y"}`)
    const re = LogQL.compileRegex(e._tag === "Log" ? e.matchers[0]!.value : "", true)
    expect(re.test(value)).toBe(true)
    expect(re.test(`${value}.`)).toBe(false)
  })
})
