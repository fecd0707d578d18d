import { Effect, type Layer } from "effect"
import { describe, expect, it } from "vitest"
import { harness } from "./contractSupport.ts"
import { DeployTarget } from "../DeployTarget.ts"

/**
 * The DeployTarget contract. `layer` must give a fresh target (nothing
 * applied) each time; `step` is the kind of step it takes (weight or cohort).
 */
export const suite = (name: string, layer: () => Layer.Layer<DeployTarget>, kind: "weight" | "cohort" = "weight") => {
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
      const status = await ok((t) => Effect.andThen(Effect.andThen(t.apply(step(5)), t.apply(step(20))), t.status))
      expect(status.phase).toBe("progressing")
      expect(status.current).toEqual(step(20))
    })

    it("rollback is idempotent and ends rolled back", async () => {
      const status = await ok((t) => Effect.andThen(Effect.andThen(Effect.andThen(t.apply(step(10)), t.rollback), t.rollback), t.status))
      expect(status.phase).toBe("rolled_back")
    })

    it("promote after a rollback is rejected", async () => {
      expect(await reason((t) => Effect.andThen(Effect.andThen(t.apply(step(10)), t.rollback), t.promote))).toBe("Rejected")
    })

    it("promote ends promoted; a later step is rejected", async () => {
      const status = await ok((t) => Effect.andThen(Effect.andThen(t.apply(step(50)), t.promote), t.status))
      expect(status.phase).toBe("promoted")
      expect(await reason((t) => Effect.andThen(t.promote, t.apply(step(10))))).toBe("Rejected")
    })
  })
}
