/**
 * A parser and evaluator for the subset of LogQL the fake Loki serves (see
 * Loki's `pkg/logql/syntax`): stream selectors with `=`, `!=`, `=~`, `!~`;
 * line filters `|=`, `!=`, `|~`, `!~`; `| logfmt`; `| unwrap <label>`;
 * the range aggregations `count_over_time`, `rate`, `sum_over_time`,
 * `avg_over_time`, `min_over_time`, `max_over_time`, `quantile_over_time`;
 * and the vector aggregations `sum`, `avg`, `min`, `max`, `count` with
 * `by (…)` / `without (…)`. Strings are Go strings: double-quoted with Go's
 * escapes, or backtick raw strings. Errors carry Loki's words
 * (`parse error at line 1, col 5: syntax error: unexpected IDENTIFIER`).
 */

/** A query Loki would refuse to parse; `message` is Loki's text. */
export class ParseError extends Error {}

/** A metric query whose `unwrap` met a line without a number there; Loki refuses the query with this text (HTTP 400). */
export class PipelineError extends Error {}

export type MatchOp = "=" | "!=" | "=~" | "!~"
export type LineFilterOp = "|=" | "!=" | "|~" | "!~"

export interface Matcher {
  readonly name: string
  readonly op: MatchOp
  readonly value: string
}

export type Stage =
  | { readonly _tag: "LineFilter"; readonly op: LineFilterOp; readonly value: string }
  | { readonly _tag: "Logfmt" }
  | { readonly _tag: "Unwrap"; readonly label: string }

export interface LogExpr {
  readonly _tag: "Log"
  readonly matchers: ReadonlyArray<Matcher>
  readonly stages: ReadonlyArray<Stage>
}

export type RangeFn = "count_over_time" | "rate" | "sum_over_time" | "avg_over_time" | "min_over_time" | "max_over_time" | "quantile_over_time"
export type VectorFn = "sum" | "avg" | "min" | "max" | "count"

export interface RangeExpr {
  readonly _tag: "Range"
  readonly fn: RangeFn
  readonly param?: number
  readonly log: LogExpr
  readonly rangeMs: number
}

export interface VectorExpr {
  readonly _tag: "Vector"
  readonly fn: VectorFn
  readonly grouping?: { readonly without: boolean; readonly labels: ReadonlyArray<string> }
  readonly inner: MetricExpr
}

export type MetricExpr = RangeExpr | VectorExpr
export type Expr = LogExpr | MetricExpr

// ---------------------------------------------------------------- lexer

type TokenKind = "IDENTIFIER" | "STRING" | "NUMBER" | "RANGE" | "SYMBOL" | "EOF"

interface Token {
  readonly kind: TokenKind
  readonly text: string
  /** The decoded value of a STRING, the milliseconds of a RANGE. */
  readonly value?: string | number
  readonly line: number
  readonly col: number
}

const symbols = ["|=", "|~", "!=", "!~", "=~", "=", "|", "{", "}", "(", ")", "[", "]", ","]

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 }

/** A Prometheus duration (`1h30m`, `500ms`) in ms, or undefined. */
export const parseDuration = (text: string): number | undefined => {
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(text)) return undefined
  let ms = 0
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) ms += Number(m[1]) * durationUnits[m[2]!]!
  return ms
}

const fail = (line: number, col: number, what: string): never => {
  throw new ParseError(`parse error at line ${line}, col ${col}: ${what}`)
}

/** Read a Go double-quoted string starting at `i` (the opening quote); returns the value and the index after the closing quote. */
const readGoString = (src: string, i: number, line: number, col: number): { value: string; end: number } => {
  let out = ""
  let j = i + 1
  for (;;) {
    const ch = src[j]
    if (ch === undefined || ch === "\n") return fail(line, col, "literal not terminated")
    if (ch === '"') return { value: out, end: j + 1 }
    if (ch !== "\\") {
      out += ch
      j++
      continue
    }
    const e = src[j + 1]
    const simple: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"' }
    if (e !== undefined && simple[e] !== undefined) {
      out += simple[e]
      j += 2
      continue
    }
    const hexLen = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0
    if (hexLen > 0) {
      const digits = src.slice(j + 2, j + 2 + hexLen)
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(digits)) return fail(line, col, "invalid char escape")
      const code = parseInt(digits, 16)
      if (e === "x") out += String.fromCharCode(code)
      else if (code > 0x10ffff || (code >= 0xd800 && code < 0xe000)) return fail(line, col, "invalid char escape")
      else out += String.fromCodePoint(code)
      j += 2 + hexLen
      continue
    }
    if (e !== undefined && /[0-7]/.test(e)) {
      const digits = src.slice(j + 1, j + 4)
      if (!/^[0-7]{3}$/.test(digits) || parseInt(digits, 8) > 255) return fail(line, col, "invalid char escape")
      out += String.fromCharCode(parseInt(digits, 8))
      j += 4
      continue
    }
    return fail(line, col, "invalid char escape")
  }
}

const tokenize = (src: string): Array<Token> => {
  const tokens: Array<Token> = []
  let i = 0
  let line = 1
  let lineStart = 0
  while (i < src.length) {
    const ch = src[i]!
    const col = i - lineStart + 1
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
    if (ch === "#") {
      while (i < src.length && src[i] !== "\n") i++
      continue
    }
    if (ch === '"') {
      const { value, end } = readGoString(src, i, line, col)
      tokens.push({ kind: "STRING", text: src.slice(i, end), value, line, col })
      i = end
      continue
    }
    if (ch === "`") {
      const end = src.indexOf("`", i + 1)
      if (end === -1) return fail(line, col, "literal not terminated")
      const value = src.slice(i + 1, end)
      tokens.push({ kind: "STRING", text: src.slice(i, end + 1), value, line, col })
      for (const c of value) if (c === "\n") line++
      if (value.includes("\n")) lineStart = i + 1 + value.lastIndexOf("\n") + 1
      i = end + 1
      continue
    }
    if (ch === "[") {
      const end = src.indexOf("]", i)
      const inner = end === -1 ? "" : src.slice(i + 1, end).trim()
      const ms = parseDuration(inner)
      if (end === -1 || ms === undefined) return fail(line, col, `syntax error: unexpected ${end === -1 ? "[" : JSON.stringify(inner)}`)
      tokens.push({ kind: "RANGE", text: src.slice(i, end + 1), value: ms, line, col })
      i = end + 1
      continue
    }
    const sym = symbols.find((s) => src.startsWith(s, i))
    if (sym !== undefined) {
      tokens.push({ kind: "SYMBOL", text: sym, line, col })
      i += sym.length
      continue
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))
    if (word !== null) {
      tokens.push({ kind: "IDENTIFIER", text: word[0], line, col })
      i += word[0].length
      continue
    }
    const num = /^\d+(\.\d+)?/.exec(src.slice(i))
    if (num !== null) {
      tokens.push({ kind: "NUMBER", text: num[0], value: Number(num[0]), line, col })
      i += num[0].length
      continue
    }
    return fail(line, col, `syntax error: unexpected ${JSON.stringify(ch)}`)
  }
  tokens.push({ kind: "EOF", text: "", line, col: i - lineStart + 1 })
  return tokens
}

// ---------------------------------------------------------------- parser

const rangeFns: ReadonlyArray<RangeFn> = ["count_over_time", "rate", "sum_over_time", "avg_over_time", "min_over_time", "max_over_time", "quantile_over_time"]
const vectorFns: ReadonlyArray<VectorFn> = ["sum", "avg", "min", "max", "count"]

/** How Loki's yacc parser names a token it did not expect. */
const describe = (t: Token): string => {
  if (t.kind === "EOF") return "$end"
  if (t.kind === "STRING") return "STRING"
  if (t.kind === "NUMBER") return "NUMBER"
  if (t.kind === "RANGE") return "RANGE"
  if (t.kind === "IDENTIFIER") {
    if ((rangeFns as ReadonlyArray<string>).includes(t.text) || (vectorFns as ReadonlyArray<string>).includes(t.text)) return t.text.toUpperCase()
    return t.text === "by" || t.text === "without" || t.text === "logfmt" || t.text === "unwrap" ? t.text.toUpperCase() : "IDENTIFIER"
  }
  return t.text
}

/** Parse a LogQL query of the subset; throws {@link ParseError} with Loki's words. */
export const parse = (src: string): Expr => {
  const tokens = tokenize(src)
  let pos = 0
  const peek = () => tokens[pos]!
  const next = () => tokens[pos++]!
  const unexpected = (t: Token, expecting?: string): never => fail(t.line, t.col, `syntax error: unexpected ${describe(t)}${expecting === undefined ? "" : `, expecting ${expecting}`}`)
  const expectSymbol = (s: string) => {
    const t = next()
    if (t.kind !== "SYMBOL" || t.text !== s) unexpected(t, s)
  }
  const expectString = (): string => {
    const t = next()
    if (t.kind !== "STRING") return unexpected(t, "STRING")
    return t.value as string
  }
  const isSymbol = (s: string) => peek().kind === "SYMBOL" && peek().text === s

  const selector = (): Array<Matcher> => {
    expectSymbol("{")
    const matchers: Array<Matcher> = []
    if (isSymbol("}")) return unexpected(peek(), "IDENTIFIER")
    for (;;) {
      const name = next()
      if (name.kind !== "IDENTIFIER") return unexpected(name, "IDENTIFIER")
      const op = next()
      if (op.kind !== "SYMBOL" || !["=", "!=", "=~", "!~"].includes(op.text)) return unexpected(op)
      const value = expectString()
      if (op.text === "=~" || op.text === "!~") compileRegex(value, true, op)
      matchers.push({ name: name.text, op: op.text as MatchOp, value })
      const t = next()
      if (t.kind === "SYMBOL" && t.text === "}") break
      if (!(t.kind === "SYMBOL" && t.text === ",")) return unexpected(t, "}")
    }
    return matchers
  }

  const requireNonEmptyMatcher = (matchers: ReadonlyArray<Matcher>) => {
    if (!matchers.some((m) => !matchesEmpty(m))) {
      throw new ParseError(
        'parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will'
      )
    }
  }

  /** The pipeline after a selector: line filters, `| logfmt`, `| unwrap label`. */
  const pipeline = (): Array<Stage> => {
    const stages: Array<Stage> = []
    for (;;) {
      const t = peek()
      if (t.kind !== "SYMBOL") return stages
      if (t.text === "|=" || t.text === "!=" || t.text === "|~" || t.text === "!~") {
        next()
        const value = expectString()
        if (t.text === "|~" || t.text === "!~") compileRegex(value, false, t)
        stages.push({ _tag: "LineFilter", op: t.text, value })
        continue
      }
      if (t.text !== "|") return stages
      next()
      const what = next()
      if (what.kind === "IDENTIFIER" && what.text === "logfmt") stages.push({ _tag: "Logfmt" })
      else if (what.kind === "IDENTIFIER" && what.text === "unwrap") {
        const label = next()
        if (label.kind !== "IDENTIFIER") return unexpected(label, "IDENTIFIER")
        stages.push({ _tag: "Unwrap", label: label.text })
      } else return unexpected(what)
    }
  }

  const logExpr = (): LogExpr => {
    const matchers = selector()
    requireNonEmptyMatcher(matchers)
    return { _tag: "Log", matchers, stages: pipeline() }
  }

  const grouping = (): { without: boolean; labels: Array<string> } | undefined => {
    const t = peek()
    if (t.kind !== "IDENTIFIER" || (t.text !== "by" && t.text !== "without")) return undefined
    next()
    expectSymbol("(")
    const labels: Array<string> = []
    while (!isSymbol(")")) {
      const l = next()
      if (l.kind !== "IDENTIFIER") return unexpected(l, ")")
      labels.push(l.text)
      if (isSymbol(",")) next()
      else if (!isSymbol(")")) return unexpected(peek(), ")")
    }
    next()
    return { without: t.text === "without", labels }
  }

  const metricExpr = (): MetricExpr => {
    const t = next()
    if (t.kind === "SYMBOL" && t.text === "(") {
      const inner = metricExpr()
      expectSymbol(")")
      return inner
    }
    if (t.kind !== "IDENTIFIER") return unexpected(t)
    if ((rangeFns as ReadonlyArray<string>).includes(t.text)) {
      const fn = t.text as RangeFn
      expectSymbol("(")
      let param: number | undefined
      if (fn === "quantile_over_time") {
        const p = next()
        if (p.kind !== "NUMBER") return unexpected(p, "NUMBER")
        param = p.value as number
        expectSymbol(",")
      }
      // the range may stand right after the selector or after the whole pipeline
      let log: LogExpr
      let rangeMs: number | undefined
      if (isSymbol("(")) {
        next()
        log = logExpr()
        expectSymbol(")")
      } else {
        const matchers = selector()
        requireNonEmptyMatcher(matchers)
        if (peek().kind === "RANGE") rangeMs = next().value as number
        log = { _tag: "Log", matchers, stages: pipeline() }
      }
      if (rangeMs === undefined) {
        const r = next()
        if (r.kind !== "RANGE") return unexpected(r, "RANGE")
        rangeMs = r.value as number
      } else if (peek().kind === "RANGE") return unexpected(peek(), ")")
      expectSymbol(")")
      const unwrap = log.stages.find((s) => s._tag === "Unwrap")
      if ((fn === "count_over_time" || fn === "rate") && unwrap !== undefined) {
        throw new ParseError(`parse error : invalid aggregation ${fn} with unwrap`)
      }
      if (fn !== "count_over_time" && fn !== "rate" && unwrap === undefined) {
        throw new ParseError(`parse error : invalid aggregation ${fn} without unwrap`)
      }
      return { _tag: "Range", fn, ...(param !== undefined ? { param } : {}), log, rangeMs }
    }
    if ((vectorFns as ReadonlyArray<string>).includes(t.text)) {
      let g = grouping()
      expectSymbol("(")
      const inner = metricExpr()
      expectSymbol(")")
      g ??= grouping()
      return { _tag: "Vector", fn: t.text as VectorFn, ...(g !== undefined ? { grouping: g } : {}), inner }
    }
    return unexpected(t)
  }

  const first = peek()
  const expr: Expr = first.kind === "SYMBOL" && first.text === "{" ? logExpr() : metricExpr()
  const end = next()
  if (end.kind !== "EOF") return unexpected(end)
  if (expr._tag === "Log" && expr.stages.some((s) => s._tag === "Unwrap")) {
    throw new ParseError("parse error : unwrap is only valid inside a range aggregation")
  }
  return expr
}

/** Whether a matcher accepts the empty value (Loki refuses selectors made only of such matchers). */
const matchesEmpty = (m: Matcher): boolean => {
  switch (m.op) {
    case "=":
      return m.value === ""
    case "!=":
      return m.value !== ""
    case "=~":
      return compileRegex(m.value, true).test("")
    case "!~":
      return !compileRegex(m.value, true).test("")
  }
}

const regexCache = new Map<string, RegExp>()

/** An RE2 pattern as a JS RegExp: label matchers are anchored at both ends (as Loki's), line filters are not. */
export const compileRegex = (pattern: string, anchored: boolean, at?: { readonly line: number; readonly col: number }): RegExp => {
  const key = `${anchored ? "^" : ""}${pattern}`
  const cached = regexCache.get(key)
  if (cached !== undefined) return cached
  let re: RegExp
  try {
    re = new RegExp(anchored ? `^(?:${pattern})$` : pattern, "su")
  } catch {
    return fail(at?.line ?? 1, at?.col ?? 1, `error parsing regexp: invalid regular expression: \`${pattern}\``)
  }
  regexCache.set(key, re)
  return re
}

// ---------------------------------------------------------------- evaluation

/** One stored log line. */
export interface Entry {
  /** Nanoseconds since the epoch. */
  readonly ts: bigint
  readonly line: string
}

/** One stream: its labels and its entries in time order (required: reading relies on it). */
export interface Stream {
  readonly labels: Readonly<Record<string, string>>
  readonly entries: ReadonlyArray<Entry>
}

const matches = (m: Matcher, labels: Readonly<Record<string, string>>): boolean => {
  const v = labels[m.name] ?? ""
  switch (m.op) {
    case "=":
      return v === m.value
    case "!=":
      return v !== m.value
    case "=~":
      return compileRegex(m.value, true).test(v)
    case "!~":
      return !compileRegex(m.value, true).test(v)
  }
}

/** logfmt pairs of a line: `key=value` or `key="quoted value"`; bare keys are skipped. */
export const logfmt = (line: string): Record<string, string> => {
  const out: Record<string, string> = {}
  const re = /([A-Za-z_][A-Za-z0-9_.-]*)=("(?:[^"\\]|\\.)*"|\S*)/g
  for (const m of line.matchAll(re)) {
    const raw = m[2]!
    let value = raw
    if (raw.startsWith('"')) {
      try {
        value = JSON.parse(raw) as string
      } catch {
        value = raw.slice(1, -1)
      }
    }
    out[m[1]!.replace(/[.-]/g, "_")] = value
  }
  return out
}

/** An entry after a pipeline: its labels (stream plus extracted), and the unwrapped value if any. */
export interface Processed {
  readonly ts: bigint
  readonly line: string
  readonly labels: Readonly<Record<string, string>>
  readonly value?: number
}

/** The first index of `entries` (in time order) at or after `ts`. */
const firstAtOrAfter = (entries: ReadonlyArray<Entry>, ts: bigint): number => {
  let lo = 0
  let hi = entries.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (entries[mid]!.ts < ts) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** One entry through a pipeline: undefined when a line filter drops it. */
const process = (expr: LogExpr, stream: Stream, e: Entry): Processed | undefined => {
  // the stream's own labels object unless a stage changes them (so label keys can be cached per object)
  let labels: Readonly<Record<string, string>> = stream.labels
  let value: number | undefined
  for (const st of expr.stages) {
    if (st._tag === "LineFilter") {
      const hit = st.op === "|=" || st.op === "!=" ? e.line.includes(st.value) : compileRegex(st.value, false).test(e.line)
      if ((st.op === "|=" || st.op === "|~") !== hit) return undefined
    } else if (st._tag === "Logfmt") {
      labels = { ...labels, ...Object.fromEntries(Object.entries(logfmt(e.line)).filter(([k]) => stream.labels[k] === undefined)) }
    } else {
      const raw = labels[st.label]
      const n = raw === undefined ? Number.NaN : Number(raw)
      if (!Number.isFinite(n)) {
        throw new PipelineError(
          `pipeline error: 'SampleExtractionErr' for series: '${labelsKey({ ...labels, __error__: "SampleExtractionErr" })}'.\nUse a label filter to intentionally skip this error. (e.g | __error__!="SampleExtractionErr").\nTo skip all potential errors you can match empty errors.(e.g __error__="")\nThe label filter can also be specified after unwrap. (e.g | unwrap latency | __error__="" )`
        )
      }
      value = n
      const { [st.label]: _dropped, ...rest } = labels
      labels = rest
    }
  }
  return { ts: e.ts, line: e.line, labels, ...(value !== undefined ? { value } : {}) }
}

/**
 * The entries of `streams` in [start, end) that pass the selector and
 * pipeline, each stream's in time order. With `cap`, at most `cap.limit` per
 * stream: its earliest ones, or its latest when `backward` (enough to pick
 * the `limit` earliest or latest of all).
 */
export const select = (expr: LogExpr, streams: ReadonlyArray<Stream>, start: bigint, end: bigint, cap?: { readonly limit: number; readonly backward: boolean }): Array<Processed> => {
  const out: Array<Processed> = []
  for (const s of streams) {
    if (!expr.matchers.every((m) => matches(m, s.labels))) continue
    const lo = firstAtOrAfter(s.entries, start)
    const hi = firstAtOrAfter(s.entries, end)
    const limit = cap?.limit ?? Number.POSITIVE_INFINITY
    if (cap?.backward === true) {
      const kept: Array<Processed> = []
      for (let i = hi - 1; i >= lo && kept.length < limit; i--) {
        const p = process(expr, s, s.entries[i]!)
        if (p !== undefined) kept.push(p)
      }
      for (let i = kept.length - 1; i >= 0; i--) out.push(kept[i]!)
    } else {
      let kept = 0
      for (let i = lo; i < hi && kept < limit; i++) {
        const p = process(expr, s, s.entries[i]!)
        if (p !== undefined) {
          out.push(p)
          kept++
        }
      }
    }
  }
  return out
}

/** A label set's identity (sorted `k="v"` pairs), as Loki's `labels.String()`. */
export const labelsKey = (labels: Readonly<Record<string, string>>): string => {
  const cached = keyCache.get(labels)
  if (cached !== undefined) return cached
  const key = `{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(", ")}}`
  keyCache.set(labels, key)
  return key
}

/** Label sets are never mutated once built, so their keys are cached per object. */
const keyCache = new WeakMap<Readonly<Record<string, string>>, string>()

/** One element of an instant vector. */
export interface Sample {
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

const quantile = (q: number, xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  if (s.length === 0) return Number.NaN
  if (q < 0) return Number.NEGATIVE_INFINITY
  if (q > 1) return Number.POSITIVE_INFINITY
  const rank = q * (s.length - 1)
  const lo = Math.floor(rank)
  const hi = Math.min(lo + 1, s.length - 1)
  return s[lo]! + (s[hi]! - s[lo]!) * (rank - lo)
}

/**
 * A metric expression at instant `t` (ns): range aggregations over the
 * entries in (t − range, t], as Loki's range vectors; a series with no entry
 * in its range has no sample.
 */
export const evaluate = (expr: MetricExpr, streams: ReadonlyArray<Stream>, t: bigint): Array<Sample> => {
  if (expr._tag === "Range") {
    const rangeNs = BigInt(expr.rangeMs) * 1_000_000n
    const entries = select(expr.log, streams, t - rangeNs + 1n, t + 1n)
    const groups = new Map<string, { labels: Readonly<Record<string, string>>; values: Array<number> }>()
    for (const e of entries) {
      const key = labelsKey(e.labels)
      const g = groups.get(key) ?? { labels: e.labels, values: [] }
      groups.set(key, g)
      g.values.push(e.value ?? 1)
    }
    const seconds = expr.rangeMs / 1000
    return [...groups.values()].map(({ labels, values }) => {
      const sum = values.reduce((a, v) => a + v, 0)
      const value = (() => {
        switch (expr.fn) {
          case "count_over_time":
            return values.length
          case "rate":
            return values.length / seconds
          case "sum_over_time":
            return sum
          case "avg_over_time":
            return sum / values.length
          case "min_over_time":
            return Math.min(...values)
          case "max_over_time":
            return Math.max(...values)
          case "quantile_over_time":
            return quantile(expr.param ?? 0.5, values)
        }
      })()
      return { labels, value }
    })
  }
  const inner = evaluate(expr.inner, streams, t)
  const groups = new Map<string, { labels: Record<string, string>; values: Array<number> }>()
  for (const s of inner) {
    const g = expr.grouping
    const labels: Record<string, string> =
      g === undefined
        ? {}
        : g.without
          ? Object.fromEntries(Object.entries(s.labels).filter(([k]) => !g.labels.includes(k)))
          : Object.fromEntries(Object.entries(s.labels).filter(([k]) => g.labels.includes(k)))
    const key = labelsKey(labels)
    const into = groups.get(key) ?? { labels, values: [] }
    groups.set(key, into)
    into.values.push(s.value)
  }
  return [...groups.values()].map(({ labels, values }) => {
    const sum = values.reduce((a, v) => a + v, 0)
    const value = expr.fn === "sum" ? sum : expr.fn === "avg" ? sum / values.length : expr.fn === "min" ? Math.min(...values) : expr.fn === "max" ? Math.max(...values) : values.length
    return { labels, value }
  })
}
