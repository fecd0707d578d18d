import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { examples, rollwiseIn, scratch } from "./support.ts"

const kamei = fileURLToPath(new URL("../../../testdata/jit/kamei2013/columba.csv", import.meta.url))
const rollwise = rollwiseIn()
const { dir: tmp, file } = scratch("risk")

describe("rollwise decide (the bundled CLI)", () => {
  it("scores the example change with the heuristic: canary, reasons in a table", () => {
    const r = rollwise("decide", "--changes", "changes.json")
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^risk \d+(\.\d)?\/100 → canary/)
    expect(r.stdout).toMatch(/linesAdded\s+640\s+\+/)
  })

  it("--json prints the Decision contract and --out writes it", () => {
    const out = join(tmp, "strategy.json")
    const r = rollwise("decide", "--changes", "changes.json", "--target", "arm", "--json", "--out", out)
    expect(r.code).toBe(0)
    const decision = JSON.parse(r.stdout)
    expect(Object.keys(decision).sort()).toEqual(["approval_required", "model", "pace", "reasons", "risk_score", "steps", "strategy"])
    expect(decision.strategy).not.toBe("bluegreen")
    expect(decision.steps.every((s: { cohort?: number }) => typeof s.cohort === "number")).toBe(true)
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual(decision)
  })

  it("names the field of a bad ChangeSet (exit 3) and writes nothing", () => {
    const changes = JSON.parse(readFileSync(join(examples, "changes.json"), "utf8"))
    const bad = file("bad-changes.json", JSON.stringify({ ...changes, linesAdded: -5, colour: "blue" }))
    const out = join(tmp, "never.json")
    const r = rollwise("decide", "--changes", bad, "--out", out)
    expect(r.code).toBe(3)
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain("bad-changes.json")
    expect(existsSync(out)).toBe(false)
  })
})

describe("rollwise risk train / evaluate / decide --model (the bundled CLI)", () => {
  it("trains logistic and gbdt on the example history and decides with the model", () => {
    for (const kind of ["logistic", "gbdt"]) {
      const model = join(tmp, `${kind}.json`)
      const t = rollwise("risk", "train", "--history", "deploy-history.csv", "--time", "deployedAt", "--kind", kind, "--out", model, "--json")
      expect(t.code).toBe(0)
      const summary = JSON.parse(t.stdout)
      expect(summary.kind).toBe(kind)
      expect(summary.validationAuc).toBeGreaterThan(0.65)
      const saved = JSON.parse(readFileSync(model, "utf8"))
      expect(saved.format).toBe("rollwise-risk-model")
      const d = rollwise("decide", "--changes", "changes.json", "--model", model, "--json")
      expect(d.code).toBe(0)
      expect(JSON.parse(d.stdout).model.kind).toBe(kind)
      const e = rollwise("risk", "evaluate", "--model", model, "--history", "deploy-history.csv", "--time", "deployedAt", "--json")
      expect(e.code).toBe(0)
      const evaluation = JSON.parse(e.stdout)
      expect(evaluation.rows).toBe(800)
      expect(evaluation.auc).toBeGreaterThan(0.65)
      expect(evaluation.calibration.length).toBeGreaterThan(0)
    }
  })

  it("trains on a public JIT defect set, skipping nothing silently", () => {
    const model = join(tmp, "columba.json")
    const r = rollwise("risk", "train", "--history", kamei, "--label", "bug", "--time", "commitdate", "--drop", "transactionid", "--out", model)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/validation AUC 0\.\d+/)
    const mismatch = rollwise("decide", "--changes", "changes.json", "--model", model)
    expect(mismatch.code).toBe(3)
    expect(mismatch.stderr).toContain('model feature "ns" is missing')
  })

  it.each([
    ["a missing label column", "a,b\n1,2\n3,4\n", ["--label", "failed"], "failed"],
    ["an empty history", "failed,a\n", [], "history"],
    ["a label that is not 0/1", "failed,a\n2,1\n0,2\n", [], "row"],
    ["a non-numeric cell", "failed,a\n1,1\n0,abc\n1,2\n0,3\n", [], "abc"]
  ])("rejects %s with one line and exit 3", (_, csv, extra, text) => {
    const history = file("h.csv", csv)
    const out = join(tmp, "m.json")
    const r = rollwise("risk", "train", "--history", history, ...extra, "--out", out)
    expect(r.code).toBe(3)
    expect(r.stderr.trim().split("\n").filter((l) => !l.startsWith("training"))).toHaveLength(1)
    expect(r.stderr).toContain(text)
  })

  it("rejects a model file of another version", () => {
    const model = JSON.parse(readFileSync(join(tmp, "logistic.json"), "utf8"))
    const other = file("v9.json", JSON.stringify({ ...model, version: 9 }))
    const r = rollwise("decide", "--changes", "changes.json", "--model", other)
    expect(r.code).toBe(3)
    expect(r.stderr).toContain("v9.json")
    expect(r.stderr).toContain("version")
  })
})
