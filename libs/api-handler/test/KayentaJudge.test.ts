import { readFileSync } from "node:fs"
import { fc, test } from "@fast-check/vitest"
import { Effect, Exit, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { ApiError, Kayenta } from "@rollwise/api-contract"
import { KayentaJudge } from "../src/index.ts"
import { json } from "./helpers.ts"

/** The RemoteJudgeRequest fixture: what Kayenta's RemoteJudge posts, extra fields and all. */
const body = json<Record<string, unknown>>("kayenta-judge-request.json")

const decoded = Effect.runSync(Kayenta.decodeRequest(body))

const run = (request: Kayenta.Request) => Effect.runSync(KayentaJudge.judge(request))
const failure = (request: Kayenta.Request) => Effect.runSync(Effect.flip(KayentaJudge.judge(request)))

/** Deterministic noise around `mu`: a small LCG, so cases never flake. */
const noisy = (mu: number, spread: number, n = 30, seed = 1): Array<number> => {
  let s = seed
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648
    return mu + spread * (s / 2147483648 - 0.5)
  })
}

type Canary = NonNullable<NonNullable<Kayenta.MetricConfig["analysisConfigurations"]>["canary"]>

/** A request of metrics `{name, groups, canary, control, experiment}`. */
const request = (
  metrics: ReadonlyArray<{ name: string; groups?: Array<string>; canary?: Canary; control: ReadonlyArray<Kayenta.Value>; experiment: ReadonlyArray<Kayenta.Value> }>,
  options: { weights?: Record<string, number>; pass?: number; marginal?: number } = {}
): Kayenta.Request => ({
  canaryConfig: {
    name: "test",
    metrics: metrics.map((m) => ({ name: m.name, groups: m.groups ?? ["g"], analysisConfigurations: { canary: m.canary ?? {} } })),
    ...(options.weights === undefined ? {} : { classifier: { groupWeights: options.weights } })
  },
  metricSetPairList: metrics.map((m) => ({ name: m.name, id: `${m.name}-id`, values: { control: m.control, experiment: m.experiment } })),
  scoreThresholds: { pass: options.pass ?? 95, marginal: options.marginal ?? 75 }
})

const base = noisy(100, 10)
const same = noisy(100, 10, 30, 99)
const higher = noisy(150, 10, 30, 7)
const lower = noisy(60, 10, 30, 5)

describe("the RemoteJudgeRequest Kayenta posts", () => {
  it("decodes, ignoring the fields Rollwise does not read", () => {
    expect(decoded.canaryConfig.metrics.map((m) => m.name)).toEqual(["p99 latency", "5xx per second", "requests per second"])
    expect(decoded.canaryConfig.classifier?.groupWeights).toEqual({ Latency: 60, Errors: 40 })
    expect(decoded.metricSetPairList[0]!.values.experiment).toContain("NaN")
    expect(decoded.scoreThresholds).toEqual({ pass: 95, marginal: 75 })
    // decoded with the API's default (strict) options the same body is refused: the route needs onExcessProperty "ignore"
    expect(Exit.isFailure(Schema.decodeUnknownExit(Kayenta.Request)(body, { onExcessProperty: "error" }))).toBe(true)
  })

  it("judges the healthy fixture 100, Pass, and answers a valid CanaryJudgeResult", () => {
    const result = run(decoded)
    expect(result.judgeName).toBe(Kayenta.judgeName)
    expect(result.results.map((r) => r.classification)).toEqual(["Pass", "Pass", "Pass"])
    expect(result.groupScores.map((g) => [g.name, g.score])).toEqual([["Latency", 100], ["Errors", 100]])
    expect(result.score).toMatchObject({ score: 100, classification: "Pass" })
    expect(result.results[0]).toMatchObject({ id: "c2b1d6e0-0d7f-4a43-9a9b-1f2e3d4c5b6a", tags: { app: "checkout" }, groups: ["Latency"], critical: false })
    // the NaN in the experiment was removed (nanStrategy remove): 29 of 30 samples
    expect(result.results[0]!.experimentMetadata.stats.count).toBe(29)
    // …and replaced by 0 where the metric says replace
    expect(result.results[1]!.experimentMetadata.stats.count).toBe(30)
    const wire = JSON.parse(JSON.stringify(Schema.encodeSync(Kayenta.Response)(result))) as unknown
    expect(Schema.decodeUnknownSync(Kayenta.Response)(wire, { onExcessProperty: "error" })).toEqual(result)
  })

  it("scores 0, Fail, naming the metric, when a critical metric regresses past its critical effect size", () => {
    const latency = decoded.metricSetPairList[0]!
    const slow = { ...latency, values: { ...latency.values, experiment: (latency.values.experiment ?? []).map((v) => (typeof v === "number" ? v * 2 : v)) } }
    const result = run({ ...decoded, metricSetPairList: [slow, ...decoded.metricSetPairList.slice(1)] })
    expect(result.results[0]).toMatchObject({ classification: "High", critical: true })
    expect(result.score.score).toBe(0)
    expect(result.score.classification).toBe("Fail")
    expect(result.score.classificationReason).toContain("critical metric p99 latency is High")
    // the group scores still say where: Latency 0, Errors 100
    expect(result.groupScores.map((g) => g.score)).toEqual([0, 100])
  })

  it("keeps a critical metric's High below criticalIncrease out of the critical rule (scored in its group only)", () => {
    const latency = decoded.metricSetPairList[0]!
    const bit = { ...latency, values: { ...latency.values, experiment: (latency.values.experiment ?? []).map((v) => (typeof v === "number" ? v * 1.25 : v)) } }
    const result = run({ ...decoded, metricSetPairList: [bit, ...decoded.metricSetPairList.slice(1)] })
    expect(result.results[0]).toMatchObject({ classification: "High", critical: false })
    expect(result.results[0]!.classificationReason).toContain("not a critical failure")
    // Latency weighs 60 of 100: 0·0.6 + 100·0.4
    expect(result.score).toMatchObject({ score: 40, classification: "Fail" })
  })
})

describe("scoring", () => {
  const twoGroups = (options: { pass?: number; marginal?: number; weights?: Record<string, number> } = {}) =>
    request(
      [
        { name: "latency", groups: ["latency"], canary: { direction: "increase" }, control: base, experiment: higher },
        { name: "errors", groups: ["errors"], canary: { direction: "increase" }, control: base, experiment: same }
      ],
      options
    )

  it("scores a non-critical regression in one of two equal-weight groups 50", () => {
    const result = run(twoGroups())
    expect(result.groupScores).toEqual([
      expect.objectContaining({ name: "latency", score: 0, classification: "Fail" }),
      expect.objectContaining({ name: "errors", score: 100, classification: "Pass" })
    ])
    expect(result.score).toMatchObject({ score: 50, classification: "Fail" })
    expect(result.score.classificationReason).toContain("High: latency")
  })

  it.each([
    [{ pass: 95, marginal: 50 }, "Marginal"],
    [{ pass: 50, marginal: 25 }, "Pass"],
    [{ pass: 51, marginal: 50.01 }, "Fail"]
  ] as const)("classifies 50 against thresholds %j as %s", (thresholds, classification) => {
    expect(run(twoGroups(thresholds)).score.classification).toBe(classification)
  })

  it("weights groups by groupWeights, sharing the rest of 100 among groups without one", () => {
    expect(run(twoGroups({ weights: { latency: 30, errors: 70 } })).score.score).toBe(70)
    expect(run(twoGroups({ weights: { latency: 80 } })).score.score).toBe(20)
    expect(run(twoGroups({ weights: { errors: 100 } })).score.score).toBe(100)
  })

  it("scores a group by its share of passing metrics and rounds the summary to 2 decimals", () => {
    const result = run(
      request([
        { name: "a", canary: { direction: "increase" }, control: base, experiment: higher },
        { name: "b", canary: { direction: "increase" }, control: base, experiment: same },
        { name: "c", canary: { direction: "increase" }, control: base, experiment: same }
      ])
    )
    expect(result.groupScores[0]!.score).toBeCloseTo(200 / 3, 10)
    expect(result.score.score).toBe(66.67)
  })

  it("shows a marginal verdict as Pass and says so", () => {
    const result = run(request([{ name: "latency", canary: { direction: "increase" }, control: base, experiment: same }]))
    expect(result.results[0]!.classification).toBe("Pass")
    expect(result.results[0]!.resultMetadata.status).toBe("marginal")
    expect(result.results[0]!.classificationReason).toMatch(/^marginal, shown as Pass: latency looks/)
    expect(result.score.classificationReason).toContain("marginal (shown as Pass): latency")
  })

  it("leaves Nodata out of the group score, counts NodataFailMetric as not passing, fails a critical metric without data", () => {
    const metrics = [
      { name: "ok", control: base, experiment: same },
      { name: "ok2", control: base, experiment: same },
      { name: "optional", control: base, experiment: [] },
      { name: "required", canary: { mustHaveData: true }, control: base, experiment: ["NaN", "NaN"] as Array<Kayenta.Value> }
    ]
    const result = run(request(metrics))
    expect(result.results.map((r) => r.classification)).toEqual(["Pass", "Pass", "Nodata", "NodataFailMetric"])
    expect(result.results[3]!.classificationReason).toContain("mustHaveData")
    expect(result.groupScores[0]!.score).toBeCloseTo(200 / 3, 10)
    const critical = run(request([...metrics.slice(0, 2), { name: "critical", canary: { critical: true }, control: [], experiment: same }]))
    expect(critical.results[2]).toMatchObject({ classification: "Nodata", critical: true })
    expect(critical.score).toMatchObject({ score: 0, classification: "Fail" })
    expect(critical.score.classificationReason).toContain("critical metric critical is Nodata")
  })

  it("fails with 0 when half or more of the metrics have no data", () => {
    const result = run(request([{ name: "a", control: base, experiment: same }, { name: "b", control: [], experiment: [] }]))
    expect(result.score).toMatchObject({ score: 0, classification: "Fail" })
    expect(result.score.classificationReason).toContain("1 of 2 metrics had no data")
  })

  it("reports a group with no judged metric as Nodata, not lowering the score (as Kayenta)", () => {
    const result = run(
      request([
        { name: "a", groups: ["x"], control: base, experiment: same },
        { name: "b", groups: ["x"], control: base, experiment: same },
        { name: "c", groups: ["y"], control: [], experiment: [] }
      ])
    )
    expect(result.groupScores[1]).toMatchObject({ name: "y", classification: "Nodata", score: 100 })
    expect(result.score).toMatchObject({ score: 100, classification: "Pass" })
  })

  it("fails with 0 when there is nothing to score", () => {
    expect(run(request([])).score).toEqual({ score: 0, classification: "Fail", classificationReason: "no metrics to judge" })
    expect(run(request([{ name: "a", groups: [], control: base, experiment: same }])).score.score).toBe(0)
  })
})

describe("direction", () => {
  const candidates = { "50 % higher": higher, "40 % lower": lower, "about the same": same }
  const classification = (direction: "increase" | "decrease" | "either", candidate: keyof typeof candidates) =>
    run(request([{ name: "m", canary: { direction }, control: base, experiment: candidates[candidate] }])).results[0]!.classification

  it.each([
    ["increase", "50 % higher", "High"],
    ["increase", "40 % lower", "Pass"],
    ["decrease", "40 % lower", "Low"],
    ["decrease", "50 % higher", "Pass"],
    ["either", "50 % higher", "High"],
    ["either", "40 % lower", "Low"],
    ["either", "about the same", "Pass"]
  ] as const)("%s: a candidate %s is %s", (direction, candidate, expected) => {
    expect(classification(direction, candidate)).toBe(expected)
  })

  it("defaults to either, as Kayenta", () => {
    const result = run({ ...request([{ name: "m", control: base, experiment: lower }]), canaryConfig: { metrics: [{ name: "m", groups: ["g"] }] } })
    expect(result.results[0]!.classification).toBe("Low")
  })

  it("takes the tolerance from effectSize: allowedIncrease 1.6 lets +50 % pass, allowedDecrease 0.3 lets −40 % pass", () => {
    expect(run(request([{ name: "m", canary: { direction: "increase", effectSize: { allowedIncrease: 1.6 } }, control: base, experiment: higher }])).results[0]!.classification).toBe("Pass")
    expect(run(request([{ name: "m", canary: { direction: "decrease", effectSize: { allowedDecrease: 0.3 } }, control: base, experiment: lower }])).results[0]!.classification).toBe("Pass")
  })
})

describe("NaN", () => {
  const result = (canary: Canary, experiment: ReadonlyArray<Kayenta.Value>) => run(request([{ name: "m", canary, control: base, experiment }])).results[0]!

  it('reads "NaN", "Infinity", "-Infinity" and null as not-a-number and removes them by default', () => {
    const r = result({}, [...same.slice(0, 26), "NaN", "Infinity", "-Infinity", null])
    expect(r.classification).toBe("Pass")
    expect(r.experimentMetadata.stats.count).toBe(26)
  })

  it("is no data when nothing usable is left (remove)", () => {
    const r = result({}, ["NaN", "NaN", 101, 99])
    expect(r.classification).toBe("Nodata")
    expect(r.classificationReason).toBe("candidate has 2 usable samples of the 5 needed (2 NaN or missing)")
  })

  it("replaces them by 0 under replace (so all-NaN is judged, not passed, unlike Kayenta's empty-series Pass)", () => {
    const r = result({ nanStrategy: "replace" }, Array.from({ length: 30 }, () => "NaN" as const))
    expect(r.experimentMetadata.stats).toMatchObject({ count: 30, mean: 0 })
    expect(r.classification).toBe("Low")
    expect(result({ nanStrategy: "replace" }, []).classification).toBe("Nodata")
  })
})

describe("ApiError.InputError", () => {
  const healthy = request([{ name: "m", control: base, experiment: same }])
  it.each([
    ["an unknown metric", "metricSetPairList[1].name", { ...healthy, metricSetPairList: [...healthy.metricSetPairList, { name: "cpu", values: {} }] }],
    ["marginal above pass", "scoreThresholds.marginal", { ...healthy, scoreThresholds: { pass: 70, marginal: 80 } }],
    ["pass above 100", "scoreThresholds.pass", { ...healthy, scoreThresholds: { pass: 101, marginal: 80 } }],
    ["a negative marginal", "scoreThresholds.marginal", { ...healthy, scoreThresholds: { pass: 90, marginal: -1 } }],
    ["a negative group weight", "canaryConfig.classifier.groupWeights.g", { ...healthy, canaryConfig: { ...healthy.canaryConfig, classifier: { groupWeights: { g: -5 } } } }],
    ["weights over 100", "canaryConfig.classifier.groupWeights", { ...healthy, canaryConfig: { ...healthy.canaryConfig, classifier: { groupWeights: { g: 80, h: 30 } } } }],
    ["a value beyond 1e15", "metricSetPairList[0].values.experiment[1]", { ...healthy, metricSetPairList: [{ name: "m", values: { control: base, experiment: [1, 2e15] } }] }]
  ] as const)("judge refuses %s, naming %s", (_, field, bad) => {
    const error = failure(bad as Kayenta.Request)
    expect(error).toBeInstanceOf(ApiError.InputError)
    expect(error.field).toBe(field)
    expect(error.message.startsWith(`${field}: `)).toBe(true)
  })

  it("names the metric the pair asked for and the ones the config has", () => {
    const error = failure({ ...healthy, metricSetPairList: [{ name: "cpu", values: {} }] })
    expect(error.message).toBe('metricSetPairList[0].name: no metric "cpu" in canaryConfig.metrics (it has m)')
  })

  const metric0 = (body.canaryConfig as { metrics: Array<Record<string, unknown>> }).metrics[0]!
  it.each([
    ["scoreThresholds", { ...body, scoreThresholds: undefined }],
    ["scoreThresholds.pass", { ...body, scoreThresholds: { pass: "95", marginal: 75 } }],
    ["metricSetPairList[0].values.control[1]", { ...body, metricSetPairList: [{ name: "p99 latency", values: { control: [1, "x"] } }] }],
    ["canaryConfig.metrics[0].analysisConfigurations.canary.direction", { ...body, canaryConfig: { ...(body.canaryConfig as object), metrics: [{ ...metric0, analysisConfigurations: { canary: { direction: "up" } } }] } }]
  ])("decodeRequest names %s", (field, bad) => {
    const error = Effect.runSync(Effect.flip(Kayenta.decodeRequest(bad)))
    expect(error.field).toBe(field)
    expect(error.message.startsWith(`${field}: `)).toBe(true)
  })
})

describe("properties", () => {
  const values = fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constant("NaN" as const)), { maxLength: 25 })
  const metric = fc.record({
    groups: fc.subarray(["a", "b", "c"]),
    canary: fc.record(
      {
        direction: fc.constantFrom("increase" as const, "decrease" as const, "either" as const),
        nanStrategy: fc.constantFrom("remove" as const, "replace" as const),
        critical: fc.boolean(),
        mustHaveData: fc.boolean(),
        effectSize: fc.record({ allowedIncrease: fc.double({ min: 0.5, max: 3, noNaN: true }), allowedDecrease: fc.double({ min: 0, max: 1.5, noNaN: true }) }, { requiredKeys: [] })
      },
      { requiredKeys: [] }
    ),
    control: values,
    experiment: values
  })
  const requests = fc
    .tuple(
      fc.array(metric, { maxLength: 6 }),
      fc.dictionary(fc.constantFrom("a", "b", "c"), fc.double({ min: 0, max: 33, noNaN: true })),
      fc.integer({ min: 0, max: 100 }),
      fc.integer({ min: 0, max: 100 })
    )
    .map(([metrics, weights, t1, t2]) =>
      request(
        metrics.map((m, i) => ({ ...m, name: `m${i}` })),
        { weights, pass: Math.max(t1, t2), marginal: Math.min(t1, t2) }
      )
    )

  test.prop([requests])("the score is always in [0, 100] and classified against the thresholds", (r) => {
    const { score } = run(r)
    expect(score.score).toBeGreaterThanOrEqual(0)
    expect(score.score).toBeLessThanOrEqual(100)
    const { pass, marginal } = r.scoreThresholds
    // thresholds classify the score, except that a forced 0 (critical failure, too little data, nothing scored) is always Fail
    if (score.classification === "Pass") expect(score.score).toBeGreaterThanOrEqual(pass)
    if (score.classification === "Marginal") expect(score.score).toBeGreaterThanOrEqual(marginal)
    if (score.score < marginal) expect(score.classification).toBe("Fail")
  })

  const finite = fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: 5, maxLength: 30 })
  test.prop([
    fc.array(fc.record({ control: finite, experiment: finite, critical: fc.boolean(), group: fc.constantFrom("a", "b") }), { minLength: 1, maxLength: 4 }),
    fc.nat({ max: 3 }),
    fc.constantFrom("increase" as const, "decrease" as const),
    fc.double({ min: 0, max: 500, noNaN: true })
  ], { numRuns: 300 })("making one metric's experiment uniformly worse never raises the score", (metrics, pick, direction, delta) => {
    const build = (worsen: number) =>
      request(
        metrics.map((m, i) => ({
          name: `m${i}`,
          groups: [m.group],
          canary: { direction, critical: m.critical },
          control: m.control,
          experiment: i === pick % metrics.length ? m.experiment.map((v) => (direction === "increase" ? v + worsen : v - worsen)) : m.experiment
        }))
      )
    expect(run(build(delta)).score.score).toBeLessThanOrEqual(run(build(0)).score.score)
  })

  test.prop([
    fc.array(fc.oneof(fc.constant("NaN" as const), fc.constant(null), fc.double({ min: 0, max: 10, noNaN: true })), { maxLength: 4 }),
    fc.constantFrom("increase" as const, "decrease" as const, "either" as const),
    fc.boolean()
  ])("no data never yields Pass for a mustHaveData metric", (experiment, direction, critical) => {
    const result = run(request([{ name: "m", canary: { direction, mustHaveData: true, critical }, control: base, experiment }]))
    expect(result.results[0]!.classification).not.toBe("Pass")
    expect(result.score.classification).not.toBe("Pass")
  })
})

/**
 * Kayenta's own ClassifierSuite cases (MannWhitneyClassifier and
 * MeanInequalityClassifier): control, experiment, direction, NaN strategy,
 * effect-size and critical thresholds, and the classification Kayenta expects.
 */
describe("agreement with Kayenta's classifier cases", () => {
  interface Case {
    readonly name: string
    readonly classifier: string
    readonly params: { readonly effectSizeThresholds?: [number, number]; readonly criticalThresholds?: [number, number]; readonly effectSizeMeasure?: string }
    readonly direction: "Either" | "Increase" | "Decrease"
    readonly nan_strategy: string
    readonly is_critical_metric: boolean
    readonly control: Array<Kayenta.Value>
    readonly experiment: Array<Kayenta.Value>
    readonly expected_classification: string | null
    readonly expected_critical?: boolean
  }
  const cases = (JSON.parse(readFileSync(new URL("../../../testdata/kayenta-fixtures.json", import.meta.url), "utf8")) as { classifier_cases: Array<Case> }).classifier_cases

  const judged = cases.map((c) => {
    // effect-size thresholds are mean ratios, except under the CLES measure (a probability), which has no Rollwise counterpart
    const ratios = c.params.effectSizeMeasure === "cles" ? undefined : c.params.effectSizeThresholds
    const canary: Canary = {
      direction: c.direction.toLowerCase() as Canary["direction"] & string,
      nanStrategy: c.nan_strategy.startsWith("Replace") ? "replace" : "remove",
      critical: c.is_critical_metric,
      effectSize: {
        ...(ratios === undefined ? {} : { allowedDecrease: ratios[0], allowedIncrease: ratios[1] }),
        ...(c.params.criticalThresholds === undefined ? {} : { criticalDecrease: c.params.criticalThresholds[0], criticalIncrease: c.params.criticalThresholds[1] })
      }
    }
    const result = run(request([{ name: c.name, canary, control: c.control, experiment: c.experiment }])).results[0]!
    return { c, result }
  })
  const classified = judged.filter(({ c }) => c.expected_classification !== null)
  const agree = classified.filter(({ c, result }) => c.expected_classification === result.classification)

  it("agrees on 34 of the 36 classified cases; the 2 others are no data where Kayenta passes, on purpose", () => {
    expect(cases).toHaveLength(37)
    expect(classified).toHaveLength(36)
    expect(agree).toHaveLength(34)
    // Rollwise needs 5 usable samples per track (2 vs 3 is too thin to judge), and never turns an empty series into a Pass
    // as Kayenta's `replace` strategy does: nodata is never a pass.
    expect(classified.filter(({ c, result }) => c.expected_classification !== result.classification).map(({ c, result }) => [c.name, c.expected_classification, result.classification])).toEqual([
      ["Mann-Whitney Tied Observations", "Pass", "Nodata"],
      ["Mann-Whitney Missing Experiment Data with NaN Replacement", "Pass", "Nodata"]
    ])
  })

  it("never says Pass where Kayenta says High or Low, and says the same side every time", () => {
    const regressions = judged.filter(({ c }) => c.expected_classification === "High" || c.expected_classification === "Low")
    expect(regressions.length).toBe(20)
    for (const { c, result } of regressions) expect([c.name, result.classification]).toEqual([c.name, c.expected_classification])
  })

  it("agrees on every critical flag Kayenta asserts", () => {
    const flagged = judged.filter(({ c }) => c.expected_critical !== undefined)
    expect(flagged.length).toBeGreaterThan(5)
    for (const { c, result } of flagged) expect([c.name, result.critical]).toEqual([c.name, c.expected_critical])
  })

  it("gives a reason for every case, including the one Kayenta only asks a reason of", () => {
    for (const { result } of judged) expect(result.classificationReason.length).toBeGreaterThan(0)
  })
})

/**
 * Muted metrics as Kayenta scores them: kayenta-judge/…/scorers/ScoringHelper.scala
 * (`metricResults.filter(!_.isMuted)` before WeightedSumScorer: groups, the
 * critical rule and the no-data share) and NetflixACAJudge.scala (reads
 * `analysisConfigurations.canary.muted` into CanaryAnalysisResult.muted, every
 * result still returned). The first case is Kayenta's own integration test,
 * kayenta-integration-tests/…/canary-configs/prometheus/muted-metric.json with
 * PrometheusStandaloneCanaryAnalysisTest.mutedMetricsAreNotTakenIntoFinalScore:
 * a critical, muted metric that is High, and the canary passes.
 */
describe("muted metrics (Kayenta's ScoringHelper)", () => {
  const mutedCase = (muted: boolean) =>
    request(
      [
        { name: "Failing metric", groups: ["pod-group"], canary: { critical: true, direction: "increase", ...(muted ? { muted: true } : {}) }, control: base, experiment: higher },
        { name: "Successful metric", groups: ["pod-group"], canary: { critical: true, direction: "increase" }, control: base, experiment: same }
      ],
      { weights: { "pod-group": 100 }, pass: 75, marginal: 50 }
    )

  it("passes a canary whose only failing metric is muted (critical or not), still listing it as High and muted", () => {
    const result = run(mutedCase(true))
    expect(result.score).toMatchObject({ score: 100, classification: "Pass" })
    expect(result.score.classificationReason).toContain("muted (not scored): Failing metric")
    expect(result.results.map((r) => [r.name, r.classification, r.muted])).toEqual([
      ["Failing metric", "High", true],
      ["Successful metric", "Pass", false]
    ])
    expect(result.groupScores).toEqual([expect.objectContaining({ name: "pod-group", score: 100 })])
    // the same request without the flag fails on the critical metric, as Kayenta's other integration cases do
    expect(run(mutedCase(false)).score).toMatchObject({ score: 0, classification: "Fail" })
  })

  it("reads the flag from the body Kayenta posts (analysisConfigurations.canary.muted) and answers it in the result", async () => {
    const metrics = (body["canaryConfig"] as { metrics: Array<{ analysisConfigurations: { canary: Record<string, unknown> } }> }).metrics
    const withMuted = { ...body, canaryConfig: { ...(body["canaryConfig"] as object), metrics: metrics.map((m, i) => (i === 0 ? { ...m, analysisConfigurations: { canary: { ...m.analysisConfigurations.canary, muted: true } } } : m)) } }
    const decodedMuted = await Effect.runPromise(Kayenta.decodeRequest(withMuted))
    expect(decodedMuted.canaryConfig.metrics[0]!.analysisConfigurations?.canary?.muted).toBe(true)
    const result = run(decodedMuted)
    expect(result.results.map((r) => r.muted)).toEqual([true, false, false])
    const wire = JSON.parse(JSON.stringify(Schema.encodeSync(Kayenta.Response)(result))) as { results: Array<{ muted: boolean }> }
    expect(wire.results[0]!.muted).toBe(true)
  })

  it("leaves a muted metric without data out of the no-data share, and a group of muted metrics out of the scores", () => {
    const result = run(
      request([
        { name: "quiet", groups: ["a"], canary: { muted: true }, control: base, experiment: [] },
        { name: "quiet too", groups: ["a"], canary: { muted: true }, control: base, experiment: [] },
        { name: "fine", groups: ["b"], control: base, experiment: same }
      ])
    )
    // without the flags 2 of 3 metrics without data would fail the canary (Kayenta's NODATA_THRESHOLD)
    expect(result.score).toMatchObject({ score: 100, classification: "Pass" })
    expect(result.groupScores.map((g) => g.name)).toEqual(["b"])
    expect(result.results.map((r) => r.classification)).toEqual(["Nodata", "Nodata", "Pass"])
  })

  it("fails with 0 when every metric is muted: nothing is scored", () => {
    const result = run(request([{ name: "m", canary: { muted: true }, control: base, experiment: same }]))
    expect(result.score).toMatchObject({ score: 0, classification: "Fail" })
    expect(result.score.classificationReason).toContain("every metric is muted")
  })

  const values = fc.array(fc.oneof(fc.double({ min: 0, max: 1000, noNaN: true }), fc.constant("NaN" as const)), { maxLength: 20 })
  const metric = fc.record({
    groups: fc.subarray(["a", "b"]),
    canary: fc.record({ direction: fc.constantFrom("increase" as const, "decrease" as const, "either" as const), critical: fc.boolean(), mustHaveData: fc.boolean() }, { requiredKeys: [] }),
    control: values,
    experiment: values,
    muted: fc.boolean()
  })
  test.prop([fc.array(metric, { minLength: 1, maxLength: 5 })])("muting a metric scores exactly as if it were not there (ScoringHelper filters before scoring)", (metrics) => {
    const named = metrics.map((m, i) => ({ ...m, name: `m${i}`, canary: { ...m.canary, ...(m.muted ? { muted: true } : {}) } }))
    const withMuted = run(request(named))
    const kept = named.filter((m) => !m.muted)
    const without = run(request(kept))
    expect(withMuted.results).toHaveLength(named.length)
    expect(withMuted.score.score).toBe(without.score.score)
    expect(withMuted.score.classification).toBe(without.score.classification)
    expect(withMuted.groupScores.map((g) => [g.name, g.score, g.classification])).toEqual(without.groupScores.map((g) => [g.name, g.score, g.classification]))
  })
})
