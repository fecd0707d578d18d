/**
 * Benchmark: Isolation Forest, 100 trees × ψ = 256, on 10,000 rows × 8
 * features (correlated normals with 1 % shifted rows, like per-window metric
 * vectors): fit, score every row, and the per-feature contributions of every
 * row; reports the median and minimum time of each and the nanoseconds per
 * row scored.
 *
 * Run alone: `npx tsx --conditions=@rollwise/source bench/isolationForest.ts`;
 * `bench/run.ts` (`npx nx run stats-core:bench`) runs it after its own tables.
 */
import { Bench } from "tinybench"
import { IsolationForest, Random } from "../src/index.ts"

const rows = 10_000
const cols = 8
const next = Random.normals(20261206)
const data = new Float64Array(rows * cols)
for (let r = 0; r < rows; r++) {
  const load = next()
  const shifted = r % 100 === 0 ? 3 : 0
  for (let f = 0; f < cols; f++) data[r * cols + f] = (f % 2 === 0 ? load : 0.5 * load) + next() + (f === 3 ? shifted : 0)
}
const built = IsolationForest.Matrix.fromData(rows, cols, data)
if (built._tag === "Invalid") throw new Error(built.error.message)
const matrix = built.matrix
const forest = IsolationForest.fit(matrix, { trees: 100, sampleSize: 256, random: Random.mulberry32(1) })

let sink = 0
let seed = 0
const bench = new Bench({ name: "isolation forest", time: 2000, warmupTime: 300 })
bench
  .add("fit (100 trees × 256 rows)", () => {
    sink += IsolationForest.fit(matrix, { trees: 100, sampleSize: 256, random: Random.mulberry32(++seed) }).feature.length
  })
  .add("score 10,000 rows", () => {
    sink += IsolationForest.score(forest, matrix)[0]!
  })
  .add("fit + score 10,000 rows", () => {
    const fitted = IsolationForest.fit(matrix, { trees: 100, sampleSize: 256, random: Random.mulberry32(++seed) })
    sink += IsolationForest.score(fitted, matrix)[0]!
  })
  .add("featureContributions of 10,000 rows", () => {
    sink += IsolationForest.featureContributions(forest, matrix)[0]!
  })
await bench.run()
if (Number.isNaN(sink)) console.log("unexpected NaN")

const latency = (i: number) => {
  const result = bench.tasks[i]!.result
  if (!("latency" in result)) throw new Error(`task ${bench.tasks[i]!.name} did not complete`)
  return result.latency
}
console.log(`\nIsolation Forest, ${rows.toLocaleString("en-US")} rows × ${cols} features, 100 trees × ψ 256 (${process.version}, tinybench samples; the minimum is the least disturbed by other load)\n`)
console.log(
  "| task | median (ms) | min (ms) | ns per row (median) |\n|---|---:|---:|---:|\n" +
    bench.tasks
      .map((task, i) => {
        const { min, p50 } = latency(i)
        return `| ${task.name} | ${p50.toFixed(2)} | ${min.toFixed(2)} | ${i === 0 ? "—" : ((p50 * 1e6) / rows).toFixed(0)} |`
      })
      .join("\n")
)
