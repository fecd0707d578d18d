import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { Decision, RiskPolicy } from "../src/index.ts"

const policy = RiskPolicy.defaultPolicy
const model = { kind: "test", version: "0" }
const decide = (score: number, target: Decision.TargetKind, features: Record<string, number> = {}) =>
  Decision.make({ score, reasons: [], model, features }, policy, target)
const percents = (d: Decision.Decision) => d.steps.map((s) => ("weight" in s ? s.weight : s.cohort))
const pauses = (d: Decision.Decision) => d.steps.map((s) => s.pauseSeconds)

describe("Decision.make: the default mapping from score to strategy, pace and steps", () => {
  it.each([
    // score, target, strategy, pace, steps, approval
    [0, "k8s", "rolling", "fast", [50, 100], false],
    [14.9, "k8s", "rolling", "fast", [50, 100], false],
    [15, "k8s", "rolling", "normal", [25, 50, 100], false],
    [29.9, "windows", "rolling", "normal", [25, 50, 100], false],
    [30, "k8s", "canary", "normal", [5, 25, 50, 100], false],
    [49.9, "k8s", "canary", "normal", [5, 25, 50, 100], false],
    [50, "k8s", "canary", "cautious", [1, 5, 10, 25, 50, 100], false],
    [70, "windows", "canary", "cautious", [1, 5, 10, 25, 50, 100], false],
    [70.1, "k8s", "bluegreen", "cautious", [0, 100], true],
    [100, "windows", "bluegreen", "cautious", [0, 100], true],
    [5, "arm", "rolling", "fast", [1, 5, 20, 100], false],
    [40, "arm", "canary", "normal", [1, 5, 20, 100], false],
    [70.1, "arm", "canary", "cautious", [1, 5, 20, 100], true],
    [100, "arm", "canary", "cautious", [1, 5, 20, 100], true]
  ] as const)("score %d on %s → %s, %s, %j, approval %s", (score, target, strategy, pace, steps, approval) => {
    const d = decide(score, target)
    expect(d.strategy).toBe(strategy)
    expect(d.pace).toBe(pace)
    expect(percents(d)).toEqual(steps)
    expect(d.approval_required).toBe(approval)
    expect(d.risk_score).toBe(score)
  })

  it("uses the pace's pauses, and no pause after the last step", () => {
    expect(pauses(decide(60, "k8s"))).toEqual([600, 600, 600, 600, 600, 0])
    expect(pauses(decide(35, "k8s"))).toEqual([300, 300, 300, 0])
    expect(pauses(decide(80, "k8s"))).toEqual([1800, 0])
    expect(pauses(decide(80, "arm"))).toEqual([3600, 3600, 3600, 0])
    expect(pauses(decide(20, "arm"))).toEqual([1800, 1800, 1800, 0])
  })

  it("says in the reasons that an ARM target fell back from blue/green", () => {
    const d = decide(85, "arm")
    expect(d.reasons).toEqual([
      { feature: "policy: arm targets never use blue/green, cautious canary cohorts 1→5→20→100 instead", value: 85, contribution: 0 }
    ])
  })

  it("slows the pace one step for a peak-hour deploy and one for a coverage drop", () => {
    const peak = decide(5, "k8s", { peakHour: 1 })
    expect([peak.strategy, peak.pace]).toEqual(["rolling", "normal"])
    expect(peak.reasons.map((r) => r.feature)).toEqual(["policy: peak-hour deploy, pace one step more cautious"])
    const both = decide(5, "k8s", { peakHour: 1, coverageDelta: -3 })
    expect(both.pace).toBe("cautious")
    expect(both.reasons).toContainEqual({
      feature: "policy: coverage dropped below -1 pp, pace one step more cautious",
      value: -3,
      contribution: 0
    })
    const smallDrop = decide(5, "k8s", { coverageDelta: -1 })
    expect(smallDrop.pace).toBe("fast")
    const alreadyCautious = decide(60, "k8s", { peakHour: 1 })
    expect(alreadyCautious.reasons).toEqual([])
  })

  it("clamps and rounds the score, and sorts reasons by |contribution|", () => {
    const d = Decision.make(
      {
        score: 123.456,
        reasons: [
          { feature: "a", value: 1, contribution: 1.234 },
          { feature: "b", value: 2, contribution: -7.891 },
          { feature: "c", value: 3, contribution: 3 }
        ],
        model,
        features: {}
      },
      policy,
      "k8s"
    )
    expect(d.risk_score).toBe(100)
    expect(d.reasons.map((r) => [r.feature, r.contribution])).toEqual([["b", -7.89], ["c", 3], ["a", 1.23]])
    expect(decide(-5, "k8s").risk_score).toBe(0)
    expect(decide(42.04, "k8s").risk_score).toBe(42)
  })

  it("honours a policy's own thresholds", () => {
    const strict: RiskPolicy.RiskPolicy = { ...policy, thresholds: { approval: 40, bluegreen: 90, canary: 10 } }
    const d = Decision.make({ score: 45, reasons: [], model, features: {} }, strict, "k8s")
    expect([d.strategy, d.approval_required]).toEqual(["canary", true])
  })

  it("produces documents the Decision schema accepts", () => {
    const decodeDecision = Schema.decodeUnknownSync(Decision.Decision, { onExcessProperty: "error" })
    for (const score of [0, 20, 45, 65, 90]) {
      for (const target of ["k8s", "windows", "arm"] as const) {
        const d = decide(score, target, { peakHour: 1, coverageDelta: -4 })
        expect(decodeDecision(JSON.parse(JSON.stringify(d)))).toEqual(d)
      }
    }
  })
})
