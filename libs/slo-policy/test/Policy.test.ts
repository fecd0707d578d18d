import { fc, test } from "@fast-check/vitest"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Policy, SloSpec, Verdict } from "../src/index.ts"

const spec = Effect.runSync(
  SloSpec.decode({
    apiVersion: "rollwise/v1",
    kind: "SloSpec",
    service: "s",
    window: "1m",
    maxWindows: 8,
    promoteAfter: 3,
    metrics: [
      { name: "latency", kind: "continuous", threshold: 1 },
      { name: "errors", kind: "ratio", threshold: 0.01, failAfter: 2 },
      { name: "restarts", kind: "counter", threshold: 0, critical: true }
    ]
  })
)
const names = spec.metrics.map((m) => m.name)
type St = Verdict.Status

/** Run windows until a decisive action (or the end); return the final action and the window it came at. */
const run = (windows: ReadonlyArray<ReadonlyArray<St>>) => {
  let state = Policy.initial
  let last: Policy.Step | undefined
  for (const statuses of windows) {
    last = Policy.step(spec, state, { statuses: statuses.map((status, i) => ({ name: names[i]!, status })), immediate: [] })
    state = last.state
    if (state.decided !== undefined) break
  }
  return { action: last?.action ?? "slow", windows: state.windows }
}

const status = fc.constantFrom<St>("pass", "marginal", "fail", "nodata")
const windowOf = fc.tuple(status, status, status)
const rank: Record<St, number> = { pass: 0, nodata: 1, marginal: 1, fail: 2 }

describe("Policy", () => {
  it.each([
    [[["pass", "pass", "pass"], ["pass", "pass", "pass"], ["pass", "pass", "pass"]], "promote", 3],
    [[["pass", "pass", "fail"]], "rollback", 1],
    [[["fail", "pass", "pass"], ["fail", "pass", "pass"]], "rollback", 2],
    [[["fail", "pass", "pass"], ["pass", "pass", "pass"], ["fail", "pass", "pass"]], "slow", 3],
    [[["pass", "pass", "pass"], ["marginal", "pass", "pass"], ["pass", "pass", "pass"], ["pass", "pass", "pass"]], "slow", 4],
    [[["nodata", "pass", "pass"], ["pass", "pass", "pass"], ["pass", "pass", "pass"], ["pass", "pass", "pass"]], "promote", 4]
  ] as const)("%j → %s at window %i", (windows, action, at) => {
    expect(run(windows)).toEqual({ action, windows: at })
  })

  it("gives up after maxWindows with onNoDecision", () => {
    const r = run(Array.from({ length: 20 }, () => ["marginal", "pass", "pass"] as const))
    expect(r).toEqual({ action: "slow", windows: 8 })
    const strict = { ...spec, onNoDecision: "rollback" as const }
    let state = Policy.initial
    let action = "slow"
    for (let i = 0; i < 8; i++) {
      const s = Policy.step(strict, state, { statuses: names.map((name) => ({ name, status: "nodata" as const })), immediate: [] })
      state = s.state
      action = s.action
    }
    expect(action).toBe("rollback")
  })

  it("promote-if-no-harm at maxWindows promotes on the analyzer's no-harm evidence, saying it, and holds naming what stands in the way", () => {
    const marginal = names.map((name, i) => ({ name, status: (i === 0 ? "marginal" : "pass") as St }))
    const toLimit = (noHarm: Policy.WindowInput["noHarm"]) => {
      let state = Policy.initial
      let last: Policy.Step | undefined
      for (let i = 0; i < spec.maxWindows; i++) {
        last = Policy.step(spec, state, { statuses: marginal, immediate: [], ...(i === spec.maxWindows - 1 && noHarm !== undefined ? { noHarm } : {}) })
        state = last.state
      }
      return last!
    }
    const promoted = toLimit({ ok: true, evidence: "promoted on limited evidence: 96 samples per track, worst plausible latency +8.0 %, no window failed" })
    expect(promoted.action).toBe("promote")
    expect(promoted.state.decided).toBe("promote")
    expect(promoted.reasons).toEqual([
      "no decision after maxWindows 8: promoted on limited evidence: 96 samples per track, worst plausible latency +8.0 %, no window failed (onNoDecision: promote-if-no-harm)"
    ])
    const held = toLimit({ ok: false, blockers: ["errors has no data in the latest window"] })
    expect(held.action).toBe("slow")
    expect(held.state.decided).toBe("slow")
    expect(held.reasons[0]).toContain("but errors has no data in the latest window")
    expect(toLimit(undefined).action).toBe("slow")
  })

  it("an immediate signal rolls back at once with its reason", () => {
    const s = Policy.step(spec, Policy.initial, { statuses: names.map((name) => ({ name, status: "pass" as const })), immediate: ["crash loop: 5 restarts"] })
    expect(s.action).toBe("rollback")
    expect(s.reasons).toEqual(["crash loop: 5 restarts"])
  })

  test.prop([fc.array(windowOf, { minLength: 1, maxLength: 12 })])("nodata in every window never promotes", (windows) => {
    const noData = windows.map(() => ["nodata", "nodata", "nodata"] as const)
    expect(run(noData).action).not.toBe("promote")
    // and nodata on any one metric in every window blocks promotion too
    const oneMissing = windows.map(([a, b]) => [a, b, "nodata"] as const)
    expect(run(oneMissing).action).not.toBe("promote")
  })

  test.prop([fc.array(windowOf, { minLength: 1, maxLength: 12 })])("every path ends decided within maxWindows", (windows) => {
    const padded = [...windows, ...Array.from({ length: spec.maxWindows }, () => ["marginal", "pass", "pass"] as const)]
    const r = run(padded)
    expect(r.windows).toBeLessThanOrEqual(spec.maxWindows)
  })

  test.prop([fc.array(windowOf, { minLength: 1, maxLength: 12 }), fc.array(fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()), { minLength: 12, maxLength: 12 })])(
    "a worse status in any window never gives a gentler action",
    (windows, worsen) => {
      const worse = windows.map((w, i) =>
        w.map((s, j) => (worsen[i]![j]! && rank[s] < 2 ? (s === "pass" ? "marginal" : "fail") : s)) as unknown as readonly [St, St, St]
      )
      const a = run(windows)
      const b = run(worse)
      expect(Verdict.severity(b.action)).toBeGreaterThanOrEqual(Verdict.severity(a.action))
    }
  )

  test.prop([windowOf])("a critical failure rolls back in that window", (w) => {
    const r = Policy.step(spec, Policy.initial, { statuses: ([w[0], w[1], "fail"] as ReadonlyArray<Verdict.Status>).map((status, i) => ({ name: names[i]!, status })), immediate: [] })
    expect(r.action).toBe("rollback")
  })
})
