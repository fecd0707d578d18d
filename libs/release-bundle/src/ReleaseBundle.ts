/**
 * The integration bundle: a release manifest of per-platform artifacts with
 * streamed SHA-256, verified byte for byte.
 *
 * A release built on several agents (ARM, Linux, Windows) becomes one
 * document: the name and version, one artifact per platform with its size
 * and SHA-256, the git commit and CI build it came from, and optional SBOM
 * and signature references. Artifact paths are stored relative to the
 * manifest's folder, so the manifest travels with the files (an Artifactory
 * folder, a Jenkins archive) and `verify` still finds them.
 */
import { Decode, DecodeError } from "@rollwise/input-schema"
import { Redaction } from "@rollwise/redaction"
import { Data, Effect, Schema } from "effect"
import { isAbsolute, relative, resolve, sep } from "node:path"
import { type Digest, type Progress, sha256File } from "./internal/hash.ts"

export type { Digest, Progress } from "./internal/hash.ts"

/** Operating systems a platform key may name. */
export const operatingSystems = ["linux", "windows", "darwin", "freebsd", "android", "any"] as const
/** Architectures a platform key may name (Go's and Microsoft's spellings both, as build tools emit them). */
export const architectures = ["amd64", "x64", "x86", "386", "arm64", "aarch64", "armv7", "armv6", "arm", "riscv64", "ppc64le", "s390x", "universal", "noarch"] as const

const platformDescription = `a platform key <os>-<arch>[-variant], lowercase: os one of ${operatingSystems.join(", ")}; arch one of ${architectures.join(", ")} (e.g. linux-amd64, linux-arm64, windows-x64)`
const platformPattern = new RegExp(`^(${operatingSystems.join("|")})-(${architectures.join("|")})(-[a-z0-9]{1,32})?$`)

/**
 * A platform key: `<os>-<arch>` with an optional variant (`linux-amd64`,
 * `linux-arm64`, `windows-x64`, `linux-arm64-musl`), lowercase. A bundle
 * holds at most one artifact per key.
 */
export const PlatformKey = Schema.String.check(Schema.isPattern(platformPattern, { expected: platformDescription }))

/** Whether a text is a valid {@link PlatformKey}. */
export const isPlatformKey = (key: string): boolean => platformPattern.test(key)

const Sha256 = Schema.String.check(Schema.isPattern(/^[0-9a-f]{64}$/, { expected: "a SHA-256 digest: 64 lowercase hex digits" }))
const Size = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0, { expected: "a size in bytes: an integer ≥ 0" }))
const RelPath = Schema.String.check(Schema.isPattern(/^[^\p{Cc}]{1,1024}$/u, { expected: "a file path: 1 to 1024 characters, no control characters" }))
const Name = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, { expected: "a name: letters, digits and . _ -, at most 128 characters" }))
const Version = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9.+_~-]{0,127}$/, { expected: "a version: letters, digits and . + _ ~ -, at most 128 characters (2.5.0, 2.5.0-rc.1+b812)" }))
const Commit = Schema.String.check(Schema.isPattern(/^[0-9a-f]{7,64}$/, { expected: "a git commit: 7 to 64 lowercase hex digits" }))
const BuildNumber = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { expected: "a build number: letters, digits and . _ -, at most 64 characters" }))
// no userinfo: a BUILD_URL like https://user:token@jenkins/… would put a credential in every copy of the manifest
const Url = Schema.String.check(
  Schema.isPattern(/^https?:\/\/[^\s\p{Cc}/@?#]+(?:[/?#][^\s\p{Cc}]{0,2000})?$/u, { expected: "an http(s) URL without spaces or credentials (user:password@)" })
)
const Text = Schema.String.check(Schema.isPattern(/^[^\p{Cc}]{1,200}$/u, { expected: "one line of text, at most 200 characters" }))

/** One platform's deliverable: where it is (relative to the manifest), how big, and its SHA-256. */
export const Artifact = Schema.Struct({
  platform: PlatformKey,
  path: RelPath,
  size: Size,
  sha256: Sha256
})
export type Artifact = typeof Artifact.Type

/** A file beside the artifacts (an SBOM, a detached signature), hashed like them. */
export const FileReference = Schema.Struct({
  path: RelPath,
  size: Size,
  sha256: Sha256,
  format: Schema.optionalKey(Text)
})
/** A reference kept elsewhere (a signature in a transparency log, an SBOM in a registry): recorded, not verified. */
export const UrlReference = Schema.Struct({
  url: Url,
  format: Schema.optionalKey(Text)
})
/** An SBOM or signature reference: a file hashed with the bundle, or a URL. */
export const Reference = Schema.Union([FileReference, UrlReference])
export type Reference = typeof Reference.Type

/** The release manifest (`kind: ReleaseBundle`, `schemaVersion: 1`). */
export const Manifest = Schema.Struct({
  schemaVersion: Schema.Literal(1),
  kind: Schema.Literal("ReleaseBundle"),
  name: Name,
  version: Version,
  createdAt: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/, { expected: "an ISO 8601 UTC time" }))),
  git: Schema.optionalKey(Schema.Struct({ commit: Commit })),
  build: Schema.optionalKey(Schema.Struct({ number: Schema.optionalKey(BuildNumber), url: Schema.optionalKey(Url) })),
  artifacts: Schema.Array(Artifact).check(Schema.isMinLength(1, { expected: "at least one artifact" })),
  sbom: Schema.optionalKey(Reference),
  signature: Schema.optionalKey(Reference)
})
export type Manifest = typeof Manifest.Type

/**
 * Why a bundle could not be created or an artifact read. `file` is as the
 * manifest or the caller names it. The CLI maps it to exit 3 (the files are
 * the user's).
 */
export class BundleError extends Data.TaggedError("BundleError")<{
  readonly reason: "NotFound" | "NotAFile" | "Unreadable"
  readonly file: string
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.file}: ${this.detail}`
  }
}

const describeFsError = (file: string, cause: unknown): BundleError => {
  const code = (cause as { code?: unknown } | undefined)?.code
  if (code === "ENOENT") return new BundleError({ reason: "NotFound", file, detail: "no such file", cause })
  if (code === "EISDIR" || code === "ENOTFILE") return new BundleError({ reason: "NotAFile", file, detail: "not a regular file", cause })
  if (code === "EACCES" || code === "EPERM") return new BundleError({ reason: "Unreadable", file, detail: "permission denied", cause })
  return new BundleError({ reason: "Unreadable", file, detail: cause instanceof Error ? cause.message.split("\n")[0]! : String(cause), cause })
}

/**
 * Stream a file through SHA-256 (never read whole: memory is one 1 MiB
 * chunk). `onProgress` is called after every chunk; `name` is how errors
 * call the file (default: the path).
 */
export const hashFile = (file: string, options: { readonly onProgress?: Progress; readonly name?: string; readonly chunkSize?: number } = {}): Effect.Effect<Digest, BundleError> =>
  Effect.tryPromise({
    try: (signal) => sha256File(file, { ...options, signal }),
    catch: (cause) => describeFsError(options.name ?? file, cause)
  })

/**
 * Decode a manifest strictly: an unknown field or a bad value is one
 * DecodeError naming the field (`artifacts[1].sha256: expected a SHA-256
 * digest…`), and two artifacts for one platform are refused naming both.
 */
export const decodeManifest = (input: unknown, source?: string): Effect.Effect<Manifest, DecodeError> =>
  Effect.flatMap(Decode.expectKind(input, "ReleaseBundle", source ?? "manifest"), () =>
    Effect.flatMap(redacted(Decode.decode(Manifest, source === undefined ? {} : { source })(input)), (manifest) => {
      const duplicate = findDuplicate(manifest.artifacts.map((a) => a.platform))
      return duplicate === undefined
        ? Effect.succeed(manifest)
        : Decode.fail({
            ...(source === undefined ? {} : { source }),
            path: `artifacts[${duplicate.second}].platform`,
            detail: `duplicate platform ${duplicate.key} (already artifacts[${duplicate.first}]): a bundle holds one artifact per platform`
          })
    })
  )

/**
 * A decode error quotes the value it got: a URL with `user:token@` in it
 * must not come back whole in a build log (Redaction masks URL userinfo,
 * bearer tokens and key=value secrets).
 */
const redacted = <A>(effect: Effect.Effect<A, DecodeError>): Effect.Effect<A, DecodeError> =>
  Effect.mapError(effect, (e) => new DecodeError({ ...e, path: e.path, detail: Redaction.redact(e.detail) }))

/** The first key that occurs twice, with both positions. */
export const findDuplicate = (keys: ReadonlyArray<string>): { readonly key: string; readonly first: number; readonly second: number } | undefined => {
  const seen = new Map<string, number>()
  for (const [i, key] of keys.entries()) {
    const first = seen.get(key)
    if (first !== undefined) return { key, first, second: i }
    seen.set(key, i)
  }
  return undefined
}

/** A manifest path: relative to the manifest's folder, with `/` on every OS. */
const manifestPath = (baseDir: string, file: string): string => {
  const rel = relative(baseDir, resolve(file))
  return (rel === "" ? "." : rel).split(sep).join("/")
}

/** Where a manifest path points, given the manifest's folder (an absolute path stays as it is). */
export const resolveArtifact = (baseDir: string, path: string): string => (isAbsolute(path) ? path : resolve(baseDir, ...path.split("/")))

/** What `create` needs: the files, where the manifest will live, and the provenance. */
export interface CreateOptions {
  readonly name: string
  readonly version: string
  readonly artifacts: ReadonlyArray<{ readonly platform: string; readonly file: string }>
  /** The folder the manifest is written to: artifact paths are stored relative to it. */
  readonly baseDir: string
  readonly commit?: string | undefined
  readonly buildNumber?: string | undefined
  readonly buildUrl?: string | undefined
  /** A file path (hashed) or an http(s) URL (recorded as is). */
  readonly sbom?: string | undefined
  /** A file path (hashed) or an http(s) URL (recorded as is). */
  readonly signature?: string | undefined
  readonly createdAt?: string | undefined
  /** Called while each file is hashed, with its path as given. */
  readonly onProgress?: ((file: string, done: number, total: number) => void) | undefined
}

const isUrl = (text: string) => /^https?:\/\//.test(text)

/**
 * Hash every artifact (one after another: a disk reads fastest in sequence)
 * and build the manifest, decoded through {@link Manifest} so what is
 * written is what `verify` accepts. Platform keys are checked and duplicates
 * refused before any file is read.
 */
export const create = (options: CreateOptions): Effect.Effect<Manifest, BundleError | DecodeError> =>
  Effect.gen(function* () {
    // every flag is checked before any file is read: a typo should not cost a 2 GB hash
    yield* Decode.decode(Name, { source: "--name" })(options.name)
    yield* Decode.decode(Version, { source: "--version" })(options.version)
    if (options.commit !== undefined) yield* Decode.decode(Commit, { source: "--commit" })(options.commit)
    if (options.buildNumber !== undefined) yield* Decode.decode(BuildNumber, { source: "--build" })(options.buildNumber)
    if (options.buildUrl !== undefined) yield* redacted(Decode.decode(Url, { source: "--build-url" })(options.buildUrl))
    if (options.artifacts.length === 0) return yield* Decode.fail({ source: "--artifact", detail: "give at least one: --artifact linux-amd64=dist/app.tar.gz" })
    for (const a of options.artifacts) {
      if (!isPlatformKey(a.platform)) {
        return yield* Decode.fail({ source: "--artifact", detail: `${JSON.stringify(a.platform)} (for ${a.file}) is not ${platformDescription}` })
      }
    }
    const duplicate = findDuplicate(options.artifacts.map((a) => a.platform))
    if (duplicate !== undefined) {
      return yield* Decode.fail({ source: "--artifact", detail: `platform ${duplicate.key} is given twice (${options.artifacts[duplicate.first]!.file} and ${options.artifacts[duplicate.second]!.file}): a bundle holds one artifact per platform` })
    }
    const digestOf = (file: string) =>
      hashFile(file, options.onProgress === undefined ? {} : { onProgress: (done, total) => options.onProgress!(file, done, total) })
    const artifacts: Array<Artifact> = []
    for (const a of options.artifacts) {
      const digest = yield* digestOf(a.file)
      artifacts.push({ platform: a.platform, path: manifestPath(options.baseDir, a.file), ...digest })
    }
    const reference = (file: string | undefined) =>
      file === undefined
        ? Effect.succeed(undefined)
        : isUrl(file)
          ? Effect.succeed({ url: file })
          : Effect.map(digestOf(file), (d) => ({ path: manifestPath(options.baseDir, file), ...d }))
    const sbom = yield* reference(options.sbom)
    const signature = yield* reference(options.signature)
    const build = {
      ...(options.buildNumber === undefined ? {} : { number: options.buildNumber }),
      ...(options.buildUrl === undefined ? {} : { url: options.buildUrl })
    }
    const draft = {
      schemaVersion: 1,
      kind: "ReleaseBundle",
      name: options.name,
      version: options.version,
      ...(options.createdAt === undefined ? {} : { createdAt: options.createdAt }),
      ...(options.commit === undefined ? {} : { git: { commit: options.commit } }),
      ...(Object.keys(build).length === 0 ? {} : { build }),
      artifacts,
      ...(sbom === undefined ? {} : { sbom }),
      ...(signature === undefined ? {} : { signature })
    }
    return yield* decodeManifest(draft, "the new manifest")
  })

/** One file's check: `ok`, a different size or digest (`mismatch`), or not readable (`missing`, `unreadable`). */
export interface FileCheck {
  /** The platform key, or `sbom` / `signature`. */
  readonly entry: string
  readonly path: string
  readonly status: "ok" | "mismatch" | "missing" | "unreadable"
  readonly expected: Digest
  readonly actual?: Digest
  /** One line saying what is wrong, naming the file and both digests; empty when ok. */
  readonly detail: string
}

/** Every file's check, in manifest order; `ok` when all are. */
export interface VerifyReport {
  readonly ok: boolean
  readonly name: string
  readonly version: string
  readonly checked: ReadonlyArray<FileCheck>
  /** URL references recorded but not checked. */
  readonly unchecked: ReadonlyArray<string>
}

const checkFile = (baseDir: string, entry: string, ref: { readonly path: string; readonly size: number; readonly sha256: string }, onProgress?: (file: string, done: number, total: number) => void): Effect.Effect<FileCheck> =>
  hashFile(resolveArtifact(baseDir, ref.path), { name: ref.path, ...(onProgress === undefined ? {} : { onProgress: (d, t) => onProgress(ref.path, d, t) }) }).pipe(
    Effect.map((actual): FileCheck => {
      const expected = { size: ref.size, sha256: ref.sha256 }
      if (actual.sha256 === ref.sha256 && actual.size === ref.size) return { entry, path: ref.path, status: "ok", expected, actual, detail: "" }
      const sizes = actual.size === ref.size ? `same size ${ref.size} bytes` : `${actual.size} bytes, the manifest says ${ref.size}`
      return {
        entry,
        path: ref.path,
        status: "mismatch",
        expected,
        actual,
        detail: `${ref.path} (${entry}) has changed: SHA-256 ${actual.sha256}, the manifest says ${ref.sha256} (${sizes})`
      }
    }),
    Effect.catch((e: BundleError) =>
      Effect.succeed<FileCheck>({
        entry,
        path: ref.path,
        status: e.reason === "NotFound" ? "missing" : "unreadable",
        expected: { size: ref.size, sha256: ref.sha256 },
        detail: `${ref.path} (${entry}): ${e.detail}; the manifest expects SHA-256 ${ref.sha256} (${ref.size} bytes)`
      })
    )
  )

/**
 * Check every artifact (and a file SBOM or signature) against the manifest,
 * paths resolved from `baseDir` (the manifest's folder). Never stops at the
 * first problem: the report lists each file's outcome, so one run says
 * everything that is wrong.
 */
export const verify = (manifest: Manifest, baseDir: string, options: { readonly onProgress?: (file: string, done: number, total: number) => void } = {}): Effect.Effect<VerifyReport> =>
  Effect.gen(function* () {
    const checked: Array<FileCheck> = []
    const unchecked: Array<string> = []
    for (const a of manifest.artifacts) checked.push(yield* checkFile(baseDir, a.platform, a, options.onProgress))
    for (const [entry, ref] of [["sbom", manifest.sbom], ["signature", manifest.signature]] as const) {
      if (ref === undefined) continue
      if ("url" in ref) unchecked.push(`${entry}: ${ref.url}`)
      else checked.push(yield* checkFile(baseDir, entry, ref, options.onProgress))
    }
    return { ok: checked.every((c) => c.status === "ok"), name: manifest.name, version: manifest.version, checked, unchecked }
  })

/** The manifest as the file `create` writes: pretty JSON with a final newline. */
export const toJson = (manifest: Manifest): string => `${JSON.stringify(manifest, null, 2)}\n`
