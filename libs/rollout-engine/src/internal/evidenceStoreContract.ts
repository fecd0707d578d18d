import { Effect, type Layer } from "effect"
import { describe, expect, it } from "vitest"
import { harness } from "./contractSupport.ts"
import { EvidenceStore, moduleHistory, type NewRollout } from "../EvidenceStore.ts"

const rollout = (id: string, overrides: Partial<NewRollout> = {}): NewRollout => ({
  rolloutId: id,
  service: "checkout",
  module: "payments",
  version: "2.4.1",
  buildNumber: "118",
  target: "k8s:checkout",
  startedAt: 1_000,
  data: { decision: { risk_score: 42, strategy: "canary" } },
  ...overrides
})

/**
 * The EvidenceStore contract. `layer` must give a fresh, empty store each time
 * it is called (every test starts from nothing).
 */
export const suite = (name: string, layer: () => Layer.Layer<EvidenceStore>) => {
  const { ok, reason } = harness(
    Effect.gen(function* () {
      return yield* EvidenceStore
    }),
    layer
  )

  describe(`EvidenceStore contract: ${name}`, () => {
    it("creates a rollout once; a second create with the same id is a Conflict", async () => {
      const got = await ok((s) => Effect.andThen(s.create(rollout("r1")), s.get("r1")))
      expect(got.rollout).toMatchObject(rollout("r1"))
      expect(got.events).toEqual([])
      expect(await reason((s) => Effect.andThen(s.create(rollout("r1")), s.create(rollout("r1"))))).toBe("Conflict")
    })

    it("appends events with gapless sequence numbers and reads them back in order, payloads intact", async () => {
      const got = await ok((s) =>
        Effect.gen(function* () {
          yield* s.create(rollout("r1"))
          yield* s.append("r1", { type: "gate.evaluated", at: 1_100, data: { status: "pass", gates: [{ gate: "approval", reasons: ["ok"] }] } })
          yield* s.append("r1", { type: "step.applied", at: 1_200, data: { weight: 10 } })
          yield* s.append("r1", { type: "verdict", at: 1_300, data: { action: "promote", metrics: [{ name: "latency", p_value: 0.5, ci: [-0.1, 0.05] }] } })
          return yield* s.get("r1")
        })
      )
      expect(got.events.map((e) => [e.seq, e.type, e.at])).toEqual([
        [1, "gate.evaluated", 1_100],
        [2, "step.applied", 1_200],
        [3, "verdict", 1_300]
      ])
      expect(got.events[2]!.data).toEqual({ action: "promote", metrics: [{ name: "latency", p_value: 0.5, ci: [-0.1, 0.05] }] })
    })

    it("refuses an append whose expected sequence number is stale (another writer got there first)", async () => {
      expect(
        await reason((s) =>
          Effect.gen(function* () {
            yield* s.create(rollout("r1"))
            yield* s.append("r1", { type: "a", at: 1, data: null }, 0)
            yield* s.append("r1", { type: "b", at: 2, data: null }, 0)
          })
        )
      ).toBe("Conflict")
      const got = await ok((s) =>
        Effect.gen(function* () {
          yield* s.create(rollout("r1"))
          yield* s.append("r1", { type: "a", at: 1, data: null }, 0)
          return yield* s.append("r1", { type: "b", at: 2, data: null }, 1)
        })
      )
      expect(got.seq).toBe(2)
    })

    it("unknown rollouts are NotFound", async () => {
      expect(await reason((s) => s.get("nope"))).toBe("NotFound")
      expect(await reason((s) => s.append("nope", { type: "a", at: 1, data: null }))).toBe("NotFound")
      expect(await reason((s) => s.finish("nope", "promoted", 1))).toBe("NotFound")
    })

    it("finishes once: the same result again is a no-op, another result a Conflict", async () => {
      const finished = await ok((s) =>
        Effect.gen(function* () {
          yield* s.create(rollout("r1"))
          yield* s.finish("r1", "rolled_back", 2_000)
          return yield* s.finish("r1", "rolled_back", 3_000)
        })
      )
      expect(finished).toMatchObject({ result: "rolled_back", finishedAt: 2_000 })
      expect(
        await reason((s) => Effect.andThen(s.create(rollout("r1")), Effect.andThen(s.finish("r1", "rolled_back", 2_000), s.finish("r1", "promoted", 3_000))))
      ).toBe("Conflict")
    })

    it("lists newest first, filtered by service and module, with a limit; counts module history", async () => {
      const [all, payments, limited, history] = await ok((s) =>
        Effect.gen(function* () {
          yield* s.create(rollout("a", { startedAt: 1 }))
          yield* s.create(rollout("b", { startedAt: 3 }))
          yield* s.create(rollout("c", { startedAt: 2, module: "cart" }))
          yield* s.create(rollout("d", { startedAt: 4, service: "search" }))
          yield* s.finish("a", "promoted", 10)
          yield* s.finish("b", "rolled_back", 11)
          const history = yield* moduleHistory("checkout", "payments").pipe(Effect.provideService(EvidenceStore, s))
          return [yield* s.list(), yield* s.list({ service: "checkout", module: "payments" }), yield* s.list({ limit: 2 }), history] as const
        })
      )
      expect(all.map((r) => r.rolloutId)).toEqual(["d", "b", "c", "a"])
      expect(payments.map((r) => r.rolloutId)).toEqual(["b", "a"])
      expect(limited.map((r) => r.rolloutId)).toEqual(["d", "b"])
      expect(history).toEqual({ deploys: 2, failures: 1 })
    })
  })
}
