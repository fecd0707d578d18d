import { Effect } from "effect"
import { Command, Flag } from "effect/cli"

/** The flags of `rollwise decide`. */
export const decideFlags = {
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
  }

/** The parsed flags of `rollwise decide`. */
export type DecideFlags = Command.Command.Config.Infer<typeof decideFlags>

/** `rollwise decide`; its implementation is loaded when it runs, so start-up stays light. */
export const decide = Command.make("decide", decideFlags, (flags) =>
  Effect.flatMap(Effect.promise(() => import("./impl/Decide.ts")), (m) => m.runDecide(flags))
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
