import { Evaluation, History, Model } from "@rollwise/risk-core"
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { Json } from "../GlobalFlags.ts"
import { note, printJson, readJson, readText, writeAtomic } from "../internal/Io.ts"
import { num, table } from "../internal/Render.ts"
import { inFile } from "./Decide.ts"

const list = (text: Option.Option<string>) =>
  Option.map(text, (t) =>
    t
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "")
  )

const historyFlags = {
  history: Flag.File("history", { mustExist: true }).pipe(
    Flag.withDescription("Past deploys, one a row: CSV with a header, or JSONL (.jsonl/.ndjson) — numeric features plus a 0/1 label")
  ),
  label: Flag.String("label").pipe(Flag.withDescription("The 0/1 label column: 1 = rolled back or caused an incident (default: failed)"), Flag.withDefault("failed")),
  features: Flag.String("features").pipe(Flag.withDescription("Comma-separated feature columns (default: every numeric column but the label and time)"), Flag.optional),
  time: Flag.String("time").pipe(Flag.withDescription("A time column: rows are sorted by it and the newest rows validate"), Flag.optional),
  drop: Flag.String("drop").pipe(Flag.withDescription("Comma-separated columns to ignore (ids, label-leaking columns)"), Flag.optional)
}

/** Read a history file as CSV or JSONL by its extension; errors name the file. */
const loadHistory = (flags: {
  readonly history: string
  readonly label: string
  readonly features: Option.Option<string>
  readonly time: Option.Option<string>
  readonly drop: Option.Option<string>
}) =>
  Effect.gen(function* () {
    const text = yield* readText(flags.history)
    const features = list(flags.features)
    const drop = list(flags.drop)
    const options: History.ParseOptions = {
      label: flags.label,
      ...(Option.isSome(features) ? { features: features.value } : {}),
      ...(Option.isSome(flags.time) ? { time: flags.time.value } : {}),
      ...(Option.isSome(drop) ? { drop: drop.value } : {})
    }
    const parse = /\.(jsonl|ndjson)$/i.test(flags.history) ? History.parseJsonl : History.parseCsv
    const table = yield* parse(text, options).pipe(inFile(flags.history))
    for (const s of table.skipped) yield* note(`${flags.history}: skipping column ${s.column} (${s.reason})`)
    return table
  })

/** `rollwise risk train`: fit a model on deploy history and write the versioned model file. */
export const train = Command.make(
  "train",
  {
    ...historyFlags,
    kind: Flag.Literals("kind", ["logistic", "gbdt"]).pipe(
      Flag.withDescription("logistic: regularised logistic regression on standardised (log1p) features; gbdt: gradient-boosted trees (default: logistic)"),
      Flag.withDefault("logistic" as const)
    ),
    seed: Flag.Int("seed").pipe(Flag.withDescription("Seed for tree subsampling (default: 1)"), Flag.withDefault(1)),
    out: Flag.String("out").pipe(Flag.withDescription("Where to write model.json (atomically)"))
  },
  Effect.fn("cli.risk.train")(function* (flags) {
    const json = yield* Json
    const history = yield* loadHistory(flags)
    yield* note(`training ${flags.kind} on ${history.rows} rows × ${history.featureNames.length} features …`)
    const started = Date.now()
    const model = yield* Model.train(history, { kind: flags.kind, seed: flags.seed }).pipe(inFile(flags.history))
    yield* writeAtomic(flags.out, JSON.stringify(model, null, 2) + "\n")
    const summary = {
      out: flags.out,
      kind: model.kind,
      features: model.features,
      rows: model.training.rows,
      positives: model.training.positives,
      validationRows: model.training.validationRows,
      validationAuc: model.training.auc,
      seconds: (Date.now() - started) / 1000
    }
    if (json) return yield* printJson(summary)
    yield* Console.log(
      [
        `wrote ${flags.out}: ${model.kind} on ${summary.rows} rows (${summary.positives} failures), ${model.features.length} features`,
        `validation AUC ${num(summary.validationAuc, 3)} on the newest ${summary.validationRows} rows; ${summary.seconds.toFixed(1)} s`
      ].join("\n")
    )
  })
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

/** `rollwise risk evaluate`: AUC, Brier, log loss and calibration of a model on a history. */
export const evaluate = Command.make(
  "evaluate",
  {
    model: Flag.File("model", { mustExist: true }).pipe(Flag.withDescription("model.json from `rollwise risk train`")),
    ...historyFlags
  },
  Effect.fn("cli.risk.evaluate")(function* (flags) {
    const json = yield* Json
    const model = yield* readJson(flags.model).pipe(Effect.flatMap(Model.decode), inFile(flags.model))
    const history = yield* loadHistory({ ...flags, features: Option.isSome(flags.features) ? flags.features : Option.some(Model.inputs(model).join(",")) })
    const result = yield* Evaluation.evaluate(model, history).pipe(inFile(flags.history))
    if (json) return yield* printJson(result)
    yield* Console.log(
      [
        `${model.kind} model on ${result.rows} rows (${result.positives} failures)`,
        `  AUC (ROC)   ${num(result.auc, 4)}`,
        `  Brier       ${num(result.brier, 4)}`,
        `  log loss    ${num(result.logLoss, 4)}`,
        `  ECE         ${num(result.expectedCalibrationError, 4)}`,
        "",
        "calibration:",
        table([
          ["predicted", "rows", "mean predicted", "observed rate"],
          ...result.calibration.filter((b) => b.count > 0).map((b) => [`${num(b.from, 1)}–${num(b.to, 1)}`, String(b.count), num(b.meanPredicted, 3), num(b.observedRate, 3)])
        ])
      ].join("\n")
    )
  })
).pipe(
  Command.withDescription("Evaluate a risk model on a history table: AUC (ROC), Brier score, log loss, expected calibration error and a reliability table."),
  Command.withShortDescription("Report AUC, Brier score, log loss and calibration of a model"),
  Command.withExamples([{ command: "rollwise risk evaluate --model model.json --history test.csv --json", description: "For machines" }])
)
