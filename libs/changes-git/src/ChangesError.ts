import { Data } from "effect"

/**
 * Why a ChangeSet could not be collected. `reason` says whose fault it is:
 * `GitUnavailable` is the machine's (exit 4); the rest are the caller's input
 * (exit 3).
 */
export class ChangesError extends Data.TaggedError("ChangesError")<{
  readonly reason:
    | "GitUnavailable"
    | "NotARepository"
    | "UnknownRevision"
    | "GitFailed"
    | "BadCoverageReport"
    | "BadManifest"
  /** The file, revision or repository the problem is about. */
  readonly subject: string
  /** One line, specific: what was expected and what was found. */
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.subject}: ${this.detail}`
  }
}
