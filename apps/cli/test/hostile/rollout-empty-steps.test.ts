import { SqliteEvidenceStore } from "@rollwise/evidence-store"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { examples, rollwiseIn, scratch } from "../support.ts"

/**
 * Issue #16, item 2: a decision with `"steps": []` was recorded (Started),
 * then failed with an internal error, and every command on its id failed
 * after that, the record "running" forever.
 */
const { dir, file } = scratch("rollout-empty-steps")
const db = join(dir, "evidence.db")
const decision = JSON.parse(readFileSync(join(examples, "strategy.json"), "utf8")) as Record<string, unknown>
const empty = file("empty.json", JSON.stringify({ ...decision, steps: [] }))
const slo = join(examples, "slo.yaml")
const run = rollwiseIn(dir)

describe("a decision with no step (bundled CLI, real SQLite)", () => {
  it("is refused before anything is recorded: exit 3, one line naming the field", () => {
    const r = run("rollout", "--decision", empty, "--slo", slo, "--target", "simulated", "--simulate", "healthy", "--db", db, "--id", "none-1")
    expect(r.code).toBe(3)
    expect(r.stderr.trim()).toBe(`rollwise: ${empty}: steps: needs at least one step (a rollout with no step has nothing to roll out)`)
    const shown = run("evidence", "show", "none-1", "--db", db)
    expect(shown.code).toBe(3)
    // refused before the store was even opened: nothing recorded, no file made
    expect(shown.stderr).toContain("no evidence store here")
  })

  it("a record an older version left behind is shown, refused a promote (7), ended by a rollback (0), and its --resume names what is wrong (3)", async () => {
    const old = join(dir, "old.db")
    // as the version before the fix recorded it: the setup and Started, GatesPassed, then an internal error
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const store = yield* SqliteEvidenceStore.make({ path: old })
          const setup = { decision: { ...decision, steps: [] }, slo: {}, target: "simulated", metrics: { simulate: "healthy", seed: 7, speed: 600 }, hookTimeoutSeconds: 600, approvalTimeoutSeconds: 3600, onApprovalTimeout: "rollback" }
          yield* store.create({ rolloutId: "stuck-1", service: "checkout", target: "simulated:checkout", startedAt: Date.parse("2026-12-01T09:00:00Z"), data: { setup } })
          const plan = { strategy: "canary", steps: [], approvalRequired: false, approvalTimeoutSeconds: 3600, onApprovalTimeout: "rollback", maxTargetAttempts: 3, maxSlows: 2 }
          yield* store.append("stuck-1", { type: "Started", at: Date.parse("2026-12-01T09:00:01Z"), data: { _tag: "Started", plan } })
          yield* store.append("stuck-1", { type: "GatesPassed", at: Date.parse("2026-12-01T09:00:02Z"), data: { _tag: "GatesPassed", reasons: ["no policy: no gates"] } })
        })
      )
    )
    const shown = run("evidence", "show", "stuck-1", "--db", old)
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stdout).toContain("GatesPassed")

    const resumed = run("rollout", "--resume", "stuck-1", "--db", old)
    expect(resumed.code).toBe(3)
    expect(resumed.stderr.trim()).toBe(
      "rollwise: rollout stuck-1: its recorded setup does not read (rollout stuck-1: steps: needs at least one step (a rollout with no step has nothing to roll out)); end it with: rollwise rollback --rollout stuck-1"
    )

    const promoted = run("promote", "--rollout", "stuck-1", "--db", old)
    expect(promoted.code).toBe(7)
    expect(promoted.stderr.trim()).toBe("rollwise: rollout stuck-1: was aborted (the plan has no steps: nothing to roll out); promote refused — start a new rollout")

    const rolledBack = run("rollback", "--rollout", "stuck-1", "--db", old, "--json")
    expect(rolledBack.code, rolledBack.stderr).toBe(0)
    expect(JSON.parse(rolledBack.stdout)).toMatchObject({ rolloutId: "stuck-1", outcome: "recorded", phase: "aborted" })
    const listed = run("evidence", "list", "--db", old, "--json")
    expect((JSON.parse(listed.stdout) as Array<{ rolloutId: string; result?: string }>).find((r) => r.rolloutId === "stuck-1")?.result).toBe("aborted")
    // and a second rollback changes nothing
    const again = run("rollback", "--rollout", "stuck-1", "--db", old, "--json")
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: "already", phase: "aborted" })
  }, 60_000)
})
