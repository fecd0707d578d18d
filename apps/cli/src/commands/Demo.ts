import { Effect } from "effect"
import { Command, Flag } from "effect/cli"

/** The flags of `rollwise demo`. */
export const demoFlags = {
  scenario: Flag.Literals("scenario", ["healthy", "latency-regression", "error-spike", "crash-loop", "new-error"]).pipe(
    Flag.withDescription(
      "What goes wrong: nothing, the Windows pool's candidate is slower, the Kubernetes candidate fails more, the ARM firmware crash-loops, or the Kubernetes candidate logs a new exception in 0.5 % of its requests (default: latency-regression)"
    ),
    Flag.withDefault("latency-regression" as const)
  ),
  seed: Flag.Int("seed").pipe(Flag.withDescription("Seed of the simulated traffic (default: 7)"), Flag.withDefault(7)),
  speed: Flag.Finite("speed").pipe(Flag.withDescription("Simulated seconds per real second (default: 120: a 2-minute window takes 1 s)"), Flag.withDefault(120)),
  report: Flag.String("report").pipe(Flag.withDescription("Write a self-contained HTML report (plots and timeline) here"), Flag.optional),
  evidence: Flag.String("evidence").pipe(
    Flag.withDescription("Record the evidence in this SQLite file (e.g. .rollwise/evidence.db) instead of in memory"),
    Flag.optional
  )
}

/** The parsed flags of `rollwise demo`. */
export type DemoFlags = Command.Command.Config.Infer<typeof demoFlags>

/** `rollwise demo`; its implementation is loaded when it runs. */
export const demo = Command.make("demo", demoFlags, (flags) => Effect.flatMap(Effect.promise(() => import("./impl/Demo.ts")), (m) => Effect.scoped(m.runDemo(flags)))).pipe(
  Command.withDescription(
    "Run a complete adaptive rollout on embedded defaults, with nothing to configure and no external service: " +
      "a generated change is scored and given a strategy, gates are checked, then three simulated targets roll out at once — " +
      "a Kubernetes canary, a Windows ARR pool and an ARM fleet of 3,000 devices in cohorts — while the real analyzer judges " +
      "each step's windows; healthy targets promote, a regressing one rolls back, and every decision is recorded as evidence."
  ),
  Command.withShortDescription("Run a complete simulated multi-target rollout on embedded defaults"),
  Command.withExamples([
    { command: "rollwise demo", description: "About 30 s; the Windows pool's candidate regresses and rolls back" },
    { command: "rollwise demo --scenario healthy --report demo.html", description: "Everything promotes; an HTML report with plots" }
  ])
)
