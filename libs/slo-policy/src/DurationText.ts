/**
 * Durations as people write them in slo.yaml and policy.yaml: `30s`, `2m`,
 * `1h30m`, `1d`, `1w`. Whole seconds only.
 */

const units: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }

/**
 * Seconds in a duration string, or undefined when it is not one (empty, zero,
 * unknown unit, fractions, or units out of order like `1m1h`).
 */
export const parseSeconds = (text: string): number | undefined => {
  const trimmed = text.trim()
  if (!/^(\d+[wdhms])+$/.test(trimmed)) return undefined
  let total = 0
  let lastUnit = Number.POSITIVE_INFINITY
  for (const m of trimmed.matchAll(/(\d+)([wdhms])/g)) {
    const size = units[m[2]!]!
    if (size >= lastUnit) return undefined
    lastUnit = size
    total += Number(m[1]) * size
  }
  return total > 0 && Number.isSafeInteger(total) ? total : undefined
}

/** The shortest way to write a number of seconds (`120` → `2m`, `5400` → `1h30m`); PromQL accepts it. */
export const format = (seconds: number): string => {
  if (!Number.isFinite(seconds) || seconds <= 0) return "0s"
  let rest = Math.round(seconds)
  let out = ""
  for (const [unit, size] of Object.entries(units).sort(([, a], [, b]) => b - a)) {
    const n = Math.floor(rest / size)
    if (n > 0) {
      out += `${n}${unit}`
      rest -= n * size
    }
  }
  return out
}
