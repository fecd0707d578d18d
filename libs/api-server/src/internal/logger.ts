import { Logger } from "effect"

/**
 * One JSON object per line: `time`, `level`, `msg`, the log annotations
 * flattened in, and `cause` for failures. Only what the code annotates is
 * written: request logs carry method, path, route, status and duration,
 * never headers, bodies or query strings, so no token reaches the log.
 */
export const jsonLines = (write: (line: string) => void) =>
  Logger.map(Logger.formatStructured, (entry) => {
    const line: Record<string, unknown> = { time: entry.timestamp, level: entry.level, msg: entry.message, ...entry.annotations }
    if (entry.cause !== undefined) line["cause"] = entry.cause
    write(JSON.stringify(line))
  })

/** Write a line to stderr. */
export const stderr = (line: string): void => {
  process.stderr.write(`${line}\n`)
}
