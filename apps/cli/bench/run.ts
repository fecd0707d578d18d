/**
 * Cold start: what every Jenkins stage pays before rollwise does any work.
 * Runs `node -e 0` and `rollwise --version` / `--help` alternately, N times each,
 * and prints medians and the ratio. Target: `--version` within 2× of bare node.
 */
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"

const runs = Number(process.env["ROLLWISE_BENCH_RUNS"] ?? 25)
const bin = fileURLToPath(new URL("../dist/cli.js", import.meta.url))

const time = (args: ReadonlyArray<string>): number => {
  const start = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, { stdio: "ignore" })
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}`)
  return Number(process.hrtime.bigint() - start) / 1e6
}
const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

const cases = {
  "node -e 0": ["-e", "0"],
  "rollwise --version": [bin, "--version"],
  "rollwise --help": [bin, "--help"]
} as const
const samples: Record<string, Array<number>> = {}
for (const name of Object.keys(cases)) samples[name] = []
for (let i = 0; i < 3; i++) for (const args of Object.values(cases)) time(args) // warm the file cache
for (let i = 0; i < runs; i++) {
  for (const [name, args] of Object.entries(cases)) samples[name]!.push(time(args))
}
const base = median(samples["node -e 0"]!)
console.log(`cold start, ${runs} runs each, interleaved (median ms, ratio to node -e 0)`)
for (const [name, xs] of Object.entries(samples)) {
  console.log(`  ${name.padEnd(20)} ${median(xs).toFixed(1).padStart(7)} ms   ${(median(xs) / base).toFixed(2)}×`)
}
