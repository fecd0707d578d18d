import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { examples, rollwiseIn, scratch } from "./support.ts"

const rollwise = rollwiseIn()
const { file } = scratch("gate")

describe("rollwise gate (the bundled CLI on the shipped examples)", () => {
  it("passes on a Tuesday morning and prints each gate", () => {
    const r = rollwise("gate", "--policy", "policy.yaml", "--decision", "strategy.json", "--at", "2026-12-01T10:00:00Z")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("PASS")
    expect(r.stdout).toMatch(/pass\s+change-window/)
    expect(r.stdout).toMatch(/pass\s+error-budget .*leaves 67\.0 %/)
    expect(r.stdout).toMatch(/pass\s+approval/)
  })

  it("blocks in the year-end freeze with exit 5 and the reason on stderr", () => {
    const r = rollwise("gate", "--policy", "policy.yaml", "--decision", "strategy.json", "--at", "2026-12-24T10:00:00Z", "--json")
    expect(r.code).toBe(5)
    const out = JSON.parse(r.stdout)
    expect(out.status).toBe("block")
    expect(out.gates.find((g: { gate: string }) => g.gate === "change-window").status).toBe("block")
    expect(r.stderr.trim()).toBe("rollwise: blocked: 2026-12-24 is inside the freeze 2026-12-20 – 2027-01-02 (year-end freeze)")
  })

  it("blocks a risky decision until --approved", () => {
    const risky = file("risky.json", JSON.stringify({ ...JSON.parse(spawnSync("cat", [join(examples, "strategy.json")], { encoding: "utf8" }).stdout), risk_score: 85 }))
    expect(rollwise("gate", "--policy", "policy.yaml", "--decision", risky, "--at", "2026-12-01T10:00:00Z").code).toBe(5)
    expect(rollwise("gate", "--policy", "policy.yaml", "--decision", risky, "--at", "2026-12-01T10:00:00Z", "--approved").code).toBe(0)
  })

  it("refuses a freeze written backwards (it would never block) with one line naming the field, exit 3 — never PASS", () => {
    const policy = file("backwards.yaml", "apiVersion: rollwise/v1\nkind: GatePolicy\nchangeWindow:\n  timeZone: Europe/Berlin\n  freezes:\n    - {from: 2027-01-02, to: 2026-12-20}\n")
    const r = rollwise("gate", "--policy", policy, "--decision", "strategy.json", "--at", "2026-12-24T10:00:00Z")
    expect(r.code).toBe(3)
    expect(r.stdout).not.toContain("PASS")
    expect(r.stderr.trim()).toMatch(/changeWindow\.freezes\[0\]\.to: the freeze ends \(2026-12-20\) before it starts \(2027-01-02\); it would never block$/)
  })

  it("fails closed when OPA is unreachable", () => {
    const policy = file("opa.yaml", "apiVersion: rollwise/v1\nkind: GatePolicy\nopa:\n  url: http://127.0.0.1:1\n  path: rollwise/deploy\n")
    const r = rollwise("gate", "--policy", policy, "--decision", "strategy.json")
    expect(r.code).toBe(5)
    expect(r.stderr).toContain("OPA unreachable")
  })

  it.each([
    [["--policy", "strategy.json", "--decision", "strategy.json"], 3, "strategy.json: risk_score: unknown field (not in the schema)"],
    [["--policy", "policy.yaml", "--decision", "policy.yaml"], 3, "policy.yaml: not valid JSON"],
    [["--policy", "policy.yaml", "--decision", "strategy.json", "--at", "yesterday"], 3, 'not an ISO 8601 time: "yesterday"'],
    [["--policy", "nope.yaml", "--decision", "strategy.json"], 2, "nope.yaml"]
  ])("rejects bad input %j", (args, code, text) => {
    const r = rollwise("gate", ...args)
    expect(r.code).toBe(code)
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain(text)
  })
})
