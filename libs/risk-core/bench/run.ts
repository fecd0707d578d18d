/// <reference types="node" />
/**
 * Speed and memory of risk-core's models.
 *
 *   cd libs/risk-core && npx tsx --conditions=@rollwise/source bench/run.ts
 *
 * Phases: train logistic and GBDT on 100,000 generated rows × 15 features,
 * then score 1,000,000 rows with each model. Each phase runs in a fresh
 * child process (same Node flags, so tsx loads it), so memory figures do not
 * leak from one phase into the next. The parent samples the child's RSS every
 * 5 ms from /proc (Linux); the child reports its kernel-recorded peak RSS
 * (getrusage), its RSS and heap once the data is generated (before the timed
 * work), and its heap right after the work. The training loops are
 * synchronous, so the child's own heap cannot be sampled during them; V8's
 * committed heap size after the work bounds the heap's high-water mark.
 */
import { fork } from "node:child_process"
import { readFileSync } from "node:fs"
import { getHeapStatistics } from "node:v8"
import { Effect } from "effect"
import type { History } from "../src/index.ts"
import { Evaluation, Model } from "../src/index.ts"
import { mulberry32 } from "../src/internal/prng.ts"

/** Probabilities for a table (the library's Effect form, run here: a bench has no error to handle). */
const predictMany = (model: Model.Model, table: Parameters<typeof Model.predictTable>[1]): Float64Array => Effect.runSync(Model.predictTable(model, table))

const FEATURES = 15
const TRAIN_ROWS = 100_000
const SCORE_ROWS = 1_000_000

type Phase = "train-logistic" | "train-gbdt" | "score-logistic" | "score-gbdt"
interface Report {
  readonly phase: Phase
  readonly seconds: number
  /** RSS, heap used and array buffers once the inputs exist, before the timed work. */
  readonly before: { readonly rssMb: number; readonly heapUsedMb: number; readonly arrayBuffersMb: number }
  /** Right after the timed work (its result still alive). */
  readonly after: { readonly heapUsedMb: number; readonly heapCommittedMb: number; readonly arrayBuffersMb: number }
  /** getrusage's maximum resident set size of the child. */
  readonly maxRssMb: number
  readonly detail: string
}

/** Rows with skewed counts, a few ratios and binary flags, labelled by a known model with an interaction. */
const generate = (rows: number, seed: number): History.HistoryTable => {
  const random = mulberry32(seed)
  const normal = () => Math.sqrt(-2 * Math.log(Math.max(random(), 1e-300))) * Math.cos(2 * Math.PI * random())
  const X = new Float64Array(rows * FEATURES)
  const y = new Uint8Array(rows)
  for (let i = 0; i < rows; i++) {
    const row = X.subarray(i * FEATURES, (i + 1) * FEATURES)
    for (let j = 0; j < FEATURES; j++) {
      row[j] = j < 5 ? Math.floor(Math.exp(2 + 1.5 * normal())) : j < 10 ? random() : j < 13 ? (random() < 0.3 ? 1 : 0) : normal()
    }
    const z = -3 + 0.5 * Math.log1p(row[0]!) + 0.3 * Math.log1p(row[1]!) + 1.2 * row[5]! + 0.8 * row[10]! * row[6]! + 0.4 * row[13]!
    y[i] = random() < 1 / (1 + Math.exp(-z)) ? 1 : 0
  }
  return {
    featureNames: Array.from({ length: FEATURES }, (_, j) => `f${j}`),
    rows,
    X,
    y,
    lines: new Uint32Array(rows),
    skipped: []
  }
}

const gbdtOptions = { kind: "gbdt", trees: 300, depth: 3, learningRate: 0.05, earlyStoppingRounds: 0 } as const

const mb = (bytes: number) => Math.round(bytes / 2 ** 20)

const runPhase = (phase: Phase): Report => {
  const kind = phase.endsWith("logistic") ? "logistic" : "gbdt"
  const options: Model.TrainOptions = kind === "logistic" ? { kind: "logistic" } : gbdtOptions
  const training = generate(TRAIN_ROWS, 1)
  const snapshot = () => {
    const m = process.memoryUsage()
    return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), arrayBuffersMb: mb(m.arrayBuffers) }
  }
  const report = (before: Report["before"], seconds: number, detail: string): Report => {
    const m = process.memoryUsage()
    return {
      phase,
      seconds,
      before,
      after: { heapUsedMb: mb(m.heapUsed), heapCommittedMb: mb(getHeapStatistics().total_heap_size), arrayBuffersMb: mb(m.arrayBuffers) },
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      detail
    }
  }
  if (phase.startsWith("train")) {
    const before = snapshot()
    const t0 = performance.now()
    const model = Effect.runSync(Model.train(training, options))
    const seconds = (performance.now() - t0) / 1000
    const work = model.kind === "gbdt" ? `${model.trees.length} trees` : `${model.training.params["iterations"]} Newton steps`
    return report(before, seconds, `${work}, validation AUC ${model.training.auc?.toFixed(3)}`)
  }
  const model = Effect.runSync(Model.train(training, options))
  const scoring = generate(SCORE_ROWS, 2)
  const before = snapshot()
  const t0 = performance.now()
  const p = predictMany(model, scoring)
  const seconds = (performance.now() - t0) / 1000
  return report(before, seconds, `${Math.round(SCORE_ROWS / seconds).toLocaleString("en")} rows/s, AUC ${Evaluation.auc(p, scoring.y).toFixed(3)}`)
}

/** The resident set size of a process, from /proc (Linux); undefined elsewhere or once it exited. */
const rssOf = (pid: number): number | undefined => {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return match === null ? undefined : Number(match[1]) * 1024
  } catch {
    return undefined
  }
}

const phaseArg = process.argv[2] as Phase | undefined
if (phaseArg !== undefined) {
  process.send!(runPhase(phaseArg))
} else {
  const phases: ReadonlyArray<Phase> = ["train-logistic", "train-gbdt", "score-logistic", "score-gbdt"]
  console.log(`risk-core benchmark: train on ${TRAIN_ROWS.toLocaleString("en")} rows × ${FEATURES} features, score ${SCORE_ROWS.toLocaleString("en")} rows`)
  console.log(`node ${process.version}, ${process.platform}/${process.arch}\n`)
  console.log("| phase | time | peak RSS (getrusage) | peak RSS (sampled) | RSS with inputs, before the work | heap used before → after | heap committed after | array buffers after | notes |")
  console.log("|---|---|---|---|---|---|---|---|---|")
  for (const phase of phases) {
    const child = fork(import.meta.filename, [phase], { execArgv: process.execArgv })
    let sampled = 0
    const sampler = setInterval(() => {
      sampled = Math.max(sampled, rssOf(child.pid!) ?? 0)
    }, 5)
    const report = await new Promise<Report>((resolve, reject) => {
      child.once("message", (message) => resolve(message as Report))
      child.once("error", reject)
      child.once("exit", (code) => (code === 0 ? undefined : reject(new Error(`${phase} exited with ${code}`))))
    })
    clearInterval(sampler)
    console.log(
      `| ${phase} | ${report.seconds.toFixed(2)} s | ${report.maxRssMb} MB | ${sampled > 0 ? `${mb(sampled)} MB` : "n/a"} | ${report.before.rssMb} MB | ${report.before.heapUsedMb} → ${report.after.heapUsedMb} MB | ${report.after.heapCommittedMb} MB | ${report.after.arrayBuffersMb} MB | ${report.detail} |`
    )
  }
  console.log(
    `\nGBDT: ${gbdtOptions.trees} trees (no early stopping), depth ${gbdtOptions.depth}, learning rate ${gbdtOptions.learningRate}, 64 bins, subsample 0.8, 20 % validation; logistic: log1p auto, L2 = 1, 20 % validation. Scoring includes Platt calibration.`
  )
}
