/**
 * Benchmark: grouping accuracy on the eight Loghub-2k sets (read in place from
 * `../shared/testdata/loghub/`, never copied: see the licence beside them),
 * one configuration for all sets, beside Drain's published figures (Zhu et
 * al., ICSE-SEIP 2019, Table III); then throughput on one core: all 16,000
 * lines mined repeatedly until at least one CPU-second of work.
 *
 * Run: `npx nx run log-signatures:bench` (or `npx tsx --conditions=@rollwise/source bench/run.ts`).
 * `--debug SET` prints the wrongly grouped events of one set.
 */
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Accuracy, Miner } from "../src/index.ts"
import { parseCsv } from "./csv.ts"

const dir = join(import.meta.dirname, "../../../../shared/testdata/loghub")
const drain: ReadonlyArray<readonly [string, number]> = [
  ["HDFS", 0.9975],
  ["Hadoop", 0.9475],
  ["Spark", 0.92],
  ["Zookeeper", 0.9665],
  ["BGL", 0.9625],
  ["HPC", 0.887],
  ["OpenSSH", 0.7875],
  ["Apache", 1.0]
]

if (!existsSync(dir)) {
  console.log(`log-signatures bench: ${dir} is absent; skipped`)
  process.exit(0)
}

const load = (set: string): { content: Array<string>; events: Array<string> } => {
  const rows = parseCsv(readFileSync(join(dir, `${set}_2k.log_structured.csv`), "utf8"))
  const header = rows[0]!
  const ci = header.indexOf("Content")
  const ei = header.indexOf("EventId")
  const body = rows.slice(1)
  const bad = body.findIndex((r) => r.length !== header.length)
  if (bad >= 0) throw new Error(`${set}: row ${bad + 2} has ${body[bad]!.length} fields, the header ${header.length}`)
  return { content: body.map((r) => r[ci]!), events: body.map((r) => r[ei]!) }
}

const args = process.argv.slice(2)
const debug = args.includes("--debug") ? args[args.indexOf("--debug") + 1] : undefined
const options: Miner.Options = JSON.parse(process.env.MINER_OPTIONS ?? "{}")

const sets = drain.map(([set, published]) => ({ set, published, ...load(set) }))
const rows: Array<readonly [string, number, number]> = []
for (const { content, events, published, set } of sets) {
  const { assignments, templates } = Miner.mine(content, options)
  const accuracy = Accuracy.grouping(assignments, events)
  rows.push([set, accuracy, published])
  if (debug === set) {
    // per true event: the predicted groups its lines fell into
    const byEvent = new Map<string, Map<number, number>>()
    events.forEach((e, i) => {
      const m = byEvent.get(e) ?? new Map<number, number>()
      m.set(assignments[i]!, (m.get(assignments[i]!) ?? 0) + 1)
      byEvent.set(e, m)
    })
    const byGroup = new Map<number, Set<string>>()
    events.forEach((e, i) => byGroup.set(assignments[i]!, (byGroup.get(assignments[i]!) ?? new Set()).add(e)))
    for (const [e, m] of byEvent) {
      const bad = m.size > 1 || [...m.keys()].some((g) => byGroup.get(g)!.size > 1)
      if (!bad) continue
      console.log(`${e}: ${[...m].map(([g, c]) => `#${g}×${c} [${templates[g]!.pattern}] {${[...byGroup.get(g)!].join(",")}}`).join("\n     ")}`)
      console.log(`   e.g. ${content[events.indexOf(e)]}`)
    }
  }
}

const mean = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0) / xs.length
const ours = mean(rows.map((r) => r[1]))
const theirs = mean(rows.map((r) => r[2]))
console.log("log-signatures bench: grouping accuracy on Loghub-2k (one configuration for every set)\n")
console.log("| Set | Rollwise | Drain (published) |")
console.log("| --- | ---: | ---: |")
for (const [set, a, d] of rows) console.log(`| ${set} | ${a.toFixed(4)} | ${d.toFixed(4)} |`)
console.log(`| **Mean** | **${ours.toFixed(4)}** | **${theirs.toFixed(4)}** |`)

// Throughput: all 16,000 lines, repeated until ≥ 1 s of CPU time, a fresh miner per set per pass. CPU time
// (user + system of this single-threaded process) is the one-core cost even on a loaded machine; wall time beside it.
const all = sets.flatMap((s) => s.content)
const chars = all.reduce((a, l) => a + l.length, 0)
let lines = 0
const cpu0 = process.cpuUsage()
const t0 = performance.now()
const cpuSeconds = () => {
  const d = process.cpuUsage(cpu0)
  return (d.user + d.system) / 1e6
}
while (cpuSeconds() < 1 || lines < 500_000) {
  for (const s of sets) Miner.mine(s.content, options)
  lines += all.length
}
const cpu = cpuSeconds()
const wall = (performance.now() - t0) / 1000
console.log(
  `\nthroughput: ${Math.round(lines / cpu).toLocaleString("en")} lines per CPU-second on one core ` +
    `(${lines.toLocaleString("en")} lines of ${(chars / all.length).toFixed(0)} chars on average, ${cpu.toFixed(2)} s CPU, ` +
    `${wall.toFixed(2)} s wall: ${Math.round(lines / wall).toLocaleString("en")} lines/s)`
)
