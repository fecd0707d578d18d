import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { examples, rollwiseIn, scratch } from "./support.ts"

const rollwise = rollwiseIn()
const backtest = (slo: string) => {
  const r = rollwise("backtest", "--slo", slo, "--observations", "observations-multivariate.ndjson", "--json")
  expect(r.code).toBe(0)
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { release: string; action: string; window: number; reasons: Array<string> })
  lines.pop() // the summary
  return Object.fromEntries(lines.map((l) => [l.release, l]))
}

describe("rollwise backtest with a multivariate (Isolation Forest) metric (the real CLI on the shipped example)", () => {
  it("promotes the healthy release and rolls back the decoupled one on the critical multivariate metric", () => {
    const byId = backtest("slo-multivariate.yaml")
    expect(byId["healthy"]!.action).toBe("promote")
    expect(byId["decoupled"]!.action).toBe("rollback")
    expect(byId["decoupled"]!.reasons).toEqual(["critical metric joint failed: rolling back at once"])
  })

  it("says in the decoupled release's verdict which joint behaviour departed and which features separate it, while each single metric passes", () => {
    const r = rollwise("analyze", "--slo", "slo-multivariate.yaml", "--observations", "observations-multivariate.ndjson", "--release", "decoupled", "--json")
    const verdict = JSON.parse(r.stdout) as { action: string; metrics: Array<{ name: string; status: string; reason: string }> }
    expect(verdict.action).toBe("rollback")
    const byName = Object.fromEntries(verdict.metrics.map((m) => [m.name, m]))
    expect(byName["joint"]!.status).toBe("fail")
    expect(byName["joint"]!.reason).toMatch(
      /^candidate's joint behaviour of latency, cpu and load departs from the baseline's \(median anomaly score 0\.\d\d vs 0\.\d\d over \d windows?, Mann–Whitney p=[0-9.e-]+\): the features that separate it most are latency \(\+\d\.\d\)/
    )
    for (const name of ["latency", "cpu", "load"]) expect(byName[name]!.status).toBe("pass")
  })

  it("without the multivariate metric the decoupled release is not rolled back: every single metric passes", () => {
    const spec = readFileSync(join(examples, "slo-multivariate.yaml"), "utf8")
    const cut = spec.indexOf("  - name: joint")
    expect(cut).toBeGreaterThan(0)
    const dir = scratch("multivariate")
    const byId = backtest(dir.file("slo-no-joint.yaml", spec.slice(0, cut)))
    expect(byId["decoupled"]!.action).not.toBe("rollback")
    expect(byId["healthy"]!.action).toBe("promote")
  })

  it("refuses observations for the multivariate metric itself, naming the line and field", () => {
    const dir = scratch("multivariate-bad")
    const obs = dir.file("obs.ndjson", `${JSON.stringify({ window: 0, metric: "joint", track: "baseline", values: [1, 2] })}\n`)
    const r = rollwise("analyze", "--slo", "slo-multivariate.yaml", "--observations", obs)
    expect(r.code).toBe(3)
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain('metric "joint" is multivariate: it is computed from its features\' values, so it takes no observations of its own')
  })
})
