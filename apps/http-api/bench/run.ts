/**
 * Load benchmark of the HTTP API (the bundled server, `node dist/main.js`, in
 * its own process on 127.0.0.1), driven by autocannon from this process:
 * `POST /v1/risk` and `POST /v1/analyses` with 3 metrics × 2 tracks × 1,000
 * samples, at concurrency 1, 16 and 64, each run bounded in time (5 s) and
 * in count (100,000 requests); the analyses again on a server with two
 * analysis worker threads (`--analysis-workers 2`). Reports requests/s, p50/p99 latency, the
 * server's RSS after the run, and whether any request failed (non-2xx, error
 * or timeout).
 *
 *   npx nx run http-api:bench        (npm run bench runs every project's)
 */
import autocannon from "autocannon"
import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url))
const token = "bench-token-0123456789"
const seconds = Number(process.env["ROLLWISE_BENCH_SECONDS"] ?? 5)

const start = (analysisWorkers: number): Promise<{ child: ChildProcess; port: number }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, "--host", "127.0.0.1", "--port", "0", "--body-limit", String(8 * 1024 * 1024), "--analysis-workers", String(analysisWorkers)], {
      env: { ...process.env, ROLLWISE_API_TOKEN: token },
      stdio: ["ignore", "ignore", "pipe"]
    })
    let err = ""
    const onData = (d: Buffer) => {
      err += d.toString()
      const m = /127\.0\.0\.1:(\d+)/.exec(err)
      if (m) {
        // the request log is production behaviour: keep draining it, but do not keep it
        child.stderr!.off("data", onData)
        child.stderr!.resume()
        resolve({ child, port: Number(m[1]) })
      }
    }
    child.stderr!.on("data", onData)
    child.on("exit", (code) => reject(new Error(`server exited ${code}: ${err}`)))
  })

const rssMb = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN
}

/** A seeded stream of log-normal-ish latencies, so every run posts the same body. */
const samples = (seed: number, median: number, n: number): Array<number> => {
  let a = seed >>> 0
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return Array.from({ length: n }, () => Math.round(median * Math.exp(0.25 * Math.sqrt(-2 * Math.log(u() || 1e-12)) * Math.cos(2 * Math.PI * u())) * 1e5) / 1e5)
}

const metrics = ["latency", "cpu", "memory"]
const analysesBody = JSON.stringify({
  slo: {
    apiVersion: "rollwise/v1",
    kind: "SloSpec",
    service: "checkout",
    window: "1m",
    warmupWindows: 0,
    metrics: metrics.map((name) => ({ name, kind: "continuous", threshold: 10, tolerance: 0.1 }))
  },
  observations: metrics.flatMap((metric, i) =>
    (["baseline", "candidate"] as const).map((track, j) => ({ window: 0, metric, track, values: samples(7 + i * 2 + j, 0.1 * (i + 1), 1000) }))
  )
})
// the documented example change (examples/changes.json), as `rollwise decide` reads it
const riskBody = JSON.stringify({ changes: JSON.parse(readFileSync(fileURLToPath(new URL("../../../examples/changes.json", import.meta.url)), "utf8")) as unknown, target: "k8s" })

const rows: Array<Array<string>> = [["route", "workers", "concurrency", "requests/s", "p50 ms", "p99 ms", "requests", "failed", "server RSS MB"]]
let failures = 0
// the risk route on the main thread; the analyses route on it, then on a pool of two worker threads (--analysis-workers 2)
for (const [workers, routes] of [
  [0, [["/v1/risk", riskBody], ["/v1/analyses", analysesBody]]],
  [2, [["/v1/analyses", analysesBody]]]
] as const) {
  const { child, port } = await start(workers)
  try {
    for (const [route, body] of routes) {
      process.stderr.write(`${route} (${workers} workers): warming up\n`)
      // warm up the route (JIT, first-call setup)
      await autocannon({ url: `http://127.0.0.1:${port}${route}`, method: "POST", body, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, connections: 4, amount: 200, timeout: 10 })
      for (const connections of [1, 16, 64]) {
        process.stderr.write(`${route} (${workers} workers): concurrency ${connections}, ${seconds} s\n`)
        const r = await autocannon({
          url: `http://127.0.0.1:${port}${route}`,
          method: "POST",
          body,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          connections,
          duration: seconds,
          maxOverallRequests: 100_000,
          timeout: 10
        })
        const failed = r.non2xx + r.errors + r.timeouts
        failures += failed
        rows.push([route, String(workers), String(connections), r.requests.average.toFixed(0), String(r.latency.p50), String(r.latency.p99), String(r.requests.total), String(failed), String(rssMb(child.pid!))])
      }
    }
  } finally {
    child.kill("SIGTERM")
    await new Promise((resolve) => child.once("exit", resolve))
  }
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
console.log(`HTTP API load (bundled server on 127.0.0.1, autocannon, ${seconds} s per run; analyses body ${(analysesBody.length / 1024).toFixed(0)} KB)`)
for (const r of rows) console.log("  " + r.map((c, i) => (i < 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "))
if (failures > 0) {
  console.error(`${failures} requests failed`)
  process.exitCode = 1
}
