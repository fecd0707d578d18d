import { DeployTarget } from "@rollwise/rollout-engine"
import { DeployTargetContract } from "@rollwise/rollout-engine/testing"
import { it as eit } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { Bucketing, FlagStore, TargetFlag } from "../src/index.ts"

const dirs: Array<string> = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})
const tempDir = Effect.promise(async () => {
  const d = await mkdtemp(join(tmpdir(), "rollwise-flag-target-"))
  dirs.push(d)
  return d
})

const options: TargetFlag.Options = { key: "new-cart", salt: "rollout-7", rollout: "rollout-7" }

DeployTargetContract.suite("TargetFlag over the in-memory FlagStore", () => TargetFlag.layer(options).pipe(Layer.provide(FlagStore.layerMemory())))
DeployTargetContract.suite("TargetFlag over the in-memory FlagStore (cohort steps)", () => TargetFlag.layer(options).pipe(Layer.provide(FlagStore.layerMemory())), "cohort")
DeployTargetContract.suite("TargetFlag over the file FlagStore (temp directory)", () =>
  TargetFlag.layer(options).pipe(Layer.provide(Layer.effect(FlagStore.FlagStore, Effect.orDie(Effect.flatMap(tempDir, (d) => FlagStore.makeFile(d))))))
)

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
const withStore = async (opts: TargetFlag.Options = options) => {
  const store = await run(FlagStore.makeMemory())
  const target = await run(Effect.provideService(TargetFlag.make(opts), FlagStore.FlagStore, store))
  return { store, target }
}
const failure = (effect: Effect.Effect<unknown, DeployTarget.DeployTargetError>) => run(Effect.flip(effect))

describe("TargetFlag (in-memory FlagStore)", () => {
  it("steps set the percentage, promote 100, each change a new version; the document is what applications poll", async () => {
    const { store, target } = await withStore({ ...options, on: "new", off: "old" })
    await run(target.apply({ weight: 5 }))
    expect(await run(store.get("new-cart"))).toMatchObject({ apiVersion: "rollwise/v1", kind: "Flag", key: "new-cart", version: 0, percentage: 5, on: "new", off: "old", salt: "rollout-7", rollout: "rollout-7" })
    await run(target.apply({ weight: 25 }))
    await run(target.promote)
    expect(await run(store.get("new-cart"))).toMatchObject({ version: 2, percentage: 100 })
    expect(await run(target.status)).toMatchObject({ phase: "promoted", current: { weight: 100 }, healthy: true })
    expect(await run(target.describe)).toMatchObject({ kind: "flag", name: "new-cart" })
  })

  it("idempotent: applying the same step twice (or repeating a rollback) writes no new version", async () => {
    const { store, target } = await withStore()
    await run(target.apply({ weight: 10 }))
    await run(target.apply({ weight: 10 }))
    expect((await run(store.get("new-cart")))?.version).toBe(0)
    await run(target.rollback)
    await run(target.rollback)
    expect(await run(store.get("new-cart"))).toMatchObject({ version: 1, percentage: 0 })
    expect(await run(target.status)).toMatchObject({ phase: "rolled_back", healthy: true })
  })

  it("any sequence of steps ends with the flag at the last step's percentage and one version per actual change (fast-check)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 10 }), async (steps) => {
        const { store, target } = await withStore()
        let changes = 0
        let last: number | undefined
        for (const p of steps) {
          await run(target.apply({ weight: p }))
          if (p !== last) changes++
          last = p
        }
        expect(await run(store.get("new-cart"))).toMatchObject({ percentage: steps.at(-1), version: changes - 1 })
      })
    )
  })

  it("the users a step lets in are the ones Bucketing puts in the stored document's share, nested from step to step", async () => {
    const { store, target } = await withStore()
    let previous = new Set<string>()
    for (const p of [1, 5, 25, 50]) {
      await run(target.apply({ weight: p }))
      const doc = (await run(store.get("new-cart")))!
      const inShare = new Set(Array.from({ length: 5000 }, (_, i) => `user-${i}`).filter((u) => Bucketing.inShare(doc, u)))
      for (const u of previous) expect(inShare.has(u)).toBe(true)
      expect(Math.abs(inShare.size / 5000 - p / 100)).toBeLessThan(0.03)
      previous = inShare
    }
  })

  it("a rollback ends at 0 %: nobody gets the new variant", async () => {
    const { store, target } = await withStore()
    await run(target.apply({ weight: 50 }))
    await run(target.rollback)
    const doc = (await run(store.get("new-cart")))!
    expect(doc.percentage).toBe(0)
    expect(Array.from({ length: 1000 }, (_, i) => Bucketing.variant(doc, `u${i}`)).every((v) => v === "off")).toBe(true)
  })

  it("rejects a percentage outside 0–100, and steps after a promotion", async () => {
    const { target } = await withStore()
    expect((await failure(target.apply({ weight: 120 }))).reason).toBe("Rejected")
    await run(target.promote)
    expect((await failure(target.apply({ weight: 5 }))).reason).toBe("Rejected")
    expect((await failure(target.rollback)).reason).toBe("Rejected")
  })

  it("a new rollout (another salt) rewrites the flag with its own salt; a restarted target of the same rollout goes on from the stored share", async () => {
    const { store, target } = await withStore()
    await run(target.apply({ weight: 20 }))
    const again = await run(Effect.provideService(TargetFlag.make(options), FlagStore.FlagStore, store))
    expect(await run(again.status)).toMatchObject({ phase: "progressing", current: { weight: 20 }, healthy: true })
    const next = await run(Effect.provideService(TargetFlag.make({ ...options, salt: "rollout-8", rollout: "rollout-8" }), FlagStore.FlagStore, store))
    await run(next.apply({ weight: 5 }))
    expect(await run(store.get("new-cart"))).toMatchObject({ salt: "rollout-8", percentage: 5, version: 1 })
  })

  it("a change made by someone else shows as unhealthy status, naming the stored percentage", async () => {
    const { store, target } = await withStore()
    await run(target.apply({ weight: 20 }))
    const doc = (await run(store.get("new-cart")))!
    await run(store.put({ ...doc, version: doc.version + 1, percentage: 80 }))
    const status = await run(target.status)
    expect(status.healthy).toBe(false)
    expect(status.detail).toContain("80 %")
  })

  it("a store that keeps conflicting (another writer) surfaces as a transient Conflict after retries", async () => {
    const store = await run(FlagStore.makeMemory())
    let puts = 0
    const conflicting = FlagStore.FlagStore.of({
      ...store,
      put: () => {
        puts++
        return Effect.fail(new FlagStore.FlagStoreError({ reason: "Conflict", detail: "flag new-cart is at version 3, not 2" }))
      }
    })
    const target = await run(Effect.provideService(TargetFlag.make(options), FlagStore.FlagStore, conflicting))
    const e = await failure(target.apply({ weight: 5 }))
    expect(e.reason).toBe("Conflict")
    expect(e.transient).toBe(true)
    expect(puts).toBe(4)
  })
})

describe("TargetFlag and the Clock", () => {
  eit.effect("updatedAt is the Effect Clock's time of each change (TestClock)", () =>
    Effect.gen(function* () {
      const store = yield* FlagStore.makeMemory()
      const target = yield* Effect.provideService(TargetFlag.make(options), FlagStore.FlagStore, store)
      yield* TestClock.setTime(1_800_000_000_000)
      yield* target.apply({ weight: 5 })
      expect((yield* store.get("new-cart"))?.updatedAt).toBe(1_800_000_000_000)
      yield* TestClock.adjust("90 seconds")
      yield* target.apply({ weight: 5 })
      expect((yield* store.get("new-cart"))?.updatedAt).toBe(1_800_000_000_000)
      yield* target.apply({ weight: 25 })
      expect((yield* store.get("new-cart"))?.updatedAt).toBe(1_800_000_090_000)
    })
  )
})
