/**
 * Reads the secrets a notification needs — webhook URLs, tokens, HMAC keys —
 * from the references in the config, when it is sent, so a rotated secret is
 * picked up without a restart and no decoded config holds one. Values come
 * back `Redacted`: they print as `<redacted>`.
 */
import { Context, Data, Effect, Layer, Redacted } from "effect"
import { readFile } from "node:fs/promises"
import type { SecretRef } from "./Config.ts"

/**
 * A referenced secret cannot be read. `Missing`: the variable is unset or
 * the file does not exist; `Unreadable`: the file cannot be read; `Empty`:
 * it holds nothing. The detail names the variable or path, never a value.
 */
export class SecretError extends Data.TaggedError("SecretError")<{
  readonly reason: "Missing" | "Unreadable" | "Empty"
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.reason}: ${this.detail}`
  }
}

/** How a reference is named in messages. */
export const describe = (ref: SecretRef): string => ("env" in ref ? `environment variable ${ref.env}` : `file ${ref.file}`)

/** The port: resolve a reference to its value. */
export class Secrets extends Context.Service<
  Secrets,
  {
    readonly resolve: (ref: SecretRef) => Effect.Effect<Redacted.Redacted<string>, SecretError>
  }
>()("@rollwise/notify/Secrets") {}

/** Where {@link make} reads from. */
export interface Sources {
  readonly env: Readonly<Record<string, string | undefined>>
  /** The file's text, or a rejection carrying a Node error `code` (ENOENT …). */
  readonly readFile: (path: string) => Promise<string>
}

/** A Secrets reading `sources`: one trailing newline of a file is dropped (`echo … > file`, Kubernetes secrets written by hand). */
export const make = (sources: Sources): Secrets["Service"] => ({
  resolve: (ref) =>
    Effect.gen(function* () {
      if ("env" in ref) {
        const value = sources.env[ref.env]
        if (value === undefined) return yield* new SecretError({ reason: "Missing", detail: `${describe(ref)} is not set` })
        if (value.trim() === "") return yield* new SecretError({ reason: "Empty", detail: `${describe(ref)} is empty` })
        return Redacted.make(value.trim())
      }
      const text = yield* Effect.tryPromise({
        try: () => sources.readFile(ref.file),
        catch: (cause) => {
          const code = (cause as { code?: unknown })?.code
          return new SecretError({
            reason: code === "ENOENT" ? "Missing" : "Unreadable",
            detail: `${describe(ref)} ${code === "ENOENT" ? "does not exist" : `cannot be read (${typeof code === "string" ? code : "error"})`}`
          })
        }
      })
      const value = text.replace(/\r?\n$/, "").trim()
      if (value === "") return yield* new SecretError({ reason: "Empty", detail: `${describe(ref)} is empty` })
      return Redacted.make(value)
    })
})

/** Secrets from this process's environment and files. */
export const layer: Layer.Layer<Secrets> = Layer.sync(Secrets, () => make({ env: process.env, readFile: (path) => readFile(path, "utf8") }))

/** Secrets from fixed maps (tests): `env` by name, `files` by absolute path. */
export const layerMemory = (values: { readonly env?: Readonly<Record<string, string>>; readonly files?: Readonly<Record<string, string>> }): Layer.Layer<Secrets> =>
  Layer.succeed(
    Secrets,
    make({
      env: values.env ?? {},
      readFile: (path) => {
        const text = values.files?.[path]
        return text !== undefined ? Promise.resolve(text) : Promise.reject(Object.assign(new Error(`no such file ${path}`), { code: "ENOENT" }))
      }
    })
  )
