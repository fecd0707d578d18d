import { EvidenceStore, Rollout } from "@rollwise/rollout-engine"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Rollouts } from "@rollwise/api-contract"
import { GatesRoute } from "../src/index.ts"
import { byName, makeHandler } from "./helpers.ts"
import { scenarioSource } from "../src/testing.ts"

const plan = (approvalRequired: boolean) =>
  Rollout.planOf({
    strategy: "canary",
    steps: [
      { weight: 10, pauseSeconds: 60 },
      { weight: 50, pauseSeconds: 60 },
      { weight: 100, pauseSeconds: 0 }
    ],
    approval_required: approvalRequired
  })

const t0 = Date.parse("2026-11-29T10:00:00Z")

/** A store holding three recorded rollouts: one awaiting approval, one promoted, one rolled back. */
const seeded = Effect.gen(function* () {
  const store = yield* EvidenceStore.makeMemory
  const record = (id: string, service: string, events: ReadonlyArray<Rollout.Event>, result?: EvidenceStore.Result) =>
    Effect.gen(function* () {
      yield* store.create({ rolloutId: id, service, module: "api", version: "1.4.2", target: `simulated:${service}`, startedAt: t0, data: { setup: { target: "simulated" } } })
      let at = t0
      for (const event of events) yield* store.append(id, { type: event._tag, at: (at += 60_000), data: event })
      if (result !== undefined) yield* store.finish(id, result, (at += 1000))
    })
  yield* record("checkout-waiting", "checkout", [
    { _tag: "Started", plan: plan(true) },
    { _tag: "GatesPassed", reasons: ["change window open"] },
    { _tag: "StepApplied", index: 0 },
    { _tag: "Analyzed", index: 0, action: "promote", reasons: ["all metrics pass"] },
    { _tag: "StepApplied", index: 1 },
    { _tag: "Analyzed", index: 1, action: "promote", reasons: ["all metrics pass"] }
  ])
  yield* record("checkout-done", "checkout", [
    { _tag: "Started", plan: plan(false) },
    { _tag: "GatesPassed" },
    { _tag: "StepApplied", index: 0 },
    { _tag: "Analyzed", index: 0, action: "promote", reasons: [] },
    { _tag: "StepApplied", index: 1 },
    { _tag: "Analyzed", index: 1, action: "promote", reasons: [] },
    { _tag: "StepApplied", index: 2 },
    { _tag: "Promoted" }
  ], "promoted")
  yield* record("payments-bad", "payments", [
    { _tag: "Started", plan: plan(false) },
    { _tag: "GatesPassed" },
    { _tag: "StepApplied", index: 0 },
    { _tag: "Analyzed", index: 0, action: "rollback", reasons: ["latency +40 %"] },
    { _tag: "RolledBack" }
  ], "rolled_back")
  return store
})

describe("rollouts and evidence routes (in-memory evidence store)", () => {
  let api: Awaited<ReturnType<typeof makeHandler>>
  beforeAll(async () => {
    const store = await Effect.runPromise(seeded)
    api = await makeHandler({ publicUrl: "https://rollwise.example.com/" }, scenarioSource(byName), GatesRoute.OpaGateway.layerDisabled, Layer.succeed(EvidenceStore.EvidenceStore, store))
  })
  afterAll(() => api.close())

  it("lists the recorded rollouts, filtered by service and bounded by limit", async () => {
    const all = await api.fetch("/v1/rollouts")
    expect(all.status).toBe(200)
    const body = (await all.json()) as Rollouts.ListResponse
    expect(body.rollouts.map((r) => r.rolloutId).sort()).toEqual(["checkout-done", "checkout-waiting", "payments-bad"])
    expect(body.rollouts.find((r) => r.rolloutId === "payments-bad")).toMatchObject({ service: "payments", module: "api", version: "1.4.2", result: "rolled_back", startedAt: "2026-11-29T10:00:00.000Z" })
    const checkout = (await (await api.fetch("/v1/rollouts?service=checkout")).json()) as Rollouts.ListResponse
    expect(checkout.rollouts.map((r) => r.service)).toEqual(["checkout", "checkout"])
    const one = (await (await api.fetch("/v1/rollouts?limit=1")).json()) as Rollouts.ListResponse
    expect(one.rollouts).toHaveLength(1)
  })

  it("answers 400 naming the query parameter for a bad limit", async () => {
    for (const limit of ["0", "abc", "1001", "2.5"]) {
      const res = await api.fetch(`/v1/rollouts?limit=${limit}`)
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ _tag: "InputError", field: expect.stringContaining("limit") })
    }
  })

  it("shows where a rollout stands and its timeline", async () => {
    const res = await api.fetch("/v1/rollouts/checkout-waiting")
    expect(res.status).toBe(200)
    const body = (await res.json()) as Rollouts.Detail
    expect(body.standing).toEqual({ phase: "awaiting_approval", step: 2, steps: 3, percent: 50, approvalRequired: true, approved: false })
    expect(body.timeline.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6])
    expect(body.timeline[0]!.line).toBe("started: canary in 3 steps (10 → 50 → 100 %), approval before the full step")
    expect(body.timeline[4]!.line).toBe("step 2/3 applied: weight 50 %")
    expect(body.evidenceUrl).toBe("https://rollwise.example.com/v1/evidence/checkout-waiting")
    const done = (await (await api.fetch("/v1/rollouts/checkout-done")).json()) as Rollouts.Detail
    expect(done.standing).toMatchObject({ phase: "promoted", percent: 100 })
    expect(done.rollout.result).toBe("promoted")
  })

  it("answers 404 for an unknown rollout and 400 for an id that cannot be one", async () => {
    const missing = await api.fetch("/v1/rollouts/nope")
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ _tag: "NotFound", message: 'no rollout "nope" in the evidence store' })
    const bad = await api.fetch("/v1/rollouts/%20bad%20")
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ _tag: "InputError", field: "path.id" })
    expect((await api.fetch("/v1/evidence/nope")).status).toBe(404)
  })

  it("serves the whole evidence: the record and every event with its data", async () => {
    const res = await api.fetch("/v1/evidence/payments-bad")
    expect(res.status).toBe(200)
    const body = (await res.json()) as Rollouts.EvidenceDocument
    expect(body.rollout).toMatchObject({ rolloutId: "payments-bad", result: "rolled_back", startedAt: t0, data: { setup: { target: "simulated" } } })
    expect(body.events.map((e) => e.type)).toEqual(["Started", "GatesPassed", "StepApplied", "Analyzed", "RolledBack"])
    expect(body.events[3]!.data).toEqual({ _tag: "Analyzed", index: 0, action: "rollback", reasons: ["latency +40 %"] })
  })

  it("records an approval, then says it is already approved", async () => {
    const first = await api.post("/v1/rollouts/checkout-waiting/promote", { by: "alice" })
    expect(first.status).toBe(200)
    // the driving process applies the full step when it sees the approval
    expect(await first.json()).toMatchObject({ rolloutId: "checkout-waiting", outcome: "recorded", phase: "awaiting_approval" })
    const again = await api.post("/v1/rollouts/checkout-waiting/promote", {})
    expect(again.status).toBe(200)
    expect(await again.json()).toMatchObject({ outcome: "already" })
    const detail = (await (await api.fetch("/v1/rollouts/checkout-waiting")).json()) as Rollouts.Detail
    expect(detail.timeline.at(-1)).toMatchObject({ type: "Approved", line: "approved by alice" })
    expect(detail.standing).toMatchObject({ approved: true, percent: 50 })
  })

  it("refuses with 409 what the recorded state refuses, naming the state", async () => {
    const promoteRolledBack = await api.post("/v1/rollouts/payments-bad/promote", {})
    expect(promoteRolledBack.status).toBe(409)
    expect(await promoteRolledBack.json()).toMatchObject({ _tag: "Refused", reason: "RolledBack" })
    const rollbackPromoted = await api.post("/v1/rollouts/checkout-done/rollback", { reason: "too late" })
    expect(rollbackPromoted.status).toBe(409)
    expect(await rollbackPromoted.json()).toMatchObject({ _tag: "Refused", reason: "Promoted" })
    const approveUnasked = await api.post("/v1/rollouts/checkout-done/promote", {})
    expect(approveUnasked.status).toBe(200)
    expect(await approveUnasked.json()).toMatchObject({ outcome: "already", phase: "promoted" })
  })

  it("records an operator rollback with who and why; a second one is a no-op", async () => {
    const store = await Effect.runPromise(seeded)
    const local = await makeHandler({}, scenarioSource(byName), GatesRoute.OpaGateway.layerDisabled, Layer.succeed(EvidenceStore.EvidenceStore, store))
    try {
      const res = await local.post("/v1/rollouts/checkout-waiting/rollback", { by: "bob", reason: "pager went off" })
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ outcome: "recorded", phase: "rolling_back" })
      const again = await local.post("/v1/rollouts/checkout-waiting/rollback", {})
      expect(await again.json()).toMatchObject({ outcome: "already" })
      const { events } = await Effect.runPromise(store.get("checkout-waiting"))
      expect(events.at(-1)!.data).toEqual({ _tag: "OperatorRollback", by: "bob", reason: "pager went off" })
      expect(events.filter((e) => e.type === "OperatorRollback")).toHaveLength(1)
    } finally {
      await local.close()
    }
  })

  it("answers 400 naming the field for a bad action body, 404 for an unknown rollout", async () => {
    const extra = await api.post("/v1/rollouts/checkout-waiting/rollback", { reason: "x", force: true })
    expect(extra.status).toBe(400)
    expect(await extra.json()).toMatchObject({ field: "force" })
    const empty = await api.post("/v1/rollouts/checkout-waiting/rollback", { reason: "" })
    expect(empty.status).toBe(400)
    expect(await empty.json()).toMatchObject({ field: "reason" })
    expect((await api.post("/v1/rollouts/nope/promote", {})).status).toBe(404)
  })

  it("refuses control characters and newlines in by and reason (400 naming the field): they would print raw in a timeline", async () => {
    for (const [path, body, field] of [
      ["promote", { by: "alice\n#99  PROMOTED" }, "by"],
      ["promote", { by: "\u001b[2J\u001b[Halice" }, "by"],
      ["rollback", { reason: "pager\r\n#99 2026-11-29 PROMOTED" }, "reason"],
      ["rollback", { by: "bob", reason: "bell\u0007" }, "reason"],
      ["rollback", { by: "bob\u009b31m" }, "by"],
      ["rollback", { reason: "x".repeat(2001) }, "reason"],
      ["promote", { by: "b".repeat(201) }, "by"]
    ] as const) {
      const res = await api.post(`/v1/rollouts/checkout-waiting/${path}`, body)
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ field })
    }
    // ordinary names and reasons, accents and emoji included, still pass (on rollouts that ended: nothing changes)
    expect((await api.post("/v1/rollouts/payments-bad/rollback", { by: "Zoë O'Brien", reason: "pager: checkout 5xx 🔥 — see INC-42" })).status).toBe(200)
    expect((await api.post("/v1/rollouts/checkout-done/promote", { by: "Zoë O'Brien" })).status).toBe(200)
  })
})

describe("rollouts routes without an evidence store", () => {
  it("answer 503 saying how to configure one", async () => {
    const api = await makeHandler()
    try {
      for (const res of [await api.fetch("/v1/rollouts"), await api.fetch("/v1/rollouts/x"), await api.fetch("/v1/evidence/x"), await api.post("/v1/rollouts/x/promote", {})]) {
        expect(res.status).toBe(503)
        expect(((await res.json()) as { message: string }).message).toContain("rollwise serve --db PATH")
      }
    } finally {
      await api.close()
    }
  })
})
