import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import { QueryString } from "../src/index.ts"
import { QueryStringParser } from "../src/testing.ts"

const { parse, matches, flatten } = QueryStringParser

/** Strings full of what query_string treats as syntax, and anything else. */
const special = [..."+-=&|!(){}[]^\"~*?:\\/ \t\n\r\u3000"].concat(["AND", "OR", "NOT", "TO", "&&", "||", "\\u0041", "é", "😀"])
const value = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.string({ unit: fc.constantFrom(...special, "a", "1"), maxLength: 12 }),
  fc.constantFrom(...special)
)
/** Values that may stand outside quotes: not empty, no < or > (which query_string cannot escape). */
const bareValue = value.filter((v) => v !== "" && !/[<>]/.test(v))

describe("QueryString.render (checked with the fake's query_string parser)", () => {
  it("escapes reserved characters and whitespace outside quotes, only \\ and \" inside", () => {
    expect(QueryString.render("service:{{s}}", { s: "a-b (c)" })).toBe("service:a\\-b\\ \\(c\\)")
    expect(QueryString.render('service:"{{s}}"', { s: 'say "hi" \\ (ok)' })).toBe('service:"say \\"hi\\" \\\\ (ok)"')
    expect(QueryString.render("level:{{s}}", { s: "AND" })).toBe("level:\\AND")
    expect(QueryString.render("x:{{s}}", { s: "a&&b||c" })).toBe("x:a\\&\\&b\\|\\|c")
  })

  it("refuses < and > outside quotes (query_string cannot escape them) and takes them inside", () => {
    expect(() => QueryString.render("service:{{s}}", { s: "a<b" })).toThrow("contains < or >, which query_string cannot escape outside quotes")
    expect(QueryString.render('service:"{{s}}"', { s: "a<b>" })).toBe('service:"a<b>"')
  })

  it("refuses an empty value outside quotes, an unknown placeholder and an unclosed quote", () => {
    expect(() => QueryString.render("service:{{s}} AND x", { s: "" })).toThrow("{{s}} is empty and stands outside quotes")
    expect(() => QueryString.render("service:{{srvice}}", { service: "a" })).toThrow("unknown placeholder {{srvice}} (known: service)")
    expect(() => QueryString.render('service:"{{service}}', { service: "a" })).toThrow("unclosed double quote")
    expect(() => QueryString.render("service:{{service", { service: "a" })).toThrow("unclosed {{")
  })

  it("keeps the template's own escapes: \\\" does not open a phrase", () => {
    expect(QueryString.render('msg:\\"{{s}}', { s: "a b" })).toBe('msg:\\"a\\ b')
  })

  test.prop([bareValue, value], { numRuns: 500 })("no value changes the query's structure: every value reads back as one term or one phrase", (a, b) => {
    const query = QueryString.render('service:{{a}} AND track:"{{b}}" AND NOT level:{{a}}', { a, b })
    expect(parse(query, "AND")).toEqual({
      _tag: "Bool",
      clauses: [
        { occur: "must", node: { _tag: "Term", field: "service", text: a } },
        { occur: "must", node: { _tag: "Phrase", field: "track", text: b } },
        { occur: "must_not", node: { _tag: "Term", field: "level", text: a } }
      ]
    })
  })

  test.prop([bareValue, bareValue], { numRuns: 300 })("a value in a keyword term matches itself and nothing else (wildcards are literal)", (a, other) => {
    const node = parse(QueryString.render("service.keyword:{{a}}", { a }), "AND")
    expect(matches(node, flatten({ service: a }))).toBe(true)
    expect(matches(node, flatten({ service: other }))).toBe(a === other)
    expect(matches(node, flatten({ service: `${a}x` }))).toBe(false)
  })

  test.prop([value], { numRuns: 300 })("a value in a keyword phrase matches itself and nothing else", (a) => {
    const node = parse(QueryString.render('service.keyword:"{{a}}"', { a }), "OR")
    expect(matches(node, flatten({ service: a }))).toBe(true)
    expect(matches(node, flatten({ service: `${a} ` }))).toBe(false)
  })
})

describe("QueryString.renderIndex", () => {
  it("fills plain name parts and keeps the template's patterns", () => {
    expect(QueryString.renderIndex("logs-{{service}}-*", { service: "checkout" })).toBe("logs-checkout-*")
    expect(QueryString.renderIndex("logs-{{service}}-*,-logs-{{service}}-old", { service: "web.v2" })).toBe("logs-web.v2-*,-logs-web.v2-old")
  })

  it("refuses values that would widen the search or reach another endpoint", () => {
    for (const bad of ["*", "a,b", "a/b", "_all", "a b", "a?b", "a#b", "-x", ""]) {
      expect(() => QueryString.renderIndex("logs-{{service}}", { service: bad })).toThrow(QueryString.TemplateError)
    }
    expect(() => QueryString.renderIndex("logs-{{nope}}", { service: "a" })).toThrow("unknown placeholder {{nope}} in index")
  })

  it("refuses index expressions with /, ?, #, whitespace or a name starting with _", () => {
    expect(QueryString.checkIndex("logs-*,metrics-*")).toBeUndefined()
    expect(QueryString.checkIndex("logs-*,-logs-old")).toBeUndefined()
    for (const bad of ["_search", "logs/_doc", "logs?q=1", "logs#x", "lo gs", "logs,,x", "logs,_all"]) expect(QueryString.checkIndex(bad)).toBeDefined()
  })

  test.prop([fc.string({ unit: fc.constantFrom(..."abcxyz019._-*,/?# _+\\\"<>|"), maxLength: 10 })], { numRuns: 300 })(
    "a filled index is the template with the value, or a refusal: never a different expression",
    (v) => {
      let rendered: string | undefined
      try {
        rendered = QueryString.renderIndex("logs-{{service}}-*", { service: v })
      } catch (e) {
        expect(e).toBeInstanceOf(QueryString.TemplateError)
      }
      if (rendered !== undefined) {
        expect(rendered).toBe(`logs-${v}-*`)
        expect(v).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)
      }
    }
  )
})
