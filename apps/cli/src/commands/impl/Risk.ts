import { Evaluation, History, Model } from "@rollwise/risk-core"
import { Console, Effect, Option } from "effect"
import { Json } from "../../GlobalFlags.ts"
import { inFile, note, printJson, readJson, readText, writeAtomic } from "../../internal/Io.ts"
import { num, table } from "../../internal/Render.ts"
import type { EvaluateFlags, TrainFlags } from "../Risk.ts"

const list = (text: Option.Option<string>) =>
  Option.map(text, (t) =>
    t
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "")
  )


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
/** The `train` handler, loaded on demand. */
export const runTrain = Effect.fn("cli.risk.train")(function* (flags: TrainFlags) {
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


/** `rollwise risk evaluate`: AUC, Brier, log loss and calibration of a model on a history. */
/** The `evaluate` handler, loaded on demand. */
export const runEvaluate = Effect.fn("cli.risk.evaluate")(function* (flags: EvaluateFlags) {
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

