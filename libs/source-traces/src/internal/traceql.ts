/**
 * A parser for the subset of TraceQL the fake Tempo evaluates (and the
 * property tests read back): one span set `{ … }` with `&&`, `||`, parentheses
 * and comparisons of `resource.<attr>`, `span.<attr>`, `.<attr>`, `name`,
 * `status`, `kind` and `duration` against strings (double-quoted with Go's
 * escapes, as Tempo's lexer reads them with `strconv.Unquote`, or backtick raw
 * strings), numbers, booleans, durations and the status and kind keywords; optionally
 * followed by `| rate()` or `| count_over_time()`. Errors read like Tempo's:
 * `parse error at line 1, col N: syntax error: unexpected …`.
 */

export type Value =
  | { readonly _tag: "String"; readonly value: string }
  | { readonly _tag: "Number"; readonly value: number }
  | { readonly _tag: "Duration"; readonly ms: number }
  | { readonly _tag: "Bool"; readonly value: boolean }
  | { readonly _tag: "Status"; readonly value: "error" | "ok" | "unset" }
  | { readonly _tag: "Kind"; readonly value: string }

export type Field =
  | { readonly _tag: "Attribute"; readonly scope: "resource" | "span" | "any"; readonly name: string }
  | { readonly _tag: "Intrinsic"; readonly name: "name" | "status" | "duration" | "kind" }

export type Op = "=" | "!=" | ">" | ">=" | "<" | "<=" | "=~" | "!~"

export type Expr =
  | { readonly _tag: "And"; readonly left: Expr; readonly right: Expr }
  | { readonly _tag: "Or"; readonly left: Expr; readonly right: Expr }
  | { readonly _tag: "Compare"; readonly field: Field; readonly op: Op; readonly value: Value }
  | { readonly _tag: "True" }

export interface Query {
  readonly filter: Expr
  readonly metric?: "rate" | "count_over_time"
}

export class ParseError extends Error {}

type Token =
  | { readonly t: "punct"; readonly v: string; readonly col: number }
  | { readonly t: "ident"; readonly v: string; readonly col: number }
  | { readonly t: "string"; readonly v: string; readonly col: number }
  | { readonly t: "number"; readonly v: number; readonly col: number }
  | { readonly t: "duration"; readonly v: number; readonly col: number }
  | { readonly t: "eof"; readonly col: number }

const durationUnits: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

const fail = (line: number, col: number, msg: string): never => {
  throw new ParseError(`parse error at line ${line}, col ${col}: ${msg}`)
}

/** Go's `strconv.Unquote` for a double-quoted literal's content (between the quotes). */
export const unquoteGo = (content: string, at: (i: number) => never): string => {
  let out = ""
  for (let i = 0; i < content.length; i++) {
    const ch = content[i]!
    if (ch === "\n") at(i)
    if (ch !== "\\") {
      out += ch
      continue
    }
    const next = content[++i]
    const simple: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"' }
    if (next !== undefined && next in simple) {
      out += simple[next]
      continue
    }
    const hexOf = (len: number) => {
      const h = content.slice(i + 1, i + 1 + len)
      if (h.length !== len || !/^[0-9a-fA-F]+$/.test(h)) at(i)
      i += len
      return parseInt(h, 16)
    }
    if (next === "x") out += String.fromCharCode(hexOf(2))
    else if (next === "u") out += String.fromCodePoint(hexOf(4))
    else if (next === "U") {
      const cp = hexOf(8)
      if (cp > 0x10ffff) at(i)
      out += String.fromCodePoint(cp)
    } else if (next !== undefined && /[0-7]/.test(next)) {
      const o = content.slice(i, i + 3)
      if (!/^[0-7]{3}$/.test(o) || parseInt(o, 8) > 255) at(i)
      out += String.fromCharCode(parseInt(o, 8))
      i += 2
    } else at(i)
  }
  return out
}

const tokenize = (text: string): Array<Token> => {
  const tokens: Array<Token> = []
  let line = 1
  let lineStart = 0
  let i = 0
  const col = (at: number) => at - lineStart + 1
  while (i < text.length) {
    const ch = text[i]!
    if (ch === "\n") {
      line++
      i++
      lineStart = i
      continue
    }
    if (/\s/.test(ch)) {
      i++
      continue
    }
    const start = i
    if (ch === '"') {
      let j = i + 1
      while (j < text.length && text[j] !== '"' && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1
      if (j >= text.length || text[j] !== '"') fail(line, col(start), "literal not terminated")
      const value = unquoteGo(text.slice(i + 1, j), () => fail(line, col(start), "syntax error: invalid syntax"))
      tokens.push({ t: "string", v: value, col: col(start) })
      i = j + 1
      continue
    }
    if (ch === "`") {
      const j = text.indexOf("`", i + 1)
      if (j === -1) fail(line, col(start), "literal not terminated")
      const raw = text.slice(i + 1, j)
      tokens.push({ t: "string", v: raw.replace(/\r/g, ""), col: col(start) })
      for (const c of raw) if (c === "\n") line++
      i = j + 1
      continue
    }
    const two = text.slice(i, i + 2)
    if (["&&", "||", "!=", ">=", "<=", "=~", "!~"].includes(two)) {
      tokens.push({ t: "punct", v: two, col: col(start) })
      i += 2
      continue
    }
    if ("{}()|=<>".includes(ch)) {
      tokens.push({ t: "punct", v: ch, col: col(start) })
      i++
      continue
    }
    const num = /^-?(\d+(\.\d+)?)/.exec(text.slice(i))
    if (num !== null && (ch !== "-" || /\d/.test(text[i + 1] ?? ""))) {
      let j = i + num[0].length
      const unit = /^(ns|us|µs|ms|s|m|h)/.exec(text.slice(j))
      if (unit !== null && !/[A-Za-z0-9_]/.test(text[j + unit[0].length] ?? "")) {
        tokens.push({ t: "duration", v: Number(num[0]) * durationUnits[unit[0]]!, col: col(start) })
        j += unit[0].length
      } else tokens.push({ t: "number", v: Number(num[0]), col: col(start) })
      i = j
      continue
    }
    if (/[A-Za-z_.]/.test(ch)) {
      let j = i
      while (j < text.length && /[A-Za-z0-9_.:-]/.test(text[j]!)) j++
      tokens.push({ t: "ident", v: text.slice(i, j), col: col(start) })
      i = j
      continue
    }
    fail(line, col(start), `syntax error: unexpected ${JSON.stringify(ch)}`)
  }
  tokens.push({ t: "eof", col: col(i) })
  return tokens
}

const describe = (t: Token): string =>
  t.t === "eof" ? "$end" : t.t === "string" ? "STRING" : t.t === "number" ? "INTEGER" : t.t === "duration" ? "DURATION" : t.t === "ident" ? "IDENTIFIER" : t.v

const intrinsics = new Set(["name", "status", "duration", "kind"])

/** Parse a TraceQL query of the subset; throws {@link ParseError} with Tempo's wording. */
export const parse = (text: string): Query => {
  const tokens = tokenize(text)
  let pos = 0
  const peek = () => tokens[pos]!
  const unexpected = (): never => fail(1, peek().col, `syntax error: unexpected ${describe(peek())}`)
  const expect = (v: string) => {
    const t = peek()
    if (t.t !== "punct" || t.v !== v) unexpected()
    pos++
  }
  const isPunct = (v: string) => {
    const t = peek()
    return t.t === "punct" && t.v === v
  }
  const field = (): Field => {
    const t = peek()
    if (t.t !== "ident") return unexpected()
    pos++
    if (intrinsics.has(t.v)) return { _tag: "Intrinsic", name: t.v as "name" }
    if (t.v.startsWith("resource.") && t.v.length > 9) return { _tag: "Attribute", scope: "resource", name: t.v.slice(9) }
    if (t.v.startsWith("span.") && t.v.length > 5) return { _tag: "Attribute", scope: "span", name: t.v.slice(5) }
    if (t.v.startsWith(".") && t.v.length > 1) return { _tag: "Attribute", scope: "any", name: t.v.slice(1) }
    pos--
    return unexpected()
  }
  const value = (): Value => {
    const t = peek()
    pos++
    if (t.t === "string") return { _tag: "String", value: t.v }
    if (t.t === "number") return { _tag: "Number", value: t.v }
    if (t.t === "duration") return { _tag: "Duration", ms: t.v }
    if (t.t === "ident" && (t.v === "true" || t.v === "false")) return { _tag: "Bool", value: t.v === "true" }
    if (t.t === "ident" && (t.v === "error" || t.v === "ok" || t.v === "unset")) return { _tag: "Status", value: t.v }
    if (t.t === "ident" && ["server", "client", "internal", "producer", "consumer", "unspecified"].includes(t.v)) return { _tag: "Kind", value: t.v }
    pos--
    return unexpected()
  }
  const comparison = (): Expr => {
    const f = field()
    const t = peek()
    if (t.t !== "punct" || !["=", "!=", ">", ">=", "<", "<=", "=~", "!~"].includes(t.v)) return unexpected()
    pos++
    return { _tag: "Compare", field: f, op: t.v as Op, value: value() }
  }
  const primary = (): Expr => {
    if (isPunct("(")) {
      pos++
      const e = or()
      expect(")")
      return e
    }
    return comparison()
  }
  const and = (): Expr => {
    let left = primary()
    while (isPunct("&&")) {
      pos++
      left = { _tag: "And", left, right: primary() }
    }
    return left
  }
  const or = (): Expr => {
    let left = and()
    while (isPunct("||")) {
      pos++
      left = { _tag: "Or", left, right: and() }
    }
    return left
  }
  expect("{")
  const filter: Expr = isPunct("}") ? { _tag: "True" } : or()
  expect("}")
  let metric: Query["metric"]
  if (isPunct("|")) {
    pos++
    const t = peek()
    if (t.t !== "ident" || (t.v !== "rate" && t.v !== "count_over_time")) return unexpected()
    pos++
    expect("(")
    expect(")")
    metric = t.v
  }
  if (peek().t !== "eof") unexpected()
  return metric === undefined ? { filter } : { filter, metric }
}

/** What the evaluator reads of a span. */
export interface SpanView {
  readonly name: string
  readonly status: "error" | "ok" | "unset"
  readonly kind: string
  readonly durationMs: number
  readonly attributes: Readonly<Record<string, string | number | boolean>>
  readonly resource: Readonly<Record<string, string | number | boolean>>
}

const lookup = (span: SpanView, f: Field): string | number | boolean | undefined => {
  if (f._tag === "Intrinsic") return f.name === "duration" ? span.durationMs : f.name === "name" ? span.name : f.name === "kind" ? span.kind : span.status
  if (f.scope === "resource") return span.resource[f.name]
  if (f.scope === "span") return span.attributes[f.name]
  return span.attributes[f.name] ?? span.resource[f.name]
}

const compareWith = (op: Op, a: number | string, b: number | string): boolean => {
  switch (op) {
    case "=":
      return a === b
    case "!=":
      return a !== b
    case ">":
      return a > b
    case ">=":
      return a >= b
    case "<":
      return a < b
    case "<=":
      return a <= b
    default:
      return false
  }
}

/** Whether a span is in the span set `expr` selects (a missing attribute matches nothing, not even `!=`). */
export const matches = (expr: Expr, span: SpanView): boolean => {
  switch (expr._tag) {
    case "True":
      return true
    case "And":
      return matches(expr.left, span) && matches(expr.right, span)
    case "Or":
      return matches(expr.left, span) || matches(expr.right, span)
    case "Compare": {
      const actual = lookup(span, expr.field)
      if (actual === undefined) return false
      const v = expr.value
      if (expr.op === "=~" || expr.op === "!~") {
        if (v._tag !== "String" || typeof actual !== "string") return false
        const hit = new RegExp(`^(?:${v.value})$`, "s").test(actual)
        return expr.op === "=~" ? hit : !hit
      }
      const expected = v._tag === "Duration" ? v.ms : v.value
      if (typeof expected === "boolean" || typeof actual === "boolean") return (expr.op === "=" || expr.op === "!=") && compareWith(expr.op, String(actual), String(expected))
      if (typeof expected !== typeof actual) return false
      return compareWith(expr.op, actual, expected)
    }
  }
}
