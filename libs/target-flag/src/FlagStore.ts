/**
 * Where flag documents live between the rollout that changes them and the
 * API that serves them: a port with optimistic concurrency (every change
 * names the version it replaces), kept in memory (tests, one process) or
 * as one JSON file per flag in a directory (`<dir>/<key>.json`, written to
 * a temporary file and renamed over the old one, under a per-flag lock
 * file), so a `rollwise serve` process and a `rollwise rollout` process on
 * one host share it: readers never see half a document, and two writers
 * never both win.
 */
import { Decode } from "@rollwise/input-schema"
import { Context, Data, Effect, Layer, Ref } from "effect"
import { Flags } from "@rollwise/api-contract"
import { FlagDocument } from "./FlagDocument.ts"
import * as Files from "./internal/files.ts"

/**
 * A flag store refused or failed an operation. `Conflict`: the flag
 * changed since the version the caller read (read it again and retry);
 * `Invalid`: a key that cannot be a flag key, or a stored file that is not
 * a flag document; `Io`: the file system failed.
 */
export class FlagStoreError extends Data.TaggedError("FlagStoreError")<{
  readonly reason: "Conflict" | "Invalid" | "Io"
  /** One line, no secrets. */
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.reason}: ${this.detail}`
  }
}

/** The flag store port. */
export class FlagStore extends Context.Service<
  FlagStore,
  {
    /** The flag's current document, or undefined when there is none. */
    readonly get: (key: string) => Effect.Effect<FlagDocument | undefined, FlagStoreError>
    /**
     * Store a new version of a flag. `doc.version` must be the current
     * version + 1 (0 for a new flag); when `expectedVersion` is given the
     * current version must also be exactly it (−1: the flag must not exist
     * yet). Anything else fails with `Conflict` and changes nothing.
     * Returns the document stored.
     */
    readonly put: (doc: FlagDocument, expectedVersion?: number) => Effect.Effect<FlagDocument, FlagStoreError>
    /** Every flag, by key. */
    readonly list: () => Effect.Effect<ReadonlyArray<FlagDocument>, FlagStoreError>
  }
>()("rollwise/target-flag/FlagStore") {}

const keyPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/** Fails with `Invalid` unless the key matches the flag-key pattern (it names a file). */
const checkKey = (key: string): Effect.Effect<void, FlagStoreError> =>
  keyPattern.test(key) ? Effect.void : Effect.fail(new FlagStoreError({ reason: "Invalid", detail: `${JSON.stringify(key.slice(0, 140))} is not a flag key (letters, digits, '.', '_', '-'; at most 128)` }))

/** The optimistic-concurrency rule, shared by both stores: undefined when `doc` may replace `current`. */
const conflict = (doc: FlagDocument, current: FlagDocument | undefined, expectedVersion: number | undefined): FlagStoreError | undefined => {
  const have = current?.version ?? -1
  if (expectedVersion !== undefined && have !== expectedVersion) {
    return new FlagStoreError({ reason: "Conflict", detail: `flag ${doc.key} is at version ${have === -1 ? "none (absent)" : have}, not ${expectedVersion}` })
  }
  if (doc.version !== have + 1) {
    return new FlagStoreError({ reason: "Conflict", detail: `flag ${doc.key} version ${doc.version} does not follow the stored ${have === -1 ? "none (a new flag starts at 0)" : have}` })
  }
  return undefined
}

const decodeDoc = (input: unknown, source: string): Effect.Effect<FlagDocument, FlagStoreError> =>
  Effect.mapError(Decode.decode(FlagDocument, { source })(input), (e) => new FlagStoreError({ reason: "Invalid", detail: e.message, cause: e }))

/** A store in memory: for tests and a single process. */
export const makeMemory = (initial: Iterable<FlagDocument> = []): Effect.Effect<FlagStore["Service"]> =>
  Effect.map(Ref.make(new Map<string, FlagDocument>([...initial].map((d) => [d.key, d] as const))), (ref) =>
    FlagStore.of({
      get: (key) => Effect.andThen(checkKey(key), Effect.map(Ref.get(ref), (m) => m.get(key))),
      put: (doc, expectedVersion) =>
        Effect.andThen(
          decodeDoc(doc, `flag ${doc.key}`),
          (valid) =>
            Effect.flatten(
              Ref.modify(ref, (m): readonly [Effect.Effect<FlagDocument, FlagStoreError>, Map<string, FlagDocument>] => {
                const error = conflict(valid, m.get(valid.key), expectedVersion)
                return error !== undefined ? [Effect.fail(error), m] : [Effect.succeed(valid), new Map(m).set(valid.key, valid)]
              })
            )
        ),
      list: () => Effect.map(Ref.get(ref), (m) => [...m.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)))
    })
  )

/** The in-memory store as a layer. */
export const layerMemory = (initial: Iterable<FlagDocument> = []): Layer.Layer<FlagStore> => Layer.effect(FlagStore, makeMemory(initial))

/** Options of the file store. */
export interface FileOptions {
  /** How long a writer waits for another process's lock on one flag before failing with `Conflict` (ms, default 5000). */
  readonly lockTimeoutMs?: number
  /** A lock file older than this is a crashed writer's and is removed (ms, default 30000). */
  readonly staleLockMs?: number
}

/**
 * A store of one JSON file per flag in `dir` (created if missing):
 * `<dir>/<key>.json`, pretty-printed, written atomically (temporary file,
 * fsync, rename) under `<dir>/<key>.json.lock` (created exclusively), so
 * processes on one host can share the directory.
 */
export const makeFile = (dir: string, options: FileOptions = {}): Effect.Effect<FlagStore["Service"], FlagStoreError> =>
  Effect.gen(function* () {
    const io = (what: string) => (cause: unknown) => new FlagStoreError({ reason: "Io", detail: `${what}: ${Files.describe(cause)}`, cause })
    yield* Effect.tryPromise({ try: () => Files.ensureDir(dir), catch: io(`cannot create the flag directory ${dir}`) })
    const read = (key: string) =>
      Effect.flatMap(
        Effect.tryPromise({ try: () => Files.readText(Files.pathOf(dir, key)), catch: io(`cannot read flag ${key}`) }),
        (text) => {
          if (text === undefined) return Effect.succeed(undefined)
          let json: unknown
          try {
            json = JSON.parse(text)
          } catch (e) {
            return Effect.fail(new FlagStoreError({ reason: "Invalid", detail: `${Files.pathOf(dir, key)} is not JSON: ${Files.describe(e)}` }))
          }
          return decodeDoc(json, Files.pathOf(dir, key))
        }
      )
    return FlagStore.of({
      get: (key) => Effect.andThen(checkKey(key), read(key)),
      put: (doc, expectedVersion) =>
        Effect.gen(function* () {
          const valid = yield* decodeDoc(doc, `flag ${doc.key}`)
          const lock = yield* Effect.tryPromise({
            try: () => Files.lock(Files.pathOf(dir, valid.key) + ".lock", options.lockTimeoutMs ?? 5000, options.staleLockMs ?? 30_000),
            catch: io(`cannot lock flag ${valid.key}`)
          })
          if (lock === undefined) {
            return yield* new FlagStoreError({ reason: "Conflict", detail: `flag ${valid.key} is locked by another writer (${Files.pathOf(dir, valid.key)}.lock)` })
          }
          return yield* Effect.ensuring(
            Effect.gen(function* () {
              const error = conflict(valid, yield* read(valid.key), expectedVersion)
              if (error !== undefined) return yield* error
              yield* Effect.tryPromise({ try: () => Files.writeAtomic(Files.pathOf(dir, valid.key), JSON.stringify(valid, null, 2) + "\n"), catch: io(`cannot write flag ${valid.key}`) })
              return valid
            }),
            Effect.promise(() => lock.release())
          )
        }),
      list: () =>
        Effect.gen(function* () {
          const keys = yield* Effect.tryPromise({ try: () => Files.keys(dir), catch: io(`cannot list ${dir}`) })
          const docs: Array<FlagDocument> = []
          for (const key of keys) {
            const doc = yield* read(key)
            if (doc !== undefined) docs.push(doc)
          }
          return docs
        })
    })
  })

/** The file store as a layer. */
export const layerFile = (dir: string, options: FileOptions = {}): Layer.Layer<FlagStore, FlagStoreError> => Layer.effect(FlagStore, makeFile(dir, options))

/** The flag's HTTP ETag, as `GET /v1/flags/{key}` sends it: the version, quoted (`"4"`). */
export const etag = Flags.etag

/**
 * Whether an `If-None-Match` header matches the flag's ETag (answer 304):
 * `*`, or any entry of a comma-separated list, weak (`W/"4"`) or strong.
 */
export const notModified = Flags.notModified
