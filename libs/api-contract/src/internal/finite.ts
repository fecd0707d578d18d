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
