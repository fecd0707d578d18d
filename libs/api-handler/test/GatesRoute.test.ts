import { Decision } from "@rollwise/risk-core"
import { Gates as SloGates } from "@rollwise/slo-policy"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Gates } from "@rollwise/api-contract"
import { GatesRoute } from "../src/index.ts"
import { json, makeHandler } from "./helpers.ts"

const policy = json<Record<string, unknown>>("policy.json")
const decision = json<Decision.Decision>("strategy.json")

/** What `rollwise gate --policy policy.yaml --decision strategy.json --at <at>` decides, straight from slo-policy. */
const direct = async (at: string, approved = false, riskScore = decision.risk_score) => {
  const p = await Effect.runPromise(SloGates.decodePolicy(policy))
  const epochMs = Date.parse(at)
  return { ...SloGates.combine(SloGates.evaluateLocal(p, { epochMs, riskScore, approved })), at: new Date(epochMs).toISOString() }
}

describe("POST /v1/gates", () => {
  let h: Awaited<ReturnType<typeof makeHandler>>
  beforeAll(async () => {
    h = await makeHandler()
  })
  afterAll(() => h.close())

  it.each([
    ["2026-12-01T08:30:00Z", "pass"],
    ["2026-12-05T10:00:00Z", "block"],
    ["2026-12-24T10:00:00Z", "block"]
  ])("at %s answers what slo-policy's gates decide (%s)", async (at, status) => {
    const r = await h.post("/v1/gates", { policy, decision, at })
    expect(r.status).toBe(200)
    const answer = await r.json()
    expect(answer).toEqual(await direct(at))
    expect((answer as Gates.Response).status).toBe(status)
  })

  it("passes the approval gate above the threshold only when approved", async () => {
    const risky = { ...decision, risk_score: 85 }
    const at = "2026-12-01T08:30:00Z"
    const blocked = (await (await h.post("/v1/gates", { policy, decision: risky, at })).json()) as Gates.Response
    const approved = (await (await h.post("/v1/gates", { policy, decision: risky, at, approved: true })).json()) as Gates.Response
    expect(blocked).toEqual(await direct(at, false, 85))
    expect(approved).toEqual(await direct(at, true, 85))
    expect([blocked.status, approved.status]).toEqual(["block", "pass"])
  })

  it("checks now when no time is given", async () => {
    const before = Date.now()
    const answer = (await (await h.post("/v1/gates", { policy: { apiVersion: "rollwise/v1", kind: "GatePolicy" }, decision })).json()) as Gates.Response
    expect(Date.parse(answer.at)).toBeGreaterThanOrEqual(before - 1000)
    expect(answer).toMatchObject({ status: "pass", gates: [] })
  })

  it.each([
    [{ policy, decision, at: "next tuesday" }, "at"],
    [{ policy: { ...policy, changeWindow: { timeZone: "Mars/Olympus" } }, decision }, "policy.changeWindow.timeZone"],
    [{ policy: { ...policy, approval: { threshold: 101 } }, decision }, "policy.approval.threshold"],
    [{ policy: { ...policy, kind: "SloSpec" }, decision }, "policy.kind"],
    [{ policy, decision: { ...decision, strategy: "yolo" } }, "decision.strategy"],
    [{ policy, decision, approved: "yes" }, "approved"],
    [{ policy: { ...policy, opa: { url: "http://169.254.169.254", path: "rollwise/allow" } }, decision }, "policy.opa"]
  ])("answers 400 naming the field: %#", async (body, field) => {
    const r = await h.post("/v1/gates", body)
    expect(r.status).toBe(400)
    expect(await r.json()).toMatchObject({ _tag: "InputError", field })
  })

  it("asks OPA through the gateway the server was given, with the input rollwise gate sends", async () => {
    const asked: Array<unknown> = []
    const gateway = Layer.succeed(
      GatesRoute.OpaGateway,
      GatesRoute.OpaGateway.of({
        ask: (opa, input) =>
          Effect.sync(() => {
            asked.push({ opa, input })
            return { gate: "opa" as const, status: "block" as const, reasons: ["OPA says no"] }
          })
      })
    )
    const withOpa = await makeHandler({}, undefined, gateway)
    const opa = { url: "http://opa:8181", path: "rollwise/allow" }
    const at = "2026-12-01T08:30:00Z"
    const answer = (await (await withOpa.post("/v1/gates", { policy: { ...policy, opa }, decision, at })).json()) as Gates.Response
    await withOpa.close()
    expect(answer.status).toBe("block")
    expect(answer.gates.at(-1)).toEqual({ gate: "opa", status: "block", reasons: ["OPA says no"] })
    expect(asked).toEqual([{ opa, input: { decision, at: "2026-12-01T08:30:00.000Z", errorBudget: { remaining: expect.any(Number) } } }])
  })
})
