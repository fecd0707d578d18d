/// <reference types="node" />
/**
 * The ISSTA 2021 just-in-time defect prediction benchmark (Zeng et al.,
 * "Deep just-in-time defect prediction: how far are we?").
 *
 *   cd libs/risk-core && npx tsx --conditions=@rollwise/source bench/issta.ts [--seeds 5]
 *
 * For each project: train on `<project>_k_feature.csv` minus its last 20 %
 * (the file is time-ordered; the published test split `<project>_k_test.csv`
 * is exactly those last rows, which this script checks), test on
 * `<project>_k_test.csv`, print AUC per project and model beside the
 * published figures. The `__` column (a copy of the label), `_id` and the
 * index columns are never read; the 14 commit-time features are.
 */
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { Evaluation, History, Model } from "../src/index.ts"

/** Probabilities for a table (the library's Effect form, run here: a bench has no error to handle). */
const predictMany = (model: Model.Model, table: Parameters<typeof Model.predictTable>[1]): Float64Array => Effect.runSync(Model.predictTable(model, table))

const projects = ["qt", "openstack", "jdt", "platform", "gerrit", "go"] as const
/** Published AUCs on these exact splits: logistic regression on the 14 raw features (Zeng et al. 2021, table 4). */
const publishedLr: Record<(typeof projects)[number], number> = { qt: 0.665, openstack: 0.725, jdt: 0.674, platform: 0.64, gerrit: 0.657, go: 0.675 }
const publishedDeepMean = 0.706
const publishedLaMean = 0.725

const features = ["ns", "nd", "nf", "entrophy", "la", "ld", "lt", "fix", "ndev", "age", "nuc", "exp", "rexp", "sexp"]

/** Size normalizations in the spirit of Kamei et al. 2013 (la, ld per line of touched file; lt, nuc, ndev, la per file). */
const derived: ReadonlyArray<Model.DerivedFeature> = [
  { name: "la/lt", op: "ratio", a: "la", b: "lt" },
  { name: "ld/lt", op: "ratio", a: "ld", b: "lt" },
  { name: "la/nf", op: "ratio", a: "la", b: "nf" },
  { name: "lt/nf", op: "ratio", a: "lt", b: "nf" },
  { name: "nuc/nf", op: "ratio", a: "nuc", b: "nf" },
  { name: "ndev/nf", op: "ratio", a: "ndev", b: "nf" }
]

/** The recipes, fixed for every project. */
const recipes = {
  /** The published baseline, reproduced: raw features, no transforms. */
  lrRaw: { kind: "logistic", transforms: "none" },
  /** log1p transforms, size ratios, recent history weighted (half-life 25 % of the rows), refit on every row. */
  lrPlus: { kind: "logistic", derived, recencyHalfLife: 0.25, refit: true },
  /** Histogram GBDT, slow learning rate, row and feature subsampling, same recency and refit. */
  gbdt: {
    kind: "gbdt",
    derived,
    learningRate: 0.02,
    trees: 1000,
    depth: 3,
    subsample: 0.7,
    featureFraction: 0.7,
    minChildWeight: 5,
    recencyHalfLife: 0.25,
    refit: true
  }
} satisfies Record<string, Model.TrainOptions>

const seedsArg = process.argv.indexOf("--seeds")
const seeds = seedsArg === -1 ? 5 : Number(process.argv[seedsArg + 1])

// the whole ISSTA 2021 histories (the *_k_feature.csv files) are read in place from the team's shared test data, never copied into the repo
const shared = new URL("../../../../shared/testdata/jit/issta21/", import.meta.url)
if (!existsSync(shared)) {
  console.log(`skipped: the ISSTA 2021 benchmark needs the public JIT data at ${fileURLToPath(shared)} (Zeng et al., ISSTA 2021, MIT: the *_k_feature.csv files); place it there to run this benchmark`)
  process.exit(0)
}

const read = (file: string) =>
  Effect.runSync(
    History.parseCsv(readFileSync(new URL(file, shared), "utf8"), {
      label: "bug",
      features
    })
  )

const ranks = (scores: Float64Array): Float64Array => {
  const order = Array.from(scores.keys()).sort((a, b) => scores[a]! - scores[b]!)
  const out = new Float64Array(scores.length)
  // midranks for ties, scaled to (0, 1]
  let i = 0
  while (i < order.length) {
    let j = i
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++
    for (let k = i; k <= j; k++) out[order[k]!] = (i + j + 2) / 2 / order.length
    i = j + 1
  }
  return out
}

/** Rank-average blend: robust to the two models' different score scales and calibrations. */
const blend = (a: Float64Array, b: Float64Array): Float64Array => {
  const ra = ranks(a)
  const rb = ranks(b)
  return ra.map((v, i) => v + rb[i]!)
}

const fmt = (x: number) => x.toFixed(3).replace(/^0/, "")
const rows: Array<Array<string>> = []
const totals: Record<string, Array<number>> = {}
const add = (key: string, value: number) => (totals[key] ??= []).push(value)
const started = performance.now()

for (const project of projects) {
  const full = read(`${project}_k_feature.csv`)
  const test = read(`${project}_k_test.csv`)
  const cut = full.rows - test.rows
  // the published test split is the feature file's last rows (up to the last digit of the CSV floats): check it
  const tail = full.X.subarray(cut * features.length)
  const same = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a))
  if (tail.length !== test.X.length || tail.some((v, i) => !same(v, test.X[i]!)) || full.y.subarray(cut).some((v, i) => v !== test.y[i])) {
    throw new Error(`${project}: the test file is not the last ${test.rows} rows of the feature file`)
  }
  const trainPart = History.slice(full, 0, cut)
  const auc = (scores: Float64Array) => Evaluation.auc(scores, test.y)
  const trainWith = (options: Model.TrainOptions) => Effect.runSync(Model.train(trainPart, options))

  const la = auc(History.column(test, "la")!)
  const lrRaw = auc(predictMany(trainWith(recipes.lrRaw), test))
  const lrPlusModel = trainWith(recipes.lrPlus)
  const lrPlusScores = predictMany(lrPlusModel, test)
  const lrPlus = auc(lrPlusScores)
  const gbdtRuns: Array<number> = []
  const blendRuns: Array<number> = []
  for (let seed = 1; seed <= seeds; seed++) {
    const scores = predictMany(trainWith({ ...recipes.gbdt, seed }), test)
    gbdtRuns.push(auc(scores))
    blendRuns.push(auc(blend(lrPlusScores, scores)))
  }
  const mean = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0) / xs.length
  const best = Math.max(publishedLr[project], la, publishedDeepMean)
  add("lrPublished", publishedLr[project])
  add("la", la)
  add("lrRaw", lrRaw)
  add("lrPlus", lrPlus)
  add("gbdt", mean(gbdtRuns))
  add("gbdtMin", Math.min(...gbdtRuns))
  add("blend", mean(blendRuns))
  add("blendMin", Math.min(...blendRuns))
  rows.push([
    project,
    `${trainPart.rows}/${test.rows}`,
    fmt(publishedLr[project]),
    fmt(la),
    fmt(lrRaw),
    fmt(lrPlus),
    `${fmt(mean(gbdtRuns))} (${fmt(Math.min(...gbdtRuns))}–${fmt(Math.max(...gbdtRuns))})`,
    `${fmt(mean(blendRuns))} (${fmt(Math.min(...blendRuns))}–${fmt(Math.max(...blendRuns))})`,
    Math.min(...blendRuns) > best && Math.min(...gbdtRuns) > best ? "yes" : Math.min(...blendRuns) > best || Math.min(...gbdtRuns) > best ? "partly" : "no"
  ])
}

const mean = (key: string) => fmt(totals[key]!.reduce((a, b) => a + b, 0) / totals[key]!.length)
rows.push([
  "**mean**",
  "",
  fmt(0.673),
  mean("la"),
  mean("lrRaw"),
  mean("lrPlus"),
  `${mean("gbdt")} (min ${mean("gbdtMin")})`,
  `${mean("blend")} (min ${mean("blendMin")})`,
  ""
])
const header = [
  "project",
  "train/test rows",
  "published LR (raw)",
  "la alone",
  "our LR (raw)",
  "LR+ (log1p, ratios, recency, refit)",
  `GBDT (mean, range over ${seeds} seeds)`,
  "blend LR+ & GBDT",
  `beats LR, la and deep (.${String(publishedDeepMean).slice(2)}) on the project`
]
console.log(`| ${header.join(" | ")} |`)
console.log(`|${header.map(() => "---").join("|")}|`)
for (const row of rows) console.log(`| ${row.join(" | ")} |`)
console.log(
  `\npublished: LR on raw features (per project, mean .673); la alone (mean ${fmt(publishedLaMean)}); deep models (DeepJIT, CC2Vec) about ${fmt(publishedDeepMean)}.`
)
console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`)
