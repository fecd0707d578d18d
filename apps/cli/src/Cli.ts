import { Command } from "effect/cli"
import { analyze, backtest } from "./commands/Analyze.ts"
import { changes } from "./commands/Changes.ts"
import { decide } from "./commands/Decide.ts"
import { demo } from "./commands/Demo.ts"
import { bundle } from "./commands/Bundle.ts"
import { exportHistory, list as evidenceList, publish as evidencePublish, show as evidenceShow } from "./commands/Evidence.ts"
import { gate } from "./commands/Gate.ts"
import { logs } from "./commands/Logs.ts"
import { promote, rollback, rollout } from "./commands/Rollout.ts"
import { serve } from "./commands/Serve.ts"
import { evaluate, train } from "./commands/Risk.ts"
import { ConfigFile, Debug, Json } from "./GlobalFlags.ts"
import packageJson from "../package.json" with { type: "json" }

/** The version `rollwise --version` prints: the CLI package's own. */
export const version: string = packageJson.version

const evidence = Command.make("evidence").pipe(
  Command.withDescription("Read and publish the evidence of past rollouts: every decision with its inputs"),
  Command.withShortDescription("Show, list, export and publish rollout evidence"),
  Command.withSubcommands([
    evidenceShow,
    evidenceList,
    exportHistory,
    evidencePublish
  ])
)

const risk = Command.make("risk").pipe(
  Command.withDescription("Train and evaluate risk models on your own deploy history"),
  Command.withShortDescription("Train and evaluate risk models"),
  Command.withSubcommands([
    train,
    evaluate
  ])
)

/**
 * The `rollwise` command tree. Every subcommand of the design is listed so
 * `--help` teaches the whole workflow; those not built yet say so and exit 6.
 */
export const command = Command.make("rollwise").pipe(
  Command.withDescription(
    "Adaptive progressive delivery: score a change's risk, pick canary, blue/green or rolling, " +
      "judge the candidate against the stable baseline window by window, and keep the evidence."
  ),
  Command.withSubcommands([
    changes,
    decide,
    gate,
    analyze,
    backtest,
    rollout,
    promote,
    rollback,
    bundle,
    evidence,
    logs,
    risk,
    serve,
    demo
  ]),
  Command.withGlobalFlags([Json, Debug, ConfigFile]),
  Command.withExamples([
    { command: "rollwise decide --changes changes.json --target k8s --json", description: "Risk and strategy" },
    { command: "rollwise analyze --slo slo.yaml --observations obs.ndjson", description: "Judge recorded windows" },
    { command: "rollwise demo", description: "A simulated rollout end to end" }
  ])
)
