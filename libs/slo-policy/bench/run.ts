/**
 * Benchmarks of the analyzer (`npx nx run slo-policy:bench`, part of `npm run bench`):
 *
 * 1. What one window costs: `Analyzer.step` over a whole release of live-shaped
 *    windows (12 per-step values per track, counts, restarts) and of raw
 *    windows (400 latency samples per track), per window judged.
 * 2. How good the judgement is: the detection benchmark at 40 releases per
 *    scenario, traffic level and kind of window (`bench/detection.ts`, the
 *    README's tables), run as its own process.
 * 3. The multivariate (Isolation Forest) metric beside the per-metric
 *    analyzer alone, 100 releases per scenario, and its cost per window
 *    (`bench/multivariate-bench.ts`, the README's "Multivariate drift").
 */
import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { Bench } from "tinybench"
import { Analyzer, Observation, SloSpec } from "../src/index.ts"
import { liveRelease } from "./live.ts"
import { ndjson, release, specDocument } from "./scenarios.ts"

const spec = Effect.runSync(SloSpec.decode(specDocument))
const parsed = (lines: Parameters<typeof ndjson>[0]) => Effect.runSync(Observation.parse(ndjson(lines), spec))[0]!
const live = parsed(liveRelease("live", "healthy", "medium", 7).lines)
const raw = parsed(release("raw", "healthy", "high", 7))

/** Every window of a release judged in turn (no early stop), as a rollout that never decides would. */
const judgeAll = (r: typeof live) => {
  let state = Analyzer.initial
  for (const window of r.windows) state = Analyzer.step({ ...spec, maxWindows: 1000 }, state, window).state
  return state.policy.windows
}

let sink = 0
const bench = new Bench({ name: "Analyzer.step", time: 1500, warmupTime: 300 })
bench
  .add(`live-shaped: ${live.windows.length} windows of 12 per-step p95s per track`, () => {
    sink += judgeAll(live)
  })
  .add(`raw: ${raw.windows.length} windows of 400 samples per track`, () => {
    sink += judgeAll(raw)
  })
await bench.run()
console.log("| windows | per window judged (median) |\n|---|---|")
for (const task of bench.tasks) {
  const windows = task.name.startsWith("live") ? live.windows.length : raw.windows.length
  const median = task.result?.state === "completed" ? task.result.latency.p50 : Number.NaN
  console.log(`| ${task.name} | ${(median / windows).toFixed(3)} ms |`)
}
if (sink < 0) console.log(sink)

console.log("\nDetection quality (bench/detection.ts 40):\n")
const detection = fileURLToPath(new URL("./detection.ts", import.meta.url))
execFileSync(process.execPath, [...process.execArgv, detection, "40"], { stdio: "inherit" })

console.log("\nMultivariate drift (bench/multivariate-bench.ts 100):\n")
const multivariate = fileURLToPath(new URL("./multivariate-bench.ts", import.meta.url))
execFileSync(process.execPath, [...process.execArgv, multivariate, "100"], { stdio: "inherit" })
