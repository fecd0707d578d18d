import { ChangeSet, Decision, Heuristic, RiskPolicy } from "@rollwise/risk-core"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { json, makeHandler } from "./helpers.ts"

const changes = json<Record<string, unknown>>("changes.json")
const decideDirectly = (input: unknown, target: Decision.TargetKind, policy: unknown = undefined) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const cs = yield* ChangeSet.decode(input)
      const p = policy === undefined ? RiskPolicy.defaultPolicy : yield* RiskPolicy.decode(policy)
      return Heuristic.decide(cs, p, target)
    })
  )

describe("POST /v1/risk", () => {
  let h: Awaited<ReturnType<typeof makeHandler>>
  beforeAll(async () => {
    h = await makeHandler()
  })
  afterAll(() => h.close())

  it.each(["k8s", "windows", "arm"] as const)("answers the Decision risk-core gives for target %s", async (target) => {
    const r = await h.post("/v1/risk", { changes, target })
    expect(r.status).toBe(200)
    expect(await r.json()).toEqual(await decideDirectly(changes, target))
  })

  it("defaults to k8s and fills the ChangeSet's defaults", async () => {
    const minimal = { service: "checkout", linesAdded: 12, linesDeleted: 3, filesChanged: 2 }
    const r = await h.post("/v1/risk", { changes: minimal })
    expect(await r.json()).toEqual(await decideDirectly(minimal, "k8s"))
  })

  it("merges a policy over the default, as `rollwise decide --policy` does", async () => {
    const policy = { thresholds: { approval: 10, canary: 5 }, weights: { linesAdded: { weight: 60 } } }
    const r = await h.post("/v1/risk", { changes, policy })
    const decision = (await r.json()) as Decision.Decision
    expect(decision).toEqual(await decideDirectly(changes, "k8s", policy))
    expect(decision.approval_required).toBe(true)
  })

  it.each([
    [{ changes: { ...changes, linesAdded: -1 } }, "changes.linesAdded"],
    [{ changes: { ...changes, linesAdded: 1.5 } }, "changes.linesAdded"],
    [{ changes: { ...changes, colour: "red" } }, "changes.colour"],
    [{ changes: { ...changes, moduleHistory: { deploys: 1, failures: 2 } } }, "changes.moduleHistory"],
    [{ changes: { ...changes, deployTime: "yesterday" } }, "changes.deployTime"],
    [{ changes: { ...changes, dependencyBumps: [{ name: "x", from: "1" }] } }, "changes.dependencyBumps[0].to"],
    [{ changes, target: "mainframe" }, "target"],
    [{ changes, policy: { weights: { vibes: { weight: 1 } } } }, "policy.weights.vibes"],
    [{ changes, policy: { thresholds: { canary: 90, bluegreen: 10 } } }, "policy.thresholds"],
    [{ changes, policy: [1] }, "policy"],
    [{ target: "k8s" }, "changes"],
    [{ changes, extra: 1 }, "extra"],
    // found by the fuzz test: weights so large the contributions overflow
    [{ changes, policy: { weights: { linesAdded: { weight: 1e308 }, filesChanged: { weight: 1e308 } } } }, "policy.weights.linesAdded.weight"]
  ])("answers 400 naming the field: %#", async (body, field) => {
    const r = await h.post("/v1/risk", body)
    expect(r.status).toBe(400)
    const error = (await r.json()) as { _tag: string; field: string; message: string }
    expect(error._tag).toBe("InputError")
    expect(error.field).toBe(field)
    expect(error.message).toContain(field.split(".").at(-1)!.replace(/\[\d+\]$/, ""))
  })
})
