import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { EvidencePostgres } from "@rollwise/evidence-postgres"
import { type RunningPostgres, startPostgres } from "@rollwise/postgres-harness"
import type { EvidenceStore } from "@rollwise/rollout-engine"
import { Effect } from "effect"
import { parse } from "yaml"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

/**
 * Three `rollwise serve` processes (the built CLI) on one real PostgreSQL:
 * a rollout started on one replica, that replica SIGKILLed mid-rollout,
 * another one takes it over once its lease expires (30 s, by the database's
 * clock) and finishes it, once. Build the CLI first (`npx nx run cli:build`).
 */
const bin = fileURLToPath(new URL("../../../apps/cli/bin/rollwise.js", import.meta.url))
const example = (name: string) => readFileSync(new URL(`../../../examples/${name}`, import.meta.url), "utf8")
const decision = JSON.parse(example("strategy.json")) as Record<string, unknown>
const slo = parse(example("slo.yaml")) as Record<string, unknown>
const password = "replica-s3cret"

interface Replica {
  readonly name: string
  readonly child: ChildProcess
  readonly port: number
  readonly pid: number
  readonly log: () => string
  readonly exited: Promise<unknown>
}

const replicas: Array<Replica> = []
let pg: RunningPostgres
let url: string

/** Start `rollwise serve --drive simulated` on a free port with the database from `--db` or the environment; resolves once it listens. */
const startReplica = (name: string, via: "flag" | "env"): Promise<Replica> =>
  new Promise((resolve, reject) => {
    const args = [bin, "serve", "--port", "0", "--drive", "simulated", ...(via === "flag" ? ["--db", url] : [])]
    const child = spawn(process.execPath, args, { env: { ...process.env, ROLLWISE_API_TOKEN: "", ...(via === "env" ? { ROLLWISE_EVIDENCE_DB: url } : {}) }, stdio: ["ignore", "pipe", "pipe"] })
    let log = ""
    const exited = new Promise((r) => child.on("exit", r))
    child.stdout!.on("data", (d: Buffer) => (log += d.toString()))
    child.stderr!.on("data", (d: Buffer) => {
      log += d.toString()
      const m = /"listening".*?127\.0\.0\.1:(\d+)/.exec(log)
      if (m !== null) resolve({ name, child, port: Number(m[1]), pid: child.pid!, log: () => log, exited })
    })
    child.on("exit", (code) => reject(new Error(`${name} exited (${code}) before listening: ${log}`)))
  })

const call = async (r: Replica, path: string, body?: unknown) => {
  const res = await fetch(`http://127.0.0.1:${r.port}${path}`, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

const until = async <A>(read: () => Promise<A>, done: (a: A) => boolean, timeoutMs: number, what: string): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** The events a replica logged recording for a rollout (its JSON log lines `rollout event`). */
const eventsLogged = (r: Replica, rolloutId: string): ReadonlyArray<string> =>
  r
    .log()
    .split("\n")
    .flatMap((line) => {
      try {
        const entry = JSON.parse(line) as { msg?: unknown; rollout?: unknown; event?: unknown }
        return entry.msg === "rollout event" && entry.rollout === rolloutId ? [String(entry.event)] : []
      } catch {
        return []
      }
    })

/** Read the rollout's record and lease straight from the database. */
const record = (rolloutId: string) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const store = yield* EvidencePostgres.make({ url })
        return { ...(yield* store.get(rolloutId)), lease: yield* store.leases!.current(rolloutId) }
      })
    )
  )

describe("three rollwise serve replicas on one PostgreSQL (real PostgreSQL, built CLI)", () => {
  beforeAll(async () => {
    if (!existsSync(fileURLToPath(new URL("../../../apps/cli/dist/cli.js", import.meta.url)))) throw new Error("build the CLI first: npx nx run cli:build")
    pg = await startPostgres({ password })
    url = await pg.createDatabase("replicas")
    // one by --db, two by ROLLWISE_EVIDENCE_DB; all three migrate the new database at once
    replicas.push(...(await Promise.all([startReplica("a", "flag"), startReplica("b", "env"), startReplica("c", "env")])))
  }, 120_000)

  afterAll(async () => {
    for (const r of replicas) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill("SIGTERM")
    await Promise.all(replicas.map((r) => r.exited))
    await pg?.stop()
  }, 60_000)

  it("the owner is SIGKILLed mid-rollout; another replica takes it over after its lease expires and finishes it once, every event kept", async () => {
    const [a, b, c] = replicas as [Replica, Replica, Replica]
    // every replica logs where its evidence is, without the password
    for (const r of replicas) expect(r.log()).toContain(`postgres://***@127.0.0.1:${pg.port}/replicas`)

    // started on a: approval before the full step holds it mid-rollout (50 %) for as long as the test needs
    const started = await call(a, "/v1/rollouts", {
      decision: { ...decision, approval_required: true },
      slo,
      target: { kind: "simulated", scenario: "healthy", speed: 1000, seed: 7 },
      rolloutId: "replicated-1",
      version: "2.5.0"
    })
    expect(started.status).toBe(202)
    // any replica answers for it: the record is in the shared database
    const waiting = await until(
      () => call(b, "/v1/rollouts/replicated-1"),
      (r) => (r.body["standing"] as { phase?: string } | undefined)?.phase === "awaiting_approval",
      60_000,
      "awaiting_approval on replica b"
    )
    expect(waiting.body["standing"]).toMatchObject({ phase: "awaiting_approval", percent: 50 })
    const before = await record("replicated-1")
    expect(before.lease).toMatchObject({ token: 1, holder: { pid: a.pid, kind: "server" }, released: false })

    // a dies without a word: no release, no last append
    a.child.kill("SIGKILL")
    await a.exited
    // an operator approves through another replica while nobody drives: operators are never fenced
    expect((await call(c, "/v1/rollouts/replicated-1/promote", { by: "release-manager" })).status).toBe(200)

    // b or c takes over once a's lease runs out (30 s), and drives it to the end
    const done = await until(() => record("replicated-1"), (r) => r.rollout.result !== undefined, 150_000, "the rollout to end on a surviving replica")
    const taker = replicas.find((r) => r.pid === done.lease?.holder.pid)
    expect([b.pid, c.pid]).toContain(taker?.pid)
    expect(taker!.log()).toContain("taking over a rollout whose driver's lease expired")

    const events: ReadonlyArray<EvidenceStore.Event> = done.events
    // every event kept, in one gap-free sequence
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
    const types = events.map((e) => e.type)
    expect(types.filter((t) => t === "Started")).toHaveLength(1)
    expect(types.filter((t) => t === "Approved")).toHaveLength(1)
    expect(types.filter((t) => t === "Promoted")).toHaveLength(1)
    // each step applied once, in order: 10, 25 and 50 % by a, 100 % by the taker
    expect(events.filter((e) => e.type === "StepApplied").map((e) => (e.data as { index: number }).index)).toEqual([0, 1, 2, 3])
    expect(done.rollout).toMatchObject({ rolloutId: "replicated-1", result: "promoted", version: "2.5.0" })
    // one takeover: the lease's token went from a's 1 to the taker's 2, and the taker released it at the end
    expect(done.lease).toMatchObject({ token: 2, released: true })
    // the survivors agree, and the one that did not take it over recorded nothing for it (had it looked at the
    // same moment, the database gave the lease to one of them and the other stopped, refused, before any event)
    const other = taker === b ? c : b
    expect(eventsLogged(taker!, "replicated-1").length).toBeGreaterThan(0)
    expect(eventsLogged(other, "replicated-1")).toEqual([])
    expect((await call(other, "/v1/rollouts/replicated-1")).body["standing"]).toMatchObject({ phase: "promoted", percent: 100 })
    for (const r of replicas) expect(r.log()).not.toContain(password)
  }, 240_000)
})
