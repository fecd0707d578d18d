import { type RunningPostgres, startPostgres } from "@rollwise/postgres-harness"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { background, rolloutSlo, rollwiseIn, scratch } from "./support.ts"

/**
 * The CLI's `--db postgres://…` (and ROLLWISE_EVIDENCE_DB) through the
 * bundled binary, against a real PostgreSQL: rollout, promote, evidence
 * list/show/export read and write the same database a replicated
 * `rollwise serve` uses. A SQLite path stays the default.
 */
const password = "cli-pg-s3cret"
const { dir, file } = scratch("evidence-postgres")
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
const changes = file("changes.json", JSON.stringify({ service: "checkout", linesAdded: 420, linesDeleted: 96, filesChanged: 14, criticality: "high" }))

let pg: RunningPostgres
let url: string
beforeAll(async () => {
  pg = await startPostgres({ password })
  url = await pg.createDatabase("cli")
}, 120_000)
afterAll(async () => {
  await pg?.stop()
})

const run = (env: Record<string, string> = {}) => rollwiseIn(dir, env)
const rollout = (id: string, decisionFile: string, db: ReadonlyArray<string>) => [
  "rollout",
  "--decision",
  decisionFile,
  "--slo",
  slo,
  "--target",
  "simulated",
  "--simulate",
  "healthy",
  "--speed",
  "1200",
  "--changes",
  changes,
  "--id",
  id,
  ...db
]

describe("rollwise with --db postgres://… (real PostgreSQL, bundled CLI)", () => {
  it("rollout records into PostgreSQL; evidence list, show and export read it back", () => {
    const r = run()(...rollout("pg-1", strategy, ["--db", url]))
    expect(r.code, r.stderr).toBe(0)
    const list = run()("evidence", "list", "--db", url, "--json")
    expect(list.code, list.stderr).toBe(0)
    expect((JSON.parse(list.stdout) as Array<{ rolloutId: string; result?: string }>).map((x) => [x.rolloutId, x.result])).toEqual([["pg-1", "promoted"]])
    const show = run()("evidence", "show", "pg-1", "--db", url, "--json")
    expect(show.code).toBe(0)
    const shown = JSON.parse(show.stdout) as { events: Array<{ seq: number; type: string }> }
    expect(shown.events.map((e) => e.seq)).toEqual(shown.events.map((_, i) => i + 1))
    expect(shown.events.filter((e) => e.type === "StepApplied")).toHaveLength(3)
    expect(shown.events.filter((e) => e.type === "Promoted")).toHaveLength(1)
    const exported = run()("evidence", "export", "--db", url, "--format", "jsonl")
    expect(exported.code, exported.stderr).toBe(0)
    expect(JSON.parse(exported.stdout.trim().split("\n")[0]!)).toMatchObject({ rollout: "pg-1", service: "checkout", linesAdded: 420, failed: 0 })
    for (const out of [r, list, show, exported]) expect(out.stdout + out.stderr).not.toContain(password)
  }, 120_000)

  it("ROLLWISE_EVIDENCE_DB names the database too; rollwise promote from another process approves the waiting rollout", async () => {
    const env = { ROLLWISE_EVIDENCE_DB: url }
    // a day of simulated time to approve in (a minute of real time at ×1200), so a loaded machine is not a timeout
    const bg = background([...rollout("pg-2", risky, []), "--approval-timeout", "86400"], env, dir)
    await bg.waitFor(/waiting for: rollwise promote --rollout pg-2/)
    const p = run(env)("promote", "--rollout", "pg-2", "--by", "alice")
    expect(p.code, p.stderr).toBe(0)
    expect(p.stdout).toContain("approved by alice: the flip goes ahead")
    expect(await bg.exited).toBe(0)
    const show = JSON.parse(run()("evidence", "show", "pg-2", "--db", url, "--json").stdout) as { rollout: { result: string }; events: Array<{ type: string }> }
    expect(show.rollout.result).toBe("promoted")
    expect(show.events.filter((e) => e.type === "Approved")).toHaveLength(1)
    expect(bg.output().stderr).not.toContain(password)
  }, 120_000)

  it("a database that cannot be reached is one line naming it without the password (exit 4), for every command", () => {
    const down = `postgres://rollwise:${password}@127.0.0.1:1/cli`
    for (const args of [
      ["evidence", "list", "--db", down],
      ["promote", "--rollout", "pg-1", "--db", down],
      rollout("pg-3", strategy, ["--db", down])
    ]) {
      const r = run()(...args)
      expect(r.code, args.join(" ")).toBe(4)
      const lines = r.stderr.trim().split("\n")
      expect(lines, r.stderr).toHaveLength(1)
      expect(lines[0]).toMatch(/^rollwise: .*postgres:\/\/\*\*\*@127\.0\.0\.1:1\/cli.*cannot reach PostgreSQL/)
      expect(r.stdout + r.stderr).not.toContain(password)
    }
  }, 120_000)
})
