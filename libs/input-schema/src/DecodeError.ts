import { Data } from "effect"

/**
 * Untrusted input did not match its schema. `source` is where it came from
 * (a file name, "request body"); `path` names the field (`metrics[0].kind`,
 * empty for the whole document); `detail` says what was expected. The tag
 * `DecodeError` is what the CLI maps to exit 3 and the HTTP API to 400.
 */
export class DecodeError extends Data.TaggedError("DecodeError")<{
  readonly source?: string
  readonly path: string
  readonly detail: string
  /** 1-based line of a line-oriented input (NDJSON, CSV), when known. */
  readonly line?: number
}> {
  override get message(): string {
    const where = [
      this.source,
      this.line === undefined ? undefined : `line ${this.line}`,
      this.path === "" ? undefined : this.path
    ].filter((part): part is string => part !== undefined)
    return where.length === 0 ? this.detail : `${where.join(": ")}: ${this.detail}`
  }
}
