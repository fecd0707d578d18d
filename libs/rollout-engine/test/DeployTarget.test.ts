import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import { DeployTarget } from "../src/index.ts"
import { DeployTargetContract } from "../src/testing.ts"

DeployTargetContract.suite("in-memory layer (weights)", () => DeployTarget.layerMemory())
DeployTargetContract.suite("in-memory layer (cohorts)", () => DeployTarget.layerMemory({ kind: "arm", name: "fleet" }), "cohort")

describe("in-memory DeployTarget controls", () => {
  it("records calls and injects failures, once each", async () => {
    const [calls, first, second] = await Effect.runPromise(
      Effect.gen(function* () {
        const { target, controls } = yield* DeployTarget.makeMemory({ kind: "simulated", name: "t" })
        yield* controls.failNext("apply", new DeployTarget.DeployTargetError({ reason: "Unreachable", detail: "network" }))
        const first = yield* Effect.flip(target.apply({ weight: 10 }))
        const second = yield* Effect.exit(target.apply({ weight: 10 }))
        return [yield* controls.calls, first, second] as const
      })
    )
    expect(first.reason).toBe("Unreachable")
    expect(first.transient).toBe(true)
    expect(second._tag).toBe("Success")
    expect(calls).toEqual([
      { op: "apply", step: { weight: 10 } },
      { op: "apply", step: { weight: 10 } }
    ])
  })
})
