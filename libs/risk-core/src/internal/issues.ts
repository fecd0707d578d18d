import { Effect, Schema, SchemaIssue } from "effect"
import { type Reason, RiskInputError } from "../RiskInputError.ts"

/** Render a path like `moduleHistory.failures` or `dependencyBumps[1].name`. */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string => {
  let out = ""
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`
    else {
      const name = String(key)
      out += out === "" ? name : `.${name}`
    }
  }
  return out
}

const lowerFirst = (s: string) => (s.length > 0 ? s[0]!.toLowerCase() + s.slice(1) : s)

const leafHook: SchemaIssue.LeafHook = (issue) => {
  switch (issue._tag) {
    case "UnexpectedKey":
      return "unknown field"
    case "MissingKey":
      return "missing required field"
    default:
      return lowerFirst(SchemaIssue.defaultLeafHook(issue))
  }
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1({ leafHook })

/**
 * The first problem of a schema failure as one line that names the field:
 * `unknown field "colour"`, `field "moduleHistory.failures": expected a value
 * greater than or equal to 0, got -1`.
 */
export const describeIssue = (issue: SchemaIssue.Issue): { readonly field: string | undefined; readonly message: string } => {
  const first = formatter(issue).issues[0]
  if (first === undefined) return { field: undefined, message: "invalid input" }
  const path = (first.path ?? []).map((p) => (typeof p === "object" && p !== null && "key" in p ? p.key : p))
  const field = path.length > 0 ? formatPath(path) : undefined
  const message = lowerFirst(first.message)
  if (field === undefined) return { field, message }
  if (message === "unknown field") return { field, message: `unknown field "${field}"` }
  if (message === "missing required field") return { field, message: `missing required field "${field}"` }
  return { field, message: `field "${field}": ${message}` }
}

/** Options every decode in this library uses: reject unknown fields, show the offending input. */
export const strict = { onExcessProperty: "error", reportInput: true, errors: "first" } as const

/**
 * Decode `input` with `schema`, strictly, turning a schema failure into a
 * {@link RiskInputError} with the given reason and a one-line message.
 */
export const decodeStrict = <S extends Schema.Decoder<unknown>>(schema: S, reason: Reason, what: string) => {
  const decode = Schema.decodeUnknownEffect(schema, strict)
  return (input: unknown): Effect.Effect<S["Type"], RiskInputError, S["DecodingServices"]> =>
    decode(input).pipe(
      Effect.mapError((error) => {
        const { field, message } = describeIssue(error.issue)
        return new RiskInputError({
          reason,
          message: `${what}: ${message}`,
          ...(field !== undefined ? { field } : {})
        })
      })
    )
}
