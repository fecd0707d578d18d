/**
 * Benchmark: Mann–Whitney U + Hodges–Lehmann on 2 × 10,000 and 2 × 100,000
 * samples, against sorting the same 20,000 (200,000) numbers in a
 * Float64Array in the same run. Target: within 3× of that sort.
 *
 * Then the worst cases for ties (issue #16) beside random data of the same
 * size, 10,000 and 70,000 per sample: alternating 0/1, five distinct values,
 * all equal — Mann–Whitney + the shift with R's interval (the default), and
 * with the analyzer's step interval. Target: no tied case slower than the
 * random one by more than a small factor (they used to be quadratic).
 *
 * Run: `npx nx run stats-core:bench` (or `npx tsx --conditions=@rollwise/source bench/run.ts`).
 */
import { Bench } from "tinybench"
import { HodgesLehmann, MannWhitney, Sample } from "../src/index.ts"
import { normalSample, normals } from "../test/support/random.ts"

interface Row {
  readonly size: string
  readonly task: string
  readonly medianMs: number
  readonly ratio: number
}

const rows: Array<Row> = []

for (const n of [10_000, 100_000]) {
  const next = normals(20260101 + n)
  // Latency-like data: log-normal, candidate 3 % slower.
  const baseline = Array.from(normalSample(next, n), (z) => Math.exp(4 + 0.5 * z))
  const candidate = Array.from(normalSample(next, n), (z) => 1.03 * Math.exp(4 + 0.5 * z))
  const both = [...baseline, ...candidate]
  let sink = 0
  const bench = new Bench({ name: `2 × ${n}`, time: 2000, warmupTime: 300 })
  bench
    .add("sort Float64Array of both samples", () => {
      const all = Float64Array.from(both)
      all.sort()
      sink += all[0]!
    })
    .add("Mann–Whitney U", () => {
      sink += MannWhitney.test(candidate, baseline).pValue
    })
    .add("Mann–Whitney U + Hodges–Lehmann shift (one sort per sample)", () => {
      const c = Sample.sortedFinite(candidate).values
      const b = Sample.sortedFinite(baseline).values
      sink += MannWhitney.testSorted(c, b).pValue
      sink += HodgesLehmann.shiftSorted(c, b)
    })
    .add("Mann–Whitney U + Hodges–Lehmann shift (separate calls, each sorts)", () => {
      sink += MannWhitney.test(candidate, baseline).pValue
      sink += HodgesLehmann.shift(candidate, baseline)
    })
    .add("Mann–Whitney U + Hodges–Lehmann shift + 95 % CI (R's asymptotic method)", () => {
      const c = Sample.sortedFinite(candidate).values
      const b = Sample.sortedFinite(baseline).values
      sink += MannWhitney.testSorted(c, b).pValue
      sink += HodgesLehmann.compareSorted(c, b).upper
    })
  await bench.run()
  const median = (i: number): number => {
    const result = bench.tasks[i]!.result
    if (!("latency" in result)) throw new Error(`task ${bench.tasks[i]!.name} did not complete`)
    return result.latency.p50
  }
  const sortMs = median(0)
  bench.tasks.forEach((task, i) => {
    rows.push({ size: `2 × ${n.toLocaleString("en-US")}`, task: task.name, medianMs: median(i), ratio: median(i) / sortMs })
  })
  if (Number.isNaN(sink)) console.log("unexpected NaN")
}

// Worst cases for ties, beside random data of the same size.
const tieRows: Array<{ readonly size: string; readonly data: string; readonly task: string; readonly medianMs: number }> = []
for (const n of [10_000, 70_000]) {
  const next = normals(20261206 + n)
  const random = Array.from(normalSample(next, n), (z) => Math.exp(4 + 0.5 * z))
  const shapes: ReadonlyArray<readonly [string, ReadonlyArray<number>, ReadonlyArray<number>]> = [
    ["random (log-normal)", random, random.map((v) => 1.03 * v)],
    ["alternating 0/1", Array.from({ length: n }, (_, i) => i % 2), Array.from({ length: n }, (_, i) => (i + 1) % 2)],
    ["five distinct values", Array.from({ length: n }, (_, i) => (i * 7919) % 5), Array.from({ length: n }, (_, i) => (i * 104729) % 5)],
    ["all equal", Array.from({ length: n }, () => 3), Array.from({ length: n }, () => 3)]
  ]
  let sink = 0
  const bench = new Bench({ name: `ties 2 × ${n}`, time: 500, warmupTime: 100 })
  for (const [data, candidate, baseline] of shapes) {
    bench
      .add(`${data}|Mann–Whitney U + Hodges–Lehmann shift + 95 % CI (R's method)`, () => {
        const c = Sample.sortedFinite(candidate).values
        const b = Sample.sortedFinite(baseline).values
        sink += MannWhitney.testSorted(c, b).pValue
        sink += HodgesLehmann.compareSorted(c, b).upper
      })
      .add(`${data}|same, step bounds (the analyzer's)`, () => {
        const c = Sample.sortedFinite(candidate).values
        const b = Sample.sortedFinite(baseline).values
        sink += MannWhitney.testSorted(c, b).pValue
        sink += HodgesLehmann.compareSorted(c, b, { bounds: "step" }).upper
      })
  }
  await bench.run()
  for (const task of bench.tasks) {
    const result = task.result
    if (!("latency" in result)) throw new Error(`task ${task.name} did not complete`)
    const [data, name] = task.name.split("|") as [string, string]
    tieRows.push({ size: `2 × ${n.toLocaleString("en-US")}`, data, task: name, medianMs: result.latency.p50 })
  }
  if (Number.isNaN(sink)) console.log("unexpected NaN")
}

console.log(`\nstats-core benchmark (${process.version}, median of tinybench samples)\n`)
console.log(
  "| samples | task | median (ms) | × sort |\n|---|---|---:|---:|\n" +
    rows.map((r) => `| ${r.size} | ${r.task} | ${r.medianMs.toFixed(3)} | ${r.ratio.toFixed(2)} |`).join("\n")
)
console.log(
  "\n| samples | data | task | median (ms) |\n|---|---|---|---:|\n" +
    tieRows.map((r) => `| ${r.size} | ${r.data} | ${r.task} | ${r.medianMs.toFixed(3)} |`).join("\n")
)
await import("./isolationForest.ts")
