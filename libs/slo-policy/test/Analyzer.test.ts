import { fc, test } from "@fast-check/vitest"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
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
