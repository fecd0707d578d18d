/**
 * Issue #16's hostile bodies, timed: the analyses route (decode + Analyzer)
 * and Kayenta's judge on 70,000 (40,000) alternating 0/1 values per track
 * against random values of the same size, in process; then over HTTP on a
 * server with 0 and 2 analysis workers, with `/healthz` probed every 10 ms
 * while the body is judged (the probe's worst latency is what a kubelet
 * would see).
 *
 *   cd libs/api-server && npx tsx --conditions=@rollwise/source bench/hostile.ts
 */
import { Kayenta } from "@rollwise/api-contract"
import { AnalysesRoute, KayentaJudge } from "@rollwise/api-handler"
import { Effect } from "effect"
import { bundledAnalysisWorker, startServer } from "../test/helpers.ts"
import { alternating, analysesBody, judgeBody, uniform } from "../test/hostile/bodies.ts"

const median = (xs: Array<number>): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const time = (runs: number, f: () => unknown): number =>
  median(
    Array.from({ length: runs }, () => {
      const started = performance.now()
      f()
      return performance.now() - started
    })
  )

const bodies = {
  "analyses, 70,000 alternating 0/1 per track": ["/v1/analyses", analysesBody(() => alternating(70_000))],
  "analyses, 70,000 random per track": ["/v1/analyses", analysesBody((track) => uniform(70_000, track === "baseline" ? 1 : 2))],
  "judge, 40,000 alternating 0/1 per track": ["/judge", judgeBody(() => alternating(40_000))],
  "judge, 40,000 random per track": ["/judge", judgeBody((track) => uniform(40_000, track === "control" ? 1 : 2))]
} as const

const rows: Array<string> = []
for (const [name, [path, body]] of Object.entries(bodies)) {
  const ms = time(5, () =>
    path === "/judge" ? Effect.runSync(Effect.flatMap(Kayenta.decodeRequest(JSON.parse(body)), KayentaJudge.judgeHere)) : Effect.runSync(AnalysesRoute.analyzeBody(body))
  )
  rows.push(`| in process | ${name} (${Math.round(body.length / 1000)} KB) | ${ms.toFixed(1)} | |`)
}

const script = await bundledAnalysisWorker()
for (const workers of [0, 2]) {
  const server = await startServer({ analysisWorkers: workers, analysisWorkerScript: script, bodyLimitBytes: 4 * 1024 * 1024 })
  for (const [name, [path, body]] of Object.entries(bodies)) {
    const answered: Array<number> = []
    const probes: Array<number> = []
    for (let run = 0; run < 5; run++) {
      let done = false
      const probing = (async () => {
        while (!done) {
          const started = performance.now()
          await server.fetch("/healthz")
          probes.push(performance.now() - started)
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
      })()
      const started = performance.now()
      const response = await server.post(path, body)
      await response.arrayBuffer()
      answered.push(performance.now() - started)
      done = true
      await probing
      if (response.status !== 200) throw new Error(`${name}: ${response.status}`)
    }
    rows.push(`| HTTP, ${workers} workers | ${name} | ${median(answered).toFixed(1)} | ${Math.max(...probes).toFixed(1)} |`)
  }
  await server.close()
}

console.log(`\napi-server hostile bodies (${process.version}, median of 5)\n`)
console.log("| where | body | answered in (ms) | worst /healthz while judging (ms) |\n|---|---|---:|---:|\n" + rows.join("\n"))
