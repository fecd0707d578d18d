import { fc, test } from "@fast-check/vitest"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { type LiveKind, liveRelease } from "../bench/live.ts"
import { type Kind, type Line, ndjson, release, specDocument } from "../bench/scenarios.ts"
import { Analyzer, Assess, Observation, SloSpec, Verdict } from "../src/index.ts"

const spec = Effect.runSync(SloSpec.decode(specDocument))
const parse = (lines: ReadonlyArray<Line>) => Effect.runSync(Observation.parse(ndjson(lines), spec))
const analyze = (lines: ReadonlyArray<Line>) => Analyzer.analyze(spec, parse(lines)[0]!)

const mapCandidate = (lines: ReadonlyArray<Line>, f: (l: Line) => Line) => lines.map((l) => (l.track === "candidate" ? f(l) : l))
const seed = fc.integer({ min: 1, max: 1_000_000 })
const kind = fc.constantFrom<Kind>("healthy", "healthy-gc", "latency-small", "latency-medium", "latency-sparse", "errors-2x", "slow-leak")
const traffic = fc.constantFrom("low" as const, "medium" as const)

describe("Analyzer on known scenarios", () => {
  it.each([
    ["healthy", "promote"],
    ["latency-large", "rollback"],
    ["errors-5x", "rollback"],
    ["crash-loop", "rollback"],
    ["missing-candidate", "slow"]
  ] as const)("%s (medium traffic) → %s", (k, action) => {
    expect(analyze(release("r", k, "medium", 7)).action).toBe(action)
  })

  it("a crash loop rolls back in the first window it shows, naming the metric", () => {
    const v = analyze(release("r", "crash-loop", "medium", 3))
    expect(v.window).toBe(1)
    expect(v.reasons.join(" ")).toContain("critical metric restarts failed")
  })

  it("a missing candidate is nodata that holds until maxWindows, never a promotion", () => {
    const v = analyze(release("r", "missing-candidate", "high", 5))
    expect(v.action).toBe("slow")
    expect(v.window).toBe(spec.maxWindows - 1)
    expect(v.metrics.every((m) => m.status === "nodata")).toBe(true)
  })
})

describe("Analyzer invariants (fast-check)", () => {
  test.prop([kind, traffic, seed], { numRuns: 40 })("nodata in every window never promotes", (k, t, s) => {
    const lines = release("r", k, t, s).map((l) => (l.track === "candidate" && l.metric === "latency" ? { ...l, values: l.values!.map(() => null) } : l))
    expect(analyze(lines).action).not.toBe("promote")
  })

  test.prop([kind, traffic, seed, fc.double({ min: 1.01, max: 3, noNaN: true })], { numRuns: 40 })(
    "a strictly slower candidate never gets a gentler action",
    (k, t, s, factor) => {
      const lines = release("r", k, t, s)
      const slower = mapCandidate(lines, (l) => (l.metric === "latency" ? { ...l, values: l.values!.map((v) => (v === null ? null : v * factor)) } : l))
      expect(Verdict.severity(analyze(slower).action)).toBeGreaterThanOrEqual(Verdict.severity(analyze(lines).action))
    }
  )

  test.prop([kind, traffic, seed, fc.integer({ min: 1, max: 50 })], { numRuns: 40 })(
    "more candidate errors never get a gentler action",
    (k, t, s, extra) => {
      const lines = release("r", k, t, s)
      const worse = mapCandidate(lines, (l) => (l.metric === "error-rate" ? { ...l, errors: Math.min(l.total!, l.errors! + extra) } : l))
      expect(Verdict.severity(analyze(worse).action)).toBeGreaterThanOrEqual(Verdict.severity(analyze(lines).action))
    }
  )

  test.prop([kind, traffic, seed], { numRuns: 40 })("identical candidate and baseline never roll back", (k, t, s) => {
    const lines = release("r", k, t, s)
    const baseline = lines.filter((l) => l.track === "baseline")
    const twin = [...baseline, ...baseline.map((l) => ({ ...l, track: "candidate" as const }))]
    expect(analyze(twin).action).not.toBe("rollback")
  })

  test.prop([kind, seed, fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 5 })], { numRuns: 30 })(
    "a critical failure rolls back in that window",
    (k, s, w, restarts) => {
      const lines = mapCandidate(release("r", k, "medium", s), (l) => (l.metric === "restarts" && l.window === w ? { ...l, values: [restarts] } : l))
      const verdicts = Analyzer.run(spec, parse(lines)[0]!)
      const atW = verdicts.find((v) => v.window === w)
      if (atW !== undefined) {
        // the analyzer judged window w: it rolls back there
        expect(atW.action).toBe("rollback")
      } else {
        // it never got there: it had already decided before w
        expect(verdicts.at(-1)!.window).toBeLessThan(w)
        expect(verdicts.at(-1)!.action).not.toBe("slow")
      }
    }
  )

  test.prop([kind, traffic, seed, seed], { numRuns: 25 })("the verdict does not depend on the order of lines", (k, t, s, shuffleSeed) => {
    const lines = release("r", k, t, s)
    const shuffled = [...lines]
    let x = shuffleSeed
    for (let i = shuffled.length - 1; i > 0; i--) {
      x = (x * 1103515245 + 12345) % 2147483648
      const j = x % (i + 1)
      ;[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]
    }
    expect(analyze(shuffled)).toEqual(analyze(lines))
  })
})

describe("Assess.counter at the edges of the number line", () => {
  const spec = Effect.runSync(SloSpec.decode({ apiVersion: "rollwise/v1", kind: "SloSpec", service: "s", window: "1m", metrics: [{ name: "restarts", kind: "counter", threshold: 0, critical: true }] }))
  const metric = spec.metrics[0]!
  const huge = fc.array(fc.constantFrom(1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE), { minLength: 2, maxLength: 4 })

  test.prop([huge, huge])("counts whose sum overflows are no data (never a verdict on ±Infinity); an overflowing baseline is left out", (c, b) => {
    const a = Assess.counter(metric, { candidate: { _tag: "Values", values: c }, baseline: { _tag: "Values", values: b } })
    const sum = c.reduce((x, y) => x + y, 0)
    if (!Number.isFinite(sum)) expect(a.verdict.status).toBe("nodata")
    for (const v of [a.verdict.candidate, a.verdict.baseline, a.verdict.effect]) expect(v === null || Number.isFinite(v)).toBe(true)
  })
})

describe("the low-traffic policy (onNoDecision)", () => {
  const slowSpec = { ...spec, onNoDecision: "slow" as const }
  const judge = (sp: typeof spec, lines: ReadonlyArray<Line>) => Analyzer.analyze(sp, Effect.runSync(Observation.parse(ndjson(lines), sp))[0]!)
  const liveKind = fc.constantFrom<LiveKind>("healthy", "healthy-spikes", "within-tolerance", "latency-25", "latency-sparse", "errors-2.5x", "slow-leak")
  const liveTraffic = fc.constantFrom("low" as const, "medium" as const)

  it("defaults to promote-if-no-harm", () => {
    expect(spec.onNoDecision).toBe("promote-if-no-harm")
  })

  test.prop([liveKind, liveTraffic, seed], { numRuns: 30 })(
    "promote-if-no-harm differs from slow only at maxWindows, and only by promoting what slow would hold",
    (k, t, s) => {
      const lines = liveRelease("r", k, t, s).lines
      const withPolicy = judge(spec, lines)
      const holding = judge(slowSpec, lines)
      if (withPolicy.action !== holding.action) {
        expect(holding.action).toBe("slow")
        expect(withPolicy.action).toBe("promote")
        expect(withPolicy.window).toBe(spec.maxWindows - 1)
        // said in words: what the promotion rested on
        expect(withPolicy.reasons.join(" ")).toMatch(/promoted on limited evidence: .*no window failed \(onNoDecision: promote-if-no-harm\)/)
      } else {
        expect(withPolicy.window).toBe(holding.window)
      }
    }
  )

  test.prop([liveKind, liveTraffic, seed, fc.constantFrom("latency", "error-rate", "restarts")], { numRuns: 30 })(
    "a candidate without data in the last windows is never promoted on limited evidence",
    (k, t, s, metric) => {
      const lines = liveRelease("r", k, t, s).lines.filter((l) => !(l.track === "candidate" && l.metric === metric && l.window >= spec.maxWindows - 1))
      const v = judge(spec, lines)
      if (v.action === "promote") expect(v.window).toBeLessThan(spec.maxWindows - 1) // promoted on full evidence before the data stopped
    }
  )

  test.prop([liveKind, liveTraffic, seed], { numRuns: 20 })("no candidate data at all is never promoted, whatever the policy", (k, t, s) => {
    const lines = liveRelease("r", k, t, s).lines.filter((l) => l.track === "baseline")
    for (const sp of [spec, slowSpec]) expect(judge(sp, lines).action).not.toBe("promote")
  })
})

describe("Analyzer invariants on live-shaped windows (12 per-step p95s, uneven traffic)", () => {
  const liveKind = fc.constantFrom<LiveKind>("healthy", "healthy-spikes", "within-tolerance", "latency-25", "latency-sparse", "errors-2.5x", "slow-leak")
  const liveTraffic = fc.constantFrom("low" as const, "medium" as const)

  test.prop([liveKind, liveTraffic, seed, fc.double({ min: 1.01, max: 3, noNaN: true })], { numRuns: 30 })(
    "a strictly slower candidate never gets a gentler action",
    (k, t, s, factor) => {
      const lines = liveRelease("r", k, t, s).lines
      const slower = mapCandidate(lines, (l) => (l.metric === "latency" ? { ...l, values: l.values!.map((v) => (v === null ? null : v * factor)) } : l))
      expect(Verdict.severity(analyze(slower).action)).toBeGreaterThanOrEqual(Verdict.severity(analyze(lines).action))
    }
  )

  test.prop([liveKind, liveTraffic, seed, fc.integer({ min: 1, max: 20 })], { numRuns: 30 })("more candidate errors never get a gentler action", (k, t, s, extra) => {
    const lines = liveRelease("r", k, t, s).lines
    const worse = mapCandidate(lines, (l) => (l.metric === "error-rate" ? { ...l, errors: Math.min(l.total!, l.errors! + extra) } : l))
    expect(Verdict.severity(analyze(worse).action)).toBeGreaterThanOrEqual(Verdict.severity(analyze(lines).action))
  })

  test.prop([liveKind, liveTraffic, seed], { numRuns: 30 })("identical candidate and baseline never roll back", (k, t, s) => {
    const baseline = liveRelease("r", k, t, s).lines.filter((l) => l.track === "baseline")
    expect(analyze([...baseline, ...baseline.map((l) => ({ ...l, track: "candidate" as const }))]).action).not.toBe("rollback")
  })

  it("a healthy canary at 600 requests a window is promoted in its third window, the reason saying what cleared it", () => {
    const v = analyze(liveRelease("r", "healthy", "medium", 11).lines)
    expect(v.action).toBe("promote")
    expect(v.reasons[0]).toMatch(/consecutive healthy windows/)
  })
})
