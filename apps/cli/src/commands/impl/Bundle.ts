import { ReleaseBundle } from "@rollwise/release-bundle"
import { Console, Effect, Option } from "effect"
import { dirname, resolve } from "node:path"
import { Json } from "../../GlobalFlags.ts"
import { CliInputError, printJson, readJson, writeAtomic } from "../../internal/Io.ts"
import { inert, table } from "../../internal/Render.ts"
import type { CreateFlags, ShowFlags, VerifyFlags } from "../Bundle.ts"

/** On a terminal, progress shows for files at least this big (with --progress, for every file). */
const bigFile = 64 * 1024 * 1024

const mib = (bytes: number) => (bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)

/** A human size: bytes, KiB, MiB or GiB. */
const human = (bytes: number): string =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 ** 2 ? `${(bytes / 1024).toFixed(1)} KiB` : bytes < 1024 ** 3 ? `${(bytes / 1024 ** 2).toFixed(1)} MiB` : `${(bytes / 1024 ** 3).toFixed(2)} GiB`

/**
 * Hashing progress on stderr: redrawn in place on a terminal (at most five
 * times a second), one line per tenth on a log (Jenkins), never on stdout.
 */
const progressReporter = (forced: boolean): ((file: string, done: number, total: number) => void) | undefined => {
  const tty = process.stderr.isTTY === true
  if (!tty && !forced) return undefined
  let current = ""
  let lastDraw = 0
  let lastTenth = -1
  return (file, done, total) => {
    if (!forced && total < bigFile) return
    if (file !== current) {
      current = file
      lastDraw = 0
      lastTenth = -1
    }
    const pct = total === 0 ? 100 : Math.min(100, Math.floor((done / total) * 100))
    const line = `hashing ${file}: ${mib(done)} of ${mib(total)} MiB (${pct} %)`
    if (tty) {
      const now = Date.now()
      if (done < total && now - lastDraw < 200) return
      lastDraw = now
      process.stderr.write(`\r\x1b[K${inert(line)}${done >= total ? "\n" : ""}`)
      return
    }
    const tenth = Math.floor(pct / 10)
    if (tenth === lastTenth) return
    lastTenth = tenth
    process.stderr.write(`${inert(line)}\n`)
  }
}

/** The library's file errors are the user's files: exit 3, naming the file. */
const asInput = <A, R>(effect: Effect.Effect<A, ReleaseBundle.BundleError | CliInputError | { readonly _tag: "DecodeError"; readonly message: string }, R>) =>
  Effect.mapError(effect, (e) => (e._tag === "BundleError" ? new CliInputError({ file: e.file, detail: e.detail, cause: e }) : e))

/** `PLATFORM=PATH`, split at the first `=`. */
const parseArtifact = (text: string) => {
  const at = text.indexOf("=")
  return at <= 0 || at === text.length - 1
    ? Effect.fail(new CliInputError({ file: "--artifact", detail: `${JSON.stringify(text)} is not PLATFORM=PATH (e.g. linux-amd64=dist/app.tar.gz)` }))
    : Effect.succeed({ platform: text.slice(0, at), file: text.slice(at + 1) })
}

/** A flag, else a non-empty environment variable (what Jenkins sets), else nothing. */
const flagOrEnv = (flag: Option.Option<string>, name: string): string | undefined =>
  Option.isSome(flag) ? flag.value : process.env[name] !== undefined && process.env[name] !== "" ? process.env[name] : undefined

const createdAt = (): string => {
  // reproducible builds pin the time
  const epoch = process.env["SOURCE_DATE_EPOCH"]
  const ms = epoch !== undefined && /^\d{1,12}$/.test(epoch) ? Number(epoch) * 1000 : Date.now()
  return new Date(ms).toISOString()
}

const artifactRows = (manifest: ReleaseBundle.Manifest) => [
  ["platform", "file", "size", "sha256"],
  ...manifest.artifacts.map((a) => [a.platform, inert(a.path), human(a.size), a.sha256]),
  ...([["sbom", manifest.sbom], ["signature", manifest.signature]] as const).flatMap(([entry, ref]) =>
    ref === undefined ? [] : "url" in ref ? [[entry, inert(ref.url), "–", "(not hashed: a URL)"]] : [[entry, inert(ref.path), human(ref.size), ref.sha256]]
  )
]

const provenance = (manifest: ReleaseBundle.Manifest) =>
  [
    manifest.git === undefined ? "commit –" : `commit ${manifest.git.commit}`,
    manifest.build?.number === undefined ? "build –" : `build ${manifest.build.number}`,
    ...(manifest.build?.url === undefined ? [] : [inert(manifest.build.url)]),
    ...(manifest.createdAt === undefined ? [] : [`created ${manifest.createdAt}`])
  ].join(", ")

/** The `bundle create` handler, loaded on demand. */
export const runCreate = Effect.fn("cli.bundle.create")(function* (flags: CreateFlags) {
  const json = yield* Json
  const artifacts = yield* Effect.forEach(flags.artifact, parseArtifact)
  const baseDir = Option.match(flags.out, { onNone: () => process.cwd(), onSome: (out) => dirname(resolve(out)) })
  const manifest = yield* asInput(
    ReleaseBundle.create({
      name: flags.name,
      version: flags.version,
      artifacts,
      baseDir,
      commit: flagOrEnv(flags.commit, "GIT_COMMIT"),
      buildNumber: flagOrEnv(flags.build, "BUILD_NUMBER"),
      buildUrl: flagOrEnv(flags.buildUrl, "BUILD_URL"),
      sbom: Option.getOrUndefined(flags.sbom),
      signature: Option.getOrUndefined(flags.signature),
      createdAt: createdAt(),
      onProgress: progressReporter(flags.progress)
    })
  )
  if (Option.isNone(flags.out)) return yield* Console.log(ReleaseBundle.toJson(manifest).trimEnd())
  yield* writeAtomic(flags.out.value, ReleaseBundle.toJson(manifest))
  if (json) return yield* printJson(manifest)
  yield* Console.log(inert(`wrote ${flags.out.value}: ${manifest.name} ${manifest.version}, ${manifest.artifacts.length} artifact${manifest.artifacts.length === 1 ? "" : "s"}, ${provenance(manifest)}`))
  yield* Console.log(table(artifactRows(manifest)))
})

const readManifest = (file: string) => Effect.flatMap(readJson(file), (doc) => ReleaseBundle.decodeManifest(doc, file))

/** The `bundle verify` handler, loaded on demand. */
export const runVerify = Effect.fn("cli.bundle.verify")(function* (flags: VerifyFlags) {
  const json = yield* Json
  const manifest = yield* readManifest(flags.manifest)
  const baseDir = Option.match(flags.dir, { onNone: () => dirname(resolve(flags.manifest)), onSome: (dir) => resolve(dir) })
  const onProgress = progressReporter(flags.progress)
  const report = yield* ReleaseBundle.verify(manifest, baseDir, onProgress === undefined ? {} : { onProgress })
  if (json) {
    yield* printJson(report)
  } else {
    yield* Console.log(inert(`${report.ok ? "OK" : "FAILED"}  ${manifest.name} ${manifest.version}: ${report.checked.filter((c) => c.status === "ok").length} of ${report.checked.length} files match`))
    yield* Console.log(table([["status", "entry", "file", "sha256"], ...report.checked.map((c) => [c.status, c.entry, inert(c.path), c.actual?.sha256 ?? "–"])]))
    for (const u of report.unchecked) yield* Console.log(inert(`  not checked (a URL): ${u}`))
  }
  const bad = report.checked.filter((c) => c.status !== "ok")
  if (bad.length === 1) return yield* new CliInputError({ file: flags.manifest, detail: bad[0]!.detail })
  if (bad.length > 1) {
    return yield* new CliInputError({ file: flags.manifest, detail: `${bad.length} of ${report.checked.length} files fail verification: ${bad.map((c) => c.detail).join("; ")}` })
  }
})

/** The `bundle show` handler, loaded on demand. */
export const runShow = Effect.fn("cli.bundle.show")(function* (flags: ShowFlags) {
  const json = yield* Json
  const manifest = yield* readManifest(flags.manifest)
  if (json) return yield* printJson(manifest)
  yield* Console.log(inert(`${manifest.name} ${manifest.version}: ${provenance(manifest)}`))
  yield* Console.log(table(artifactRows(manifest)))
})
