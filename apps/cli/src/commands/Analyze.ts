import { Effect } from "effect"
import { Command, Flag } from "effect/cli"
import { sourceFlags } from "./SourceFlags.ts"

const plotsFlag = Flag.String("plots").pipe(
  Flag.withDescription("Write an SVG chart per metric (candidate vs baseline per window, decision marked) into this folder"),
  Flag.optional
)

/** The flags of `rollwise analyze`. */
export const analyzeFlags = {
    slo: Flag.File("slo", { mustExist: true }).pipe(Flag.withDescription("slo.yaml (kind: SloSpec)")),
    observations: Flag.File("observations", { mustExist: true }).pipe(
      Flag.withDescription("Offline: recorded windows, one JSON object a line (see docs/cli.md)"),
      Flag.optional
    ),
    prometheus: Flag.String("prometheus").pipe(
      Flag.withDescription("Live: the Prometheus base URL (token from ROLLWISE_PROMETHEUS_TOKEN, or ROLLWISE_PROMETHEUS_USER/PASSWORD)"),
      Flag.optional
    ),
    ...sourceFlags,
    service: Flag.String("service").pipe(Flag.withDescription("Live: the {{service}} to query (default: the spec's service)"), Flag.optional),
    windowEnd: Flag.String("window-end").pipe(Flag.withDescription("Live: the end of the last window, `now` or ISO 8601 (default: now)"), Flag.withDefault("now")),
    windows: Flag.Int("windows").pipe(Flag.withDescription("Live: how many trailing windows to judge, oldest first (default: 1, at most 1000)"), Flag.withDefault(1)),
    watch: Flag.Boolean("watch").pipe(
      Flag.withDescription("Live: keep judging each window as it ends, from --window-end on, until promote or rollback (or maxWindows)"),
      Flag.withDefault(false)
    ),
    timeout: Flag.Finite("timeout").pipe(Flag.withDescription("Live: seconds to wait for each query (default: 10, at most 3600; Tempo gets at least 30)"), Flag.withDefault(10)),
    release: Flag.String("release").pipe(Flag.withDescription("Which release to judge when the file holds several"), Flag.optional),
    exitCode: Flag.Boolean("exit-code").pipe(
      Flag.withDescription("Exit 0 for promote, 10 for slow, 11 for rollback (errors keep their own codes)"),
      Flag.withDefault(false)
    ),
    out: Flag.String("out").pipe(Flag.withDescription("Also write verdict.json here (atomically)"), Flag.optional),
    plots: plotsFlag
  }

/** The parsed flags of `rollwise analyze`. */
export type AnalyzeFlags = Command.Command.Config.Infer<typeof analyzeFlags>

/** `rollwise analyze`; its implementation is loaded when it runs, so start-up stays light. */
export const analyze = Command.make("analyze", analyzeFlags, (flags) =>
  Effect.flatMap(Effect.promise(() => import("./impl/Analyze.ts")), (m) => m.runAnalyze(flags))
).pipe(
  Command.withDescription(
    "Judge candidate against baseline over recorded windows and print the verdict: promote, slow or rollback, " +
      "with per-metric status (pass, marginal, fail, nodata), effect, confidence interval, p-value and reasons. " +
      "Missing or thin data is nodata: it holds (slow), it never promotes."
  ),
  Command.withShortDescription("Judge candidate vs baseline over the current windows (verdict.json)"),
  Command.withExamples([
    { command: "rollwise analyze --slo slo.yaml --observations obs.ndjson", description: "A readable verdict" },
    { command: "rollwise analyze --slo slo.yaml --observations obs.ndjson --json --exit-code", description: "For a pipeline: JSON, and the action as the exit code" }
  ])
)

/** The flags of `rollwise backtest`. */
export const backtestFlags = {
    slo: Flag.File("slo", { mustExist: true }).pipe(Flag.withDescription("slo.yaml (kind: SloSpec)")),
    observations: Flag.File("observations", { mustExist: true }).pipe(Flag.withDescription("Recorded windows of many releases (field `release`)")),
    plots: plotsFlag
  }

/** The parsed flags of `rollwise backtest`. */
export type BacktestFlags = Command.Command.Config.Infer<typeof backtestFlags>

/** `rollwise backtest`; its implementation is loaded when it runs, so start-up stays light. */
export const backtest = Command.make("backtest", backtestFlags, (flags) =>
  Effect.flatMap(Effect.promise(() => import("./impl/Analyze.ts")), (m) => m.runBacktest(flags))
).pipe(
  Command.withDescription(
    "Replay each release's windows in order through the policy, as a live rollout would have seen them, and stop at " +
      "the first decisive action. With --json: one line per release {release, action, window, reasons}, then a final " +
      "line {summary: {releases, promote, slow, rollback}}."
  ),
  Command.withShortDescription("Replay recorded releases through the policy and report each decision"),
  Command.withExamples([{ command: "rollwise backtest --slo slo.yaml --observations history.ndjson --json", description: "NDJSON, one release a line" }])
)
