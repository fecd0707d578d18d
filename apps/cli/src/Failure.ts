import { Cause, Data, Predicate, Runtime } from "effect"
import { ExitCode } from "./ExitCode.ts"
import { inert } from "./internal/Render.ts"

/**
 * A command that the design names but this version does not build yet. It is a
 * real, documented failure (exit 6), never a silent success.
 */
export class NotImplementedError extends Data.TaggedError("NotImplementedError")<{
  readonly command: string
  /** Where it is tracked: "issue #9", or the work it comes with when not yet filed. */
  readonly tracking: string
}> {
  override get message(): string {
    return `\`rollwise ${this.command}\` is not built yet in this version (tracked as ${this.tracking})`
  }
}

/**
 * The exit code each tagged error maps to. Libraries own their errors; the CLI
 * owns what they mean to a shell. Anything unlisted is a bug (exit 1).
 */
const exitCodeByTag: Readonly<Record<string, ExitCode>> = {
  NotImplementedError: ExitCode.NotImplemented,
  // effect/cli parse errors
  UnrecognizedOption: ExitCode.Usage,
  DuplicateOption: ExitCode.Usage,
  MissingOption: ExitCode.Usage,
  MissingArgument: ExitCode.Usage,
  UnexpectedArgument: ExitCode.Usage,
  InvalidValue: ExitCode.Usage,
  UnknownSubcommand: ExitCode.Usage,
  ValidationError: ExitCode.Usage,
  ShowHelp: ExitCode.Usage,
  UserError: ExitCode.BadInput,
  // rollwise input errors
  DecodeError: ExitCode.BadInput,
  CliInputError: ExitCode.BadInput,
  RiskInputError: ExitCode.BadInput,
  OutputError: ExitCode.BadInput,
  SchemaError: ExitCode.BadInput,
  ChangesError: ExitCode.BadInput,
  // dependencies
  PlatformError: ExitCode.Unavailable,
  GateBlockedError: ExitCode.Blocked,
  EvidenceError: ExitCode.Unavailable,
  RolloutRefused: ExitCode.Refused,
  RolloutEnded: ExitCode.VerdictRollback,
  DeployTargetError: ExitCode.Unavailable,
  ServerConfigError: ExitCode.Usage,
  SetupError: ExitCode.BadInput,
  TelemetryConfigError: ExitCode.BadInput,
  ServeError: ExitCode.Unavailable,
  // evidence publish/export to JFrog Artifactory: refused (401/403), 5xx/429 after retries, unreachable
  ArtifactoryError: ExitCode.Unavailable
}

/** Errors whose `reason` changes whose fault it is. */
const exitCodeByReason: Readonly<Record<string, Readonly<Record<string, ExitCode>>>> = {
  ChangesError: { GitUnavailable: ExitCode.Unavailable },
  EvidenceError: { NotFound: ExitCode.BadInput, Conflict: ExitCode.BadInput },
  RolloutEnded: { Aborted: ExitCode.Blocked },
  DeployTargetError: { NotFound: ExitCode.BadInput },
  ServerConfigError: { BadOption: ExitCode.BadInput },
  // a repository, item or build the user named does not exist; a conflicting write; a request Artifactory rejects
  ArtifactoryError: { NotFound: ExitCode.BadInput, Conflict: ExitCode.BadInput, BadRequest: ExitCode.BadInput }
}

/** What the user sees and the process returns for a failed run. */
export interface Report {
  readonly exitCode: ExitCode
  /** One line, no stack: what went wrong and, where it can, what to do. */
  readonly line: string
  /** The whole cause, shown only with `--debug`. */
  readonly detail: string
  /** Nothing to add on stderr: effect/cli printed the help the user asked for. */
  readonly alreadyShown: boolean
}

const tagOf = (error: unknown): string | undefined =>
  Predicate.hasProperty(error, "_tag") && Predicate.isString(error._tag) ? error._tag : undefined

const reasonOf = (tag: string, error: unknown): ExitCode | undefined => {
  const reason = Predicate.hasProperty(error, "reason") ? error.reason : undefined
  return Predicate.isString(reason) ? exitCodeByReason[tag]?.[reason] : undefined
}

const messageOf = (error: unknown): string => {
  // the server could not listen: the reason is the socket's (EADDRINUSE, EACCES), not the error's empty message
  if (tagOf(error) === "ServeError" && Predicate.hasProperty(error, "cause") && Predicate.hasProperty(error.cause, "message") && Predicate.isString(error.cause.message)) {
    return `cannot serve: ${error.cause.message}`
  }
  if (Predicate.hasProperty(error, "message") && Predicate.isString(error.message) && error.message.length > 0) {
    return error.message
  }
  return String(error)
}

/**
 * Collapse a message to one line (a multi-line cause would break CI log
 * parsers), with any other control character made inert: a message may
 * quote upstream text.
 */
const oneLine = (text: string): string => inert(text.replace(/\s*\n\s*/g, "; ").trim())

/**
 * Turn the cause of a failed run into a report. Expected failures map through
 * `exitCodeByTag`; defects (bugs) are exit 1 with a hint to re-run with --debug.
 */
export const report = (cause: Cause.Cause<unknown>): Report => {
  const detail = Cause.pretty(cause)
  if (Cause.hasInterruptsOnly(cause)) {
    return { exitCode: ExitCode.Interrupted, line: "interrupted", detail, alreadyShown: false }
  }
  const error = Cause.squash(cause)
  const failed = Cause.hasFails(cause)
  const tag = tagOf(error)
  if (failed && tag === "ActionExit" && Predicate.hasProperty(error, "action")) {
    // analyze --exit-code: the verdict is on stdout already; the code is the answer
    const code = error.action === "rollback" ? ExitCode.VerdictRollback : error.action === "slow" ? ExitCode.VerdictSlow : ExitCode.Ok
    return { exitCode: code, line: "", detail, alreadyShown: true }
  }
  if (failed && tag === "ShowHelp" && Predicate.hasProperty(error, "errors") && Array.isArray(error.errors)) {
    // a parse error: say what was wrong in one line (main holds back the help effect/cli renders for it)
    const problems: ReadonlyArray<unknown> = error.errors
    return problems.length === 0
      ? { exitCode: ExitCode.Ok, line: "", detail, alreadyShown: true }
      : {
          exitCode: ExitCode.Usage,
          line: oneLine(problems.map(messageOf).join("; ")),
          detail,
          alreadyShown: false
        }
  }
  if (failed && tag !== undefined && tag in exitCodeByTag) {
    return {
      exitCode: reasonOf(tag, error) ?? exitCodeByTag[tag] ?? ExitCode.Internal,
      line: oneLine(messageOf(error)),
      detail,
      alreadyShown: false
    }
  }
  return {
    exitCode: ExitCode.Internal,
    line: `internal error: ${oneLine(messageOf(error))} (a bug in rollwise; re-run with --debug and report it)`,
    detail,
    alreadyShown: false
  }
}

/**
 * The error `main` fails with after it has printed the report itself: it
 * carries the exit code for the runtime and tells it not to log again.
 */
export class Exited extends Data.TaggedError("Exited")<{ readonly code: number }> {
  override readonly [Runtime.errorExitCode]: number = this.code
  override readonly [Runtime.errorReported] = false
}
