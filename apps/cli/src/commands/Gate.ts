import { Effect } from "effect"
import { Command, Flag } from "effect/cli"

/** The flags of `rollwise gate`. */
export const gateFlags = {
    policy: Flag.File("policy", { mustExist: true }).pipe(Flag.withDescription("policy.yaml (kind: GatePolicy)")),
    decision: Flag.File("decision", { mustExist: true }).pipe(Flag.withDescription("strategy.json from `rollwise decide`")),
    at: Flag.String("at").pipe(Flag.withDescription("Check for this time, ISO 8601 (default: now)"), Flag.optional),
    approved: Flag.Boolean("approved").pipe(
      Flag.withDescription("A person has approved this deploy (satisfies the approval gate)"),
      Flag.withDefault(false)
    )
  }

/** The parsed flags of `rollwise gate`. */
export type GateFlags = Command.Command.Config.Infer<typeof gateFlags>

/** `rollwise gate`; its implementation is loaded when it runs, so start-up stays light. */
export const gate = Command.make("gate", gateFlags, (flags) =>
  Effect.flatMap(Effect.promise(() => import("./impl/Gate.ts")), (m) => m.runGate(flags))
).pipe(
  Command.withDescription(
    "Check whether a deploy may start: change window (blocked periods, freezes, time zone), error budget, " +
      "manual approval above a risk threshold, and an OPA policy (fails closed unless failOpen). " +
      "Prints pass/block with reasons; exits 5 when blocked. OPA's bearer token comes from ROLLWISE_OPA_TOKEN."
  ),
  Command.withShortDescription("Check change window, error budget, approval and OPA gates for a decision"),
  Command.withExamples([
    { command: "rollwise gate --policy policy.yaml --decision strategy.json", description: "May we deploy now?" },
    { command: "rollwise gate --policy policy.yaml --decision strategy.json --at 2026-12-24T10:00:00Z --json", description: "At a given time, as JSON" }
  ])
)
