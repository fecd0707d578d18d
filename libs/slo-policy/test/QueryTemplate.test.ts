import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import { QueryTemplate as PromQL } from "../src/index.ts"

/** The content of the one string literal between `prefix` and `suffix` in `rendered`, read as PromQL would. */
const literal = (rendered: string, prefix: string, suffix: string) => {
  expect(rendered.startsWith(prefix)).toBe(true)
  expect(rendered.endsWith(suffix)).toBe(true)
  return rendered.slice(prefix.length, rendered.length - suffix.length)
}

/** The index of the first unescaped `quote` in a literal's content, or -1. */
const firstUnescaped = (content: string, quote: string) => {
  for (let i = 0; i < content.length; i++) {
    if (content[i] === "\\") i++
    else if (content[i] === quote) return i
  }
  return -1
}

describe("PromQL.render", () => {
  test.prop([fc.string({ unit: "binary" })])("no value breaks out of a double-quoted label value, and it reads back exactly", (value) => {
    const rendered = PromQL.render('up{job="{{service}}"}', { service: value })
    const content = literal(rendered, 'up{job="', '"}')
    expect(firstUnescaped(content, '"')).toBe(-1)
    expect(PromQL.unescapeString(content)).toBe(value)
  })

  test.prop([fc.string({ unit: "binary" })])("nor out of a single-quoted one", (value) => {
    const rendered = PromQL.render("up{job='{{service}}'}", { service: value })
    const content = literal(rendered, "up{job='", "'}")
    expect(firstUnescaped(content, "'")).toBe(-1)
    expect(PromQL.unescapeString(content)).toBe(value)
  })

  const regexValue = fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: fc.constantFrom(..."\\.+*?()|[]{}^$-ab\n") }))

  test.prop([regexValue, regexValue, fc.constantFrom("=~", "!~"), fc.constantFrom('"', "'")])(
    "inside a =~ or !~ matcher a value is matched literally: it matches itself and nothing else (no regex injection)",
    (value, other, op, quote) => {
      const rendered = PromQL.render(`up{job${op} ${quote}{{service}}${quote}}`, { service: value })
      const content = literal(rendered, `up{job${op} ${quote}`, `${quote}}`)
      expect(firstUnescaped(content, quote)).toBe(-1)
      // Prometheus anchors the pattern; RE2 and JavaScript agree on escaped metacharacters
      const pattern = new RegExp(`^(?:${PromQL.unescapeString(content)})$`, "su")
      expect(pattern.test(value)).toBe(true)
      if (other !== value) expect(pattern.test(other)).toBe(false)
    }
  )

  it("escapes regex metacharacters only in regex matchers", () => {
    expect(PromQL.render('up{job=~"{{s}}", instance="{{s}}"}', { s: "a.b|.*" })).toBe('up{job=~"a\\\\.b\\\\|\\\\.\\\\*", instance="a.b|.*"}')
    expect(PromQL.render('up{job=~"{{s}}-(canary|stable)"}', { s: "api.v2" })).toBe('up{job=~"api\\\\.v2-(canary|stable)"}')
  })

  it("fills the documented example", () => {
    const q = PromQL.render(
      'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{job="{{service}}",track="{{track}}"}[{{window}}])) by (le))',
      { service: "checkout", track: "canary", window: "2m" }
    )
    expect(q).toBe('histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{job="checkout",track="canary"}[2m])) by (le))')
  })

  it("escapes quotes, backslashes and newlines", () => {
    expect(PromQL.render('x{a="{{v}}"}', { v: 'a"b\\c\nd' })).toBe('x{a="a\\"b\\\\c\\nd"}')
  })

  it("keeps escaped quotes in the template itself", () => {
    expect(PromQL.render('x{a="say \\"{{v}}\\""}', { v: "hi" })).toBe('x{a="say \\"hi\\""}')
  })

  it.each([
    ["an unknown placeholder", 'x{a="{{nope}}"}', {}, "unknown placeholder {{nope}}"],
    ["an unclosed placeholder", 'x{a="{{v"}', { v: "1" }, "unclosed"],
    ["a value outside a string that is not a plain name or duration", "x[{{window}}]", { window: "5m] or vector(1) #" }, "outside a string"],
    ["a backtick in a raw string", "x{a=`{{v}}`}", { v: "a`b" }, "backtick"]
  ])("refuses %s", (_, template, values, message) => {
    expect(() => PromQL.render(template, values as Record<string, string>)).toThrow(message)
  })

  it("allows durations and names outside strings", () => {
    expect(PromQL.render("rate(x[{{window}}]) by ({{label}})", { window: "1h30m", label: "track" })).toBe("rate(x[1h30m]) by (track)")
  })
})
