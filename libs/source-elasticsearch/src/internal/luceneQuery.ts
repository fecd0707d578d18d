/**
 * The fake's query_string parser and matcher: the subset of Lucene's classic
 * query parser (QueryParser.jj) and Elasticsearch's QueryStringQueryParser
 * that Rollwise's tests use, read by the same rules — terms (with `\`
 * escapes, `*`/`?` wildcards), `field:value`, `field:"phrase"`, `field:(…)`,
 * AND/OR/NOT/&&/||/!/+/-, parentheses, `[a TO b]`/`{a TO b}` ranges,
 * `field:>=x` ranges (decided on the unescaped text, which is why `<` and `>`
 * cannot be escaped), `_exists_:field`. Boosts (`^`), fuzziness (`~`) and
 * regular expressions (`/…/`) are not supported and fail to parse.
 */

export class ParseError extends Error {}

export type Node =
  | { readonly _tag: "Bool"; readonly clauses: ReadonlyArray<{ readonly occur: "must" | "should" | "must_not"; readonly node: Node }> }
  | { readonly _tag: "Term"; readonly field: string | undefined; readonly text: string; readonly wildcard?: RegExp }
  | { readonly _tag: "Phrase"; readonly field: string | undefined; readonly text: string }
  | {
      readonly _tag: "Range"
      readonly field: string | undefined
      readonly lower?: string
      readonly upper?: string
      readonly includeLower: boolean
      readonly includeUpper: boolean
    }
  | { readonly _tag: "Exists"; readonly field: string }

type Token =
  | { readonly t: "term"; readonly raw: string; readonly text: string; readonly wildcard?: RegExp }
  | { readonly t: "phrase"; readonly text: string }
  | { readonly t: "range"; readonly lower?: string; readonly upper?: string; readonly includeLower: boolean; readonly includeUpper: boolean }
  | { readonly t: "and" | "or" | "not" | "plus" | "minus" | "lparen" | "rparen" | "colon" }

const whitespace = new Set([" ", "\t", "\n", "\r", "\u3000"])
/** Characters that cannot start a term (Lucene's _TERM_START_CHAR complement, `*` and `?` aside). */
const notTermStart = new Set(["+", "-", "!", "(", ")", ":", "^", "[", "]", '"', "{", "}", "~", "/"])
/** Characters that end a term (`-` and `+` may continue one). */
const notTermChar = new Set(["!", "(", ")", ":", "^", "[", "]", '"', "{", "}", "~", "/"])

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

const tokenize = (input: string): Array<Token> => {
  const out: Array<Token> = []
  let i = 0
  const fail = (what: string): never => {
    throw new ParseError(`Cannot parse '${input}': ${what} at column ${i + 1}`)
  }
  while (i < input.length) {
    const ch = input[i]!
    if (whitespace.has(ch)) {
      i++
      continue
    }
    if (ch === "(") {
      out.push({ t: "lparen" })
      i++
      continue
    }
    if (ch === ")") {
      out.push({ t: "rparen" })
      i++
      continue
    }
    if (ch === ":") {
      out.push({ t: "colon" })
      i++
      continue
    }
    if (ch === "+") {
      out.push({ t: "plus" })
      i++
      continue
    }
    if (ch === "-") {
      out.push({ t: "minus" })
      i++
      continue
    }
    if (ch === "!") {
      out.push({ t: "not" })
      i++
      continue
    }
    if (ch === '"') {
      let text = ""
      i++
      for (;;) {
        if (i >= input.length) fail('Lexical error: unterminated phrase (Encountered "<EOF>")')
        const c = input[i]!
        if (c === "\\") {
          if (i + 1 >= input.length) fail("Lexical error: escape at the end")
          text += input[i + 1]
          i += 2
          continue
        }
        if (c === '"') break
        text += c
        i++
      }
      i++
      out.push({ t: "phrase", text })
      continue
    }
    if (ch === "[" || ch === "{") {
      const closeAt = input.slice(i + 1).search(/[\]}]/)
      if (closeAt === -1) fail("Encountered an unclosed range")
      const body = input.slice(i + 1, i + 1 + closeAt)
      const close = input[i + 1 + closeAt]!
      const parts = body.trim().split(/\s+/)
      if (parts.length !== 3 || parts[1] !== "TO") fail(`Encountered a range without "TO"`)
      const bound = (s: string) => (s === "*" ? undefined : s.replace(/^"(.*)"$/, "$1").replace(/\\(.)/g, "$1"))
      const lower = bound(parts[0]!)
      const upper = bound(parts[2]!)
      out.push({ t: "range", ...(lower !== undefined ? { lower } : {}), ...(upper !== undefined ? { upper } : {}), includeLower: ch === "[", includeUpper: close === "]" })
      i += closeAt + 2
      continue
    }
    if (ch === "^" || ch === "~") fail(`Encountered "${ch}": boosts and fuzziness are not supported by the fake`)
    if (ch === "/") fail('Encountered "/": regular expressions are not supported by the fake')
    if (notTermStart.has(ch)) fail(`Encountered "${ch}"`)
    // a term: the longest run of term characters and escapes (JavaCC's longest match)
    let raw = ""
    let text = ""
    let pattern = ""
    let wild = false
    while (i < input.length) {
      const c = input[i]!
      if (whitespace.has(c) || notTermChar.has(c)) break
      if (c === "\\") {
        if (i + 1 >= input.length) fail("Lexical error: escape at the end")
        const next = input[i + 1]!
        raw += c + next
        text += next
        pattern += escapeRegExp(next)
        i += 2
        continue
      }
      raw += c
      text += c
      if (c === "*" || c === "?") {
        wild = true
        pattern += c === "*" ? "[\\s\\S]*" : "[\\s\\S]"
      } else pattern += escapeRegExp(c)
      i++
    }
    if (raw === "AND" || raw === "&&") out.push({ t: "and" })
    else if (raw === "OR" || raw === "||") out.push({ t: "or" })
    else if (raw === "NOT") out.push({ t: "not" })
    else out.push({ t: "term", raw, text, ...(wild ? { wildcard: new RegExp(`^${pattern}$`, "u") } : {}) })
  }
  return out
}

type Occur = "must" | "should" | "must_not"

/** ES turns `field:>=5` (after unescaping) into a range. */
const comparison = (field: string | undefined, text: string): Node | undefined => {
  const m = /^(>=|<=|>|<)([\s\S]*)$/.exec(text)
  if (m === null) return undefined
  const [, op, value] = m
  if (op === ">" || op === ">=") return { _tag: "Range", field, lower: value!, includeLower: op === ">=", includeUpper: false }
  return { _tag: "Range", field, upper: value!, includeLower: false, includeUpper: op === "<=" }
}

/**
 * Parse a query_string query with the given default operator into a tree of
 * boolean clauses, as Lucene's classic parser builds it (`addClause`: a
 * conjunction changes the previous clause's occur; `-`/NOT prohibit).
 */
export const parse = (input: string, defaultOperator: "AND" | "OR" = "OR"): Node => {
  const tokens = tokenize(input)
  let pos = 0
  const peek = () => tokens[pos]
  const fail = (what: string): never => {
    throw new ParseError(`Cannot parse '${input}': ${what}`)
  }

  const query = (field: string | undefined, nested: boolean): Node => {
    const clauses: Array<{ occur: Occur; node: Node }> = []
    for (;;) {
      const tok = peek()
      if (tok === undefined) break
      if (tok.t === "rparen") {
        if (!nested) fail('Encountered ")"')
        break
      }
      let conj: "and" | "or" | undefined
      if (tok.t === "and" || tok.t === "or") {
        if (clauses.length === 0) fail(`Encountered "${tok.t === "and" ? "AND" : "OR"}" at the start`)
        conj = tok.t
        pos++
      }
      let mod: "req" | "not" | undefined
      const m = peek()
      if (m?.t === "plus") {
        mod = "req"
        pos++
      } else if (m?.t === "minus" || m?.t === "not") {
        mod = "not"
        pos++
      }
      const node = clause(field)
      // Lucene QueryParserBase.addClause
      const last = clauses.at(-1)
      if (last !== undefined && conj === "and" && last.occur !== "must_not") last.occur = "must"
      if (last !== undefined && defaultOperator === "AND" && conj === "or" && last.occur !== "must_not") last.occur = "should"
      let required: boolean
      const prohibited = mod === "not"
      if (defaultOperator === "OR") {
        required = mod === "req"
        if (conj === "and" && !prohibited) required = true
      } else required = !prohibited && conj !== "or"
      clauses.push({ occur: prohibited ? "must_not" : required ? "must" : "should", node })
    }
    if (clauses.length === 0) fail('Encountered "<EOF>"')
    if (clauses.length === 1 && clauses[0]!.occur !== "must_not") return clauses[0]!.node
    return { _tag: "Bool", clauses }
  }

  const clause = (field: string | undefined): Node => {
    const tok = peek()
    if (tok === undefined) return fail('Encountered "<EOF>"')
    if (tok.t === "term" && tokens[pos + 1]?.t === "colon") {
      pos += 2
      const name = tok.text
      if (name === "_exists_") {
        const target = peek()
        if (target?.t !== "term") return fail("_exists_ needs a field name")
        pos++
        return { _tag: "Exists", field: target.text }
      }
      return clause(name)
    }
    pos++
    switch (tok.t) {
      case "lparen": {
        const inner = query(field, true)
        if (peek()?.t !== "rparen") fail('Encountered "<EOF>", expecting ")"')
        pos++
        return inner
      }
      case "term":
        return comparison(field, tok.text) ?? { _tag: "Term", field, text: tok.text, ...(tok.wildcard !== undefined ? { wildcard: tok.wildcard } : {}) }
      case "phrase":
        return { _tag: "Phrase", field, text: tok.text }
      case "range":
        return { _tag: "Range", field, ...(tok.lower !== undefined ? { lower: tok.lower } : {}), ...(tok.upper !== undefined ? { upper: tok.upper } : {}), includeLower: tok.includeLower, includeUpper: tok.includeUpper }
      default:
        return fail(`Encountered "${tok.t}"`)
    }
  }

  return query(undefined, false)
}

// ---------------------------------------------------------------- matching

/** A document's leaf values by dotted path (nested objects and dotted keys alike; arrays give several values). */
export const flatten = (doc: unknown, prefix = "", into: Map<string, Array<unknown>> = new Map()): Map<string, Array<unknown>> => {
  if (Array.isArray(doc)) {
    for (const v of doc) flatten(v, prefix, into)
    return into
  }
  if (doc !== null && typeof doc === "object") {
    for (const [k, v] of Object.entries(doc)) flatten(v, prefix === "" ? k : `${prefix}.${k}`, into)
    return into
  }
  if (doc === null || doc === undefined) return into
  const list = into.get(prefix) ?? []
  list.push(doc)
  into.set(prefix, list)
  return into
}

/** The standard analyzer, roughly: lowercase word tokens (letters, digits, `_`, inner `.` and `'`). */
export const analyze = (text: string): Array<string> => {
  const cached = analyzed.get(text)
  if (cached !== undefined) return cached
  const tokens = [...text.toLowerCase().matchAll(/[\p{L}\p{N}_]+(?:[.'][\p{L}\p{N}_]+)*/gu)].map((m) => m[0])
  if (analyzed.size > 100_000) analyzed.clear()
  analyzed.set(text, tokens)
  return tokens
}
const analyzed = new Map<string, Array<string>>()

/** The query is invalid for a field (a word against a numeric field): ES answers 400 query_shard_exception. */
export class FieldError extends Error {}

type Leaf = { readonly kind: "text" | "keyword" | "number" | "boolean"; readonly value: string | number | boolean }

/** The values a query field addresses in a flattened document, with how they are indexed (dynamic mapping: a string is `text` with a `.keyword` subfield). */
const leaves = (doc: Map<string, Array<unknown>>, field: string | undefined): Array<Leaf> => {
  const of = (path: string, keyword: boolean): Array<Leaf> =>
    (doc.get(path) ?? []).map((v) =>
      typeof v === "number" ? { kind: "number", value: v } : typeof v === "boolean" ? { kind: "boolean", value: v } : { kind: keyword ? "keyword" : "text", value: String(v) }
    )
  if (field === undefined || field === "*") {
    const out: Array<Leaf> = []
    for (const path of doc.keys()) out.push(...of(path, false), ...of(path, true).filter((l) => l.kind === "keyword"))
    return out
  }
  if (doc.has(field)) return of(field, false)
  if (field.endsWith(".keyword")) return of(field.slice(0, -".keyword".length), true).filter((l) => l.kind === "keyword")
  return []
}

const numberOf = (text: string, field: string | undefined, lenient: boolean): number | undefined => {
  const n = Number(text)
  if (text.trim() !== "" && Number.isFinite(n)) return n
  if (lenient) return undefined
  throw new FieldError(`failed to create query: For input string: "${text}" (field [${field}] is numeric)`)
}

const compare = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0)

/** Whether a parsed query matches a flattened document. */
export const matches = (node: Node, doc: Map<string, Array<unknown>>): boolean => {
  switch (node._tag) {
    case "Bool": {
      const must = node.clauses.filter((c) => c.occur === "must")
      const should = node.clauses.filter((c) => c.occur === "should")
      const mustNot = node.clauses.filter((c) => c.occur === "must_not")
      if (mustNot.some((c) => matches(c.node, doc))) return false
      if (!must.every((c) => matches(c.node, doc))) return false
      // Elasticsearch makes a purely negative query match everything else (fixNegativeQueryIfNeeded)
      if (must.length === 0 && should.length > 0) return should.some((c) => matches(c.node, doc))
      return true
    }
    case "Exists":
      return (doc.get(node.field)?.length ?? 0) > 0 || (node.field.endsWith(".keyword") && (doc.get(node.field.slice(0, -8)) ?? []).some((v) => typeof v === "string"))
    case "Term": {
      const lenient = node.field === undefined
      return leaves(doc, node.field).some((leaf) => {
        if (leaf.kind === "number") {
          if (node.wildcard !== undefined) return false
          const n = numberOf(node.text, node.field, lenient)
          return n !== undefined && n === leaf.value
        }
        if (leaf.kind === "boolean") return String(leaf.value) === node.text
        const value = leaf.value as string
        if (leaf.kind === "keyword") return node.wildcard !== undefined ? node.wildcard.test(value) : value === node.text
        const tokens = analyze(value)
        if (node.wildcard !== undefined) {
          // ES normalizes a wildcard term on a text field with the field's analyzer: lowercase
          const folded = new RegExp(node.wildcard.source, "iu")
          return tokens.some((t) => folded.test(t))
        }
        const wanted = analyze(node.text)
        return wanted.length > 0 && wanted.every((w) => tokens.includes(w))
      })
    }
    case "Phrase": {
      const lenient = node.field === undefined
      return leaves(doc, node.field).some((leaf) => {
        if (leaf.kind === "number") {
          const n = numberOf(node.text, node.field, lenient)
          return n !== undefined && n === leaf.value
        }
        if (leaf.kind === "boolean") return String(leaf.value) === node.text
        const value = leaf.value as string
        if (leaf.kind === "keyword") return value === node.text
        const tokens = analyze(value)
        const wanted = analyze(node.text)
        if (wanted.length === 0) return false
        for (let i = 0; i + wanted.length <= tokens.length; i++) if (wanted.every((w, j) => tokens[i + j] === w)) return true
        return false
      })
    }
    case "Range": {
      const lenient = node.field === undefined
      return leaves(doc, node.field).some((leaf) => {
        let value: string | number
        let lower: string | number | undefined
        let upper: string | number | undefined
        if (leaf.kind === "number") {
          value = leaf.value as number
          lower = node.lower === undefined ? undefined : numberOf(node.lower, node.field, lenient)
          upper = node.upper === undefined ? undefined : numberOf(node.upper, node.field, lenient)
          if ((node.lower !== undefined && lower === undefined) || (node.upper !== undefined && upper === undefined)) return false
        } else {
          value = String(leaf.value)
          lower = node.lower
          upper = node.upper
        }
        if (lower !== undefined && (node.includeLower ? compare(value, lower) < 0 : compare(value, lower) <= 0)) return false
        if (upper !== undefined && (node.includeUpper ? compare(value, upper) > 0 : compare(value, upper) >= 0)) return false
        return true
      })
    }
  }
}
