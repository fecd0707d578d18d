import { Cause, Effect, Exit, Result, Schema, SchemaIssue } from "effect"
import { DecodeError } from "./DecodeError.ts"

/** Where an input came from, for the error message. */
export interface DecodeOptions {
  readonly source?: string
  readonly line?: number
}

const segment = /\[("(?:[^"\\]|\\.)*"|\d+)\]/g

/**
 * Render a Schema issue path (`["metrics"][0]["kind"]`) the way users write
 * it: `metrics[0].kind`.
 */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path
    .map((key, i) =>
      typeof key === "number" ? `[${key}]` : /^[A-Za-z_$][\w$-]*$/.test(String(key)) ? `${i === 0 ? "" : "."}${String(key)}` : `[${JSON.stringify(String(key))}]`
    )
    .join("")

/**
 * Split a SchemaError's text into the field path and a one-line detail, for
 * errors that arrive only as text (an HTTP framework's decode failure). Prefer
 * {@link describeIssue} when the issue itself is at hand.
 */
export const describe = (message: string): { readonly path: string; readonly detail: string } => {
  const lines = message.split("\n").map((l) => l.trim())
  const at = lines.find((l) => l.startsWith("at ["))
  const keys: Array<PropertyKey> = []
  if (at !== undefined) {
    for (const m of at.slice(3).matchAll(segment)) {
      const raw = m[1]!
      keys.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : Number(raw))
    }
  }
  const detail = lines
    .filter((l) => l !== "" && !l.startsWith("at ["))
    .join("; ")
    .replace(/^Expected no excess property$/, "unknown field (not in the schema)")
    .replace(/^Missing key$/, "required field is missing")
    .replace(/^Expected /, "expected ")
  return { path: formatPath(keys), detail }
}

const lowerExpected = (message: string): string => message.replace(/^Expected /, "expected ")

const leafHook: SchemaIssue.LeafHook = (issue) => {
  switch (issue._tag) {
    case "UnexpectedKey":
      return "unknown field (not in the schema)"
    case "MissingKey":
      return "required field is missing"
    default:
      return SchemaIssue.defaultLeafHook(issue)
  }
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1({ leafHook })

/** Longest detail kept: a whole rejected document echoed back is noise, not help. */
const maxDetail = 300

interface Problem {
  readonly path: ReadonlyArray<PropertyKey>
  readonly issue: SchemaIssue.Issue
}

/** Every problem of an issue tree, in order, with the path to it. */
const problems = (issue: SchemaIssue.Issue, path: ReadonlyArray<PropertyKey> = []): Array<Problem> => {
  switch (issue._tag) {
    case "Pointer":
      return problems(issue.issue, [...path, ...issue.path])
    case "Encoding":
      return problems(issue.issue, path)
    case "Composite":
      return issue.issues.flatMap((i) => problems(i, path))
    case "AnyOf":
      return issue.issues.length > 0 ? issue.issues.flatMap((i) => problems(i, path)) : [{ path, issue }]
    default:
      return [{ path, issue }]
  }
}

const isShapeProblem = (p: Problem) => p.issue._tag === "UnexpectedKey" || p.issue._tag === "MissingKey"

/**
 * The first problem of a Schema issue as the field path and a one-line
 * detail that says what was expected and, when the decode reported its
 * input, what was got: `{ path: "metrics[0].threshold", detail: "expected a
 * finite number, got NaN" }`. An empty path is the whole document. When no
 * member of a union matches, a bad value in one member is reported before
 * another member's unknown or missing fields: that member is the one the
 * input was meant to be.
 */
export const describeIssue = (issue: SchemaIssue.Issue): { readonly path: string; readonly detail: string } => {
  const all = problems(issue)
  const chosen = all.find((p) => !isShapeProblem(p)) ?? all[0]
  const first = chosen === undefined ? undefined : formatter(chosen.issue).issues[0]
  if (chosen === undefined || first === undefined) return { path: "", detail: "invalid input" }
  const inner = (first.path ?? []).map((p) => (typeof p === "object" && p !== null && "key" in p ? p.key : p))
  const detail = lowerExpected(first.message.split("\n").map((l) => l.trim()).filter((l) => l !== "").join("; "))
  return { path: formatPath([...chosen.path, ...inner]), detail: detail.length > maxDetail ? `${detail.slice(0, maxDetail - 1)}…` : detail }
}

/** A SchemaError in one line — `path: detail`, or the detail alone at the root — for an upstream's answer that does not decode. */
export const oneLine = (error: Schema.SchemaError): string => {
  const { path, detail } = describeIssue(error.issue)
  return path === "" ? detail : `${path}: ${detail}`
}

/** Options every decode uses: unknown fields are errors, the first problem is reported with the input it got. */
const strict = { onExcessProperty: "error", errors: "first", reportInput: true } as const

const toInputError = (error: unknown, options: DecodeOptions): DecodeError => {
  const { path, detail } = Schema.isSchemaError(error)
    ? describeIssue(error.issue)
    : describe(error instanceof Error ? error.message : String(error))
  return new DecodeError({
    path,
    detail,
    ...(options.source !== undefined ? { source: options.source } : {}),
    ...(options.line !== undefined ? { line: options.line } : {})
  })
}

/**
 * Decode untrusted input strictly: unknown fields are errors (a typo in a
 * config must not be silently ignored), and the first problem is reported as
 * an DecodeError naming the field, what was expected and what was got
 * (`metrics[0].threshold: expected a finite number, got NaN`).
 */
export const decode =
  <S extends Schema.Top & { readonly DecodingServices: never }>(schema: S, options: DecodeOptions = {}) =>
  (input: unknown): Effect.Effect<S["Type"], DecodeError> =>
    Effect.suspend(() => {
      const exit = Schema.decodeUnknownExit(schema)(input, strict)
      return Exit.isSuccess(exit)
        ? Effect.succeed(exit.value)
        : Effect.fail(toInputError(Cause.squash(exit.cause), options))
    })

/** The same as `decode`, as a Result, for hot loops and pure code that avoids Effect. */
export const decodeResult =
  <S extends Schema.Top & { readonly DecodingServices: never }>(schema: S, options: DecodeOptions = {}) =>
  (input: unknown): Result.Result<S["Type"], DecodeError> => {
    const exit = Schema.decodeUnknownExit(schema)(input, strict)
    return Exit.isSuccess(exit) ? Result.succeed(exit.value) : Result.fail(toInputError(Cause.squash(exit.cause), options))
  }

/** Fail with an DecodeError built from its parts (for checks a schema cannot express). */
export const fail = (error: { readonly source?: string; readonly path?: string; readonly detail: string; readonly line?: number }) =>
  Effect.fail(
    new DecodeError({
      path: error.path ?? "",
      detail: error.detail,
      ...(error.source !== undefined ? { source: error.source } : {}),
      ...(error.line !== undefined ? { line: error.line } : {})
    })
  )

/**
 * Check a document's `kind` before its schema, so that handing one file for
 * another ("a GatePolicy where an SloSpec belongs") says so in words instead
 * of listing the first field the wrong schema does not know.
 */
export const expectKind = (input: unknown, kind: string, source: string): Effect.Effect<void, DecodeError> => {
  const actual = typeof input === "object" && input !== null && !Array.isArray(input) ? (input as { kind?: unknown }).kind : undefined
  return actual === undefined || actual === kind
    ? Effect.void
    : fail({ source, path: "kind", detail: `expected "${kind}", got ${JSON.stringify(actual)} (is this the right file?)` })
}
