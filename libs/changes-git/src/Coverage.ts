/**
 * Line coverage from the three report formats CI tools write: lcov
 * (`lcov.info`), Cobertura XML and JaCoCo XML. The format is recognised from
 * the content, not the file name.
 */

/** Line coverage of a whole report. `percent` is in [0, 100]. */
export interface LineCoverage {
  readonly format: "lcov" | "cobertura" | "jacoco"
  readonly covered: number
  readonly valid: number
  readonly percent: number
}

/** Why a report could not be read; the caller adds the file name. */
export class CoverageParseError extends Error {}

const attr = (tag: string, name: string): string | undefined => new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`).exec(tag)?.[1]

const finite = (text: string | undefined, what: string): number => {
  const n = Number(text)
  if (text === undefined || text.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new CoverageParseError(`${what} is ${text === undefined ? "missing" : `not a non-negative number ("${text}")`}`)
  }
  return n
}

const result = (format: LineCoverage["format"], covered: number, valid: number): LineCoverage => {
  if (valid === 0) throw new CoverageParseError(`the ${format} report counts no lines`)
  if (covered > valid) throw new CoverageParseError(`the ${format} report counts more covered lines (${covered}) than lines (${valid})`)
  return { format, covered, valid, percent: (100 * covered) / valid }
}

const lcov = (text: string): LineCoverage => {
  let found = 0
  let hit = 0
  for (const m of text.matchAll(/^LF:(.*)$/gm)) found += finite(m[1], "LF")
  for (const m of text.matchAll(/^LH:(.*)$/gm)) hit += finite(m[1], "LH")
  return result("lcov", hit, found)
}

const cobertura = (text: string): LineCoverage => {
  const root = /<coverage\b[^>]*>/.exec(text)?.[0] ?? ""
  const covered = attr(root, "lines-covered")
  const valid = attr(root, "lines-valid")
  if (covered !== undefined && valid !== undefined) return result("cobertura", finite(covered, "lines-covered"), finite(valid, "lines-valid"))
  const rate = finite(attr(root, "line-rate"), "line-rate")
  if (rate > 1) throw new CoverageParseError(`line-rate ${rate} is above 1`)
  return { format: "cobertura", covered: rate, valid: 1, percent: 100 * rate }
}

const jacoco = (text: string): LineCoverage => {
  // report-level counters come last, after every package
  const counters = [...text.matchAll(/<counter\b[^>]*\btype\s*=\s*"LINE"[^>]*\/?>/g)]
  const total = counters.at(-1)?.[0]
  if (total === undefined) throw new CoverageParseError("the JaCoCo report has no LINE counter")
  const missed = finite(attr(total, "missed"), "missed")
  const covered = finite(attr(total, "covered"), "covered")
  return result("jacoco", covered, missed + covered)
}

/**
 * Read a coverage report's text. Throws CoverageParseError when the format is
 * not recognised or the numbers are missing, negative or inconsistent, so a
 * broken report is never read as 0 % coverage.
 */
export const parse = (text: string): LineCoverage => {
  if (/<report\b/.test(text) && /<counter\b/.test(text)) return jacoco(text)
  if (/<coverage\b/.test(text)) return cobertura(text)
  if (/^(SF|LF|TN):/m.test(text)) return lcov(text)
  throw new CoverageParseError("not an lcov, Cobertura or JaCoCo report")
}

/** Coverage after minus before, in percentage points (negative when it dropped). */
export const delta = (before: LineCoverage, after: LineCoverage): number => after.percent - before.percent
