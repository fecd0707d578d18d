import { liveSloYaml, type RunningPrometheus, type Series, stableCanary, startPrometheus } from "@rollwise/prometheus-harness"
import { spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

/**
 * `rollwise analyze --prometheus` end to end: the bundled CLI against a real
 * Prometheus started by the shared harness with backfilled canary history.
 */
const bin = fileURLToPath(new URL("../bin/rollwise.js", import.meta.url))
const rollwise = (...args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c) => (stdout += c))
    child.stderr.on("data", (c) => (stderr += c))
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

const end = Date.UTC(2026, 10, 1, 13, 0, 0) / 1000
const tmp = mkdtempSync(join(tmpdir(), "rollwise-live-"))
const slo = join(tmp, "slo.yaml")
writeFileSync(slo, liveSloYaml("checkout"))
const history = (job: string, canaryLatency: number): Array<Series> => stableCanary({ job, canaryLatencySeconds: canaryLatency, end, seconds: 3600, rps: 80, seed: 3 })

let prometheus: RunningPrometheus
let closedPort = 0
beforeAll(async () => {
  prometheus = await startPrometheus({ series: [...history("checkout", 0.1), ...history("checkout-slow", 0.3)] })
  closedPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}, 60_000)
afterAll(() => prometheus?.stop())

const at = new Date(end * 1000).toISOString()

describe("rollwise analyze --prometheus (bundled CLI, against a real Prometheus)", () => {
  it("judges the trailing windows of a healthy canary: promote, progress on stderr", async () => {
    const r = await rollwise("analyze", "--slo", slo, "--prometheus", prometheus.url, "--window-end", at, "--windows", "8", "--json")
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).action).toBe("promote")
    expect(r.stderr).toMatch(/window 1 of 10 \[\d\d:\d\d:\d\d–\d\d:\d\d:\d\d\]: latency pass, error-rate pass → slow/)
  })

  it("a slower canary rolls back; --exit-code says 11", async () => {
    const r = await rollwise("analyze", "--slo", slo, "--service", "checkout-slow", "--prometheus", prometheus.url, "--window-end", at, "--windows", "8", "--json", "--exit-code")
    expect(r.code).toBe(11)
    const verdict = JSON.parse(r.stdout)
    expect(verdict.action).toBe("rollback")
    expect(verdict.metrics[0].query).toContain('job="checkout-slow",track="canary"')
  })

  it("--watch over windows that have already ended judges each until a decision", async () => {
    const start = new Date((end - 8 * 120) * 1000).toISOString()
    const r = await rollwise("analyze", "--slo", slo, "--prometheus", prometheus.url, "--window-end", start, "--watch", "--json")
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).action).toBe("promote")
    expect(r.stderr.match(/^window \d+ of 10/gm)!.length).toBeGreaterThanOrEqual(3)
  })

  it("Prometheus down is nodata → slow, with one clear warning per cause on stderr", async () => {
    const r = await rollwise("analyze", "--slo", slo, "--prometheus", `http://127.0.0.1:${closedPort}`, "--window-end", at, "--timeout", "1", "--json")
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).action).toBe("slow")
    expect(r.stderr).toContain("has no data: Unreachable: cannot reach")
    expect(r.stderr).toContain("ECONNREFUSED")
  })

  it("a window the step cannot read is refused up front with the fix (exit 3), never a silent nodata window", async () => {
    const bad = join(tmp, "slo-short-window.yaml")
    writeFileSync(bad, liveSloYaml("checkout").replace(/^window: .*$/m, "window: 5s\nstep: 10s"))
    const r = await rollwise("analyze", "--slo", bad, "--prometheus", prometheus.url, "--window-end", at)
    expect(r.code).toBe(3)
    expect(r.stderr.trim()).toMatch(/^rollwise: slo: window 5s is shorter than step 10s: a continuous metric would get no point in a window; set step to a divisor of the window/)
  })

  it("a spec without live queries is refused up front (exit 3)", async () => {
    const examples = fileURLToPath(new URL("../../../examples/slo.yaml", import.meta.url))
    const r = await rollwise("analyze", "--slo", examples, "--prometheus", prometheus.url)
    expect(r.code).toBe(3)
    expect(r.stderr.trim()).toBe("rollwise: slo: metric error-rate (ratio) needs errorsQuery and totalQuery for live analysis (see examples/slo-live.yaml)")
  })
})
