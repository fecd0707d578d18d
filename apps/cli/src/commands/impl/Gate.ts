import { Decode } from "@rollwise/input-schema"
import { Decision } from "@rollwise/risk-core"
import { Gates } from "@rollwise/slo-policy"
import { Console, DateTime, Effect, Option } from "effect"
import { Json } from "../../GlobalFlags.ts"
import { Gating } from "@rollwise/rollout-runner"
import { GateBlockedError, CliInputError, printJson, readJson, readYaml } from "../../internal/Io.ts"
import { inert } from "../../internal/Render.ts"
import type { GateFlags } from "../Gate.ts"

const parseInstant = (text: string) =>
  Option.match(DateTime.make(text), {
    onNone: () => Effect.fail(new CliInputError({ file: "--at", detail: `not an ISO 8601 time: "${text}"` })),
    onSome: (dt) => Effect.succeed(DateTime.toEpochMillis(dt))
  })

/**
 * `rollwise gate`: may this deploy start now? Change window, error budget,
 * approval above a risk threshold and an OPA policy, from policy.yaml.
 */
/** The `gate` handler, loaded on demand. */
export const runGate = Effect.fn("cli.gate")(function* (flags: GateFlags) {
      const json = yield* Json
      const policy = yield* Effect.flatMap(readYaml(flags.policy), (doc) => Gates.decodePolicy(doc, flags.policy))
      const decision = yield* Effect.flatMap(readJson(flags.decision), Decode.decode(Decision.Decision, { source: flags.decision }))
      const epochMs = Option.isSome(flags.at) ? yield* parseInstant(flags.at.value) : DateTime.toEpochMillis(yield* DateTime.now)
      const outcome = yield* Gating.check(policy, decision, epochMs, flags.approved, process.env)
      if (json) {
        yield* printJson({ ...outcome, at: new Date(epochMs).toISOString() })
      } else {
        yield* Console.log(`${outcome.status.toUpperCase()}  (${new Date(epochMs).toISOString()}, risk ${decision.risk_score.toFixed(0)})`)
        for (const g of outcome.gates) yield* Console.log(inert(`  ${g.status === "pass" ? "pass " : "BLOCK"}  ${g.gate.padEnd(13)} ${g.reasons.join("; ")}`))
        if (outcome.gates.length === 0) yield* Console.log("  (the policy has no gates)")
      }
      if (outcome.status === "block") {
        return yield* new GateBlockedError({ reasons: outcome.gates.filter((g) => g.status === "block").flatMap((g) => g.reasons) })
      }
    })

