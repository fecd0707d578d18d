import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { rollwiseIn, scratch } from "./support.ts"

const rollwise = rollwiseIn()
const { dir: tmp, file } = scratch("analyze")

describe("rollwise analyze (the bundled CLI on the shipped examples)", () => {
  it("a healthy candidate promotes after promoteAfter windows, with a readable table", () => {
    const r = rollwise("analyze", "--slo", "slo.yaml", "--observations", "observations-healthy.ndjson")
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^PROMOTE at window 4/)
    expect(r.stdout).toMatch(/latency\s+pass/)
    expect(r.stdout).toMatch(/error-rate\s+pass/)
    expect(r.stdout).toMatch(/\d+ consecutive healthy windows/)
  })

  it("a latency regression rolls back, --exit-code 11, verdict.json written", () => {
    const out = join(tmp, "verdict.json")
    const r = rollwise("analyze", "--slo", "slo.yaml", "--observations", "observations-regression.ndjson", "--json", "--exit-code", "--out", out)
    expect(r.code).toBe(11)
    expect(r.stderr).toBe("")
    const verdict = JSON.parse(r.stdout)
    expect(verdict.action).toBe("rollback")
    expect(verdict.metrics.find((m: { name: string }) => m.name === "latency").status).toBe("fail")
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual(verdict)
  })

  it("a sparse tail regression (median unmoved) is caught", () => {
    const r = rollwise("analyze", "--slo", "slo.yaml", "--observations", "observations-sparse.ndjson", "--json")
    const verdict = JSON.parse(r.stdout)
    expect(verdict.action).toBe("rollback")
    expect(JSON.stringify(verdict)).toContain("tail")
  })

  it("backtest replays every release: one JSON line each, then a summary line", () => {
    const r = rollwise("backtest", "--slo", "slo.yaml", "--observations", "history.ndjson", "--json")
    expect(r.code).toBe(0)
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l))
    const summary = lines.pop()
    expect(summary.summary.releases).toBe(10)
    expect(lines).toHaveLength(10)
    for (const line of lines) expect(Object.keys(line).sort()).toEqual(["action", "reasons", "release", "window"])
    const byId = Object.fromEntries(lines.map((l) => [l.release, l.action]))
    expect(byId["r09-crash-loop"]).toBe("rollback")
    expect(byId["r10-missing-candidate"]).toBe("slow")
    expect(byId["r01-healthy"]).toBe("promote")
  })

  it.each([
    [["--slo", "policy.yaml"], 3, `policy.yaml: kind: expected "SloSpec", got "GatePolicy"`],
    [["--slo", "slo.yaml", "--observations", "history.ndjson"], 3, "holds 10 releases"],
    [["--slo", "slo.yaml", "--observations", "history.ndjson", "--release", "nope"], 3, 'has no release "nope"']
  ])("rejects %j", (args, code, text) => {
    const full = args.includes("--observations") ? args : [...args, "--observations", "observations-healthy.ndjson"]
    const r = rollwise("analyze", ...full)
    expect(r.code).toBe(code)
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain(text)
  })

  it.each([
    ['{"window":0,"metric":"cpu","track":"candidate","values":[1]}', 'line 1: metric: unknown metric "cpu"'],
    ['{"window":0,"metric":"error-rate","track":"candidate","errors":-3,"total":10}', "line 1: errors: expected"],
    ['{"window":0,"metric":"latency","track":"candidate","values":[1]}\n{"window":2,"metric":"latency","track":"candidate","values":[1]}', "window 1 is missing"],
    ["not json", "line 1: not valid JSON"]
  ])("bad observations %s → one line, exit 3", (content, text) => {
    const r = rollwise("analyze", "--slo", "slo.yaml", "--observations", file("bad.ndjson", content))
    expect(r.code).toBe(3)
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain(text)
  })

  it("bad YAML in the spec names the file and position", () => {
    const r = rollwise("analyze", "--slo", file("bad.yaml", "metrics: [\n  - name: x\n"), "--observations", "observations-healthy.ndjson")
    expect(r.code).toBe(3)
    expect(r.stderr).toContain("bad.yaml: not valid YAML")
  })
})
