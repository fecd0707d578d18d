import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { rollwiseIn, scratch } from "./support.ts"

const rollwise = rollwiseIn()
const { dir } = scratch("demo")

describe("rollwise demo (the bundled CLI, simulated targets, the real analyzer)", () => {
  it.each([
    ["latency-regression", ["promoted", "rolled_back", "promoted"]],
    ["healthy", ["promoted", "promoted", "promoted"]],
    ["error-spike", ["rolled_back", "promoted", "promoted"]],
    ["crash-loop", ["promoted", "promoted", "rolled_back"]],
    ["new-error", ["rolled_back", "promoted", "promoted"]]
  ])("%s: k8s, Windows and ARM end %j", (scenario, results) => {
    const r = rollwise("demo", "--scenario", scenario, "--speed", "600", "--json")
    expect(r.code).toBe(0)
    const summary = JSON.parse(r.stdout)
    expect(summary.rollouts.map((x: { result: string }) => x.result)).toEqual(results)
    // a regressing target is caught at its first step
    summary.rollouts
      .filter((x: { result: string }) => x.result === "rolled_back")
      .forEach((x: { steps: string }) => expect(x.steps.startsWith("1/")).toBe(true))
  })

  it("shows progress as plain lines on stderr and a summary table on stdout", () => {
    const r = rollwise("demo", "--speed", "600")
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/^risk \d+(\.\d)?\/100 → canary/m)
    expect(r.stderr).toMatch(/^\[k8s {4}\] step 1\/4: weight 5 %$/m)
    // the ARM fleet runs through target-arm over a simulated fleet: the step names the OTA deployment it created
    expect(r.stderr).toMatch(/^\[arm {4}\] step 1\/4: cohort 1 %: created deployment \S+ of checkout-edge-2.5.0 for \d+ devices \(\d+ of 3000 eligible in the cohort/m)
    expect(r.stderr).toMatch(/^\[windows\] ROLLED BACK: analysis at step 1: latency/m)
    expect(r.stdout).toMatch(/Windows ARR pool \(checkout-iis\)\s+canary\s+rolled_back/)
  })

  it("new-error: the Kubernetes canary's new exception rolls it back, and the report quotes its template and a line", () => {
    const file = join(dir, "new-error.html")
    const r = rollwise("demo", "--scenario", "new-error", "--speed", "600", "--report", file)
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/^\[k8s {4}\] ROLLED BACK: analysis at step 1: critical metric new-errors failed/m)
    const html = readFileSync(file, "utf8")
    expect(html).toMatch(/new error signature “ERROR java\.lang\.NullPointerException: Cannot read field &quot;total&quot; because &quot;cart&quot; is null at &lt;\*&gt;/)
    expect(html).toMatch(/e\.g\. “ERROR java\.lang\.NullPointerException: [^<]*Cart\.java:8\d\) order [0-9a-f]{8}/)
  })

  it("is deterministic for a seed", () => {
    const a = JSON.parse(rollwise("demo", "--speed", "600", "--seed", "11", "--json").stdout)
    const b = JSON.parse(rollwise("demo", "--speed", "600", "--seed", "11", "--json").stdout)
    // the verdicts, results and windows are the seed's; the simulated minutes also count the real time the
    // process spent (×600), which a loaded machine stretches
    const { simulatedMinutes: ma, ...restA } = a
    const { simulatedMinutes: mb, ...restB } = b
    expect(restA).toEqual(restB)
    expect(Math.abs(ma - mb)).toBeLessThanOrEqual(3)
  })

  it("writes a self-contained HTML report with plots per target and the timeline", () => {
    const file = join(dir, "demo.html")
    const r = rollwise("demo", "--speed", "600", "--report", file)
    expect(r.code).toBe(0)
    const html = readFileSync(file, "utf8")
    expect(html.startsWith("<!doctype html>")).toBe(true)
    // nothing loads from a network: no script, no src or href to a URL (URLs inside the PowerShell text are text)
    expect(html).not.toMatch(/<script|(?:src|href)\s*=\s*["']?https?:/)
    expect(html.match(/<section class="target"/g)).toHaveLength(3)
    expect(html).toContain('data-result="rolled_back"')
    // latency, error rate, restarts and new error signatures, for each of three targets
    expect(html.match(/<svg /g)!.length).toBe(12)
    // step boundaries are labelled on the charts
    expect(html).toContain(">step 2: 25 %</text>")
    expect(html).toMatch(/<table id="timeline">[\s\S]*PROMOTED[\s\S]*<\/table>/)
    // the Windows pool ran through target-windows: its PowerShell (ARR weights, the pool recycled, the release unpacked) is in the report, escaped
    const powershell = html.slice(html.indexOf('<details id="powershell">'))
    expect(powershell).toContain("Set-WebConfigurationProperty")
    expect(powershell).toContain("Restart-WebAppPool")
    expect(powershell).toContain("$Site = &#39;checkout&#39;")
  })
})

describe("rollwise evidence list|show (over the SQLite store the demo writes)", () => {
  it("lists the demo's three rollouts and shows one's timeline; unknown ids and missing stores are exit 3", () => {
    const db = join(dir, "evidence.db")
    expect(rollwise("demo", "--speed", "600", "--evidence", db).code).toBe(0)
    const listed = JSON.parse(rollwise("evidence", "list", "--db", db, "--json").stdout) as Array<{ rolloutId: string; result: string }>
    expect(listed.map((r) => r.result).sort()).toEqual(["promoted", "promoted", "rolled_back"])
    const windows = listed.find((r) => r.rolloutId.endsWith("-windows"))!
    const shown = rollwise("evidence", "show", windows.rolloutId, "--db", db)
    expect(shown.code).toBe(0)
    expect(shown.stdout).toMatch(/Started\s+started: canary in 4 steps \(5 → 25 → 50 → 100 %\)/)
    // the gates run on the demo's fast clock (×120): a loaded machine may reach them a simulated minute or two late
    expect(shown.stdout).toMatch(/GatesPassed\s+gates pass: tue 2026-12-01 08:[34]\d Europe\/Berlin is outside every blocked period/)
    expect(shown.stdout).toMatch(/Window\s+step 1 window 1: latency fail, error-rate pass, restarts pass, new-errors pass → rollback/)
    expect(shown.stdout).toMatch(/Analyzed\s+step 1 analysis: rollback — latency/)
    expect(shown.stdout).toMatch(/RolledBack/)
    const json = JSON.parse(rollwise("evidence", "show", windows.rolloutId, "--db", db, "--json").stdout)
    expect(json.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4, 5, 6])
    // the window's verdict is kept with each metric's statistics
    const window = json.events.find((e: { type: string }) => e.type === "Window")
    expect(window.data.verdict.metrics.map((m: { name: string }) => m.name)).toEqual(["latency", "error-rate", "restarts", "new-errors"])
    expect(window.data.verdict.metrics[0].p_value).toBeLessThan(0.01)
    expect(rollwise("evidence", "show", "nope", "--db", db).code).toBe(3)
    // export: the history table risk train reads, one labelled row per finished rollout
    const csv = rollwise("evidence", "export", "--db", db).stdout.trim().split("\n")
    expect(csv[0]!.split(",").slice(0, 4)).toEqual(["rollout", "service", "module", "finishedAt"])
    expect(csv[0]!.endsWith(",failed")).toBe(true)
    expect(csv[0]).toContain("linesAdded")
    expect(csv.slice(1).map((line) => line.split(",").at(-1)).sort()).toEqual(["0", "0", "1"])
    const jsonl = join(dir, "history.jsonl")
    expect(rollwise("evidence", "export", "--db", db, "--format", "jsonl", "--out", jsonl).code).toBe(0)
    const rows = readFileSync(jsonl, "utf8").trim().split("\n").map((l) => JSON.parse(l))
    expect(rows).toHaveLength(3)
    expect(rows.find((r: { rollout: string }) => r.rollout.endsWith("-windows")).failed).toBe(1)
    const missing = rollwise("evidence", "list", "--db", join(dir, "none.db"))
    expect(missing.code).toBe(3)
    expect(missing.stderr).toContain("no evidence store here")
  })
})
