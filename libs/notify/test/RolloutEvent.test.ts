import { it } from "@effect/vitest"
import { Decode } from "@rollwise/input-schema"
import { type EvidenceStore, Rollout } from "@rollwise/rollout-engine"
import { Effect } from "effect"
import { describe, expect } from "vitest"
import { RolloutEvent } from "../src/index.ts"
import { rollback } from "./support.ts"

const plan: Rollout.Plan = {
  strategy: "canary",
  steps: [
    { step: { weight: 10 }, pauseSeconds: 60 },
    { step: { weight: 100 }, pauseSeconds: 0 }
  ],
  approvalRequired: true,
  approvalTimeoutSeconds: 600,
  onApprovalTimeout: "rollback",
  maxTargetAttempts: 3,
  maxSlows: 2
}
const rollout: EvidenceStore.NewRollout = { rolloutId: "r1", service: "checkout", version: "1.4.2", target: "k8s:checkout", startedAt: 0 }

const transition = (state: Rollout.State, event: Rollout.Event) => Rollout.transition(state, event).state
const initial = Rollout.initial

/** Replay events through the real state machine, collecting the notifications they start. */
const notificationsOf = (events: ReadonlyArray<Rollout.Event>) => {
  return events.reduce<{ state: Rollout.State; kinds: Array<string> }>(
    (acc, event) => {
      const state = transition(acc.state, event)
      const n = RolloutEvent.fromEngine(event, state, { rollout, at: 1 })
      return { state, kinds: n !== undefined ? [...acc.kinds, n.kind] : acc.kinds }
    },
    { state: initial(plan), kinds: [] }
  ).kinds
}


describe("RolloutEvent", () => {
  it.effect("the schema decodes the golden rollback and refuses a non-http evidence link", () =>
    Effect.gen(function* () {
      expect(yield* Decode.decode(RolloutEvent.RolloutEvent)(rollback)).toEqual(rollback)
      const error = yield* Effect.flip(Decode.decode(RolloutEvent.RolloutEvent)({ ...rollback, evidenceUrl: "file:///etc/passwd" }))
      expect(error.message).toContain("evidenceUrl")
    })
  )

  it("fromEngine over the real state machine: approval needed at the full step, then promotion", () => {
    expect(notificationsOf([{ _tag: "Started", plan }, { _tag: "GatesPassed" }, { _tag: "StepApplied", index: 0 }, { _tag: "Analyzed", index: 0, action: "promote", reasons: [] }, { _tag: "Approved", by: "ana" }, { _tag: "StepApplied", index: 1 }, { _tag: "Promoted" }])).toEqual([
      "approval-needed",
      "promotion"
    ])
  })

  it("fromEngine: a rollback verdict starts one rollback notification (retries of the rollback start none)", () => {
    expect(
      notificationsOf([
        { _tag: "Started", plan },
        { _tag: "GatesPassed" },
        { _tag: "StepApplied", index: 0 },
        { _tag: "Analyzed", index: 0, action: "rollback", reasons: ["latency_p99 failed"] },
        { _tag: "TargetFailed", operation: "rollback", transient: true, detail: "timeout" },
        { _tag: "RolledBack" }
      ])
    ).toEqual(["rollback"])
  })

  it("fromEngine: blocked gates abort; the notification carries the reason and the verdict from an Analyzed event", () => {
    expect(notificationsOf([{ _tag: "Started", plan }, { _tag: "GatesBlocked", reasons: ["change window: no weekend deploys"] }])).toEqual(["abort"])
    const analyzed: Rollout.Event = { _tag: "Analyzed", index: 0, action: "rollback", reasons: ["latency_p99 failed"] }
    const state = [{ _tag: "Started", plan } as Rollout.Event, { _tag: "GatesPassed" } as Rollout.Event, { _tag: "StepApplied", index: 0 } as Rollout.Event, analyzed].reduce(transition, initial(plan))
    const n = RolloutEvent.fromEngine(analyzed, state, { rollout, at: 5, riskScore: 72, evidenceUrl: "https://rollwise.example.com/v1/evidence/r1" })
    expect(n).toEqual({
      kind: "rollback",
      rolloutId: "r1",
      service: "checkout",
      release: "1.4.2",
      target: "k8s:checkout",
      verdict: { action: "rollback", reasons: ["latency_p99 failed"] },
      reasons: ["analysis at step 1: latency_p99 failed"],
      riskScore: 72,
      evidenceUrl: "https://rollwise.example.com/v1/evidence/r1",
      at: 5
    })
    expect(RolloutEvent.reasonsOf(n!)).toEqual(["latency_p99 failed", "analysis at step 1: latency_p99 failed"])
  })
})
