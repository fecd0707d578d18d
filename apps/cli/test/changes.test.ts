import { makeRepo } from "@rollwise/changes-git/testing"
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, it } from "vitest"

const bin = fileURLToPath(new URL("../bin/rollwise.js", import.meta.url))
const rollwise = (cwd: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", env: { ...process.env, ...env } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const repos: Array<ReturnType<typeof makeRepo>> = []
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup()
})

const sampleRepo = () => {
  const r = makeRepo()
  repos.push(r)
  r.write("checkout/src/pay.ts", "a\nb\nc\n")
  r.write("package.json", JSON.stringify({ dependencies: { express: "^4.18.2" } }))
  r.write("lcov-before.info", "SF:x\nLF:100\nLH:80\nend_of_record\n")
  r.write("lcov-after.info", "SF:x\nLF:100\nLH:75\nend_of_record\n")
  const base = r.commit("v1")
  r.git("tag", "v1.0.0")
  r.write("checkout/src/pay.ts", "a\nB\nc\nd\n")
  r.write("package.json", JSON.stringify({ dependencies: { express: "^5.0.1" } }))
  const head = r.commit("v2")
  return { r, base, head }
}

describe("rollwise changes (the bundled CLI against a real git repository)", () => {
  it("prints the ChangeSet as JSON with --json", () => {
    const { r } = sampleRepo()
    const out = rollwise(r.dir, [
      "changes", "--base", "v1.0.0", "--service", "checkout", "--criticality", "high", "--qps", "120",
      "--deploy-time", "2026-11-30T14:00:00Z", "--coverage-before", "lcov-before.info", "--coverage-after", "lcov-after.info", "--json"
    ])
    expect(out.stderr).toBe("")
    expect(out.code).toBe(0)
    const changeSet = JSON.parse(out.stdout)
    expect(changeSet).toMatchObject({
      service: "checkout",
      module: "checkout",
      linesAdded: 3,
      linesDeleted: 2,
      filesChanged: 2,
      dependencyBumps: [{ name: "express", from: "4.18.2", to: "5.0.1" }],
      coverageDelta: -5,
      criticality: "high",
      currentQps: 120,
      deployTime: "2026-11-30T14:00:00Z",
      moduleHistory: { deploys: 0, failures: 0 }
    })
  })

  it("writes --out atomically and prints a summary", () => {
    const { r, base, head } = sampleRepo()
    const out = rollwise(r.dir, ["changes", "--base", base, "--head", head, "--out", "out/changes.json"])
    expect(out.code).toBe(0)
    expect(out.stdout).toContain("wrote out/changes.json")
    expect(out.stdout).toContain("express 4.18.2→5.0.1")
    expect(JSON.parse(readFileSync(join(r.dir, "out/changes.json"), "utf8")).linesAdded).toBe(3)
    expect(readdirSync(join(r.dir, "out"))).toEqual(["changes.json"])
  })

  it("takes defaults from --config and ROLLWISE_* variables; flags win", () => {
    const { r } = sampleRepo()
    writeFileSync(join(r.dir, "rollwise.yaml"), "changes:\n  criticality: critical\n  service: payments\n")
    const fromFile = JSON.parse(rollwise(r.dir, ["--config", "rollwise.yaml", "changes", "--base", "v1.0.0", "--json"]).stdout)
    expect(fromFile).toMatchObject({ criticality: "critical", service: "payments" })
    const flagWins = JSON.parse(
      rollwise(r.dir, ["--config", "rollwise.yaml", "changes", "--base", "v1.0.0", "--criticality", "low", "--json"]).stdout
    )
    expect(flagWins.criticality).toBe("low")
    const fromEnv = JSON.parse(rollwise(r.dir, ["changes", "--base", "v1.0.0", "--json"], { ROLLWISE_CHANGES_QPS: "42" }).stdout)
    expect(fromEnv.currentQps).toBe(42)
  })

  it.each([
    [["changes", "--base", "v9.9.9"], 3, `unknown revision "v9.9.9"`],
    [["changes", "--base", "v1.0.0", "--coverage-after", "lcov-after.info"], 3, "both the before and the after report"],
    [["changes", "--base", "v1.0.0", "--coverage-before", "package.json", "--coverage-after", "lcov-after.info"], 3, "package.json: not an lcov, Cobertura or JaCoCo report"],
    [["changes", "--base", "v1.0.0", "--coverage-before", "missing.info", "--coverage-after", "lcov-after.info"], 2, "missing.info"],
    [["changes"], 2, "--base"],
    [["changes", "--base", "v1.0.0", "--criticality", "extreme"], 2, "extreme"]
  ])("rollwise %j fails with exit %i and one line mentioning %s", (args, code, text) => {
    const { r } = sampleRepo()
    const out = rollwise(r.dir, args)
    expect(out.code).toBe(code)
    const lines = out.stderr.trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(text)
    expect(existsSync(join(r.dir, "changes.json"))).toBe(false)
  })

  it("outside a repository says so (exit 3)", () => {
    const { r } = sampleRepo()
    const out = rollwise("/", ["changes", "--base", "HEAD", "--repo", join(r.dir, "checkout")])
    // a subfolder of a repository is still inside it; the root of the filesystem is not
    expect(out.code).toBe(0)
    const outside = rollwise(r.dir, ["changes", "--base", "HEAD", "--repo", "/"])
    expect(outside.code).toBe(3)
    expect(outside.stderr.trim()).toBe("rollwise: /: not a git repository")
  })
})
