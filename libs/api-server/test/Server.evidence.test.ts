import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeServices } from "@effect/platform-node"
import { SqliteEvidenceStore } from "@rollwise/evidence-store"
import { Rollout } from "@rollwise/rollout-engine"
import { Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import { resolveOptions, type ServeFlags } from "../src/index.ts"
import { auth, serveFlagsWith, startServer } from "./helpers.ts"

const plan = Rollout.planOf({
  strategy: "canary",
  steps: [
    { weight: 20, pauseSeconds: 60 },
    { weight: 100, pauseSeconds: 0 }
  ],
  approval_required: true
})

/** A rollout recorded in a real SQLite file, as `rollwise rollout` leaves one waiting for approval. */
const seed = (path: string) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const store = yield* SqliteEvidenceStore.make({ path })
        yield* store.create({ rolloutId: "checkout-1", service: "checkout", target: "simulated:checkout", startedAt: Date.parse("2026-11-29T10:00:00Z") })
        const events: ReadonlyArray<Rollout.Event> = [{ _tag: "Started", plan }, { _tag: "GatesPassed" }, { _tag: "StepApplied", index: 0 }, { _tag: "Analyzed", index: 0, action: "promote", reasons: [] }]
        let at = Date.parse("2026-11-29T10:00:00Z")
        for (const e of events) yield* store.append("checkout-1", { type: e._tag, at: (at += 1000), data: e })
      })
    )
  )

const flags = (db: string): ServeFlags => serveFlagsWith({ db: Option.some(db) })

describe("rollwise serve --db (a real SQLite evidence store)", () => {
  it("serves the rollouts rollwise rollout recorded and appends the operator's approval to the same file", async () => {
    const db = join(mkdtempSync(join(tmpdir(), "rollwise-db-")), "evidence.db")
    await seed(db)
    const options = await Effect.runPromise(resolveOptions(flags(db), {}).pipe(Effect.provide(NodeServices.layer)))
    const server = await startServer({ evidenceStore: options.evidenceStore, evidencePath: options.evidencePath })
    try {
      expect(JSON.parse(server.lines[0]!)).toMatchObject({ evidence: db })
      const list = (await (await server.fetch("/v1/rollouts", { headers: auth })).json()) as { rollouts: Array<{ rolloutId: string }> }
      expect(list.rollouts.map((r) => r.rolloutId)).toEqual(["checkout-1"])
      const detail = (await (await server.fetch("/v1/rollouts/checkout-1", { headers: auth })).json()) as { standing: unknown }
      expect(detail.standing).toMatchObject({ phase: "awaiting_approval", percent: 20, approvalRequired: true })
      const approve = await server.post("/v1/rollouts/checkout-1/promote", { by: "release-manager" })
      expect(approve.status).toBe(200)
      expect(await approve.json()).toMatchObject({ outcome: "recorded" })
    } finally {
      await server.close()
    }
    // what the running `rollwise rollout` polls: the approval is in the file
    const events = await Effect.runPromise(Effect.scoped(Effect.flatMap(SqliteEvidenceStore.make({ path: db }), (s) => s.get("checkout-1"))))
    expect(events.events.at(-1)).toMatchObject({ seq: 5, type: "Approved", data: { _tag: "Approved", by: "release-manager" } })
  })

  it("a record with no step (as issue #16 found them: Started, GatesPassed, then an internal error) is shown and rolled back over HTTP, not a 500", async () => {
    const db = join(mkdtempSync(join(tmpdir(), "rollwise-db-")), "evidence.db")
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const store = yield* SqliteEvidenceStore.make({ path: db })
          yield* store.create({ rolloutId: "empty-1", service: "checkout", target: "simulated:checkout", startedAt: Date.parse("2026-11-29T10:00:00Z"), data: { setup: { decision: { steps: [] } }, startedBy: "cli" } })
          yield* store.append("empty-1", { type: "Started", at: Date.parse("2026-11-29T10:00:01Z"), data: { _tag: "Started", plan: { ...plan, steps: [] } } })
          yield* store.append("empty-1", { type: "GatesPassed", at: Date.parse("2026-11-29T10:00:02Z"), data: { _tag: "GatesPassed" } })
        })
      )
    )
    const options = await Effect.runPromise(resolveOptions(flags(db), {}).pipe(Effect.provide(NodeServices.layer)))
    const server = await startServer({ evidenceStore: options.evidenceStore, evidencePath: options.evidencePath })
    try {
      const detail = await server.fetch("/v1/rollouts/empty-1", { headers: auth })
      expect(detail.status).toBe(200)
      expect((await server.fetch("/v1/evidence/empty-1", { headers: auth })).status).toBe(200)
      const rollback = await server.post("/v1/rollouts/empty-1/rollback", { by: "oncall", reason: "stuck record" })
      expect(rollback.status).toBe(200)
      const list = (await (await server.fetch("/v1/rollouts", { headers: auth })).json()) as { rollouts: Array<{ rolloutId: string; result?: string }> }
      expect(list.rollouts.find((r) => r.rolloutId === "empty-1")?.result).toBe("aborted")
    } finally {
      await server.close()
    }
  })

  it("without --db or ROLLWISE_EVIDENCE_DB the routes answer 503 saying how to configure one", async () => {
    const options = await Effect.runPromise(resolveOptions({ ...flags("x"), db: Option.none() }, {}).pipe(Effect.provide(NodeServices.layer)))
    expect(options.evidenceStore).toBeUndefined()
    const server = await startServer({})
    try {
      const res = await server.fetch("/v1/rollouts", { headers: auth })
      expect(res.status).toBe(503)
      expect(((await res.json()) as { message: string }).message).toBe("evidence store: this server has no evidence store (rollwise serve --db PATH, or ROLLWISE_EVIDENCE_DB)")
    } finally {
      await server.close()
    }
  })
})
