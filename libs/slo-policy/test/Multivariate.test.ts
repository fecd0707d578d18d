import { fc, test } from "@fast-check/vitest"
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { multivariateRelease, multivariateSpec } from "../bench/multivariate.ts"
import { type Line, ndjson } from "../bench/scenarios.ts"
import { Analyzer, Multivariate, Observation, SloSpec } from "../src/index.ts"

const decode = (doc: unknown) => Effect.runSync(SloSpec.decode(doc))
const critical = decode(multivariateSpec(true))
const notCritical = decode({ ...multivariateSpec(true), metrics: multivariateSpec(true).metrics.map((m) => (m.name === "joint" ? { ...m, critical: false } : m)) })
const parse = (spec: SloSpec.Spec, lines: ReadonlyArray<Line>) => Effect.runSync(Observation.parse(ndjson(lines), spec))[0]!
const joint = (v: { readonly metrics: ReadonlyArray<{ readonly name: string }> }) => v.metrics.find((m) => m.name === "joint") as ReturnType<typeof Analyzer.analyze>["metrics"][number]

const errorOf = (doc: unknown) => {
  const exit = Effect.runSyncExit(SloSpec.decode(doc))
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  return String((exit.cause.reasons[0] as { error?: { message: string } }).error?.message)
}

describe("SloSpec: multivariate metrics", () => {
  it("decodes the example's multivariate metric with its features, and a tolerance in score units (default 0.02)", () => {
    const m = critical.metrics[3]!
    expect([m.kind, m.critical, m.tolerance, m.threshold, Multivariate.featureNames(m)]).toEqual(["multivariate", true, 0.02, 0.75, ["latency", "cpu", "load"]])
    const { tolerance: _, ...withoutTolerance } = multivariateSpec(true).metrics[3] as Record<string, unknown>
    const defaulted = decode({ ...multivariateSpec(true), metrics: [...multivariateSpec(false).metrics, withoutTolerance] })
    expect(defaulted.metrics[3]!.tolerance).toBe(SloSpec.defaultMultivariateTolerance)
    expect(SloSpec.defaultMinSamples(defaulted.metrics[3]!)).toBe(6)
  })

  const base = multivariateSpec(false)
  const withJoint = (patch: Record<string, unknown>, extra: ReadonlyArray<unknown> = []) => ({
    ...base,
    metrics: [...base.metrics, ...extra, { name: "joint", kind: "multivariate", threshold: 1, features: [{ metric: "latency" }, { metric: "cpu" }], ...patch }]
  })
  it.each([
    [withJoint({ features: [{ metric: "latency" }] }), "slo.yaml: metrics[3].features: a multivariate metric needs at least 2 features (continuous metrics of this spec), got 1"],
    [withJoint({ features: undefined }), "slo.yaml: metrics[3].features: a multivariate metric needs at least 2 features (continuous metrics of this spec), got 0"],
    [withJoint({ features: [{ metric: "latency" }, { metric: "latency" }] }), 'slo.yaml: metrics[3].features[1].metric: duplicate feature "latency"'],
    [withJoint({ features: [{ metric: "latency" }, { metric: "joint" }] }), 'slo.yaml: metrics[3].features[1].metric: a multivariate metric cannot be its own feature ("joint")'],
    [withJoint({ features: [{ metric: "latency" }, { metric: "memory" }] }), 'slo.yaml: metrics[3].features[1].metric: unknown metric "memory"; features name continuous metrics of this spec (latency, cpu, load)'],
    [
      withJoint({ features: [{ metric: "latency" }, { metric: "errors" }] }, [{ name: "errors", kind: "ratio", threshold: 0.01 }]),
      'slo.yaml: metrics[4].features[1].metric: feature "errors" is a ratio metric; features must be continuous (values per step)'
    ],
    [withJoint({ source: "prometheus" }), "slo.yaml: metrics[3].source: a multivariate metric reads no source of its own: it is computed from its features' values; remove source"],
    [withJoint({ query: "up" }), "slo.yaml: metrics[3].query: a multivariate metric reads no source of its own: it is computed from its features' values; remove query"],
    [withJoint({ direction: "higher" }), "slo.yaml: metrics[3].direction: a multivariate metric judges an anomaly score: lower is better"],
    [withJoint({ features: [{ metric: "latency", stat: "p95" }, { metric: "cpu" }] }), "slo.yaml: metrics[3].features[0].stat: expected"],
    [{ ...base, metrics: [{ ...base.metrics[0], features: [{ metric: "cpu" }, { metric: "load" }] }, ...base.metrics.slice(1)] }, "slo.yaml: metrics[0].features: only a multivariate metric has features; this one is continuous"]
  ])("rejects a bad multivariate metric with one line naming the field (%#)", (doc, message) => {
    const text = errorOf(JSON.parse(JSON.stringify(doc)))
    expect(text.startsWith(message)).toBe(true)
    expect(text).not.toContain("\n")
  })

  it("refuses observations of the multivariate metric itself (it is computed from its features)", () => {
    const text = `${JSON.stringify({ window: 0, metric: "joint", track: "candidate", values: [1] })}\n`
    const exit = Effect.runSyncExit(Observation.parse(text, critical))
    expect(Exit.isFailure(exit) && String(exit.cause)).toContain('metric "joint" is multivariate: it is computed from its features\' values, so it takes no observations of its own')
  })
})

describe("Multivariate.rows", () => {
  it("aligns the features' per-step values by index, cuts to the shortest and drops rows with a NaN", () => {
    const window = {
      index: 0,
      metrics: new Map([
        ["a", { baseline: { _tag: "Values" as const, values: [1, 2, Number.NaN, 4, 5] } }],
        ["b", { baseline: { _tag: "Values" as const, values: [10, 20, 30, 40] } }]
      ])
    }
    expect([...Multivariate.rows(["a", "b"], window, "baseline")]).toEqual([1, 10, 2, 20, 4, 40])
    expect(Multivariate.rows(["a", "b"], window, "candidate").length).toBe(0)
  })
})

describe("Analyzer with a multivariate metric (seeded scenarios from bench/multivariate.ts)", () => {
  it("the first window only trains the forest (nodata); a healthy release then passes it every window and promotes", () => {
    const verdicts = Analyzer.run(critical, parse(critical, multivariateRelease("r", "healthy", 24_009)))
    expect(joint(verdicts[0]!).status).toBe("nodata")
    expect(joint(verdicts[0]!).reason).toContain("the first window only trains it")
    expect(verdicts.slice(1).map((v) => joint(v).status).every((s) => s === "pass")).toBe(true)
    expect(verdicts.at(-1)!.action).toBe("promote")
  })

  it("a critical multivariate metric rolls a decoupled candidate back, naming the features that separate it", () => {
    const v = Analyzer.analyze(critical, parse(critical, multivariateRelease("r", "joint-shift", 24_013)))
    expect(v.action).toBe("rollback")
    expect(v.reasons).toEqual(["critical metric joint failed: rolling back at once"])
    expect(joint(v).reason).toMatch(/^candidate's joint behaviour of latency, cpu and load departs from the baseline's \(median anomaly score 0\.\d\d vs 0\.\d\d over \d windows?, Mann–Whitney p=.*\): the features that separate it most are latency \(\+/)
    expect(v.metrics.filter((m) => m.name !== "joint").every((m) => m.status === "pass")).toBe(true)
  })

  it("not critical, the same failure only holds: marginal, saying why, and the release is never rolled back", () => {
    const verdicts = Analyzer.run(notCritical, parse(notCritical, multivariateRelease("r", "joint-shift", 24_013)))
    const held = verdicts.map(joint).find((m) => m.reason.includes("departs from the baseline's"))
    expect(held?.status).toBe("marginal")
    expect(held?.reason).toContain("not critical: holding, never rolling back on the joint behaviour alone")
    expect(verdicts.every((v) => v.action !== "rollback")).toBe(true)
  })
})

/** A release with these rows per window (row = [latency, cpu, load]) on both tracks, or other rows for the candidate. */
const fromRows = (windows: ReadonlyArray<{ readonly baseline: ReadonlyArray<ReadonlyArray<number>>; readonly candidate: ReadonlyArray<ReadonlyArray<number>> }>): ReadonlyArray<Line> =>
  windows.flatMap((w, i) =>
    (["baseline", "candidate"] as const).flatMap((track) =>
      ["latency", "cpu", "load"].map((metric, f) => ({ release: "r", window: i, metric, track, values: w[track].map((row) => row[f]!) }))
    )
  )
const row = fc.tuple(fc.double({ min: 0.01, max: 10, noNaN: true }), fc.double({ min: 0.01, max: 10, noNaN: true }), fc.double({ min: 1, max: 1000, noNaN: true }))
const rowsOf = (min: number, max: number) => fc.array(row, { minLength: min, maxLength: max })

describe("Multivariate properties (fast-check)", () => {
  test.prop([fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom("healthy" as const, "joint-shift" as const, "latency" as const)], { numRuns: 15 })(
    "deterministic: the same windows give the same verdicts, bit for bit",
    (seed, kind) => {
      const release = parse(critical, multivariateRelease("r", kind, seed, 6))
      expect(Analyzer.run(critical, release)).toEqual(Analyzer.run(critical, release))
    }
  )

  test.prop([fc.array(rowsOf(0, 14), { minLength: 2, maxLength: 5 })], { numRuns: 40 })("identical baseline and candidate rows never fail (nor hold, with the bound at 1)", (windows) => {
    const spec = decode({ ...multivariateSpec(true), metrics: multivariateSpec(true).metrics.map((m) => (m.name === "joint" ? { ...m, threshold: 1 } : m)) })
    const verdicts = Analyzer.run({ ...spec, maxWindows: 100 }, parse(spec, fromRows(windows.map((rows) => ({ baseline: rows, candidate: rows })))))
    for (const v of verdicts) expect(["pass", "nodata"]).toContain(joint(v).status)
  })

  test.prop([fc.array(fc.record({ baseline: rowsOf(0, 14), candidate: rowsOf(0, 5) }), { minLength: 1, maxLength: 10 })], { numRuns: 40 })(
    "too few rows (under 6 a track) is nodata in every window and never promotes",
    (windows) => {
      const verdicts = Analyzer.run(critical, parse(critical, fromRows(windows)))
      for (const v of verdicts) {
        expect(joint(v).status).toBe("nodata")
        expect(v.action).not.toBe("promote")
      }
    }
  )

  test.prop([fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom("healthy" as const, "joint-shift" as const, "latency" as const)], { numRuns: 15 })(
    "a non-critical multivariate failure never rolls back by itself (its features judged leniently enough never to fail)",
    (seed, kind) => {
      const lenient = decode({
        ...multivariateSpec(true),
        metrics: multivariateSpec(true).metrics.map((m) => (m.name === "joint" ? { ...m, critical: false, failAfter: 1 } : { ...m, threshold: 1e9, tolerance: 1e9 }))
      })
      const verdicts = Analyzer.run(lenient, parse(lenient, multivariateRelease("r", kind, seed)))
      for (const v of verdicts) {
        expect(v.action).not.toBe("rollback")
        expect(joint(v).status).not.toBe("fail")
      }
    }
  )

  test.prop([fc.integer({ min: 1, max: 1_000_000 })], { numRuns: 10 })("units do not matter: a feature scaled by 1024 gives the same judgements", (seed) => {
    const lines = multivariateRelease("r", "joint-shift", seed, 5)
    const scaled = lines.map((l) => (l.metric === "load" ? { ...l, values: l.values!.map((v) => (v === null ? v : v * 1024)) } : l))
    const metric = critical.metrics[3]!
    const judge = (ls: ReadonlyArray<Line>) => {
      let state = Multivariate.empty
      return parse(critical, ls).windows.map((w) => {
        const r = Multivariate.assess(metric, state, w)
        state = r.state
        const v = r.assessment.verdict
        return [v.status, v.p_value, v.baseline, v.candidate]
      })
    }
    expect(judge(scaled)).toEqual(judge(lines))
  })
})
