import { EvidenceStore } from "@rollwise/rollout-engine"
import { Effect } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { EvidencePostgres } from "../src/index.ts"
import { postgresPerFile } from "./fixtures/pg.ts"

const pg = postgresPerFile()

const rollout = (rolloutId: string): EvidenceStore.NewRollout => ({ rolloutId, service: "checkout", target: "k8s:checkout", startedAt: 1 })

/** One writer: its own store (its own pool of one connection), appending `count` events `{ writer, i }`; with `expected`, it passes the last seq it saw and retries on Conflict. */
const writer = (s: EvidencePostgres.Service, rolloutId: string, name: string, count: number, expected: boolean) =>
  Effect.gen(function* () {
    let conflicts = 0
    for (let i = 0; i < count; i++) {
      if (!expected) {
        yield* s.append(rolloutId, { type: "w", at: i, data: { writer: name, i } })
        continue
      }
      for (;;) {
        const last = (yield* s.get(rolloutId)).events.at(-1)?.seq ?? 0
        const done = yield* s.append(rolloutId, { type: "w", at: i, data: { writer: name, i } }, last).pipe(
          Effect.as(true),
          Effect.catchIf(
            (e) => e.reason === "Conflict",
            () => Effect.sync(() => (conflicts++, false))
          )
        )
        if (done) break
      }
    }
    return conflicts
  })

/** Open `n` stores on `url` (each one connection), run `f` with them, close them. */
const withStores = <A, E>(url: string, n: number, f: (stores: ReadonlyArray<EvidencePostgres.Service>) => Effect.Effect<A, E>) =>
  Effect.runPromise(
    Effect.scoped(Effect.flatMap(Effect.all(Array.from({ length: n }, () => EvidencePostgres.make({ url, maxConnections: 1 }))), f))
  )

const check = (events: ReadonlyArray<EvidenceStore.Event>, writers: ReadonlyArray<string>, count: number) => {
  // seq 1..total, no gap, no duplicate
  expect(events.map((e) => e.seq)).toEqual(Array.from({ length: writers.length * count }, (_, i) => i + 1))
  // every writer's events, each once, in the order it wrote them
  for (const w of writers) {
    expect(events.filter((e) => (e.data as { writer: string }).writer === w).map((e) => (e.data as { i: number }).i)).toEqual(Array.from({ length: count }, (_, i) => i))
  }
}

describe("concurrent writers on separate connections (real PostgreSQL)", () => {
  it("sixteen connections appending 40 events each to one rollout (half blind, half with expectedSeq and retries) leave seq 1..640, each event once", async () => {
    const url = await pg.fresh()
    const names = Array.from({ length: 16 }, (_, i) => `w${i}`)
    const { events, conflicts } = await withStores(url, names.length, (stores) =>
      Effect.gen(function* () {
        yield* stores[0]!.create(rollout("shared"))
        const conflicts = yield* Effect.all(
          stores.map((s, i) => writer(s, "shared", names[i]!, 40, i % 2 === 1)),
          { concurrency: "unbounded" }
        )
        return { events: (yield* stores[0]!.get("shared")).events, conflicts }
      })
    )
    check(events, names, 40)
    // the expectedSeq writers did race (a Conflict is how they learn), and still lost nothing
    expect(conflicts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
  }, 180_000)

  it("any number of writers over several rollouts: every rollout's seq is 1..n without gaps (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 15 }),
        async (writers, rollouts, count) => {
          const url = await pg.fresh()
          const ids = Array.from({ length: rollouts }, (_, i) => `r${i}`)
          const names = Array.from({ length: writers }, (_, i) => `w${i}`)
          const got = await withStores(url, writers, (stores) =>
            Effect.gen(function* () {
              for (const id of ids) yield* stores[0]!.create(rollout(id))
              yield* Effect.all(
                stores.flatMap((s, w) => ids.map((id) => writer(s, id, names[w]!, count, (w + id.length) % 2 === 0))),
                { concurrency: "unbounded" }
              )
              return yield* Effect.all(ids.map((id) => stores[writers - 1]!.get(id)))
            })
          )
          for (const { events } of got) check(events, names, count)
        }
      ),
      { numRuns: 12 }
    )
  }, 300_000)

  it("two connections creating the same rollout at once: one wins, the other is a Conflict", async () => {
    const url = await pg.fresh()
    const results = await withStores(url, 6, (stores) =>
      Effect.all(
        stores.map((s, i) => Effect.result(s.create({ ...rollout("once"), data: { by: i } }))),
        { concurrency: "unbounded" }
      )
    )
    expect(results.filter((r) => r._tag === "Success")).toHaveLength(1)
    expect(results.filter((r) => r._tag === "Failure").map((r) => (r._tag === "Failure" ? r.failure.reason : ""))).toEqual(Array(5).fill("Conflict"))
  }, 60_000)
})
