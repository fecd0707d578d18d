import { Effect } from "effect"
import { Command, Flag } from "effect/cli"

/** Flags that say how to read a history table (shared by train and evaluate). */
export const historyFlags = {
  history: Flag.File("history", { mustExist: true }).pipe(
    Flag.withDescription("Past deploys, one a row: CSV with a header, or JSONL (.jsonl/.ndjson) — numeric features plus a 0/1 label")
  ),
  label: Flag.String("label").pipe(Flag.withDescription("The 0/1 label column: 1 = rolled back or caused an incident (default: failed)"), Flag.withDefault("failed")),
  features: Flag.String("features").pipe(Flag.withDescription("Comma-separated feature columns (default: every numeric column but the label and time)"), Flag.optional),
  time: Flag.String("time").pipe(Flag.withDescription("A time column: rows are sorted by it and the newest rows validate"), Flag.optional),
  drop: Flag.String("drop").pipe(Flag.withDescription("Comma-separated columns to ignore (ids, label-leaking columns)"), Flag.optional)
}

/** The flags of `rollwise train`. */
export const trainFlags = {
    ...historyFlags,
    kind: Flag.Literals("kind", ["logistic", "gbdt"]).pipe(
      Flag.withDescription("logistic: regularised logistic regression on standardised (log1p) features; gbdt: gradient-boosted trees (default: logistic)"),
      Flag.withDefault("logistic" as const)
    ),
    seed: Flag.Int("seed").pipe(Flag.withDescription("Seed for tree subsampling (default: 1)"), Flag.withDefault(1)),
    out: Flag.String("out").pipe(Flag.withDescription("Where to write model.json (atomically)"))
  }

/** The parsed flags of `rollwise train`. */
export type TrainFlags = Command.Command.Config.Infer<typeof trainFlags>

/** `rollwise train`; its implementation is loaded when it runs, so start-up stays light. */
export const train = Command.make("train", trainFlags, (flags) =>
  Effect.flatMap(Effect.promise(() => import("./impl/Risk.ts")), (m) => m.runTrain(flags))
).pipe(
  Command.withDescription(
    "Train a risk model on your own deploy history (one past deploy a row, label 1 = rollback or incident). " +
      "The newest rows (by --time, or file order) validate and calibrate it; the model file is versioned JSON that `rollwise decide --model` reads."
  ),
  Command.withShortDescription("Train a risk model (logistic or gradient-boosted trees) from history"),
  Command.withExamples([
    { command: "rollwise risk train --history history.csv --label failed --kind gbdt --out model.json", description: "Trees on every numeric column" },
    { command: "rollwise risk train --history jdt.csv --label bug --time commitdate --drop transactionid --out model.json", description: "A public JIT defect dataset, split by time" }
  ])
)

/** The flags of `rollwise evaluate`. */
export const evaluateFlags = {
    model: Flag.File("model", { mustExist: true }).pipe(Flag.withDescription("model.json from `rollwise risk train`")),
    ...historyFlags
  }

/** The parsed flags of `rollwise evaluate`. */
export type EvaluateFlags = Command.Command.Config.Infer<typeof evaluateFlags>

/** `rollwise evaluate`; its implementation is loaded when it runs, so start-up stays light. */
export const evaluate = Command.make("evaluate", evaluateFlags, (flags) =>
  Effect.flatMap(Effect.promise(() => import("./impl/Risk.ts")), (m) => m.runEvaluate(flags))
).pipe(
  Command.withDescription("Evaluate a risk model on a history table: AUC (ROC), Brier score, log loss, expected calibration error and a reliability table."),
  Command.withShortDescription("Report AUC, Brier score, log loss and calibration of a model"),
  Command.withExamples([{ command: "rollwise risk evaluate --model model.json --history test.csv --json", description: "For machines" }])
)
