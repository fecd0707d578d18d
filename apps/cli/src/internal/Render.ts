/**
 * Small helpers for the human (non --json) output: aligned tables and number
 * formatting. Presentation only; no decisions here.
 */

/** Left-aligned columns separated by two spaces; the first row is the header. Every cell is made {@link inert}. */
export const table = (cells: ReadonlyArray<ReadonlyArray<string>>): string => {
  const rows = cells.map((row) => row.map(inert))
  const widths: Array<number> = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n")
}

/** A number with at most `digits` significant decimals, no trailing zeros. */
export const num = (x: number | null | undefined, digits = 3): string =>
  x === null || x === undefined || !Number.isFinite(x) ? "–" : String(Number(x.toFixed(digits)))

/** A signed number (+1.2 / −0.5). */
export const signed = (x: number, digits = 2): string => `${x >= 0 ? "+" : "−"}${num(Math.abs(x), digits)}`

const named: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" }

/**
 * Characters a terminal acts on rather than prints: C0 controls (escape
 * sequences start with ESC, line breaks start a forged line), DEL, C1
 * controls (U+009B is a one-byte CSI), Unicode line and paragraph
 * separators, and bidirectional overrides (which reorder what is shown).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const active = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/** Whether `text` holds a character a terminal would act on (see {@link inert}). */
export const hasControl = (text: string): boolean => text.search(active) !== -1

/**
 * Text rollwise did not write — a recorded `by` or `reason`, a service name,
 * an upstream error or warning — made inert for a terminal: every control
 * character becomes a visible escape (`\n`, `\x1b`, `\u202e`), so it can
 * neither move the cursor, recolour the screen nor start a line of its own.
 * Printable text, non-ASCII letters and emoji included, is unchanged. Only
 * for human output: `--json` escapes by itself and keeps the text exact.
 */
export const inert = (text: string): string =>
  text.replace(active, (c) => named[c] ?? (c.charCodeAt(0) <= 0xff ? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`))
