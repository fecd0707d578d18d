/**
 * PowerShell as data: literals quoted so no value can leave its string, and
 * the `-EncodedCommand` form a script travels in, so no shell (cmd.exe on a
 * Windows OpenSSH server, sh here) ever parses it.
 */

/**
 * The characters PowerShell's tokenizer treats as a single quote inside a
 * single-quoted string: the ASCII apostrophe and the Unicode quotes U+2018,
 * U+2019, U+201A and U+201B. A pair of any of them is one literal quote; one
 * alone ends the string.
 */
export const singleQuotes: ReadonlyArray<string> = ["'", "\u2018", "\u2019", "\u201A", "\u201B"]

const quoteChars = /['\u2018\u2019\u201A\u201B]/g

/** A value that cannot be a PowerShell literal: NUL ends a native command line. */
export class UnquotableError extends Error {
  override readonly name = "UnquotableError"
}

/**
 * A single-quoted PowerShell literal whose value is exactly `value`: every
 * quote character is doubled (a single-quoted string expands nothing: no
 * `$()`, no backtick escapes). NUL is refused (it cannot be passed to
 * powershell.exe); a hosts file's values are checked for it when decoded.
 */
export const quote = (value: string): string => {
  if (value.includes("\u0000")) throw new UnquotableError("a PowerShell value cannot contain NUL")
  return `'${value.replace(quoteChars, (c) => c + c)}'`
}

/** A value a generated script binds to a variable. */
export type Value = string | number | boolean | ReadonlyArray<string> | ReadonlyArray<Readonly<Record<string, string | number>>>

const identifier = /^[A-Za-z][A-Za-z0-9]*$/

/** One value as a PowerShell expression: quoted strings, integers, `$true`/`$false`, `@(...)` of strings or of `@{...}` records. */
export const literal = (value: Value): string => {
  if (typeof value === "string") return quote(value)
  if (typeof value === "boolean") return value ? "$true" : "$false"
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new UnquotableError(`only integers are bound, got ${value}`)
    return String(value)
  }
  const items = value.map((item) => {
    if (typeof item === "string") return quote(item)
    const fields = Object.entries(item).map(([k, v]) => {
      if (!identifier.test(k)) throw new UnquotableError(`record keys are identifiers, got ${JSON.stringify(k)}`)
      return `${k} = ${literal(v)}`
    })
    return `@{ ${fields.join("; ")} }`
  })
  return `@(${items.join(", ")})`
}

/**
 * The base64 of the script's UTF-16LE bytes: what `powershell
 * -EncodedCommand` takes.
 */
export const encode = (script: string): string => Buffer.from(script, "utf16le").toString("base64")

/** The script back from an `-EncodedCommand` argument. */
export const decode = (encoded: string): string => Buffer.from(encoded, "base64").toString("utf16le")

/**
 * The command line sent over SSH: base64 only, so whatever shell the server
 * runs it with (cmd.exe, PowerShell, sh) passes it through untouched.
 */
export const commandLine = (script: string): string => `powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ${encode(script)}`
