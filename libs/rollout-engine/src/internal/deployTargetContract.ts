import { Effect, type Layer } from "effect"
import { describe, expect, it } from "vitest"
import { harness } from "./contractSupport.ts"
import { DeployTarget } from "../DeployTarget.ts"

/**
 * The DeployTarget contract. `layer` must give a fresh target (nothing
 * applied) each time; `step` is the kind of step it takes (weight or cohort).
 */
export const suite = (
  name: string,
  layer: () => Layer.Layer<DeployTarget>,
  kind: "weight" | "cohort" = "weight",
  /** The steps the suite applies: two in a row, one before a rollback, one before a promote (a blue/green target takes only 0 and 100). */
  percents: readonly [first: number, second: number, beforeRollback: number, beforePromote: number] = [5, 20, 10, 50]
) => {
  const step = (p: number) => (kind === "weight" ? { weight: p } : { cohort: p })
  const { ok, reason } = harness(
    Effect.gen(function* () {
      return yield* DeployTarget
    }),
    layer
  )

  describe(`DeployTarget contract: ${name}`, () => {
    it("describes itself", async () => {
      const d = await ok((t) => t.describe)
      expect(d.name.length).toBeGreaterThan(0)
    })

    it("apply moves the current step; status says so", async () => {
      const status = await ok((t) => Effect.andThen(Effect.andThen(t.apply(step(percents[0])), t.apply(step(percents[1]))), t.status))
      expect(status.phase).toBe("progressing")
      expect(status.current).toEqual(step(percents[1]))
    })

    it("rollback is idempotent and ends rolled back", async () => {
      const status = await ok((t) => Effect.andThen(Effect.andThen(Effect.andThen(t.apply(step(percents[2])), t.rollback), t.rollback), t.status))
      expect(status.phase).toBe("rolled_back")
    })

    it("promote after a rollback is rejected", async () => {
      expect(await reason((t) => Effect.andThen(Effect.andThen(t.apply(step(percents[2])), t.rollback), t.promote))).toBe("Rejected")
    })

    it("promote ends promoted; a later step is rejected", async () => {
      const status = await ok((t) => Effect.andThen(Effect.andThen(t.apply(step(percents[3])), t.promote), t.status))
      expect(status.phase).toBe("promoted")
      expect(await reason((t) => Effect.andThen(t.promote, t.apply(step(percents[2]))))).toBe("Rejected")
    })
  })
}
