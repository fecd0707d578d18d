/**
 * Small helpers for the human (non --json) output: aligned tables and number
 * formatting. Presentation only; no decisions here.
 */

/** Left-aligned columns separated by two spaces; the first row is the header. */
export const table = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths: Array<number> = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n")
}

/** A number with at most `digits` significant decimals, no trailing zeros. */
export const num = (x: number | null | undefined, digits = 3): string =>
  x === null || x === undefined || !Number.isFinite(x) ? "–" : String(Number(x.toFixed(digits)))

/** A signed number (+1.2 / −0.5). */
export const signed = (x: number, digits = 2): string => `${x >= 0 ? "+" : "−"}${num(Math.abs(x), digits)}`
