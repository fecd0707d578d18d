import { execFileSync } from "node:child_process"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { rollwiseIn, scratch } from "./support.ts"

/**
 * `rollwise rollout --target arm --fleet fleet.yaml --target-health`: the
 * windows judged by the fleet's own device health (each cohort's devices
 * against those not updated yet), through the bundled CLI, on an in-process
 * simulated fleet of 2,000 devices, in real time with short windows.
 */
const { dir, file } = scratch("target-health")
const rollwise = rollwiseIn(dir)
const db = join(dir, "evidence.db")
const fleet = file(
  "fleet.yaml",
  `apiVersion: rollwise/v1
kind: Fleet
name: checkout-edge
manager:
  simulated: { devices: 2000, seed: 11 }
artifact: { candidate: "checkout-edge-{version}", stable: checkout-edge-2.4.1 }
install: { maxFailurePercent: 10, waitSeconds: 120, pollSeconds: 1 }
health: { offlineAfterSeconds: 1800, minDevices: 5, kpis: [latency-ms] }
`
)
const slo = file(
  "slo.yaml",
  `apiVersion: rollwise/v1
kind: SloSpec
service: checkout-edge
window: 3s
maxWindows: 4
promoteAfter: 1
warmupWindows: 0
metrics:
  # about 1 % of simulated devices crash each window, healthy or not: a window of 400 devices can show 2 % by chance,
  # so the tolerance asks for a clear regression (the analyzer's false-alarm rate is slo-policy's to test)
  - { name: crash-rate, kind: ratio, threshold: 0.05, tolerance: 3, critical: true, minSamples: 5 }
  - { name: latency, kind: continuous, query: "kpi:latency-ms", threshold: 1000, tolerance: 0.2, minSamples: 5 }
`
)
const strategy = file(
  "strategy.json",
  JSON.stringify({
    risk_score: 30,
    strategy: "canary",
    pace: "fast",
    steps: [20, 100].map((cohort) => ({ cohort, pauseSeconds: 3 })),
    approval_required: false,
    model: { kind: "heuristic", version: "1" },
    reasons: []
  })
)

describe("rollout --target-health (simulated fleet, bundled CLI)", () => {
  it("promotes a healthy release through its cohorts, judged by the devices' own health", () => {
    const r = rollwise("rollout", "--decision", strategy, "--slo", slo, "--target", "arm", "--fleet", fleet, "--target-health", "--version", "2.5.0", "--db", db, "--id", "health-1", "--json")
    expect(r.stderr).not.toContain("internal error")
    expect(r.code, r.stderr).toBe(0)
    const summary = JSON.parse(r.stdout) as { readonly result: string; readonly steps: string; readonly windows: number }
    expect(summary).toMatchObject({ result: "promoted", steps: "2/2" })
    expect(summary.windows).toBeGreaterThanOrEqual(1)
    // each window judged the device signals: crash-rate and the latency KPI, candidate cohort against the rest
    expect(r.stderr).toMatch(/window 1: crash-rate (pass|nodata), latency (pass|nodata)/)
    const evidence = execFileSync(process.execPath, [join(__dirname, "..", "bin", "rollwise.js"), "evidence", "show", "health-1", "--db", db, "--json"], { encoding: "utf8" })
    expect(evidence).toContain("crash-rate")
  }, 180_000)

  it("needs exactly one metric source: --target-health with --prometheus is refused (exit 3)", () => {
    const r = rollwise("rollout", "--decision", strategy, "--slo", slo, "--target", "arm", "--fleet", fleet, "--target-health", "--prometheus", "http://127.0.0.1:9", "--db", db)
    expect(r.code).toBe(3)
    expect(r.stderr.trim()).toBe(
      "rollwise: rollwise rollout: needs exactly one metric source: live URLs (--prometheus URL, and --loki, --elasticsearch, --tempo or --jaeger for the metrics slo.yaml reads there), --simulate SCENARIO or --target-health"
    )
  })

  it("a target without health signals of its own says so in one line (exit 3)", () => {
    const r = rollwise("rollout", "--decision", strategy, "--slo", slo, "--target", "simulated", "--target-health", "--db", db)
    expect(r.code).toBe(3)
    expect(r.stderr.trim()).toBe("rollwise: --target-health: --target simulated has no health signals of its own: measure with --prometheus URL (or --simulate)")
  })

  it("--resume takes the metric source from the record: --target-health with it is refused", () => {
    const r = rollwise("rollout", "--resume", "health-1", "--target-health", "--db", db)
    expect(r.code).toBe(3)
    expect(r.stderr).toContain("drop --target-health")
  })
})
