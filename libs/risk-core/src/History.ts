import { Effect } from "effect"
import { CsvSyntaxError, parseCsvRecords } from "./internal/csv.ts"
import { parseTimeValue } from "./internal/time.ts"
import { RiskInputError } from "./RiskInputError.ts"

/**
 * Past deploys as a numeric table, one deploy a row. `X` is **row-major**:
 * the value of feature `c` on row `r` is `X[r * featureNames.length + c]`.
 * `y` holds the 0/1 labels (1 = the deploy failed). When a time column was
 * named, rows are in time order (a stable sort: ties keep file order) and
 * `time` holds each row's time (epoch milliseconds for dates, the number
 * itself otherwise); without one, rows keep file order. `lines` gives each
 * row's 1-based line in the source so later errors can name it. `skipped`
 * lists the non-numeric columns left out because no `features` list was
 * given (ids, hashes, free text).
 */
export interface HistoryTable {
  readonly featureNames: ReadonlyArray<string>
  readonly rows: number
  readonly X: Float64Array
  readonly y: Uint8Array
  readonly time?: Float64Array
  readonly lines: Uint32Array
  readonly skipped: ReadonlyArray<SkippedColumn>
}

/** A column left out of the features, and why. */
export interface SkippedColumn {
  readonly column: string
  readonly reason: string
}

/** How to read a history file. */
export interface ParseOptions {
  /** The 0/1 label column (`--label`; the CLI's default is `failed`). */
  readonly label: string
  /**
   * The feature columns, in this order. When absent, every other column is a
   * feature except the label, the time column and `drop`, and a column whose
   * cells are mostly non-numeric is skipped (and listed in `skipped`); a
   * mostly numeric column with a non-numeric cell is an error on that row.
   */
  readonly features?: ReadonlyArray<string>
  /** A time column: rows are sorted by it, and training splits by it. */
  readonly time?: string
  /** Columns to ignore (ids, leaking columns such as ISSTA's `__`). */
  readonly drop?: ReadonlyArray<string>
}

type Cell =
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "missing" }
  | { readonly kind: "nonfinite"; readonly shown: string }
  | { readonly kind: "text"; readonly shown: string }

const numberText = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const nonFiniteText = /^[+-]?(?:nan|inf|infinity)$/i

const show = (text: string): string => JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text)

const textCell = (raw: string): Cell => {
  const text = raw.trim()
  if (text === "") return { kind: "missing" }
  if (numberText.test(text)) {
    const value = Number(text)
    return Number.isFinite(value) ? { kind: "number", value } : { kind: "nonfinite", shown: show(text) }
  }
  if (nonFiniteText.test(text)) return { kind: "nonfinite", shown: show(text) }
  const lower = text.toLowerCase()
  if (lower === "true") return { kind: "number", value: 1 }
  if (lower === "false") return { kind: "number", value: 0 }
  return { kind: "text", shown: show(text) }
}

const jsonCell = (value: unknown): Cell => {
  if (value === null || value === undefined) return { kind: "missing" }
  if (typeof value === "number") return Number.isFinite(value) ? { kind: "number", value } : { kind: "nonfinite", shown: String(value) }
  if (typeof value === "boolean") return { kind: "number", value: value ? 1 : 0 }
  if (typeof value === "string") return { kind: "text", shown: show(value) }
  return { kind: "text", shown: show(JSON.stringify(value)) }
}

/** A source after syntax parsing: column names and rows of raw cells. */
interface Source<R> {
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<{ readonly line: number; readonly cells: R }>
  readonly cell: (cells: R, column: number) => Cell
  readonly timeText: (cells: R, column: number) => string | undefined
}

const fail = (message: string, extra: { readonly row?: number; readonly field?: string } = {}) =>
  Effect.fail(new RiskInputError({ reason: "InvalidHistory", message, ...extra }))

const at = (line: number, column: string) => `row ${line}, column ${column}`

const build = <R>(source: Source<R>, options: ParseOptions, headerLine: number | undefined): Effect.Effect<HistoryTable, RiskInputError> => {
  const { columns, rows } = source
  const index = new Map<string, number>()
  columns.forEach((name, i) => index.set(name, i))
  const known = () => columns.map((c) => JSON.stringify(c)).join(", ")
  const headerRow = headerLine !== undefined ? { row: headerLine } : {}
  const labelIndex = index.get(options.label)
  if (labelIndex === undefined) {
    return fail(`label column "${options.label}" not found (columns: ${known()})`, { ...headerRow, field: options.label })
  }
  const timeIndex = options.time === undefined ? undefined : index.get(options.time)
  if (options.time !== undefined && timeIndex === undefined) {
    return fail(`time column "${options.time}" not found (columns: ${known()})`, { ...headerRow, field: options.time })
  }
  for (const name of options.drop ?? []) {
    if (!index.has(name)) return fail(`column "${name}" to drop not found (columns: ${known()})`, { ...headerRow, field: name })
  }
  const reserved = new Set<string>([options.label, ...(options.time !== undefined ? [options.time] : []), ...(options.drop ?? [])])
  const explicit = options.features !== undefined
  let candidates: Array<string>
  if (options.features !== undefined) {
    if (options.features.length === 0) return fail("no feature columns given")
    const seen = new Set<string>()
    for (const name of options.features) {
      if (!index.has(name)) return fail(`feature column "${name}" not found (columns: ${known()})`, { ...headerRow, field: name })
      if (name === options.label) return fail(`the label column "${name}" cannot also be a feature`, { field: name })
      if (name === options.time) return fail(`the time column "${name}" cannot also be a feature`, { field: name })
      if (options.drop?.includes(name)) return fail(`column "${name}" is both a feature and dropped`, { field: name })
      if (seen.has(name)) return fail(`feature column "${name}" is listed twice`, { field: name })
      seen.add(name)
    }
    candidates = [...options.features]
  } else {
    candidates = columns.filter((c) => !reserved.has(c))
  }
  if (rows.length === 0) return fail("empty history: no data rows")

  // Without a features list, leave out the mostly non-numeric columns
  const skipped: Array<SkippedColumn> = []
  if (!explicit) {
    const kept: Array<string> = []
    for (const name of candidates) {
      const c = index.get(name)!
      let text = 0
      let first: { line: number; shown: string } | undefined
      for (const row of rows) {
        const cell = source.cell(row.cells, c)
        if (cell.kind === "text") {
          text++
          first ??= { line: row.line, shown: cell.shown }
        }
      }
      if (first !== undefined && text * 2 > rows.length) {
        skipped.push({ column: name, reason: `not numeric (${text} of ${rows.length} rows, e.g. ${first.shown} on row ${first.line})` })
      } else kept.push(name)
    }
    candidates = kept
    if (candidates.length === 0) return fail("no numeric feature columns")
  }

  const d = candidates.length
  const featureIdx = candidates.map((name) => index.get(name)!)
  const n = rows.length
  const X = new Float64Array(n * d)
  const y = new Uint8Array(n)
  const lines = new Uint32Array(n)
  const time = timeIndex === undefined ? undefined : new Float64Array(n)
  for (let r = 0; r < n; r++) {
    const row = rows[r]!
    lines[r] = row.line
    const label = source.cell(row.cells, labelIndex)
    if (label.kind === "missing") return fail(`${at(row.line, options.label)}: missing label`, { row: row.line, field: options.label })
    if (label.kind !== "number" || (label.value !== 0 && label.value !== 1)) {
      const got = label.kind === "number" ? String(label.value) : label.shown
      return fail(`${at(row.line, options.label)}: label must be 0 or 1, got ${got}`, { row: row.line, field: options.label })
    }
    y[r] = label.value
    for (let j = 0; j < d; j++) {
      const cell = source.cell(row.cells, featureIdx[j]!)
      const name = candidates[j]!
      switch (cell.kind) {
        case "number":
          X[r * d + j] = cell.value
          break
        case "missing":
          return fail(`${at(row.line, name)}: missing value`, { row: row.line, field: name })
        case "nonfinite":
          return fail(`${at(row.line, name)}: expected a finite number, got ${cell.shown}`, { row: row.line, field: name })
        case "text":
          return fail(`${at(row.line, name)}: expected a number, got ${cell.shown}`, { row: row.line, field: name })
      }
    }
    if (time !== undefined) {
      const raw = source.timeText(row.cells, timeIndex!)
      const t = raw === undefined ? undefined : parseTimeValue(raw)
      if (t === undefined) {
        return fail(
          `${at(row.line, options.time!)}: expected a time (a number or a date such as 2025-03-14T09:30:00Z), got ${raw === undefined ? "nothing" : show(raw)}`,
          { row: row.line, field: options.time! }
        )
      }
      time[r] = t
    }
  }
  if (time === undefined) return Effect.succeed({ featureNames: candidates, rows: n, X, y, lines, skipped })
  return Effect.succeed(sortByTime({ featureNames: candidates, rows: n, X, y, lines, skipped }, time))
}

const sortByTime = (table: Omit<HistoryTable, "time">, time: Float64Array): HistoryTable => {
  const n = table.rows
  const order = Array.from({ length: n }, (_, i) => i)
  let sorted = true
  for (let i = 1; i < n && sorted; i++) if (time[i]! < time[i - 1]!) sorted = false
  if (sorted) return { ...table, time }
  order.sort((a, b) => time[a]! - time[b]! || a - b)
  return select({ ...table, time }, order)
}

/**
 * The rows `indices` of a table, in that order (for splits and folds). The
 * result shares nothing with `table`.
 */
export const select = (table: HistoryTable, indices: ArrayLike<number>): HistoryTable => {
  const d = table.featureNames.length
  const m = indices.length
  const X = new Float64Array(m * d)
  const y = new Uint8Array(m)
  const lines = new Uint32Array(m)
  const time = table.time === undefined ? undefined : new Float64Array(m)
  for (let k = 0; k < m; k++) {
    const r = indices[k]!
    X.set(table.X.subarray(r * d, r * d + d), k * d)
    y[k] = table.y[r]!
    lines[k] = table.lines[r]!
    if (time !== undefined) time[k] = table.time![r]!
  }
  return {
    featureNames: table.featureNames,
    rows: m,
    X,
    y,
    lines,
    skipped: table.skipped,
    ...(time !== undefined ? { time } : {})
  }
}

/** Rows `start` (included) to `end` (excluded): a time split when the table is time-ordered. */
export const slice = (table: HistoryTable, start: number, end: number): HistoryTable => {
  const from = Math.max(0, Math.min(start, table.rows))
  const to = Math.max(from, Math.min(end, table.rows))
  return select(table, Array.from({ length: to - from }, (_, i) => from + i))
}

/** Column `name` of a table as a new array, or `undefined` when the table has no such feature. */
export const column = (table: HistoryTable, name: string): Float64Array | undefined => {
  const j = table.featureNames.indexOf(name)
  if (j === -1) return undefined
  const d = table.featureNames.length
  const out = new Float64Array(table.rows)
  for (let r = 0; r < table.rows; r++) out[r] = table.X[r * d + j]!
  return out
}

/**
 * Parse a CSV history (RFC 4180; header on line 1). Errors name the row (the
 * 1-based line number) and column: a missing label column, a label other than
 * 0/1 (`true`/`false` read as 1/0), a missing, non-numeric, NaN or infinite
 * value, a row with the wrong number of cells, duplicate column names, or no
 * data rows. An empty header cell (a pandas index column) is named
 * `column<N>` after its 1-based position.
 */
export const parseCsv = (text: string, options: ParseOptions): Effect.Effect<HistoryTable, RiskInputError> => {
  const records = parseCsvRecords(text)
  if (records instanceof CsvSyntaxError) return fail(`row ${records.line}: ${records.problem}`, { row: records.line })
  const header = records[0]
  if (header === undefined) return fail("empty history: no header and no rows")
  const columns = header.cells.map((c, i) => (c.trim() === "" ? `column${i + 1}` : c.trim()))
  const seen = new Set<string>()
  for (const name of columns) {
    if (seen.has(name)) return fail(`row ${header.line}: duplicate column "${name}"`, { row: header.line, field: name })
    seen.add(name)
  }
  const rows = records.slice(1)
  for (const row of rows) {
    if (row.cells.length !== columns.length) {
      return fail(`row ${row.line}: expected ${columns.length} cells, got ${row.cells.length}`, { row: row.line })
    }
  }
  return build<ReadonlyArray<string>>(
    {
      columns,
      rows,
      cell: (cells, c) => textCell(cells[c]!),
      timeText: (cells, c) => (cells[c]!.trim() === "" ? undefined : cells[c]!)
    },
    options,
    header.line
  )
}

/**
 * Parse a JSONL history: one JSON object a line (blank lines skipped), keys
 * are columns (the union over all rows, in order of first appearance).
 * Numbers are values; `true`/`false` read as 1/0; strings are text (never
 * read as numbers). Errors name the row (line number) and column like
 * {@link parseCsv}, plus a line that is not a JSON object.
 */
export const parseJsonl = (text: string, options: ParseOptions): Effect.Effect<HistoryTable, RiskInputError> => {
  const rows: Array<{ line: number; cells: Record<string, unknown> }> = []
  const columns: Array<string> = []
  const seen = new Set<string>()
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim()
    if (raw === "") continue
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch (e) {
      const why = e instanceof Error ? e.message.split("\n")[0] : String(e)
      return fail(`row ${i + 1}: invalid JSON (${why})`, { row: i + 1 })
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return fail(`row ${i + 1}: expected a JSON object, got ${Array.isArray(value) ? "an array" : JSON.stringify(value)}`, { row: i + 1 })
    }
    const record = value as Record<string, unknown>
    for (const key of Object.keys(record)) {
      if (!seen.has(key)) {
        seen.add(key)
        columns.push(key)
      }
    }
    rows.push({ line: i + 1, cells: record })
  }
  if (rows.length === 0) return fail("empty history: no data rows")
  return build<Record<string, unknown>>(
    {
      columns,
      rows,
      cell: (cells, c) => jsonCell(Object.hasOwn(cells, columns[c]!) ? cells[columns[c]!] : undefined),
      timeText: (cells, c) => {
        const v = Object.hasOwn(cells, columns[c]!) ? cells[columns[c]!] : undefined
        return typeof v === "number" || typeof v === "string" ? String(v) : undefined
      }
    },
    options,
    undefined
  )
}

/**
 * Whether a table can train a model: at least 2 rows, both labels present,
 * and no constant feature column (it would carry no information and breaks
 * standardization). Errors name the column.
 */
export const checkTrainable = (table: HistoryTable): Effect.Effect<void, RiskInputError> => {
  const notTrainable = (message: string, field?: string) =>
    Effect.fail(new RiskInputError({ reason: "NotTrainable", message, ...(field !== undefined ? { field } : {}) }))
  if (table.rows === 0) return notTrainable("empty history: no data rows")
  let positives = 0
  for (let r = 0; r < table.rows; r++) positives += table.y[r]!
  if (positives === 0 || positives === table.rows) {
    return notTrainable(`every row has label ${positives === 0 ? 0 : 1}: a model needs both failed and successful deploys`)
  }
  const d = table.featureNames.length
  for (let j = 0; j < d; j++) {
    const first = table.X[j]!
    let constant = true
    for (let r = 1; r < table.rows && constant; r++) if (table.X[r * d + j] !== first) constant = false
    if (constant) {
      const name = table.featureNames[j]!
      return notTrainable(`column ${name} is constant (every row is ${first}): it cannot inform a model; leave it out of the features`, name)
    }
  }
  return Effect.void
}
