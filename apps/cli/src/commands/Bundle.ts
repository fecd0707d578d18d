import { Effect } from "effect"
import { Argument, Command, Flag } from "effect/cli"

const progress = Flag.Boolean("progress").pipe(
  Flag.withDescription("Show hashing progress on stderr even when it is not a terminal (Jenkins logs); on a terminal it shows for files over 64 MiB anyway"),
  Flag.withDefault(false)
)

/** The flags of `rollwise bundle create`. */
export const createFlags = {
  name: Flag.String("name").pipe(Flag.withDescription("The release's name (letters, digits and . _ -)")),
  version: Flag.String("version").pipe(Flag.withDescription("The release's version (2.5.0, 2.5.0-rc.1+b812)")),
  artifact: Flag.String("artifact").pipe(
    Flag.withDescription("PLATFORM=PATH, once per platform: linux-amd64=dist/app.tar.gz, linux-arm64=…, windows-x64=dist/app.msi (one artifact per platform)"),
    Flag.atLeast(1)
  ),
  commit: Flag.String("commit").pipe(Flag.withDescription("The git commit it was built from (default: $GIT_COMMIT, as Jenkins sets it)"), Flag.optional),
  build: Flag.String("build").pipe(Flag.withDescription("The build number (default: $BUILD_NUMBER)"), Flag.optional),
  buildUrl: Flag.String("build-url").pipe(Flag.withDescription("The build's URL (default: $BUILD_URL)"), Flag.optional),
  sbom: Flag.String("sbom").pipe(Flag.withDescription("An SBOM: a file (hashed with the artifacts) or an http(s) URL (recorded)"), Flag.optional),
  signature: Flag.String("signature").pipe(Flag.withDescription("A signature: a file (hashed with the artifacts) or an http(s) URL (recorded)"), Flag.optional),
  out: Flag.String("out").pipe(Flag.withDescription("Write the manifest here, atomically (artifact paths are stored relative to its folder); without it, print it"), Flag.optional),
  progress
}
export type CreateFlags = Command.Command.Config.Infer<typeof createFlags>

const manifest = Argument.String("manifest").pipe(Argument.withDescription("The release manifest (from rollwise bundle create)"))

/** The flags of `rollwise bundle verify`. */
export const verifyFlags = {
  manifest,
  dir: Flag.String("dir").pipe(Flag.withDescription("Where the artifacts are (default: the manifest's folder)"), Flag.optional),
  progress
}
export type VerifyFlags = Command.Command.Config.Infer<typeof verifyFlags>

/** The flags of `rollwise bundle show`. */
export const showFlags = { manifest }
export type ShowFlags = Command.Command.Config.Infer<typeof showFlags>

const impl = () => import("./impl/Bundle.ts")

/** `rollwise bundle create`. */
export const create = Command.make("create", createFlags, (flags) => Effect.flatMap(Effect.promise(impl), (m) => m.runCreate(flags))).pipe(
  Command.withDescription(
    "Write a release manifest: name, version, one artifact per platform with its size and SHA-256 (streamed: a 2 GB file is never held in memory), " +
      "the git commit and build (flags, or GIT_COMMIT, BUILD_NUMBER and BUILD_URL as Jenkins sets them), and optional SBOM and signature references. " +
      "Exits 3 for a bad platform key, a platform given twice or a missing file."
  ),
  Command.withShortDescription("Write a release manifest of per-platform artifacts"),
  Command.withExamples([
    {
      command: "rollwise bundle create --name checkout --version 2.5.0 --artifact linux-amd64=dist/checkout-linux-amd64.tar.gz --artifact linux-arm64=dist/checkout-linux-arm64.tar.gz --artifact windows-x64=dist/checkout.msi --out dist/release.json",
      description: "One release for three platforms"
    }
  ])
)

/** `rollwise bundle verify MANIFEST`. */
export const verify = Command.make("verify", verifyFlags, (flags) => Effect.flatMap(Effect.promise(impl), (m) => m.runVerify(flags))).pipe(
  Command.withDescription(
    "Check every artifact (and a file SBOM or signature) against a release manifest, byte for byte. Every file is checked; each one that changed " +
      "is one line naming it with both SHA-256 digests, each missing one names it too. Exits 0 when all match, 3 otherwise."
  ),
  Command.withShortDescription("Check every artifact against a release manifest"),
  Command.withExamples([{ command: "rollwise bundle verify dist/release.json", description: "Are these the files that were built?" }])
)

/** `rollwise bundle show MANIFEST`. */
export const show = Command.make("show", showFlags, (flags) => Effect.flatMap(Effect.promise(impl), (m) => m.runShow(flags))).pipe(
  Command.withDescription("Print a release manifest (checked against its schema): a table, or with --json the manifest itself."),
  Command.withShortDescription("Print a release manifest"),
  Command.withExamples([{ command: "rollwise bundle show dist/release.json", description: "What is in this release?" }])
)

/** `rollwise bundle`: the integration bundle, one release of per-platform artifacts (issue #21). */
export const bundle = Command.make("bundle").pipe(
  Command.withDescription("Compose cross-OS deliverables into one release manifest and verify them byte for byte"),
  Command.withShortDescription("Create, verify and show release bundles"),
  Command.withSubcommands([create, verify, show])
)
