/**
 * `npx nx run evidence-postgres:bench` (part of `npm run bench`): the
 * PostgreSQL store beside the embedded SQLite one, both durable (SQLite in
 * WAL with synchronous=FULL; PostgreSQL 15 from tools/postgres-harness with
 * fsync, synchronous_commit and full_page_writes on, over TCP on loopback):
 *
 * - appends per second to one rollout: one writer, then 8 writers at once
 *   (8 connections to PostgreSQL; 8 handles on the SQLite file);
 * - recording 10,000 rollouts (create, one decision event, finish), 8 at once;
 * - `list` as `GET /v1/rollouts` calls it (limit 50, the most 1000, a
 *   service filter) with those 10,000 recorded: median and p95 latency.
 */
import { startPostgres } from "@rollwise/postgres-harness"
// eslint-disable-next-line @nx/enforce-module-boundaries -- the benchmark measures the SQLite store beside this one, on purpose
import { SqliteEvidenceStore } from "@rollwise/evidence-store"
import type { EvidenceStore } from "@rollwise/rollout-engine"
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { EvidencePostgres } from "../src/index.ts"

type Store = EvidenceStore.EvidenceStore["Service"]
type Open = () => Effect.Effect<Store, EvidenceStore.EvidenceError, import("effect").Scope.Scope>

const writers = 8
const rolloutsToRecord = Number(process.env["BENCH_ROLLOUTS"] ?? 10_000)
const appendsOneWriter = 1_000
const appendsPerWriter = 250
const listRuns = 200

const seconds = (ms: number) => ms / 1000
const quantile = (xs: ReadonlyArray<number>, q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!
}

interface Results {
  readonly oneWriter: number
  readonly manyWriters: number
  readonly record: number
  readonly list: Record<string, { readonly median: number; readonly p95: number }>
}

const measure = (open: Open): Effect.Effect<Results, EvidenceStore.EvidenceError, import("effect").Scope.Scope> =>
  Effect.gen(function* () {
    const stores = yield* Effect.all(Array.from({ length: writers }, open))
    const main = stores[0]!
    yield* main.create({ rolloutId: "hot", service: "bench", target: "simulated:bench", startedAt: 0 })
    let t = performance.now()
    for (let i = 0; i < appendsOneWriter; i++) yield* main.append("hot", { type: "step.applied", at: i, data: { index: i, weight: 10 } })
    const oneWriter = appendsOneWriter / seconds(performance.now() - t)

    t = performance.now()
    yield* Effect.all(
      stores.map((s, w) =>
        Effect.gen(function* () {
          for (let i = 0; i < appendsPerWriter; i++) yield* s.append("hot", { type: "step.applied", at: i, data: { writer: w, index: i } })
        })
      ),
      { concurrency: "unbounded" }
    )
    const manyWriters = (writers * appendsPerWriter) / seconds(performance.now() - t)
    const events = (yield* main.get("hot")).events
    if (events.length !== appendsOneWriter + writers * appendsPerWriter || events.some((e, i) => e.seq !== i + 1)) throw new Error("lost or duplicated appends")

    t = performance.now()
    yield* Effect.all(
      stores.map((s, w) =>
        Effect.gen(function* () {
          for (let i = w; i < rolloutsToRecord; i += writers) {
            const rolloutId = `r-${String(i).padStart(6, "0")}`
            yield* s.create({ rolloutId, service: `svc-${i % 20}`, module: `m-${i % 7}`, target: "k8s:bench", startedAt: 1_700_000_000_000 + i * 1000, data: { setup: { target: "simulated" } } })
            yield* s.append(rolloutId, { type: "decision", at: 1, data: { risk_score: i % 100, strategy: "canary" } })
            yield* s.finish(rolloutId, i % 9 === 0 ? "rolled_back" : "promoted", 2)
          }
        })
      ),
      { concurrency: "unbounded" }
    )
    const record = rolloutsToRecord / seconds(performance.now() - t)

    const list: Record<string, { median: number; p95: number }> = {}
    for (const [name, filter] of [
      ["list limit 50 (GET /v1/rollouts)", { limit: 50 }],
      ["list limit 1000", { limit: 1000 }],
      ["list service=svc-7 limit 50", { service: "svc-7", limit: 50 }]
    ] as const) {
      const times: Array<number> = []
      for (let i = 0; i < listRuns; i++) {
        const s = performance.now()
        const got = yield* main.list(filter)
        times.push(performance.now() - s)
        if (got.length !== Math.min(filter.limit, "service" in filter ? rolloutsToRecord / 20 : rolloutsToRecord + 1)) throw new Error(`${name}: ${got.length} rollouts`)
      }
      list[name] = { median: quantile(times, 0.5), p95: quantile(times, 0.95) }
    }
    return { oneWriter, manyWriters, record, list }
  })

const dir = mkdtempSync(join(tmpdir(), "rollwise-bench-sqlite-"))
const pg = await startPostgres({ settings: { fsync: "on", synchronous_commit: "on", full_page_writes: "on" } })
try {
  const url = await pg.createDatabase("bench")
  const path = join(dir, "evidence.db")
  process.stderr.write(`recording ${rolloutsToRecord} rollouts in each store…\n`)
  const sqlite = await Effect.runPromise(Effect.scoped(measure(() => SqliteEvidenceStore.make({ path }))))
  const postgres = await Effect.runPromise(Effect.scoped(measure(() => EvidencePostgres.make({ url, maxConnections: 2 }))))
  const rate = (n: number) => `${Math.round(n).toLocaleString("en-US")} /s`
  const ms = (x: { median: number; p95: number }) => `${x.median.toFixed(2)} ms (p95 ${x.p95.toFixed(2)})`
  const rows: Array<[string, string, string]> = [
    ["", "SQLite (WAL, synchronous=FULL)", "PostgreSQL 15 (fsync on, TCP loopback)"],
    ["appends, 1 writer", rate(sqlite.oneWriter), rate(postgres.oneWriter)],
    [`appends, ${writers} writers, one rollout`, rate(sqlite.manyWriters), rate(postgres.manyWriters)],
    [`rollouts recorded (create + event + finish), ${writers} at once`, rate(sqlite.record), rate(postgres.record)],
    ...Object.keys(sqlite.list).map((k): [string, string, string] => [`${k}, ${rolloutsToRecord.toLocaleString("en-US")} recorded`, ms(sqlite.list[k]!), ms(postgres.list[k]!)])
  ]
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)))
  const line = (r: ReadonlyArray<string>) => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(" | ")} |`
  console.log([line(rows[0]!), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.slice(1).map(line)].join("\n"))
} finally {
  await pg.stop()
  rmSync(dir, { recursive: true, force: true })
}
