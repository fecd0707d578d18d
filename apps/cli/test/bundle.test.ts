import { createHash } from "node:crypto"
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { bin, rollwiseIn, scratch } from "./support.ts"

const { dir } = scratch("bundle")
/** Jenkins' variables would leak into the manifest: the tests set them explicitly. */
const clean = { GIT_COMMIT: "", BUILD_NUMBER: "", BUILD_URL: "", SOURCE_DATE_EPOCH: "1796540400" }
let n = 0
const sha = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex")

/** A fresh release folder with three platform builds in dist/, and `rollwise` run in it. */
const release = (env: Record<string, string> = {}) => {
  const root = join(dir, `r${++n}`)
  mkdirSync(join(root, "dist"), { recursive: true })
  const linux = Buffer.alloc(200_000, 7)
  writeFileSync(join(root, "dist/checkout-linux-amd64.tar.gz"), linux)
  writeFileSync(join(root, "dist/checkout-linux-arm64.tar.gz"), "arm64 build")
  writeFileSync(join(root, "dist/checkout-2.5.0.msi"), "windows build")
  writeFileSync(join(root, "dist/sbom.cdx.json"), '{"bomFormat":"CycloneDX"}')
  return { root, linux, rollwise: rollwiseIn(root, { ...clean, ...env }) }
}
const artifacts = ["--artifact", "linux-amd64=dist/checkout-linux-amd64.tar.gz", "--artifact", "linux-arm64=dist/checkout-linux-arm64.tar.gz", "--artifact", "windows-x64=dist/checkout-2.5.0.msi"]
const create = (r: ReturnType<typeof release>, ...extra: ReadonlyArray<string>) =>
  r.rollwise("bundle", "create", "--name", "checkout", "--version", "2.5.0", ...artifacts, "--out", "dist/release.json", ...extra)

describe("rollwise bundle create|verify|show (the bundled CLI, real files)", () => {
  it("creates a manifest with the build from Jenkins' environment, verifies it, and shows it", () => {
    const r = release({ GIT_COMMIT: "4f2a9c1e0b7d3a5f6e8c9d0a1b2c3d4e5f6a7b8c", BUILD_NUMBER: "812", BUILD_URL: "https://jenkins.example.com/job/checkout/812/" })
    const made = create(r, "--sbom", "dist/sbom.cdx.json", "--signature", "https://rekor.sigstore.dev/api/v1/log/entries/24296fb2")
    expect(made.code).toBe(0)
    expect(made.stderr).toBe("")
    expect(made.stdout).toMatch(/^wrote dist\/release\.json: checkout 2\.5\.0, 3 artifacts, commit 4f2a9c1e0b7d3a5f6e8c9d0a1b2c3d4e5f6a7b8c, build 812/)
    const manifest = JSON.parse(readFileSync(join(r.root, "dist/release.json"), "utf8"))
    expect(manifest).toEqual({
      schemaVersion: 1,
      kind: "ReleaseBundle",
      name: "checkout",
      version: "2.5.0",
      createdAt: "2026-12-06T07:00:00.000Z",
      git: { commit: "4f2a9c1e0b7d3a5f6e8c9d0a1b2c3d4e5f6a7b8c" },
      build: { number: "812", url: "https://jenkins.example.com/job/checkout/812/" },
      artifacts: [
        { platform: "linux-amd64", path: "checkout-linux-amd64.tar.gz", size: 200_000, sha256: sha(r.linux) },
        { platform: "linux-arm64", path: "checkout-linux-arm64.tar.gz", size: 11, sha256: sha("arm64 build") },
        { platform: "windows-x64", path: "checkout-2.5.0.msi", size: 13, sha256: sha("windows build") }
      ],
      sbom: { path: "sbom.cdx.json", size: 25, sha256: sha('{"bomFormat":"CycloneDX"}') },
      signature: { url: "https://rekor.sigstore.dev/api/v1/log/entries/24296fb2" }
    })
    // written atomically: no temporary file left beside it
    expect(readdirSync(join(r.root, "dist")).filter((f) => f.endsWith(".tmp"))).toEqual([])

    const verified = r.rollwise("bundle", "verify", "dist/release.json")
    expect(verified.code).toBe(0)
    expect(verified.stdout).toMatch(/^OK {2}checkout 2\.5\.0: 4 of 4 files match/)
    expect(verified.stdout).toContain("not checked (a URL): signature: https://rekor.sigstore.dev/api/v1/log/entries/24296fb2")
    const asJson = JSON.parse(r.rollwise("bundle", "verify", "dist/release.json", "--json").stdout)
    expect(asJson.ok).toBe(true)
    expect(asJson.checked.map((c: { entry: string }) => c.entry)).toEqual(["linux-amd64", "linux-arm64", "windows-x64", "sbom"])

    const shown = r.rollwise("bundle", "show", "dist/release.json")
    expect(shown.code).toBe(0)
    expect(shown.stdout).toMatch(/linux-amd64\s+checkout-linux-amd64\.tar\.gz\s+195\.3 KiB\s+[0-9a-f]{64}/)
    expect(JSON.parse(r.rollwise("bundle", "show", "dist/release.json", "--json").stdout)).toEqual(manifest)
  })

  it("flags win over the environment; without --out the manifest is printed, paths relative to the working folder", () => {
    const r = release({ GIT_COMMIT: "aaaaaaa", BUILD_NUMBER: "1" })
    const out = r.rollwise("bundle", "create", "--name", "checkout", "--version", "2.5.0", ...artifacts, "--commit", "bbbbbbb", "--build", "2")
    expect(out.code).toBe(0)
    const manifest = JSON.parse(out.stdout)
    expect(manifest.git).toEqual({ commit: "bbbbbbb" })
    expect(manifest.build).toEqual({ number: "2" })
    expect(manifest.artifacts[0].path).toBe("dist/checkout-linux-amd64.tar.gz")
  })

  it("--json after --out prints the manifest; --progress draws progress on stderr and keeps stdout one JSON document", () => {
    const r = release()
    const out = create(r, "--json", "--progress")
    expect(out.code).toBe(0)
    expect(JSON.parse(out.stdout).artifacts).toHaveLength(3)
    expect(out.stderr).toContain("hashing dist/checkout-linux-amd64.tar.gz: 0.2 of 0.2 MiB (100 %)")
    expect(out.stderr).toContain("hashing dist/checkout-2.5.0.msi: 0.0 of 0.0 MiB (100 %)")
  })

  it("on a terminal (a real pty from script(1)), progress is redrawn in place for a file over 64 MiB and not shown for small ones", () => {
    const r = release()
    writeFileSync(join(r.root, "dist/big.iso"), "")
    truncateSync(join(r.root, "dist/big.iso"), 70 * 1024 * 1024)
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} bundle create --name checkout --version 2.5.0 --artifact linux-amd64=dist/big.iso --artifact windows-x64=dist/checkout-2.5.0.msi --out dist/release.json`
    const out = spawnSync("script", ["-qec", cmd, "/dev/null"], { cwd: r.root, encoding: "utf8", env: { ...process.env, ...clean, NO_COLOR: "1" } })
    expect(out.status).toBe(0)
    expect(out.stdout).toContain("\r\x1b[Khashing dist/big.iso: 70 of 70 MiB (100 %)\r\n")
    expect(out.stdout).not.toContain("hashing dist/checkout-2.5.0.msi")
    expect(out.stdout).toContain("wrote dist/release.json: checkout 2.5.0, 2 artifacts")
  })

  it("a changed byte fails verify with exit 3 and one line naming the file and both digests", () => {
    const r = release()
    expect(create(r).code).toBe(0)
    const changed = Buffer.from(r.linux)
    changed[99_999] = 8
    writeFileSync(join(r.root, "dist/checkout-linux-amd64.tar.gz"), changed)
    const out = r.rollwise("bundle", "verify", "dist/release.json")
    expect(out.code).toBe(3)
    expect(out.stdout).toMatch(/^FAILED {2}checkout 2\.5\.0: 2 of 3 files match/)
    expect(out.stderr).toBe(
      `rollwise: dist/release.json: checkout-linux-amd64.tar.gz (linux-amd64) has changed: SHA-256 ${sha(changed)}, the manifest says ${sha(r.linux)} (same size 200000 bytes)\n`
    )
    const report = JSON.parse(r.rollwise("bundle", "verify", "dist/release.json", "--json").stdout)
    expect(report.ok).toBe(false)
    expect(report.checked[0]).toMatchObject({ status: "mismatch", expected: { sha256: sha(r.linux) }, actual: { sha256: sha(changed) } })
  })

  it("a missing artifact fails verify with exit 3 naming it; two problems are both in the one line", () => {
    const r = release()
    expect(create(r).code).toBe(0)
    rmSync(join(r.root, "dist/checkout-2.5.0.msi"))
    const one = r.rollwise("bundle", "verify", "dist/release.json")
    expect(one.code).toBe(3)
    expect(one.stderr).toBe(`rollwise: dist/release.json: checkout-2.5.0.msi (windows-x64): no such file; the manifest expects SHA-256 ${sha("windows build")} (13 bytes)\n`)
    writeFileSync(join(r.root, "dist/checkout-linux-arm64.tar.gz"), "arm64 build!")
    const two = r.rollwise("bundle", "verify", "dist/release.json")
    expect(two.code).toBe(3)
    expect(two.stderr.split("\n")).toHaveLength(2)
    expect(two.stderr).toMatch(/^rollwise: dist\/release\.json: 2 of 3 files fail verification: checkout-linux-arm64\.tar\.gz \(linux-arm64\) has changed: .*12 bytes, the manifest says 11\); checkout-2\.5\.0\.msi \(windows-x64\): no such file/)
  })

  it("--dir verifies artifacts moved away from the manifest", () => {
    const r = release()
    expect(create(r).code).toBe(0)
    mkdirSync(join(r.root, "elsewhere"))
    for (const f of ["checkout-linux-amd64.tar.gz", "checkout-linux-arm64.tar.gz", "checkout-2.5.0.msi"]) writeFileSync(join(r.root, "elsewhere", f), readFileSync(join(r.root, "dist", f)))
    writeFileSync(join(r.root, "elsewhere/release.json"), readFileSync(join(r.root, "dist/release.json")))
    expect(r.rollwise("bundle", "verify", "elsewhere/release.json").code).toBe(0)
    expect(r.rollwise("bundle", "verify", "dist/release.json", "--dir", "elsewhere").code).toBe(0)
    expect(r.rollwise("bundle", "verify", "elsewhere/release.json", "--dir", "nowhere").code).toBe(3)
  })

  const refusals: ReadonlyArray<[string, ReadonlyArray<string>, number, RegExp]> = [
    ["a bad platform key", ["--artifact", "Windows-x64=dist/checkout-2.5.0.msi"], 3, /^rollwise: --artifact: "Windows-x64" \(for dist\/checkout-2\.5\.0\.msi\) is not a platform key <os>-<arch>\[-variant\], lowercase/],
    ["a platform given twice", ["--artifact", "linux-amd64=dist/checkout-linux-amd64.tar.gz", "--artifact", "linux-amd64=dist/checkout-linux-arm64.tar.gz"], 3, /^rollwise: --artifact: platform linux-amd64 is given twice \(dist\/checkout-linux-amd64\.tar\.gz and dist\/checkout-linux-arm64\.tar\.gz\)/],
    ["an artifact without =", ["--artifact", "dist/checkout.msi"], 3, /^rollwise: --artifact: "dist\/checkout\.msi" is not PLATFORM=PATH/],
    ["a missing file", ["--artifact", "linux-amd64=dist/nope.tar.gz"], 3, /^rollwise: dist\/nope\.tar\.gz: no such file$/],
    ["a folder", ["--artifact", "linux-amd64=dist"], 3, /^rollwise: dist: not a regular file$/],
    ["a hostile version", ["--artifact", "linux-amd64=dist/checkout-linux-amd64.tar.gz", "--commit", "HEAD"], 3, /^rollwise: --commit: expected a git commit: 7 to 64 lowercase hex digits, got "HEAD"$/]
  ]
  for (const [what, args, code, line] of refusals) {
    it(`create refuses ${what} with exit ${code} and one line, writing nothing`, () => {
      const r = release()
      const out = r.rollwise("bundle", "create", "--name", "checkout", "--version", "2.5.0", ...args, "--out", "dist/release.json")
      expect(out.code).toBe(code)
      expect(out.stdout).toBe("")
      expect(out.stderr.trimEnd().split("\n")).toHaveLength(1)
      expect(out.stderr.trimEnd()).toMatch(line)
      expect(existsSync(join(r.root, "dist/release.json"))).toBe(false)
    })
  }

  it("a version with shell metacharacters is refused (exit 3), never written", () => {
    const r = release()
    const out = r.rollwise("bundle", "create", "--name", "checkout", "--version", "2.5.0;$(touch pwned)", ...artifacts)
    expect(out.code).toBe(3)
    expect(out.stderr).toMatch(/^rollwise: --version: expected a version: letters, digits and \. \+ _ ~ -/)
  })

  it("a BUILD_URL with credentials in it is refused (exit 3) without printing the token", () => {
    const r = release({ BUILD_URL: "https://deployer:s3cret-token@jenkins.example.com/job/checkout/812/" })
    const out = create(r)
    expect(out.code).toBe(3)
    expect(out.stderr).toBe('rollwise: --build-url: expected an http(s) URL without spaces or credentials (user:password@), got "https://***@jenkins.example.com/job/checkout/812/"\n')
    expect(out.stderr + out.stdout).not.toContain("s3cret-token")
  })

  it("create without --artifact is a usage error (exit 2)", () => {
    const r = release()
    const out = r.rollwise("bundle", "create", "--name", "checkout", "--version", "2.5.0")
    expect(out.code).toBe(2)
    expect(out.stderr).toMatch(/artifact/)
  })

  it("verify and show refuse a manifest that breaks the schema (exit 3, the field named) or is missing", () => {
    const r = release()
    expect(create(r).code).toBe(0)
    const manifest = JSON.parse(readFileSync(join(r.root, "dist/release.json"), "utf8"))
    writeFileSync(join(r.root, "dup.json"), JSON.stringify({ ...manifest, artifacts: [...manifest.artifacts, manifest.artifacts[0]] }))
    writeFileSync(join(r.root, "extra.json"), JSON.stringify({ ...manifest, approvedBy: "me" }))
    writeFileSync(join(r.root, "badsha.json"), JSON.stringify({ ...manifest, artifacts: [{ ...manifest.artifacts[0], sha256: "0".repeat(63) }] }))
    for (const cmd of ["verify", "show"]) {
      const dup = r.rollwise("bundle", cmd, "dup.json")
      expect(dup.code).toBe(3)
      expect(dup.stderr).toBe("rollwise: dup.json: artifacts[3].platform: duplicate platform linux-amd64 (already artifacts[0]): a bundle holds one artifact per platform\n")
      expect(r.rollwise("bundle", cmd, "extra.json").stderr).toBe("rollwise: extra.json: approvedBy: unknown field (not in the schema)\n")
      expect(r.rollwise("bundle", cmd, "badsha.json").stderr).toBe(`rollwise: badsha.json: artifacts[0].sha256: expected a SHA-256 digest: 64 lowercase hex digits, got "${"0".repeat(63)}"\n`)
      const missing = r.rollwise("bundle", cmd, "nope.json")
      expect(missing.code).toBe(3)
      expect(missing.stderr).toBe("rollwise: nope.json: no such file\n")
    }
  })
})
