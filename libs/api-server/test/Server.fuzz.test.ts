import { fc, test } from "@fast-check/vitest"
import { EvidenceStore, Rollout } from "@rollwise/rollout-engine"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect } from "vitest"
import { auth, json, ndjson, type Running, startServer } from "./helpers.ts"

/**
 * Property: whatever a client sends to a POST route — random JSON, a valid
 * body with one field mutated, removed or added, truncated JSON, raw text,
 * huge numbers, unicode, deep nesting — the server answers below 500 with a
 * JSON body, and keeps answering.
 */

const valid: Record<string, unknown> = {
  "/v1/risk": {
    changes: { ...json<Record<string, unknown>>("changes.json"), extra: { flakiness: 0.2 } },
    target: "arm",
    policy: { thresholds: { approval: 60 }, weights: { linesAdded: { weight: 20, cap: 1500 }, "extra.flakiness": { weight: 5, transform: "linear", cap: 1 } } }
  },
  "/v1/analyses": { slo: json("slo.json"), observations: ndjson("observations-healthy.ndjson").slice(0, 12) },
  "/v1/gates": { policy: json("policy.json"), decision: json("strategy.json"), at: "2026-12-05T10:00:00Z", approved: false },
  "/v1/argo/metric": { service: "healthy-checkout", namespace: "shop", canaryHash: "7d9f8c6b5", stableHash: "5c4b3a291", slo: "checkout" },
  "/v1/flagger/rollout": { name: "healthy-checkout", namespace: "shop", phase: "Progressing", checksum: "6d7f8c", metadata: { slo: "checkout" } },
  "/v1/flagger/confirm-promotion": { name: "healthy-checkout", namespace: "shop", phase: "WaitingPromotion", metadata: { slo: "checkout", canaryHash: "7d9f8c6b5" } },
  // what Kayenta's RemoteJudge posts
  "/judge": json("kayenta-judge-request.json"),
  "/v1/rollouts/checkout-1/promote": { by: "release-manager" },
  "/v1/rollouts/checkout-1/rollback": { by: "oncall", reason: "pager" }
}
const routes = Object.keys(valid)

type Path = ReadonlyArray<string | number>

/** Every path into a JSON value (objects' keys, arrays' indices), the root included. */
const pathsOf = (value: unknown, prefix: Path = []): Array<Path> => {
  const here: Array<Path> = [prefix]
  if (Array.isArray(value)) return here.concat(value.slice(0, 20).flatMap((v, i) => pathsOf(v, [...prefix, i])))
  if (typeof value === "object" && value !== null) return here.concat(Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k])))
  return here
}

type Mutation = { readonly kind: "set"; readonly value: unknown } | { readonly kind: "delete" } | { readonly kind: "add"; readonly key: string; readonly value: unknown }

/** A copy of `value` with one mutation at `path`. */
const mutate = (value: unknown, path: Path, mutation: Mutation): unknown => {
  if (path.length === 0) {
    if (mutation.kind === "set") return mutation.value
    if (mutation.kind === "add" && typeof value === "object" && value !== null && !Array.isArray(value)) return { ...value, [mutation.key]: mutation.value }
    return mutation.kind === "delete" ? undefined : value
  }
  const [head, ...rest] = path
  if (Array.isArray(value)) {
    const copy = [...value]
    if (rest.length === 0 && mutation.kind === "delete") copy.splice(head as number, 1)
    else copy[head as number] = mutate(copy[head as number], rest, mutation)
    return copy
  }
  const record = { ...(value as Record<string, unknown>) }
  if (rest.length === 0 && mutation.kind === "delete") delete record[head as string]
  else record[head as string] = mutate(record[head as string], rest, mutation)
  return record
}

const nested = (depth: number, leaf: unknown): unknown => (depth === 0 ? leaf : depth % 2 === 0 ? [nested(depth - 1, leaf)] : { a: nested(depth - 1, leaf) })

/** Values that break naive code: wrong types, extremes, unicode, nesting. */
const weird: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(0, -0, -1, 1.5, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 2 ** 53 * 1e10, "", " ", "0", "NaN", "Infinity", "-1", null, true, false, [], {}),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.array(fc.double(), { maxLength: 50 }),
  fc.array(fc.constantFrom(1e308, -1e308, 0, null, 1e-300), { minLength: 1, maxLength: 400 }),
  fc.integer({ min: 1, max: 200 }).map((d) => nested(d, 1)),
  fc.string({ maxLength: 20 }).map((s) => s.repeat(500)),
  // tied and adversarial value arrays (issue #16): alternating 0/1, all equal, a few distinct values
  fc.integer({ min: 2, max: 5000 }).map((n) => Array.from({ length: n }, (_, i) => i % 2)),
  fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 1, max: 5000 })).map(([v, n]) => Array.from({ length: n }, () => v)),
  fc.tuple(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 10, max: 5000 })).map(([values, n]) =>
    Array.from({ length: n }, (_, i) => values[(i * 7) % values.length]!)
  )
)

/** Finite numbers at the edges: overflow in sums, products and logs. */
const extreme: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(1e308, -1e308, 1.7976931348623157e308, 5e-324, -5e-324, 1e15, 1e15 + 1, -1e15, 2 ** 53, 2 ** 53 + 2, -0, 1e300, -1e300, 0),
  fc.double({ noNaN: true, noDefaultInfinity: true })
)

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: weird.map((value) => ({ kind: "set" as const, value })) },
  { weight: 2, arbitrary: fc.constant({ kind: "delete" as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("add" as const), key: fc.string({ maxLength: 10 }), value: weird }) }
)

/** A body as text, for one route. */
const bodies = (route: string): fc.Arbitrary<string> => {
  const base = valid[route]
  const paths = pathsOf(base)
  const numeric = paths.filter((p) => typeof p.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], base) === "number")
  const text = JSON.stringify(base)
  const extremes: Array<fc.WeightedArbitrary<string>> =
    numeric.length === 0
      ? []
      : [
          {
            // numbers made extreme (overflow hunting)
            weight: 3,
            arbitrary: fc
              .tuple(fc.integer({ min: 0, max: numeric.length - 1 }), fc.integer({ min: 0, max: numeric.length - 1 }), extreme, extreme)
              .map(([i, j, x, y]) => JSON.stringify(mutate(mutate(base, numeric[i]!, { kind: "set", value: x }), numeric[j]!, { kind: "set", value: y })))
          }
        ]
  return fc.oneof(
    ...extremes,
    // one field mutated, removed or added
    { weight: 6, arbitrary: fc.tuple(fc.integer({ min: 0, max: paths.length - 1 }), mutation).map(([i, m]) => JSON.stringify(mutate(base, paths[i]!, m)) ?? "") },
    // two mutations at once
    { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: paths.length - 1 }), mutation, fc.integer({ min: 0, max: paths.length - 1 }), mutation).map(([i, m, j, n]) => JSON.stringify(mutate(mutate(base, paths[i]!, m), paths[j]!, n)) ?? "") },
    // random JSON of any shape
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)) },
    // truncated valid JSON
    { weight: 2, arbitrary: fc.integer({ min: 0, max: text.length - 1 }).map((n) => text.slice(0, n)) },
    // the valid text with numbers made huge or bare words
    { weight: 1, arbitrary: fc.constantFrom("1e999", "-1e999", "123456789012345678901234567890", "0.000000000000000000000000000001e-400", "NaN", "Infinity").map((n) => text.replace(/(?<=[:,[])-?\d+(\.\d+)?(e-?\d+)?/g, n)) },
    // raw text and bytes
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
    // deep nesting around and inside the body
    { weight: 1, arbitrary: fc.integer({ min: 50, max: 20_000 }).map((d) => `${"[".repeat(d)}${text}${"]".repeat(d)}`) },
    { weight: 1, arbitrary: fc.integer({ min: 50, max: 20_000 }).map((d) => `{"changes":${"{\"a\":".repeat(d)}1${"}".repeat(d)}}`) }
  )
}

describe("fuzzing every POST route", () => {
  let server: Running
  beforeAll(async () => {
    // a rollout awaiting approval, so the operator routes have something to act on
    const store = await Effect.runPromise(
      Effect.gen(function* () {
        const s = yield* EvidenceStore.makeMemory
        yield* s.create({ rolloutId: "checkout-1", service: "checkout", target: "simulated:checkout", startedAt: 0 })
        const plan = Rollout.planOf({ strategy: "canary", steps: [{ weight: 10, pauseSeconds: 60 }, { weight: 100, pauseSeconds: 0 }], approval_required: true })
        const events: ReadonlyArray<Rollout.Event> = [{ _tag: "Started", plan }, { _tag: "GatesPassed" }, { _tag: "StepApplied", index: 0 }, { _tag: "Analyzed", index: 0, action: "promote", reasons: [] }]
        for (const [i, e] of events.entries()) yield* s.append("checkout-1", { type: e._tag, at: i, data: e })
        return s
      })
    )
    server = await startServer({ evidenceStore: Layer.succeed(EvidenceStore.EvidenceStore, store) })
  })
  afterAll(() => server.close())

  const seen = new Map<number, number>()
  const post = async (route: string, body: string) => {
    const r = await server.fetch(route, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body })
    seen.set(r.status, (seen.get(r.status) ?? 0) + 1)
    const text = await r.text()
    // on a 5xx, show the defect the server logged
    const defect = r.status >= 500 ? (server.lines.filter((l) => l.includes('"level":"ERROR"')).at(-1) ?? "").slice(0, 2000) : ""
    expect(r.status, `${route} ${body.slice(0, 300)} → ${text.slice(0, 300)} ${defect}`).toBeLessThan(500)
    expect(r.headers.get("content-type")).toContain("application/json")
    expect(() => JSON.parse(text)).not.toThrow()
  }
  const numRuns = Number(process.env["ROLLWISE_FUZZ_RUNS"] ?? 1200)

  test.prop([fc.constantFrom(...routes).chain((route) => bodies(route).map((body) => ({ route, body })))], { numRuns })(
    "never answers 5xx to a body made for the route, always JSON",
    ({ route, body }) => post(route, body),
    // 1,200 requests against a real server: generous for a loaded CI machine (it asserts answers, not speed)
    180_000
  )

  test.prop([fc.constantFrom(...routes).chain(bodies)], { numRuns: Math.ceil(numRuns / 8) })(
    "nor to a body made for another route",
    async (body) => {
      for (const route of routes) await post(route, body)
    },
    180_000
  )

  test("still serves valid requests afterwards; the fuzz got 200s, 400s and 409s (Flagger's halt, a refused operator action), nothing else", async () => {
    for (const route of routes) {
      const r = await server.fetch(route, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(valid[route]) })
      // once a fuzzed rollback landed, a promote is refused: the recorded state speaks
      expect(route.endsWith("/promote") ? [200, 409] : [200], route).toContain(r.status)
    }
    expect((await server.fetch("/healthz")).status).toBe(200)
    expect(seen.get(400) ?? 0).toBeGreaterThan(numRuns / 2)
    expect(seen.get(200) ?? 0).toBeGreaterThan(numRuns / 50)
    // 409 is a Flagger hook's deliberate "halt" (a regressing or undecided canary) or a refused operator action, never a fault
    for (const status of seen.keys()) expect([200, 400, 409]).toContain(status)
  })
})
