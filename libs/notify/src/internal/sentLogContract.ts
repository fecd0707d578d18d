import { Effect, type Layer } from "effect"
import { describe, expect, it } from "vitest"
import type { Delivery } from "../Delivery.ts"
import { type Key, SentLog } from "../SentLog.ts"

const delivery = (key: Key): Delivery => ({ channel: key.channel, type: "slack", kind: key.kind, rolloutId: key.rolloutId, status: "sent", attempts: 1 })

/**
 * The SentLog contract every implementation passes (the in-memory layer
 * here; the evidence-store-backed one the engine uses): a key is seen only
 * after it was recorded, keys differ by rollout, kind and channel, recording
 * twice is harmless, and what one layer instance recorded a new instance
 * over the same storage still sees (`layer` is called once per test; return
 * layers over the same store from `reopen` to check that it outlives the
 * process, or omit it for an in-memory log).
 */
export const suite = (name: string, layer: () => Layer.Layer<SentLog>, reopen?: () => Layer.Layer<SentLog>) =>
  describe(`SentLog contract: ${name}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, SentLog>, l: Layer.Layer<SentLog>) => Effect.runPromise(effect.pipe(Effect.provide(l)))
    let n = 0
    // a fresh rollout id per test: an implementation over shared storage keeps what earlier tests recorded
    const fresh = (): Key => ({ rolloutId: `r-contract-${Date.now().toString(36)}-${++n}`, kind: "rollback", channel: "releases" })

    it("a key is not seen until it is recorded, then it is", async () => {
      const key = fresh()
      const l = layer()
      await run(
        Effect.gen(function* () {
          const log = yield* SentLog
          expect(yield* log.seen(key)).toBe(false)
          yield* log.record(key, delivery(key))
          expect(yield* log.seen(key)).toBe(true)
        }),
        l
      )
    })

    it("keys differ by rollout, kind and channel (ids with slashes included); recording twice is harmless", async () => {
      const key = fresh()
      await run(
        Effect.gen(function* () {
          const log = yield* SentLog
          const slashed: Key = { rolloutId: `${key.rolloutId}/a/rollback`, kind: "abort", channel: "c" }
          yield* log.record(key, delivery(key))
          yield* log.record(key, delivery(key))
          yield* log.record(slashed, delivery(slashed))
          expect(yield* log.seen({ ...key, rolloutId: `${key.rolloutId}-other` })).toBe(false)
          expect(yield* log.seen({ ...key, kind: "abort" })).toBe(false)
          expect(yield* log.seen({ ...key, channel: "ops-teams" })).toBe(false)
          expect(yield* log.seen({ rolloutId: `${key.rolloutId}/a`, kind: "rollback", channel: "c" })).toBe(false)
          expect(yield* log.seen(slashed)).toBe(true)
        }),
        layer()
      )
    })

    if (reopen !== undefined) {
      it("what was recorded is seen after a restart (a new layer over the same storage)", async () => {
        const key = fresh()
        await run(Effect.flatMap(SentLog, (log) => log.record(key, delivery(key))), layer())
        expect(await run(Effect.flatMap(SentLog, (log) => log.seen(key)), reopen())).toBe(true)
      })
    }
  })
