import { EvidenceStore } from "@rollwise/rollout-engine"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { SqliteEvidenceStore } from "../src/index.ts"
import { tempFolder } from "./fixtures/temp.ts"

const temp = tempFolder()
const libRoot = fileURLToPath(new URL("..", import.meta.url))
const writerScript = fileURLToPath(new URL("./fixtures/writer.ts", import.meta.url))

interface Summary {
  readonly writer: string
  readonly mode: "plain" | "expected"
  readonly count: number
  readonly conflicts: number
}

/**
 * Start writer processes (test/fixtures/writer.ts under tsx, resolving the
 * workspace libs from source), wait until every one has opened the store,
 * release them together, and collect how each ended.
 */
const runWriters = async (path: string, rolloutId: string, writers: ReadonlyArray<{ readonly name: string; readonly mode: "plain" | "expected"; readonly then?: "kill" }>, count: number) => {
  const children = writers.map((w) => {
    const child = spawn(
      process.execPath,
      ["--conditions=@rollwise/source", "--import", "tsx", writerScript, path, rolloutId, w.name, String(count), w.mode, ...(w.then === undefined ? [] : [w.then])],
      { cwd: libRoot, stdio: ["pipe", "pipe", "pipe"] }
    )
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    const lines = createInterface({ input: child.stdout })
    const output: Array<string> = []
    const ready = new Promise<void>((resolve) => lines.on("line", (line) => (line === "ready" ? resolve() : output.push(line))))
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })))
    return { child, ready, exited, output, stderr: () => stderr }
  })
  await Promise.race([Promise.all(children.map((c) => c.ready)), Promise.all(children.map((c) => c.exited)).then(() => undefined)])
  for (const c of children) c.child.stdin.end("go\n")
  return Promise.all(
    children.map(async (c) => {
      const { code, signal } = await c.exited
      return { code, signal, stderr: c.stderr(), summary: c.output.length > 0 ? (JSON.parse(c.output.at(-1)!) as Summary) : undefined }
    })
  )
}

const readBack = (path: string, rolloutId: string) =>
  Effect.runPromise(Effect.flatMap(EvidenceStore.EvidenceStore, (s) => s.get(rolloutId)).pipe(Effect.provide(SqliteEvidenceStore.layer({ path }))))

const createRollout = (path: string, rolloutId: string) =>
  Effect.runPromise(
    Effect.flatMap(EvidenceStore.EvidenceStore, (s) => s.create({ rolloutId, service: "checkout", target: "k8s:checkout", startedAt: 1 })).pipe(
      Effect.provide(SqliteEvidenceStore.layer({ path }))
    )
  )

/** Every writer's `i`s in the order of their sequence numbers. */
const byWriter = (events: ReadonlyArray<EvidenceStore.Event>) => {
  const seen = new Map<string, Array<number>>()
  for (const e of events) {
    const { writer, i } = e.data as { writer: string; i: number }
    seen.set(writer, [...(seen.get(writer) ?? []), i])
  }
  return Object.fromEntries([...seen].sort(([a], [b]) => (a < b ? -1 : 1)))
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from)

describe("concurrent writers in separate processes", () => {
  it("four processes appending to one rollout (two blind, two with expectedSeq and retries; two SIGKILLed after their last append) lose nothing and leave seq 1..total", async () => {
    const path = temp.fresh()
    const count = 50
    await createRollout(path, "shared")
    const writers = [
      { name: "w1", mode: "plain" as const },
      { name: "w2", mode: "plain" as const, then: "kill" as const },
      { name: "w3", mode: "expected" as const },
      { name: "w4", mode: "expected" as const, then: "kill" as const }
    ]
    const results = await runWriters(path, "shared", writers, count)
    results.forEach((r, i) => expect(r, r.stderr).toMatchObject(writers[i]!.then === "kill" ? { code: null, signal: "SIGKILL" } : { code: 0, signal: null }))
    const conflicts = results.map((r) => r.summary?.conflicts ?? 0).reduce((a, b) => a + b, 0)
    const { events } = await readBack(path, "shared")
    const switches = events.filter((e, i) => i > 0 && (e.data as { writer: string }).writer !== (events[i - 1]!.data as { writer: string }).writer).length
    console.info(`4 writers × ${count} appends: ${events.length} events, writer changed ${switches} times along the sequence, ${conflicts} stale expectedSeq appends retried by w3`)

    // the writers really overlapped (not one after another)
    expect(switches).toBeGreaterThan(writers.length - 1)
    expect(events.map((e) => e.seq)).toEqual(range(writers.length * count, 1))
    // each writer's events all there (the killed ones' too), once each, in the order it wrote them
    expect(byWriter(events)).toEqual({ w1: range(count), w2: range(count), w3: range(count), w4: range(count) })
  })
})
