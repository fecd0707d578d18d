import { describe, expect, it } from "vitest"
import { Flagger } from "../src/index.ts"

describe("Flagger.statusOf (pure)", () => {
  it.each([
    ["Succeeded", "promoted"],
    ["Failed", "rolled_back"],
    ["Progressing", "progressing"],
    ["WaitingPromotion", "progressing"],
    ["Initialized", "idle"],
    ["Terminated", "degraded"]
  ])("phase %s → %s", (phase, mapped) => {
    expect(Flagger.statusOf(Flagger.view({ status: { phase, canaryWeight: 20, failedChecks: 0 } })).phase).toBe(mapped)
  })
  it("carries the weight and the failed checks", () => {
    const s = Flagger.statusOf(Flagger.view({ status: { phase: "Progressing", canaryWeight: 30, failedChecks: 2 } }))
    expect(s.current).toEqual({ weight: 30 })
    expect(s.healthy).toBe(false)
    expect(s.detail).toContain("2 failed checks")
  })
})
