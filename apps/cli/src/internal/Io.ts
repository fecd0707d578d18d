import { Console, Data, Effect, FileSystem, Path } from "effect"
import { hasControl, inert } from "./Render.ts"

/**
 * A file the user named is missing, unreadable, malformed or fails its
 * schema. `file` is as the user wrote it; `detail` is one specific line.
 * The CLI exits 3 for it.
 */
export class CliInputError extends Data.TaggedError("CliInputError")<{
  readonly file: string
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.file}: ${this.detail}`
  }
}

/** An output could not be written (exit 3: the path is the user's). */
export class OutputError extends Data.TaggedError("OutputError")<{
  readonly file: string
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `cannot write ${this.file}: ${this.detail}`
  }
}

const describeSystemError = (error: unknown): string => {
  const tag = (error as { reason?: { _tag?: string } }).reason?._tag
  switch (tag) {
    case "NotFound":
      return "no such file"
    case "PermissionDenied":
      return "permission denied"
    case "BadResource":
      return "not a regular file"
    default:
      return error instanceof Error ? error.message : String(error)
  }
}

/** Read a text file, or `-` for standard input; a missing file is an CliInputError naming it. */
export const readText = (file: string) =>
  Effect.gen(function* () {
    if (file === "-") {
      return yield* Effect.tryPromise({
        try: async () => {
          const chunks: Array<Buffer> = []
          for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
          return Buffer.concat(chunks).toString("utf8")
        },
        catch: (cause) => new CliInputError({ file: "<stdin>", detail: "cannot read standard input", cause })
      })
    }
    const fs = yield* FileSystem.FileSystem
    return yield* fs.readFileString(file).pipe(
      Effect.mapError((cause) => new CliInputError({ file, detail: describeSystemError(cause), cause }))
    )
  })

/** Parse JSON text; a syntax error is an CliInputError with the parser's position. */
export const parseJson = (file: string, text: string) =>
  Effect.try({
    try: (): unknown => JSON.parse(text),
    catch: (cause) =>
      new CliInputError({ file, detail: `not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}`, cause })
  })

/** Parse YAML text (JSON is YAML too); errors carry the line and column. */
export const parseYamlText = (file: string, text: string) =>
  Effect.tryPromise({
    // loaded on demand: most commands never read YAML, and start-up should not pay for it
    try: async (): Promise<unknown> => {
      const yaml = await import("yaml")
      // bundled, the CommonJS package arrives as its default export
      const parse = (yaml as unknown as { readonly default?: typeof yaml }).default?.parse ?? yaml.parse
      return parse(text, { prettyErrors: true, strict: true, uniqueKeys: true })
    },
    catch: (cause) =>
      new CliInputError({
        file,
        detail: `not valid YAML: ${(cause instanceof Error ? cause.message : String(cause)).split("\n")[0]}`,
        cause
      })
  })

/** Read and parse a JSON file. */
export const readJson = (file: string) => Effect.flatMap(readText(file), (text) => parseJson(file, text))

/** Read and parse a YAML (or JSON) file. */
export const readYaml = (file: string) => Effect.flatMap(readText(file), (text) => parseYamlText(file, text))

/**
 * Write a file atomically: to a temporary sibling first, then rename over the
 * target, so a reader (or a crash) never sees half a file. Creates missing
 * parent folders.
 */
export const writeAtomic = (file: string, content: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const dir = path.dirname(path.resolve(file))
    const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`)
    const fail = (cause: unknown) => new OutputError({ file, detail: describeSystemError(cause), cause })
    yield* fs.makeDirectory(dir, { recursive: true }).pipe(Effect.mapError(fail))
    yield* fs.writeFileString(tmp, content).pipe(Effect.mapError(fail))
    yield* fs.rename(tmp, file).pipe(
      Effect.mapError(fail),
      Effect.tapError(() => fs.remove(tmp).pipe(Effect.ignore))
    )
  })

/** Print a value as pretty JSON on stdout (the `--json` contract: one document). */
export const printJson = (value: unknown) => Console.log(JSON.stringify(value, null, 2))

/** A progress or diagnostic line on stderr (never mixed into stdout), made {@link inert}: it may quote upstream text. */
export const note = (line: string) => Effect.sync(() => void process.stderr.write(`${inert(line)}\n`))

/**
 * A free-text flag the evidence records for people to read (`--by`,
 * `--reason`): 1 to `max` characters of one line, without control
 * characters, escape sequences or bidirectional overrides — the same rule
 * the HTTP API applies to `by` and `reason` (400 there, exit 3 here).
 */
export const plainField = (flag: string, value: string, max: number): Effect.Effect<string, CliInputError> =>
  value.length === 0
    ? Effect.fail(new CliInputError({ file: flag, detail: "must not be empty" }))
    : value.length > max
      ? Effect.fail(new CliInputError({ file: flag, detail: `${value.length} characters; at most ${max}` }))
      : hasControl(value)
        ? Effect.fail(new CliInputError({ file: flag, detail: `holds a control character (${JSON.stringify(value.slice(0, 60))}): give one line of plain text` }))
        : Effect.succeed(value)

/** Prefix a library's input error with the file it came from. */
export const inFile =
  (file: string) =>
  <A, R>(effect: Effect.Effect<A, { readonly message: string }, R>): Effect.Effect<A, CliInputError, R> =>
    Effect.mapError(effect, (e) => new CliInputError({ file, detail: e.message, cause: e }))

/** A gate blocked: exit 5, with every blocking reason in one line. */
export class GateBlockedError extends Data.TaggedError("GateBlockedError")<{ readonly reasons: ReadonlyArray<string> }> {
  override get message(): string {
    return `blocked: ${this.reasons.join("; ")}`
  }
}

/** A verdict whose action maps to a non-zero exit code under `--exit-code`; not an error, so nothing is printed. */
export class ActionExit extends Data.TaggedError("ActionExit")<{ readonly action: "promote" | "slow" | "rollback" }> {
  override get message(): string {
    return `verdict: ${this.action}`
  }
}
