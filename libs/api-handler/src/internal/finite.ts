/**
 * Whether every number in a JSON-like value is finite. The libraries' result
 * schemas only carry finite numbers, so a result that is not (an overflow
 * from extreme input) cannot be answered as is.
 */
export const allFinite = (value: unknown): boolean =>
  typeof value === "number"
    ? Number.isFinite(value)
    : Array.isArray(value)
      ? value.every(allFinite)
      : typeof value === "object" && value !== null
        ? Object.values(value).every(allFinite)
        : true

/** A number the wire can carry, or null: JSON has no NaN or Infinity, and the answers' schemas say "number or null". */
export const finiteOrNull = (x: number | null): number | null => (x !== null && Number.isFinite(x) ? x : null)
