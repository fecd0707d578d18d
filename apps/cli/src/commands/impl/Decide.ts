import { ChangeSet, Decision, Heuristic, Model, RiskPolicy } from "@rollwise/risk-core"
import { Console, Effect, Option } from "effect"
import { Json } from "../../GlobalFlags.ts"
import { inFile, printJson, readJson, readYaml, writeAtomic } from "../../internal/Io.ts"
import { num, signed, table } from "../../internal/Render.ts"
import type { DecideFlags } from "../Decide.ts"

const describeStep = (step: Decision.Step): string =>
  "weight" in step ? `${step.weight}% (${step.pauseSeconds}s)` : `cohort ${step.cohort}% (${step.pauseSeconds}s)`

/** Render a decision for people: score, strategy, pace, steps and the top reasons. */
export const renderDecision = (decision: Decision.Decision, top = 6): string =>
  [
    `risk ${num(decision.risk_score, 1)}/100 → ${decision.strategy}, ${decision.pace} pace${decision.approval_required ? ", approval required" : ""}`,
    `steps   ${decision.steps.map(describeStep).join(" → ")}`,
    `model   ${decision.model.kind} v${decision.model.version}`,
    "",
    table([
      ["reason", "value", "contribution"],
      ...decision.reasons
        .filter((r) => !r.feature.startsWith("policy:"))
        .slice(0, top)
        .map((r) => [r.feature, num(r.value), signed(r.contribution)])
    ]),
    ...decision.reasons.filter((r) => r.feature.startsWith("policy:")).map((r) => `note: ${r.feature.slice("policy:".length).trim()}`)
  ].join("\n")

/**
 * `rollwise decide`: risk → strategy.json. Phase 1 heuristic by default; a
 * trained model with --model (Phase 2).
 */
/** The `decide` handler, loaded on demand. */
export const runDecide = Effect.fn("cli.decide")(function* (flags: DecideFlags) {
      const json = yield* Json
      const changeSet = yield* readJson(flags.changes).pipe(Effect.flatMap(ChangeSet.decode), inFile(flags.changes))
      const policy = Option.isSome(flags.policy)
        ? yield* readYaml(flags.policy.value).pipe(Effect.flatMap(RiskPolicy.decode), inFile(flags.policy.value))
        : RiskPolicy.defaultPolicy
      const decision = Option.isSome(flags.model)
        ? yield* readJson(flags.model.value).pipe(
            Effect.flatMap(Model.decode),
            Effect.flatMap((model) => Model.decide(changeSet, model, policy, flags.target)),
            inFile(flags.model.value)
          )
        : Heuristic.decide(changeSet, policy, flags.target)
      if (Option.isSome(flags.out)) yield* writeAtomic(flags.out.value, JSON.stringify(decision, null, 2) + "\n")
      if (json) return yield* printJson(decision)
      yield* Console.log(renderDecision(decision))
    })

