import { Effect, Exit } from "effect"
import fc from "fast-check"
import { createHash } from "node:crypto"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { ReleaseBundle } from "../src/index.ts"

const root = mkdtempSync(join(tmpdir(), "rollwise-bundle-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
/** A fresh folder with the given files (real files on the local disk). */
const folder = (files: Record<string, Uint8Array | string>) => {
  const dir = join(root, `case-${++n}`)
  mkdirSync(dir, { recursive: true })
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true })
    writeFileSync(join(dir, name), content)
  }
  return dir
}
const sha = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex")

const failure = async <A, E>(effect: Effect.Effect<A, E>): Promise<E> => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${JSON.stringify(exit.value)}`)
  const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (reason === undefined || reason._tag !== "Fail") throw new Error("expected a typed failure")
  return reason.error
}

const three = () => {
  const linux = new Uint8Array(300_000).map((_, i) => (i * 7) % 251)
  const dir = folder({ "dist/checkout-linux-amd64.tar.gz": linux, "dist/checkout-linux-arm64.tar.gz": "arm build", "dist/checkout.msi": "msi", "sbom.cdx.json": "{}" })
  return { dir, linux }
}
const artifactsIn = (dir: string) => [
  { platform: "linux-amd64", file: join(dir, "dist/checkout-linux-amd64.tar.gz") },
  { platform: "linux-arm64", file: join(dir, "dist/checkout-linux-arm64.tar.gz") },
  { platform: "windows-x64", file: join(dir, "dist/checkout.msi") }
]

const manifestOf = (artifacts: ReadonlyArray<unknown>, extra: Record<string, unknown> = {}) => ({
  schemaVersion: 1,
  kind: "ReleaseBundle",
  name: "checkout",
  version: "2.5.0",
  artifacts,
  ...extra
})
const goodArtifact = (platform = "linux-amd64") => ({ platform, path: "a.tar.gz", size: 3, sha256: "a".repeat(64) })

describe("ReleaseBundle.create and verify (real files on disk)", () => {
  it("writes each platform's size and SHA-256, paths relative to the manifest's folder, and verifies them", async () => {
    const { dir, linux } = three()
    const manifest = await Effect.runPromise(
      ReleaseBundle.create({
        name: "checkout",
        version: "2.5.0",
        artifacts: artifactsIn(dir),
        baseDir: dir,
        commit: "0123456789abcdef0123456789abcdef01234567",
        buildNumber: "812",
        buildUrl: "https://jenkins.example.com/job/checkout/812/",
        sbom: join(dir, "sbom.cdx.json"),
        signature: "https://rekor.sigstore.dev/api/v1/log/entries/24296fb24b8ad77a",
        createdAt: "2026-12-06T07:00:00.000Z"
      })
    )
    expect(manifest.artifacts).toEqual([
      { platform: "linux-amd64", path: "dist/checkout-linux-amd64.tar.gz", size: 300_000, sha256: sha(linux) },
      { platform: "linux-arm64", path: "dist/checkout-linux-arm64.tar.gz", size: 9, sha256: sha("arm build") },
      { platform: "windows-x64", path: "dist/checkout.msi", size: 3, sha256: sha("msi") }
    ])
    expect(manifest.git).toEqual({ commit: "0123456789abcdef0123456789abcdef01234567" })
    expect(manifest.build).toEqual({ number: "812", url: "https://jenkins.example.com/job/checkout/812/" })
    expect(manifest.sbom).toEqual({ path: "sbom.cdx.json", size: 2, sha256: sha("{}") })
    expect(manifest.signature).toEqual({ url: "https://rekor.sigstore.dev/api/v1/log/entries/24296fb24b8ad77a" })
    // the written form decodes back to the same manifest
    const again = await Effect.runPromise(ReleaseBundle.decodeManifest(JSON.parse(ReleaseBundle.toJson(manifest)), "release.json"))
    expect(again).toEqual(manifest)
    const report = await Effect.runPromise(ReleaseBundle.verify(manifest, dir))
    expect(report.ok).toBe(true)
    expect(report.checked.map((c) => [c.entry, c.status])).toEqual([["linux-amd64", "ok"], ["linux-arm64", "ok"], ["windows-x64", "ok"], ["sbom", "ok"]])
    expect(report.unchecked).toEqual(["signature: https://rekor.sigstore.dev/api/v1/log/entries/24296fb24b8ad77a"])
  })

  it("stores paths relative to a manifest in another folder, with / separators, and verify finds them from there", async () => {
    const { dir } = three()
    const manifestDir = join(dir, "release")
    const manifest = await Effect.runPromise(ReleaseBundle.create({ name: "checkout", version: "2.5.0", artifacts: artifactsIn(dir), baseDir: manifestDir }))
    expect(manifest.artifacts.map((a) => a.path)).toEqual(["../dist/checkout-linux-amd64.tar.gz", "../dist/checkout-linux-arm64.tar.gz", "../dist/checkout.msi"])
    expect((await Effect.runPromise(ReleaseBundle.verify(manifest, manifestDir))).ok).toBe(true)
  })

  it("names the changed file and both digests when a byte changes, and goes on to check the rest", async () => {
    const { dir, linux } = three()
    const manifest = await Effect.runPromise(ReleaseBundle.create({ name: "checkout", version: "2.5.0", artifacts: artifactsIn(dir), baseDir: dir }))
    const changed = Uint8Array.from(linux)
    changed[123_456] = changed[123_456]! ^ 0x01
    writeFileSync(join(dir, "dist/checkout-linux-amd64.tar.gz"), changed)
    const report = await Effect.runPromise(ReleaseBundle.verify(manifest, dir))
    expect(report.ok).toBe(false)
    expect(report.checked.map((c) => c.status)).toEqual(["mismatch", "ok", "ok"])
    const bad = report.checked[0]!
    expect(bad.detail).toBe(
      `dist/checkout-linux-amd64.tar.gz (linux-amd64) has changed: SHA-256 ${sha(changed)}, the manifest says ${sha(linux)} (same size 300000 bytes)`
    )
    expect(bad.actual).toEqual({ size: 300_000, sha256: sha(changed) })
  })

  it("reports a missing artifact and a truncated one, each naming its file", async () => {
    const { dir } = three()
    const manifest = await Effect.runPromise(ReleaseBundle.create({ name: "checkout", version: "2.5.0", artifacts: artifactsIn(dir), baseDir: dir }))
    writeFileSync(join(dir, "dist/checkout-linux-arm64.tar.gz"), "arm")
    await import("node:fs/promises").then((fs) => fs.rm(join(dir, "dist/checkout.msi")))
    const report = await Effect.runPromise(ReleaseBundle.verify(manifest, dir))
    expect(report.checked.map((c) => c.status)).toEqual(["ok", "mismatch", "missing"])
    expect(report.checked[1]!.detail).toContain("dist/checkout-linux-arm64.tar.gz (linux-arm64) has changed")
    expect(report.checked[1]!.detail).toContain("3 bytes, the manifest says 9")
    expect(report.checked[2]!.detail).toBe(`dist/checkout.msi (windows-x64): no such file; the manifest expects SHA-256 ${sha("msi")} (3 bytes)`)
  })

  it("property: any single flipped byte in any artifact is caught, and only that artifact fails", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 5000 }),
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        async (a, b, at, mask, flipFirst) => {
          const dir = folder({ "a.bin": a, "b.exe": b })
          const manifest = await Effect.runPromise(
            ReleaseBundle.create({ name: "x", version: "1", baseDir: dir, artifacts: [{ platform: "linux-arm64", file: join(dir, "a.bin") }, { platform: "windows-x64", file: join(dir, "b.exe") }] })
          )
          const target = flipFirst ? a : b
          const changed = Uint8Array.from(target)
          const i = at % changed.length
          changed[i] = changed[i]! ^ mask
          writeFileSync(join(dir, flipFirst ? "a.bin" : "b.exe"), changed)
          const report = await Effect.runPromise(ReleaseBundle.verify(manifest, dir))
          expect(report.ok).toBe(false)
          expect(report.checked.map((c) => c.status)).toEqual(flipFirst ? ["mismatch", "ok"] : ["ok", "mismatch"])
          const bad = report.checked.find((c) => c.status === "mismatch")!
          expect(bad.detail).toContain(sha(changed))
          expect(bad.detail).toContain(sha(target))
        }
      ),
      { numRuns: 60 }
    )
  })

  it("refuses a bad platform key and a platform given twice before reading any file", async () => {
    const bad = await failure(ReleaseBundle.create({ name: "x", version: "1", baseDir: root, artifacts: [{ platform: "Linux-AMD64", file: "/nonexistent" }] }))
    expect(String((bad as Error).message)).toMatch(/^--artifact: "Linux-AMD64" \(for \/nonexistent\) is not a platform key <os>-<arch>/)
    const twice = await failure(
      ReleaseBundle.create({ name: "x", version: "1", baseDir: root, artifacts: [{ platform: "linux-amd64", file: "/nonexistent/a" }, { platform: "linux-amd64", file: "/nonexistent/b" }] })
    )
    expect((twice as Error).message).toBe("--artifact: platform linux-amd64 is given twice (/nonexistent/a and /nonexistent/b): a bundle holds one artifact per platform")
  })

  it("checks the name, version, commit, build and URL before hashing", async () => {
    const base = { name: "x", version: "1", baseDir: root, artifacts: [{ platform: "linux-amd64", file: "/nonexistent" }] }
    const cases: ReadonlyArray<[Partial<ReleaseBundle.CreateOptions>, RegExp]> = [
      [{ name: "check out" }, /^--name: expected a name: letters, digits/],
      [{ version: "$(touch x)" }, /^--version: expected a version/],
      [{ commit: "HEAD" }, /^--commit: expected a git commit: 7 to 64 lowercase hex digits, got "HEAD"/],
      [{ buildNumber: "12;rm" }, /^--build: expected a build number/],
      [{ buildUrl: "ftp://x" }, /^--build-url: expected an http\(s\) URL/],
      // a credential in BUILD_URL would travel with every copy of the manifest; the error does not echo it back whole either
      [{ buildUrl: "https://deployer:s3cret-token@jenkins.example.com/job/x/1/" }, /^--build-url: expected an http\(s\) URL without spaces or credentials \(user:password@\), got "https:\/\/\*\*\*@jenkins\.example\.com\/job\/x\/1\/"$/]
    ]
    for (const [options, message] of cases) {
      const error = await failure(ReleaseBundle.create({ ...base, ...options }))
      expect((error as Error).message).toMatch(message)
    }
  })

  it("a missing artifact or a folder is a BundleError naming it", async () => {
    const dir = folder({ "sub/x": "1" })
    const missing = await failure(ReleaseBundle.create({ name: "x", version: "1", baseDir: dir, artifacts: [{ platform: "linux-amd64", file: join(dir, "nope.tar.gz") }] }))
    expect(missing).toMatchObject({ _tag: "BundleError", reason: "NotFound", file: join(dir, "nope.tar.gz") })
    const folderError = await failure(ReleaseBundle.create({ name: "x", version: "1", baseDir: dir, artifacts: [{ platform: "linux-amd64", file: join(dir, "sub") }] }))
    expect(folderError).toMatchObject({ _tag: "BundleError", reason: "NotAFile" })
  })
})

describe("ReleaseBundle.hashFile (streamed, real files)", () => {
  it("property: equals the SHA-256 of the whole content for any content and chunk size, reporting progress per chunk", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 20_000 }), fc.integer({ min: 1, max: 4096 }), async (data, chunkSize) => {
        const dir = folder({ "f.bin": data })
        const seen: Array<number> = []
        const digest = await Effect.runPromise(ReleaseBundle.hashFile(join(dir, "f.bin"), { chunkSize, onProgress: (done, total) => { seen.push(done); expect(total).toBe(data.length) } }))
        expect(digest).toEqual({ size: data.length, sha256: sha(data) })
        // streamed: one progress call per chunk, never the whole file at once (unless it fits in one chunk)
        expect(seen.length).toBe(Math.ceil(data.length / chunkSize))
      }),
      { numRuns: 40 }
    )
  })

  it("streams: hashing a 512 MiB (sparse) file grows the process by far less than the file (one chunk at a time)", async () => {
    const dir = folder({})
    const file = join(dir, "big.iso")
    writeFileSync(file, "")
    truncateSync(file, 512 * 1024 * 1024)
    const before = process.memoryUsage().rss
    let peak = before
    const digest = await Effect.runPromise(ReleaseBundle.hashFile(file, { onProgress: () => void (peak = Math.max(peak, process.memoryUsage().rss)) }))
    expect(digest.size).toBe(512 * 1024 * 1024)
    // SHA-256 of 512 MiB of zeros (coreutils sha256sum agrees)
    expect(digest.sha256).toBe("9acca8e8c22201155389f65abbf6bc9723edc7384ead80503839f49dcc56d767")
    // a whole-file read would add 512 MiB; streaming adds buffers only (generous bound for a loaded machine)
    expect(peak - before).toBeLessThan(160 * 1024 * 1024)
    rmSync(file)
  })

  it("the empty file has the well-known empty digest", async () => {
    const dir = folder({ empty: "" })
    expect(await Effect.runPromise(ReleaseBundle.hashFile(join(dir, "empty")))).toEqual({ size: 0, sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" })
  })
})

describe("ReleaseBundle.decodeManifest (strict schema, one error naming the field)", () => {
  const cases: ReadonlyArray<[string, unknown, string]> = [
    ["unknown top-level field", manifestOf([goodArtifact()], { signedBy: "me" }), "release.json: signedBy: unknown field (not in the schema)"],
    ["unknown artifact field", manifestOf([{ ...goodArtifact(), url: "x" }]), "release.json: artifacts[0].url: unknown field (not in the schema)"],
    ["bad digest", manifestOf([{ ...goodArtifact(), sha256: "ABC" }]), 'release.json: artifacts[0].sha256: expected a SHA-256 digest: 64 lowercase hex digits, got "ABC"'],
    ["negative size", manifestOf([{ ...goodArtifact(), size: -1 }]), "release.json: artifacts[0].size: expected a size in bytes: an integer ≥ 0, got -1"],
    ["fractional size", manifestOf([{ ...goodArtifact(), size: 1.5 }]), "release.json: artifacts[0].size: expected an integer, got 1.5"],
    ["no artifacts", manifestOf([]), "release.json: artifacts: expected at least one artifact, got []"],
    ["missing version", { schemaVersion: 1, kind: "ReleaseBundle", name: "x", artifacts: [goodArtifact()] }, "release.json: version: required field is missing"],
    ["another kind", { ...manifestOf([goodArtifact()]), kind: "SloSpec" }, 'release.json: kind: expected "ReleaseBundle", got "SloSpec" (is this the right file?)'],
    ["a control character in a path", manifestOf([{ ...goodArtifact(), path: "a\nb" }]), "release.json: artifacts[0].path: expected a file path: 1 to 1024 characters, no control characters"],
    [
      "duplicate platform",
      manifestOf([goodArtifact("linux-amd64"), goodArtifact("windows-x64"), goodArtifact("linux-amd64")]),
      "release.json: artifacts[2].platform: duplicate platform linux-amd64 (already artifacts[0]): a bundle holds one artifact per platform"
    ],
    ["a signature URL with credentials (not echoed)", manifestOf([goodArtifact()], { signature: { url: "https://u:p4ss@rekor.example/x" } }), "release.json: signature"],
    ["sbom without its digest", manifestOf([goodArtifact()], { sbom: { path: "sbom.json", size: 2 } }), "release.json: sbom.sha256: required field is missing"]
  ]
  for (const [what, input, message] of cases) {
    it(`refuses ${what}`, async () => {
      const error = await failure(ReleaseBundle.decodeManifest(input, "release.json"))
      expect((error as Error).message.startsWith(message)).toBe(true)
      expect((error as Error).message).not.toContain("p4ss")
    })
  }

  it("property: every os-arch key (with or without a variant) is accepted, and anything else is refused naming artifacts[i].platform", async () => {
    const valid = fc.tuple(fc.constantFrom(...ReleaseBundle.operatingSystems), fc.constantFrom(...ReleaseBundle.architectures), fc.option(fc.stringMatching(/^[a-z0-9]{1,8}$/), { nil: undefined })).map(([os, arch, v]) => `${os}-${arch}${v === undefined ? "" : `-${v}`}`)
    await fc.assert(
      fc.asyncProperty(valid, async (key) => {
        expect(ReleaseBundle.isPlatformKey(key)).toBe(true)
        await Effect.runPromise(ReleaseBundle.decodeManifest(manifestOf([goodArtifact(key)])))
      })
    )
    const invalid = fc.oneof(
      valid.map((k) => k.toUpperCase()),
      valid.map((k) => ` ${k}`),
      valid.map((k) => `${k}/`),
      valid.map((k) => k.replace("-", "_")),
      fc.string({ maxLength: 12 }).filter((s) => !ReleaseBundle.isPlatformKey(s)),
      fc.constantFrom("linux", "amd64", "linux-", "-amd64", "macos-arm64", "linux-amd64-", "windows-x64-$(id)", "linux-amd64\n")
    )
    await fc.assert(
      fc.asyncProperty(invalid, async (key) => {
        expect(ReleaseBundle.isPlatformKey(key)).toBe(false)
        const error = await failure(ReleaseBundle.decodeManifest(manifestOf([goodArtifact(key)]), "m.json"))
        expect((error as Error).message).toMatch(/^m\.json: artifacts\[0\]\.platform: expected a platform key <os>-<arch>/)
      })
    )
  })

  it("reads back a manifest file written by create unchanged", async () => {
    const { dir } = three()
    const manifest = await Effect.runPromise(ReleaseBundle.create({ name: "checkout", version: "2.5.0-rc.1+b812", artifacts: artifactsIn(dir), baseDir: dir }))
    writeFileSync(join(dir, "release.json"), ReleaseBundle.toJson(manifest))
    const text = readFileSync(join(dir, "release.json"), "utf8")
    expect(text.endsWith("}\n")).toBe(true)
    expect(await Effect.runPromise(ReleaseBundle.decodeManifest(JSON.parse(text)))).toEqual(manifest)
  })
})
