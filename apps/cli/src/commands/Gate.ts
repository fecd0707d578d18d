import { OpaGate } from "@rollwise/gate-opa"
import { Decode } from "@rollwise/input-schema"
import { Decision } from "@rollwise/risk-core"
import { Gates } from "@rollwise/slo-policy"
import { Console, Data, DateTime, Effect, Option, Redacted } from "effect"
import { Command, Flag } from "effect/cli"
import { FetchHttpClient } from "effect/http"
import { Json } from "../GlobalFlags.ts"
import { InputError, printJson, readJson, readYaml } from "../internal/Io.ts"

/** A gate blocked: exit 5, with every blocking reason in one line. */
export class GateBlockedError extends Data.TaggedError("GateBlockedError")<{ readonly reasons: ReadonlyArray<string> }> {
  override get message(): string {
    return `blocked: ${this.reasons.join("; ")}`
  }
}

const parseInstant = (text: string) =>
  Option.match(DateTime.make(text), {
    onNone: () => Effect.fail(new InputError({ file: "--at", detail: `not an ISO 8601 time: "${text}"` })),
    onSome: (dt) => Effect.succeed(DateTime.toEpochMillis(dt))
  })

/**
 * `rollwise gate`: may this deploy start now? Change window, error budget,
 * approval above a risk threshold and an OPA policy, from policy.yaml.
 */
export const gate = Command.make(
  "gate",
  {
    policy: Flag.File("policy", { mustExist: true }).pipe(Flag.withDescription("policy.yaml (kind: GatePolicy)")),
    decision: Flag.File("decision", { mustExist: true }).pipe(Flag.withDescription("strategy.json from `rollwise decide`")),
    at: Flag.String("at").pipe(Flag.withDescription("Check for this time, ISO 8601 (default: now)"), Flag.optional),
    approved: Flag.Boolean("approved").pipe(
      Flag.withDescription("A person has approved this deploy (satisfies the approval gate)"),
      Flag.withDefault(false)
    )
  },
  Effect.fn("cli.gate")(function* (flags) {
    const json = yield* Json
    const policy = yield* Effect.flatMap(readYaml(flags.policy), (doc) => Gates.decodePolicy(doc, flags.policy))
    const decision = yield* Effect.flatMap(readJson(flags.decision), Decode.decode(Decision.Decision, { source: flags.decision }))
    const epochMs = Option.isSome(flags.at) ? yield* parseInstant(flags.at.value) : DateTime.toEpochMillis(yield* DateTime.now)
    const results = [...Gates.evaluateLocal(policy, { epochMs, riskScore: decision.risk_score, approved: flags.approved })]
    if (policy.opa !== undefined) {
      const token = process.env["ROLLWISE_OPA_TOKEN"]
      results.push(
        yield* OpaGate.ask(
          policy.opa,
          {
            decision,
            at: new Date(epochMs).toISOString(),
            ...(policy.errorBudget !== undefined ? { errorBudget: { remaining: Gates.remainingBudget(policy.errorBudget) } } : {})
          },
          token === undefined || token === "" ? {} : { token: Redacted.make(token) }
        ).pipe(Effect.provide(FetchHttpClient.layer))
      )
    }
    const outcome = Gates.combine(results)
    if (json) {
      yield* printJson({ ...outcome, at: new Date(epochMs).toISOString() })
    } else {
      yield* Console.log(`${outcome.status.toUpperCase()}  (${new Date(epochMs).toISOString()}, risk ${decision.risk_score.toFixed(0)})`)
      for (const g of outcome.gates) yield* Console.log(`  ${g.status === "pass" ? "pass " : "BLOCK"}  ${g.gate.padEnd(13)} ${g.reasons.join("; ")}`)
      if (outcome.gates.length === 0) yield* Console.log("  (the policy has no gates)")
    }
    if (outcome.status === "block") {
      return yield* new GateBlockedError({ reasons: outcome.gates.filter((g) => g.status === "block").flatMap((g) => g.reasons) })
    }
  })
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
