import { EvidenceStore } from "@rollwise/rollout-engine"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { EvidenceHistory, SqliteEvidenceStore } from "../src/index.ts"
import { tempFolder } from "./fixtures/temp.ts"

const temp = tempFolder()

const rollout = (rolloutId: string, startedAt: number, overrides: Partial<EvidenceStore.NewRollout> = {}): EvidenceStore.NewRollout => ({
  rolloutId,
  service: "checkout",
  module: "payments",
  target: "k8s:checkout",
  startedAt,
  ...overrides
})

/** A few rollouts: finished with and without a decision event, one still running, one of another service. */
const seed = Effect.gen(function* () {
  const s = yield* EvidenceStore.EvidenceStore
  yield* s.create(rollout("a", 1, { version: "1.0.0", buildNumber: "7" }))
  yield* s.append("a", { type: "gate.evaluated", at: 2, data: { status: "pass" } })
  yield* s.append("a", { type: "decision", at: 3, data: { risk_score: 12, strategy: "canary", pace: "fast" } })
  yield* s.append("a", { type: "decision", at: 4, data: { risk_score: 99, strategy: "bluegreen", pace: "cautious" } })
  yield* s.finish("a", "promoted", 10)
  yield* s.create(rollout("b", 20))
  yield* s.append("b", { type: "step.applied", at: 21, data: { weight: 5 } })
  yield* s.finish("b", "rolled_back", 30)
  yield* s.create(rollout("c", 40))
  yield* s.append("c", { type: "decision", at: 41, data: { risk_score: 50, strategy: "rolling", pace: "normal" } })
  yield* s.create(rollout("d", 50, { service: "search", module: "index" }))
  yield* s.append("d", { type: "decision", at: 51, data: { risk_score: 70, strategy: "canary", pace: "cautious" } })
  yield* s.finish("d", "aborted", 60)
})

const queries = Effect.all([EvidenceHistory.history(), EvidenceHistory.history({ service: "checkout", module: "payments" }), EvidenceHistory.history({ limit: 1 })])

const onSqlite = () => Effect.runPromise(Effect.andThen(seed, queries).pipe(Effect.provide(SqliteEvidenceStore.layer({ path: temp.fresh() }))))
const onMemory = () =>
  Effect.runPromise(
    Effect.andThen(seed, queries).pipe(Effect.provide(Layer.provideMerge(EvidenceHistory.layerFromStore, EvidenceStore.layerMemory)))
  )

describe("EvidenceHistory", () => {
  it("SQLite: finished rollouts newest first with the first decision's data; running ones left out", async () => {
    const [all, payments, limited] = await onSqlite()
    expect(all).toEqual([
      { rolloutId: "d", service: "search", module: "index", target: "k8s:checkout", startedAt: 50, result: "aborted", finishedAt: 60, decision: { risk_score: 70, strategy: "canary", pace: "cautious" } },
      { rolloutId: "b", service: "checkout", module: "payments", target: "k8s:checkout", startedAt: 20, result: "rolled_back", finishedAt: 30 },
      {
        rolloutId: "a",
        service: "checkout",
        module: "payments",
        version: "1.0.0",
        buildNumber: "7",
        target: "k8s:checkout",
        startedAt: 1,
        result: "promoted",
        finishedAt: 10,
        decision: { risk_score: 12, strategy: "canary", pace: "fast" }
      }
    ])
    expect("decision" in all[1]!).toBe(false)
    expect(payments.map((e) => e.rolloutId)).toEqual(["b", "a"])
    expect(limited.map((e) => e.rolloutId)).toEqual(["d"])
  })

  it("the SQLite query answers exactly what the port-only history answers over the in-memory store", async () => {
    expect(await onSqlite()).toEqual(await onMemory())
  })
})

describe("EvidenceHistory.rows", () => {
  it("turns finished rollouts with features into labelled rows and leaves the rest out", () => {
    const base = { service: "checkout", target: "k8s:checkout", startedAt: 0, finishedAt: Date.UTC(2026, 11, 1) }
    const out = EvidenceHistory.rows([
      { ...base, rolloutId: "a", module: "payments", result: "promoted", data: { features: { linesAdded: 10, peakHour: 1, note: "x" } } },
      { ...base, rolloutId: "b", result: "rolled_back", data: { features: { linesAdded: 900, peakHour: 0 } } },
      { ...base, rolloutId: "c", result: "aborted", data: {} }
    ])
    expect(out).toEqual([
      { rollout: "a", service: "checkout", module: "payments", finishedAt: "2026-12-01T00:00:00.000Z", linesAdded: 10, peakHour: 1, failed: 0 },
      { rollout: "b", service: "checkout", module: ".", finishedAt: "2026-12-01T00:00:00.000Z", linesAdded: 900, peakHour: 0, failed: 1 }
    ])
  })
})
