import { fc, test } from "@fast-check/vitest"
import { Ewma } from "@rollwise/stats-core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as Evidence from "../../src/internal/evidence.ts"
import { specDocument } from "../../bench/scenarios.ts"
import { Assess, SloSpec, type Verdict } from "../../src/index.ts"

const spec = Effect.runSync(SloSpec.decode(specDocument))
const [latency, errorRate, restarts] = spec.metrics as unknown as [SloSpec.MetricSpec, SloSpec.MetricSpec, SloSpec.MetricSpec]

const sorted = (xs: ReadonlyArray<number>) => Float64Array.from(xs).sort()
/** A deterministic spread of n values around `center` (quantiles of a log-normal, no randomness). */
const spread = (n: number, center: number, sigma = 0.2) =>
  Array.from({ length: n }, (_, i) => center * Math.exp(sigma * Math.sqrt(2) * inverseErf((2 * (i + 0.5)) / n - 1)))
// Winitzki's approximation: enough for a deterministic spread of test values
function inverseErf(x: number): number {
  const a = 0.147
  const ln = Math.log(1 - x * x)
  const t = 2 / (Math.PI * a) + ln / 2
  return Math.sign(x) * Math.sqrt(Math.sqrt(t * t - ln / a) - t)
}
const pooled = (candidate: ReadonlyArray<number>, baseline: ReadonlyArray<number>, windows: number): Evidence.Pooled => ({
  candidate: sorted(candidate),
  baseline: sorted(baseline),
  windows
})
const counts = (ce: number, ct: number, be: number, bt: number): Assess.Evidence => ({
  counts: { candidateErrors: ce, candidateTotal: ct, baselineErrors: be, baselineTotal: bt }
})

describe("warm-up", () => {
  const failing: Assess.Assessment = {
    verdict: { name: "latency", status: "fail", baseline: 0.1, candidate: 0.2, effect: 1, ci: [0.8, 1.2], p_value: 1e-6, reason: "latency is +100 %" },
    evidence: { effect: 1, z: 9 }
  }

  it("turns a first-window failure of a continuous metric into a hold, keeping its effect for the trend only", () => {
    const w = Evidence.warmUp(spec, latency, 0, failing)
    expect(w.inWarmUp).toBe(true)
    expect(w.assessed.verdict.status).toBe("marginal")
    expect(w.assessed.verdict.reason).toContain("warm-up window (1 of 1)")
    expect(w.assessed.evidence).toEqual({})
    expect(w.effect).toBe(1)
  })

  it("judges later windows, critical metrics and ratios in full", () => {
    expect(Evidence.warmUp(spec, latency, 1, failing).assessed).toBe(failing)
    expect(Evidence.warmUp(spec, { ...latency, critical: true }, 0, failing).assessed).toBe(failing)
    expect(Evidence.warmUp(spec, errorRate, 0, failing).assessed).toBe(failing)
  })
})

describe("drift", () => {
  it("is stats-core's EWMA of the effects: over twice the tolerance fails from the second window on", () => {
    const first = Evidence.drift(latency, Evidence.empty, "pass", { effect: 0.3 })
    expect(first.status).toBe("pass") // one window is no drift
    const second = Evidence.drift(latency, { ...(first.ewma ? { ewma: first.ewma } : {}), effects: first.effects! }, "pass", { effect: 0.3 })
    expect(second.ewma!.value).toBeCloseTo(Ewma.fold(Ewma.make({ target: 0.3, sigma: 0, lambda: Evidence.settings.ewmaLambda }), [0.3, 0.3]).value, 12)
    expect(second.status).toBe("fail")
    expect(second.notes.join(" ")).toContain("over twice the tolerance")
  })

  it("holds a climbing effect, counting the warm-up window's effect in the trend", () => {
    // a leak: 0 % in warm-up, then +4 %, +8 %
    const afterWarmUp = Evidence.drift(latency, Evidence.empty, "marginal", {}, 0)
    expect(afterWarmUp.effects).toEqual([0])
    expect(afterWarmUp.ewma).toBeUndefined()
    const w1 = Evidence.drift(latency, { effects: afterWarmUp.effects! }, "pass", { effect: 0.04 })
    const w2 = Evidence.drift(latency, { ewma: w1.ewma!, effects: w1.effects! }, "pass", { effect: 0.08 })
    expect(Evidence.trend(w2.effects!)).toBeCloseTo(0.04, 12)
    expect(w2.status).toBe("marginal")
    expect(w2.notes.join(" ")).toContain("climbing")
  })
})

describe("sequential tests", () => {
  it("roll back on bad events well beyond the tolerance, saying the always-valid p", () => {
    let prev: Evidence.MetricState = Evidence.empty
    let rollback: ReadonlyArray<string> = []
    for (let w = 0; w < 3 && rollback.length === 0; w++) {
      const r = Evidence.sequential(errorRate, prev, true, counts(40, 1000, 12, 4000))
      prev = { ...(r.sequential ? { sequential: r.sequential } : {}) }
      rollback = r.rollback
    }
    expect(rollback.join(" ")).toMatch(/error-rate: sequential test over \d windows?, bad events 4\.00 % in the candidate vs 0\.300 % in the baseline \(always-valid p=/)
  })

  it("never roll back identical counts, however many windows", () => {
    let prev: Evidence.MetricState = Evidence.empty
    for (let w = 0; w < 50; w++) {
      const r = Evidence.sequential(errorRate, prev, true, counts(3, 1000, 12, 4000))
      expect(r.rollback).toEqual([])
      prev = { sequential: r.sequential! }
    }
  })

  it("mix on a scale the spec fixes: threshold × tolerance for ratios, the tail margin for exceedances", () => {
    expect(Evidence.tau(errorRate)).toBeCloseTo(0.005, 12)
    expect(Evidence.tau(latency)).toBe(Assess.tailExcess.fail)
  })
})

describe("the pooled tail, like with like", () => {
  const base = spread(120, 0.18)

  it("a spike process in both tracks lifts both shares alike", () => {
    const withSpikes = (xs: ReadonlyArray<number>, at: ReadonlyArray<number>) => xs.map((v, i) => (at.includes(i) ? v + 0.6 : v))
    // the same number of spikes, in different windows (different positions)
    const t = Evidence.pooledTail(pooled(withSpikes(base, [3, 50, 90]), withSpikes(base, [10, 70, 110]), 10), 0.1)
    expect(t.candidateBeyond).toBe(t.baselineBeyond)
  })

  it("a location shift within the tolerance is not a tail excess; a sparse slow mode is", () => {
    const shifted = Evidence.pooledTail(pooled(base.map((v) => v * 1.05), base, 10), 0.1)
    expect(shifted.candidateBeyond).toBeLessThanOrEqual(shifted.baselineBeyond + 1)
    const sparse = Evidence.pooledTail(pooled(base.map((v, i) => (i % 4 === 0 ? v * 8 : v)), base, 10), 0.1)
    expect(sparse.candidateShare - sparse.baselineShare).toBeGreaterThan(0.15)
  })

  it("holds a promotion on a sparse regression even where 12 values a window could never bound the tail", () => {
    const c = base.slice(0, 36).map((v, i) => (i % 4 === 0 ? v * 8 : v))
    const clearance = Evidence.clearance(spec, latency, { pooled: pooled(c, base.slice(0, 36), 3) })
    expect(clearance.cleared).toBe(false)
    expect(clearance.cleared ? "" : clearance.hold).toContain("beyond the baseline's p95 + tolerance")
  })
})

describe("promotion bounds", () => {
  it("clear a metric against the baseline when the shift's 90 % bound is within the tolerance", () => {
    const b = spread(400, 0.12)
    const c = spread(400, 0.121)
    const clearance = Evidence.clearance(spec, latency, { pooled: pooled(c, b, 4), effects: [0.01, 0, 0.01, 0] })
    expect(clearance).toMatchObject({ cleared: true, ground: "relative" })
  })

  it("clear a few errors by the SLO when the worst plausible rate stays inside it, and say so", () => {
    // 0.3 % of 3,000 requests: no proof against the baseline is possible with so few events, the SLO (1 %) is far away
    const seq = Evidence.sequential(errorRate, Evidence.empty, true, counts(9, 3000, 30, 12000)).sequential!
    const clearance = Evidence.clearance(spec, errorRate, { sequential: seq })
    expect(clearance).toMatchObject({ cleared: true, ground: "slo" })
    expect(clearance.cleared ? clearance.note : "").toMatch(/worst plausible rate 0\.\d+ % stays within the SLO 1\.00 % with 25 % headroom \(95 % bound over 3000 requests, valid over all 10 looks\), so it needs no proof/)
  })

  it("do not clear a rate near the SLO, nor one beyond the tolerated multiple of the baseline's", () => {
    const near = Evidence.sequential(errorRate, Evidence.empty, true, counts(22, 3000, 40, 12000)).sequential!
    expect(Evidence.clearance(spec, errorRate, { sequential: near }).cleared).toBe(false)
    const worse = Evidence.sequential(errorRate, Evidence.empty, true, counts(6, 3000, 6, 12000)).sequential!
    expect(Evidence.clearance(spec, errorRate, { sequential: worse }).cleared).toBe(false)
  })

  it("hold a climbing latency even when every bound is met", () => {
    const b = spread(400, 0.12)
    const clearance = Evidence.clearance(spec, latency, { pooled: pooled(spread(400, 0.121), b, 4), effects: [0, 0.04, 0.08] })
    expect(clearance.cleared ? "" : clearance.hold).toContain("climbs 4.0 points a window")
  })

  it("need no pooled proof for counters", () => {
    expect(Evidence.clearance(spec, restarts, Evidence.empty)).toMatchObject({ cleared: true, ground: "no-comparison" })
  })

  test.prop([fc.integer({ min: 1, max: 400 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), fc.double({ min: 0.6, max: 0.99, noNaN: true })])(
    "the distribution-free quantile bound is an order statistic at or above the sample quantile",
    (n, q, confidence) => {
      const xs = sorted(Array.from({ length: n }, (_, i) => i))
      const bound = Evidence.quantileUpperBound(xs, q, confidence)
      if (Number.isFinite(bound)) {
        expect(Number.isInteger(bound)).toBe(true)
        expect(bound).toBeGreaterThanOrEqual(Math.floor((n - 1) * q))
      } else {
        expect(bound).toBe(Infinity)
      }
    }
  )

  it("the quantile bound matches the binomial rank for n = 100 (the 57th value for the median at 90 %)", () => {
    const xs = sorted(Array.from({ length: 100 }, (_, i) => i + 1))
    expect(Evidence.quantileUpperBound(xs, 0.5, 0.9)).toBe(57)
  })
})

describe("no harm (onNoDecision: promote-if-no-harm)", () => {
  const pass = (name: string): Verdict.MetricVerdict => ({ name, status: "pass", baseline: 0, candidate: 0, effect: 0, ci: null, p_value: null, reason: "" })
  const statuses = spec.metrics.map((m) => pass(m.name))
  const b = spread(120, 0.18)
  const healthy: Record<string, Evidence.MetricState> = {
    latency: { pooled: pooled(spread(120, 0.181), b, 10), effects: [0, 0.01, -0.01, 0], judged: 10, failed: 0, lastHadData: true },
    "error-rate": { sequential: Evidence.sequential(errorRate, Evidence.empty, true, counts(2, 600, 7, 2400)).sequential!, judged: 10, failed: 0, lastHadData: true },
    restarts: { judged: 10, failed: 0, lastHadData: true }
  }

  it("promotes a quiet release on limited evidence and says what it rested on", () => {
    const r = Evidence.noHarm(spec, healthy, statuses)
    expect(r.ok).toBe(true)
    expect(r.ok ? r.evidence : "").toMatch(/^promoted on limited evidence: 120 samples per track, worst plausible latency [+-]\d+\.\d %, worst plausible error-rate \d\.\d+ %, no window failed$/)
  })

  it.each([
    ["no data in the latest window", { ...healthy, latency: { ...healthy["latency"]!, lastHadData: false } }, "latency has no data in the latest window"],
    ["data in too few windows", { ...healthy, restarts: { judged: 2, failed: 0, lastHadData: true } }, "restarts had data in 2 windows, fewer than promoteAfter 3"],
    ["a failed window", { ...healthy, "error-rate": { ...healthy["error-rate"]!, failed: 1 } }, "error-rate failed in 1 window"],
    [
      "errors beyond the tolerated multiple",
      { ...healthy, "error-rate": { ...healthy["error-rate"]!, sequential: Evidence.sequential(errorRate, Evidence.empty, true, counts(5, 600, 7, 2400)).sequential! } },
      "error-rate 0.833 % is beyond +50.0 % of the baseline's 0.292 % and could still be 1.46 % (90 % bound), not clearly inside the SLO 1.00 %"
    ]
  ] as const)("is refused with %s", (_, states, blocker) => {
    const r = Evidence.noHarm(spec, states, statuses)
    expect(r.ok).toBe(false)
    expect(r.ok ? [] : r.blockers).toContain(blocker)
  })

  it("is refused when a metric has no data at all, naming each", () => {
    const r = Evidence.noHarm(spec, {}, statuses.map((m) => ({ ...m, status: "nodata" as const })))
    expect(r.ok ? [] : r.blockers).toEqual(["latency has no data", "error-rate has no data", "restarts has no data"])
  })

  it("lets a ratio beyond the tolerated multiple of the baseline through only when its worst plausible rate is well inside the SLO", () => {
    // 0.30 % vs 0.19 %: beyond 1.5 × the baseline, but 18 of 6,000 requests can hardly reach the 1 % SLO
    const sequential = Evidence.sequential(errorRate, Evidence.empty, true, counts(18, 6000, 46, 24000)).sequential!
    const r = Evidence.noHarm(spec, { ...healthy, "error-rate": { ...healthy["error-rate"]!, sequential } }, statuses)
    expect(r.ok ? r.evidence : r.blockers.join("; ")).toMatch(/^promoted on limited evidence: .*worst plausible error-rate 0\.\d+ %/)
  })
})

describe("score", () => {
  it("weighs pass 1, marginal or nodata ½, fail 0", () => {
    const m = (name: string, status: Verdict.Status): Verdict.MetricVerdict => ({ name, status, baseline: null, candidate: null, effect: null, ci: null, p_value: null, reason: "" })
    expect(Evidence.score(spec, [m("latency", "pass"), m("error-rate", "marginal"), m("restarts", "fail")])).toBe(50)
    expect(Evidence.score(spec, [])).toBe(0)
  })
})
