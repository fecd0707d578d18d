import { PlainText } from "@rollwise/input-schema"

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

/**
 * Text rollwise did not write — a recorded `by` or `reason`, a service name,
 * an upstream error or warning — made inert for a terminal (input-schema's
 * one rule: control characters, line separators and bidi overrides shown as
 * escapes). Only for human output: `--json` escapes by itself and keeps the
 * text exact.
 */
export const inert = PlainText.inert

/** Whether `text` holds a character a terminal would act on. */
export const hasControl = PlainText.hasControl
