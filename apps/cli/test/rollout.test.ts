import type { ChildProcess } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { background, rolloutSlo, rollwiseIn, scratch } from "./support.ts"

/**
 * `rollwise rollout | promote | rollback` through the bundled CLI, against the
 * real SQLite evidence store, the exec target running a real hook executable
 * (state in a file, every call logged), and simulated traffic on a fast clock.
 */
const hook = fileURLToPath(new URL("../../../libs/target-exec/test/fixtures/hook.mjs", import.meta.url))
const { dir, file } = scratch("rollout")
const db = join(dir, "evidence.db")
const slo = file("slo.yaml", rolloutSlo())
const decision = (approval: boolean) =>
  JSON.stringify({
    risk_score: approval ? 71 : 42,
    strategy: "canary",
    pace: "normal",
    steps: [10, 50, 100].map((weight) => ({ weight, pauseSeconds: 120 })),
    approval_required: approval,
    model: { kind: "heuristic", version: "1" },
    reasons: []
  })
const strategy = file("strategy.json", decision(false))
const risky = file("risky.json", decision(true))

let n = 0
/** A fresh hook state and log per rollout. */
const hookFiles = () => {
  n++
  return { state: join(dir, `hook-${n}.json`), log: join(dir, `hook-${n}.log`) }
}
const hookEnv = (h: { state: string; log: string }) => ({ HOOK_STATE: h.state, HOOK_LOG: h.log })
const calls = (h: { log: string }) => (existsSync(h.log) ? readFileSync(h.log, "utf8").trim().split("\n").filter(Boolean).map((l) => l.split(" ")[0]!) : [])

const run = (env: Record<string, string> = {}) => rollwiseIn(dir, env)
const start = (id: string, extra: ReadonlyArray<string> = [], scenario = "healthy", speed = 1200) =>
  ["rollout", "--decision", strategy, "--slo", slo, "--target", `exec:${hook}`, "--simulate", scenario, "--speed", String(speed), "--db", db, "--id", id, ...extra]

/** Recorded events of a rollout, through the CLI's own JSON. */
const recorded = (id: string) => {
  const r = run()("evidence", "show", id, "--db", db, "--json")
  expect(r.code).toBe(0)
  return JSON.parse(r.stdout) as { rollout: { result?: string }; events: ReadonlyArray<{ seq: number; type: string; data: Record<string, unknown> }> }
}

const kill = (child: ChildProcess) => child.pid !== undefined && process.kill(child.pid, "SIGKILL")

/**
 * `rollout --resume` after a SIGKILL: the dead driver's lease (1 s here) must
 * run out first, so a resume before then is refused with exit 7; try again
 * until it is not (bounded).
 */
const resumeWhenFree = (id: string, env: Record<string, string>) => {
  for (let attempt = 0; ; attempt++) {
    const r = run(env)("rollout", "--resume", id, "--db", db, "--lease-ttl", "1")
    if (r.code !== 7 || !/is being driven by cli pid/.test(r.stderr) || attempt >= 40) return r
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200)
  }
}

describe("rollwise rollout (bundled CLI, real SQLite store, exec target with a real hook, simulated traffic)", () => {
  it("a healthy candidate goes through every step and promotes (exit 0); every event and window is recorded", () => {
    const h = hookFiles()
    const r = run(hookEnv(h))(...start("healthy-1"), "--version", "2.5.0", "--build", "812", "--json")
    expect(r.code).toBe(0)
    const summary = JSON.parse(r.stdout)
    expect(summary).toMatchObject({ rolloutId: "healthy-1", result: "promoted", steps: "3/3" })
    expect(r.stderr).toMatch(/#3 step 1\/3 applied: weight 10 %/)
    expect(r.stderr).toMatch(/window 1: latency pass, error-rate pass, restarts pass → /)
    expect(calls(h)).toEqual(["apply", "apply", "apply", "promote"])
    const { rollout, events } = recorded("healthy-1")
    expect(rollout.result).toBe("promoted")
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
    expect(events.filter((e) => e.type === "Window").length).toBe(summary.windows)
    expect(events.filter((e) => e.type === "Window").length).toBeGreaterThanOrEqual(4)
  })

  it("a regressing candidate rolls back at its first step: exit 11, the reason on stderr, the target rolled back", () => {
    const h = hookFiles()
    const r = run(hookEnv(h))(...start("regress-1", [], "latency-regression"))
    expect(r.code).toBe(11)
    expect(r.stdout).toMatch(/^rollout regress-1: ROLLED BACK — analysis at step 1: latency/)
    expect(r.stderr.trim().split("\n").at(-1)).toMatch(/^rollwise: rollout regress-1 rolled back: analysis at step 1: latency/)
    expect(calls(h)).toEqual(["apply", "rollback"])
    expect(JSON.parse(readFileSync(h.state, "utf8")).phase).toBe("rolled_back")
  })

  it("gates from policy.yaml that block abort before the target is touched: exit 5, reasons recorded", () => {
    const h = hookFiles()
    const today = new Date().toISOString().slice(0, 10)
    const policy = file("freeze.yaml", `apiVersion: rollwise/v1\nkind: GatePolicy\nchangeWindow:\n  timeZone: UTC\n  freezes:\n    - { from: "${today}", to: "${today}", reason: test freeze }\n`)
    const r = run(hookEnv(h))(...start("frozen-1", ["--policy", policy]))
    expect(r.code).toBe(5)
    expect(r.stderr).toMatch(/gates BLOCK: .*test freeze/)
    expect(calls(h)).toEqual([])
    expect(recorded("frozen-1").rollout.result).toBe("aborted")
  })

  it("a hook that fails for good rolls the target back safely, the hook's reason recorded", () => {
    const h = hookFiles()
    const r = run({ ...hookEnv(h), HOOK_FAIL: "apply:1:quota exceeded" })(...start("hookfail-1"))
    expect(r.code).toBe(11)
    expect(r.stderr).toMatch(/target failed to apply: apply: .* exited 1: quota exceeded/)
    expect(calls(h)).toEqual(["apply", "rollback"])
  })

  it("an approval from another process (rollwise promote) lets the flip go ahead", async () => {
    const h = hookFiles()
    const bg = background(["rollout", "--decision", risky, "--slo", slo, "--target", `exec:${hook}`, "--simulate", "healthy", "--speed", "1200", "--db", db, "--id", "approve-1"], hookEnv(h), dir)
    await bg.waitFor(/waiting for: rollwise promote --rollout approve-1/)
    expect(calls(h)).not.toContain("promote")
    const p = run()("promote", "--rollout", "approve-1", "--db", db, "--by", "alice")
    expect(p.code).toBe(0)
    expect(p.stdout).toContain("approved by alice: the flip goes ahead")
    expect(await bg.exited).toBe(0)
    expect(bg.output().stderr).toMatch(/approved by alice/)
    expect(calls(h).at(-1)).toBe("promote")
    // approving again changes nothing; rolling back a promoted rollout is refused (exit 7)
    expect(run()("promote", "--rollout", "approve-1", "--db", db).stdout).toContain("already")
    const rb = run()("rollback", "--rollout", "approve-1", "--db", db)
    expect(rb.code).toBe(7)
    expect(rb.stderr.trim()).toBe("rollwise: rollout approve-1: is already promoted; rollback refused — deploy the previous version to go back")
  }, 60_000)

  it("an operator's rollback from another process stops the rollout; promote after it is refused (exit 7); rollback again is a no-op", async () => {
    const h = hookFiles()
    const bg = background(start("operator-1", [], "healthy", 60), hookEnv(h), dir)
    await bg.waitFor(/#3 step 1\/3 applied/)
    const rb = run()("rollback", "--rollout", "operator-1", "--db", db, "--by", "bob", "--reason", "pager: 5xx", "--json")
    expect(rb.code).toBe(0)
    expect(JSON.parse(rb.stdout)).toMatchObject({ rolloutId: "operator-1", outcome: "recorded" })
    expect(await bg.exited).toBe(11)
    expect(bg.output().stderr).toMatch(/bob asked for a rollback: pager: 5xx/)
    expect(calls(h)).toEqual(["apply", "rollback"])
    const again = run()("rollback", "--rollout", "operator-1", "--db", db)
    expect(again.code).toBe(0)
    expect(again.stdout).toContain("is already rolled back")
    const pr = run()("promote", "--rollout", "operator-1", "--db", db)
    expect(pr.code).toBe(7)
    expect(pr.stderr).toMatch(/^rollwise: rollout operator-1: was rolled back \(bob rolled back: pager: 5xx\); promote refused/)
  }, 60_000)

  it.each([
    [["rollout", "--slo", "x.yaml", "--target", "simulated", "--simulate", "healthy"], 3, "needs --decision (or --resume ID)"],
    [["rollout", "--decision", "strategy.json", "--slo", "slo.yaml", "--target", "simulated"], 3, "needs exactly one metric source"],
    [["rollout", "--decision", "strategy.json", "--slo", "slo.yaml", "--target", "k9s:x", "--simulate", "healthy"], 3, '"k9s:x" is not a target'],
    [["rollout", "--decision", "strategy.json", "--slo", "slo.yaml", "--target", "simulated", "--prometheus", "http://127.0.0.1:1", "--speed", "5"], 3, "--speed: only makes sense with --simulate"],
    [["rollout", "--resume", "r", "--decision", "strategy.json"], 3, "--resume: takes everything from the rollout's record; drop --decision"],
    [["promote", "--rollout", "nope", "--db", "missing.db"], 3, "missing.db: no evidence store here"],
    [["rollback", "--rollout", "nope", "--db", db], 3, "NotFound: no rollout nope"]
  ])("rollwise %j → exit %i: %s", (args, code, message) => {
    const r = run()(...args.map((a) => (a === "strategy.json" ? strategy : a === "slo.yaml" ? slo : a)))
    expect(r.code).toBe(code)
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain(message)
  })

  it("--help teaches the command: targets, metrics, resume, exit codes", () => {
    const r = run()("rollout", "--help")
    expect(r.code).toBe(0)
    for (const text of ["exec:PATH", "--simulate", "--prometheus", "--resume", "Exits 0 promoted, 11 rolled back, 5 aborted"]) expect(r.stdout).toContain(text)
  })
})

/**
 * Crash safety: run a scripted rollout once uninterrupted, then again with a
 * SIGKILL sent as each of its transitions shows on stderr, and resume every
 * killed run with `--resume ID`. Each resumed run must reach the same result,
 * keep every event recorded before the kill (same seq, same type), record
 * seq 1…n without gaps, record Promoted at most once, and never call the
 * hook's promote again once a promote was recorded.
 */
describe("crash safety: SIGKILL at every transition, then --resume (bundled CLI, real SQLite, real hook processes)", () => {
  const scripted = (scenario: "healthy" | "latency-regression") => {
    const reference = hookFiles()
    const r = run(hookEnv(reference))(...start(`ref-${scenario}`, [], scenario))
    const transitions = [...r.stderr.matchAll(/^\[[\d:]+\] #(\d+) /gm)].map((m) => Number(m[1]))
    return { code: r.code, transitions, result: recorded(`ref-${scenario}`).rollout.result }
  }

  for (const scenario of ["healthy", "latency-regression"] as const) {
    it(`${scenario}: killed at each transition, resumed, ends as an uninterrupted run does`, async () => {
      const ref = scripted(scenario)
      expect(ref.transitions.length).toBeGreaterThanOrEqual(scenario === "healthy" ? 8 : 5)
      // every transition but the last (after it there is nothing left to kill)
      for (const k of ref.transitions.slice(0, -1)) {
        const id = `kill-${scenario}-${k}`
        const h = hookFiles()
        const bg = background(start(id, ["--lease-ttl", "1"], scenario), hookEnv(h), dir)
        await Promise.race([bg.waitFor(new RegExp(`#${k} `)), bg.exited])
        kill(bg.child)
        await bg.exited
        const before = recorded(id).events
        expect(before.length).toBeGreaterThanOrEqual(k)
        const promotedBefore = before.some((e) => e.type === "Promoted")
        const promoteCallsBefore = calls(h).filter((c) => c === "promote").length

        const resumed = resumeWhenFree(id, hookEnv(h))
        expect(resumed.code, `resume after kill at #${k}: ${resumed.stderr}`).toBe(ref.code)
        const { rollout, events } = recorded(id)
        expect(rollout.result).toBe(ref.result)
        // nothing recorded before the kill is lost or rewritten
        expect(events.slice(0, before.length).map((e) => [e.seq, e.type])).toEqual(before.map((e) => [e.seq, e.type]))
        expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
        expect(events.filter((e) => e.type === "Promoted").length).toBe(ref.result === "promoted" ? 1 : 0)
        // a recorded promote is never repeated
        if (promotedBefore) expect(calls(h).filter((c) => c === "promote").length).toBe(promoteCallsBefore)
        // the target ends where the record says
        expect(JSON.parse(readFileSync(h.state, "utf8")).phase).toBe(ref.result)
      }
    }, 240_000)
  }
})
