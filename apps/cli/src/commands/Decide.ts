import { ChangeSet, Decision, Heuristic, Model, RiskPolicy } from "@rollwise/risk-core"
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { Json } from "../GlobalFlags.ts"
import { InputError, printJson, readJson, readYaml, writeAtomic } from "../internal/Io.ts"
import { num, signed, table } from "../internal/Render.ts"

/** Prefix a library's input error with the file it came from. */
export const inFile =
  (file: string) =>
  <A, R>(effect: Effect.Effect<A, { readonly message: string }, R>): Effect.Effect<A, InputError, R> =>
    Effect.mapError(effect, (e) => new InputError({ file, detail: e.message, cause: e }))

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
export const decide = Command.make(
  "decide",
  {
    changes: Flag.File("changes", { mustExist: true }).pipe(Flag.withDescription("changes.json from `rollwise changes` (or written by hand)")),
    target: Flag.Literals("target", ["k8s", "windows", "arm"]).pipe(
      Flag.withDescription("Where it deploys: k8s and windows use traffic weights, arm uses device cohorts (default: k8s)"),
      Flag.withDefault("k8s" as const)
    ),
    policy: Flag.File("policy", { mustExist: true }).pipe(
      Flag.withDescription("A RiskPolicy YAML overriding the default weights, thresholds, steps and peak-hour calendar"),
      Flag.optional
    ),
    model: Flag.File("model", { mustExist: true }).pipe(
      Flag.withDescription("A model from `rollwise risk train` (Phase 2): risk = 100 × its calibrated failure probability"),
      Flag.optional
    ),
    out: Flag.String("out").pipe(Flag.withDescription("Also write strategy.json here (atomically)"), Flag.optional)
  },
  Effect.fn("cli.decide")(function* (flags) {
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
).pipe(
  Command.withDescription(
    "Score a change's risk (0–100) and choose the strategy (canary, bluegreen, rolling), pace and steps, " +
      "with the reasons. Score > 70: blue/green with manual approval; 30–70: canary; < 30: rolling. " +
      "ARM fleets always use cohorts (1 → 5 → 20 → 100 %)."
  ),
  Command.withShortDescription("Score a change's risk and choose strategy, pace and steps (strategy.json)"),
  Command.withExamples([
    { command: "rollwise decide --changes changes.json", description: "Heuristic decision for Kubernetes" },
    { command: "rollwise decide --changes changes.json --target arm --json --out strategy.json", description: "For an ARM fleet, as JSON, also saved" }
  ])
)
