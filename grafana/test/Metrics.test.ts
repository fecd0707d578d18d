import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { all, render } from "../src/Dashboards.ts"
import { app, exported, rollwise, wanted, windowsExporter } from "../src/Metrics.ts"
import { repoRoot } from "../src/Paths.ts"

describe("Metrics: the list matches what exists", () => {
  it("lists exactly the metrics libs/api-handler/src/ServiceMetrics.ts declares, by type", () => {
    const source = readFileSync(join(repoRoot, "libs", "api-handler", "src", "ServiceMetrics.ts"), "utf8")
    const declared = (type: string) => [...source.matchAll(new RegExp(`Metric\\.${type}\\("([^"]+)"`, "g"))].map((m) => m[1]!).sort()
    expect(declared("counter"), "counters").toEqual([...rollwise.counters].sort())
    expect(declared("gauge"), "gauges").toEqual([...rollwise.gauges].sort())
    expect(declared("histogram"), "histograms").toEqual([...rollwise.histograms].sort())
    expect([...source.matchAll(/Metric\.(\w+)\("/g)].map((m) => m[1]!).filter((t) => !["counter", "gauge", "histogram"].includes(t)), "no other kind of metric").toEqual([])
  })

  it("lists the app metrics prometheus/rules and the canary-service chart read", () => {
    const rules = readFileSync(join(repoRoot, "prometheus", "rules", "rollwise.rules.yml"), "utf8")
    const templates = join(repoRoot, "charts", "examples", "canary-service", "templates")
    const analysis = readdirSync(templates).map((f) => readFileSync(join(templates, f), "utf8")).join("\n")
    for (const name of ["http_requests_total", "http_request_duration_seconds_bucket"]) {
      expect(app).toContain(name)
      expect(rules).toContain(name)
      expect(analysis).toContain(name)
    }
  })

  it("lists the windows_exporter metrics examples/slo-windows.yaml queries", () => {
    const slo = readFileSync(join(repoRoot, "examples", "slo-windows.yaml"), "utf8")
    const used = [...new Set([...slo.matchAll(/\b(windows_[a-z_]+)\{/g)].map((m) => m[1]!))]
    expect(used.length).toBeGreaterThan(1)
    for (const name of used) expect(windowsExporter).toContain(name)
  })

  it("never lists a wanted (not yet exported) metric as exported, and the ARM dashboard names each one it waits for", () => {
    const names = exported()
    const arm = render(all().find((g) => g.name === "arm-cohorts")!.dashboard)
    for (const w of wanted) {
      expect(names.has(w.name), w.name).toBe(false)
      expect(arm).toContain(w.name)
    }
  })
})
