import { Analyses, ApiError, Kayenta } from "@rollwise/api-contract"
import { Decode } from "@rollwise/input-schema"
import { Assess, type SloSpec } from "@rollwise/slo-policy"
import { Context, Effect } from "effect"
import { finiteOrNull } from "./internal/finite.ts"
import { Moments, Sample } from "@rollwise/stats-core"

// ---------------------------------------------------------------------------
// Judging

/** A series as numbers: Jackson's "NaN" / "Infinity" / "-Infinity" (and null) become NaN / ±∞. */
export const toNumbers = (values: ReadonlyArray<Kayenta.Value>): ReadonlyArray<number> =>
  values.map((v) => (typeof v === "number" ? v : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : NaN))

/**
 * A series after the metric's NaN strategy. Anything not a finite number
 * (NaN, ±∞) is "not a number" here: `remove` drops it (the analyzer then
 * counts too few samples as no data), `replace` makes it 0 as Kayenta does.
 */
export const applyNanStrategy = (values: ReadonlyArray<number>, strategy: "remove" | "replace"): ReadonlyArray<number> =>
  strategy === "remove" ? values.filter(Number.isFinite) : values.map((x) => (Number.isFinite(x) ? x : 0))

// the values are finite here: the NaN strategy removed or replaced everything else
const stats = (xs: ReadonlyArray<number>): typeof Kayenta.Stats.Type => {
  const sorted = Sample.sortedFinite(xs).values
  const n = sorted.length
  if (n === 0) return { count: 0, min: 0, max: 0, mean: 0, median: 0, std: 0 }
  const moments = Moments.of(sorted)
  const finite = (x: number) => (Number.isFinite(x) ? x : 0)
  return { count: n, min: sorted[0]!, max: sorted[n - 1]!, mean: finite(moments.mean), median: Sample.median(sorted), std: finite(Moments.standardDeviation(moments)) }
}


/** The metric as Rollwise's analyzer sees it: no absolute SLO (Kayenta has none), only the baseline comparison. */
const specOf = (name: string, direction: "lower" | "higher", tolerance: number): SloSpec.MetricSpec => ({
  name,
  kind: "continuous",
  source: "prometheus",
  direction,
  threshold: direction === "lower" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY,
  tolerance,
  critical: false,
  weight: 1,
  failAfter: 1
})

/** The settings of one metric with Kayenta's defaults filled in. */
export interface MetricSettings {
  readonly direction: "increase" | "decrease" | "either"
  readonly nanStrategy: "remove" | "replace"
  readonly critical: boolean
  readonly mustHaveData: boolean
  /** Listed but left out of every score. */
  readonly muted: boolean
  /** Rollwise tolerance upward: `max(0, allowedIncrease − 1)`. */
  readonly toleranceUp: number
  /** Rollwise tolerance downward: `max(0, 1 − allowedDecrease)`. */
  readonly toleranceDown: number
  /** Smallest relative rise that makes a critical metric's High fail the canary: `max(0, criticalIncrease − 1)`. */
  readonly criticalUp: number
  /** Smallest relative fall that makes a critical metric's Low fail the canary: `max(0, 1 − criticalDecrease)`. */
  readonly criticalDown: number
}

/** A metric config's settings, Kayenta's defaults where absent (either, remove, not critical, effect sizes 1.0). */
export const settingsOf = (metric: Kayenta.MetricConfig): MetricSettings => {
  const canary = metric.analysisConfigurations?.canary
  const effect = canary?.effectSize
  return {
    direction: canary?.direction ?? "either",
    nanStrategy: canary?.nanStrategy ?? "remove",
    critical: canary?.critical ?? false,
    mustHaveData: canary?.mustHaveData ?? false,
    muted: canary?.muted ?? false,
    toleranceUp: Math.max(0, (effect?.allowedIncrease ?? 1) - 1),
    toleranceDown: Math.max(0, 1 - (effect?.allowedDecrease ?? 1)),
    criticalUp: Math.max(0, (effect?.criticalIncrease ?? 1) - 1),
    criticalDown: Math.max(0, 1 - (effect?.criticalDecrease ?? 1))
  }
}

/** One metric's classification before scoring. */
export interface MetricJudgement {
  readonly classification: Kayenta.Classification
  readonly reason: string
  readonly critical: boolean
  /** The analyzer's verdict that decided (for `either`: the direction that failed, or the worse of the two). */
  readonly verdict: Assess.Assessment["verdict"]
}

const rank = { pass: 0, nodata: 0, marginal: 1, fail: 2 } as const

/**
 * Judge one metric's series (as numbers, NaN included: see {@link toNumbers})
 * with Rollwise's analyzer, after its NaN strategy. `increase` is judged
 * lower-is-better, `decrease` higher-is-better, `either` both ways (a
 * failure upward is High, downward Low; if both fail — the spread grew both
 * ways — the side the median moved to). `marginal` (over the tolerance but
 * not certain) is shown as Pass with the reason saying so: Kayenta's own
 * classifier calls a shift it cannot establish Pass, and a Spinnaker user
 * reads High/Low as "this metric regressed", which Rollwise has not shown.
 * No data is Nodata; for a `mustHaveData` metric NodataFailMetric; for a
 * critical metric Nodata marked critical (it fails the canary, as in Kayenta).
 */
export const judgeMetric = (name: string, settings: MetricSettings, control: ReadonlyArray<number>, experiment: ReadonlyArray<number>): MetricJudgement => {
  // under `remove` the analyzer drops the non-finite values itself, and counts them in its no-data reason
  const series = (xs: ReadonlyArray<number>) => ({ _tag: "Values" as const, values: settings.nanStrategy === "remove" ? xs : applyNanStrategy(xs, "replace") })
  const window = { baseline: series(control), candidate: series(experiment) }
  const up = settings.direction === "decrease" ? undefined : Assess.continuous(specOf(name, "lower", settings.toleranceUp), window).verdict
  const down = settings.direction === "increase" ? undefined : Assess.continuous(specOf(name, "higher", settings.toleranceDown), window).verdict
  const verdicts = [up, down].filter((v) => v !== undefined)

  const nodata = verdicts.find((v) => v.status === "nodata")
  if (nodata !== undefined) {
    if (settings.critical) return { classification: "Nodata", reason: `${nodata.reason}; a critical metric without data fails the canary`, critical: true, verdict: nodata }
    if (settings.mustHaveData) return { classification: "NodataFailMetric", reason: `${nodata.reason}; mustHaveData: counted as not passing`, critical: false, verdict: nodata }
    return { classification: "Nodata", reason: nodata.reason, critical: false, verdict: nodata }
  }

  const upFails = up?.status === "fail"
  const downFails = down?.status === "fail"
  if (upFails || downFails) {
    // both fail only when the spread grew both ways: side with the direction the median moved
    const high = upFails && (!downFails || (up.effect ?? 0) >= (down!.effect ?? 0))
    const verdict = high ? up! : down!
    const effect = verdict.effect ?? 0
    const critical = settings.critical && effect >= (high ? settings.criticalUp : settings.criticalDown)
    const note = settings.critical && !critical ? `; below the critical effect size (${high ? "criticalIncrease" : "criticalDecrease"}): not a critical failure` : ""
    return { classification: high ? "High" : "Low", reason: `${verdict.reason}${note}`, critical, verdict }
  }

  const shown = verdicts.reduce((a, b) => (rank[b.status] > rank[a.status] ? b : a))
  return { classification: "Pass", reason: shown.status === "marginal" ? `marginal, shown as Pass: ${shown.reason}` : shown.reason, critical: false, verdict: shown }
}

const meanOf = (xs: ReadonlyArray<number>) => (xs.length === 0 ? 0 : xs.reduce((a, v) => a + v, 0) / xs.length)

const classify = (score: number, thresholds: Kayenta.Request["scoreThresholds"]): "Pass" | "Marginal" | "Fail" =>
  score >= thresholds.pass ? "Pass" : score >= thresholds.marginal ? "Marginal" : "Fail"

const round2 = (x: number) => Math.round(x * 100) / 100

const fail = (field: string, detail: string) => new ApiError.InputError({ field, message: `${field}: ${detail}` })

/** The request's problems a schema cannot see: thresholds, weights, unknown metrics, extreme values. */
const check = (request: Kayenta.Request): ApiError.InputError | undefined => {
  const { pass, marginal } = request.scoreThresholds
  for (const [key, value] of [["pass", pass], ["marginal", marginal]] as const) {
    if (value < 0 || value > 100) return fail(`scoreThresholds.${key}`, `${value} is outside 0..100 (a score is a percentage)`)
  }
  if (marginal > pass) return fail("scoreThresholds.marginal", `${marginal} is above pass ${pass}; marginal must not exceed pass`)
  const weights = request.canaryConfig.classifier?.groupWeights ?? {}
  let total = 0
  for (const [group, weight] of Object.entries(weights)) {
    if (weight < 0) return fail(Decode.formatPath(["canaryConfig", "classifier", "groupWeights", group]), `${weight} is negative`)
    total += weight
  }
  if (total > 100 + 1e-9) return fail("canaryConfig.classifier.groupWeights", `the weights total ${total}, more than 100`)
  const known = new Set(request.canaryConfig.metrics.map((m) => m.name))
  for (const [i, pair] of request.metricSetPairList.entries()) {
    if (!known.has(pair.name)) {
      const names = [...known]
      return fail(
        `metricSetPairList[${i}].name`,
        `no metric ${JSON.stringify(pair.name)} in canaryConfig.metrics (it has ${names.length === 0 ? "none" : names.slice(0, 10).join(", ") + (names.length > 10 ? ", …" : "")})`
      )
    }
    for (const track of ["control", "experiment"] as const) {
      const values = pair.values[track] ?? []
      for (let j = 0; j < values.length; j++) {
        const v = values[j]
        if (typeof v === "number" && Math.abs(v) > Analyses.maxMagnitude) {
          return fail(`metricSetPairList[${i}].values.${track}[${j}]`, `${v} is beyond ±1e15, more than any metric measures`)
        }
      }
    }
  }
  return undefined
}

/**
 * Judge a remote-judge request. Pure: no I/O, no clock. Each metric pair is
 * classified by {@link judgeMetric}; groups score the share of their judged
 * metrics that pass (Pass over Pass, High, Low and NodataFailMetric) ×100; the
 * summary is the group scores weighted by `groupWeights` (groups without a
 * weight share what is left of 100; equal weights when there are none;
 * normalised over the groups present, so it stays in 0..100), rounded to 2
 * decimals, then Pass ≥ `pass`, Marginal ≥ `marginal`, else Fail. A critical
 * metric's critical failure, or half or more metrics without data, scores 0.
 * A muted metric (`analysisConfigurations.canary.muted`) is judged and
 * listed (`muted: true`) but counts in none of this, as in Kayenta.
 *
 * ApiError.InputError when: a metric pair names no metric of the config
 * (`metricSetPairList[i].name`); a threshold is outside 0..100 or `marginal`
 * exceeds `pass` (`scoreThresholds.<key>`); a group weight is negative or
 * the weights total more than 100 (`canaryConfig.classifier.groupWeights…`);
 * a value is beyond ±1e15 (`metricSetPairList[i].values.<track>[j]`).
 */
export const judgeHere = (request: Kayenta.Request): Effect.Effect<Kayenta.Response, ApiError.InputError> =>
  Effect.suspend(() => {
    const problem = check(request)
    return problem === undefined ? Effect.succeed(score(request)) : Effect.fail(problem)
  })

/**
 * Where {@link judge} runs a decoded request: by default {@link judgeHere},
 * on the calling thread. A Node server that must keep answering health
 * checks while a large payload is judged provides a function handing the
 * request to its analysis worker threads, which run {@link judgeHere} on it
 * — the same answers, off the thread that serves HTTP.
 */
export const Judge = Context.Reference<(request: Kayenta.Request) => Effect.Effect<Kayenta.Response, ApiError.InputError>>("@rollwise/api-contract/Kayenta/Judge", {
  defaultValue: () => judgeHere
})

/** {@link judgeHere} wherever the context's {@link Judge} puts it (the route's entry point). */
export const judge = (request: Kayenta.Request): Effect.Effect<Kayenta.Response, ApiError.InputError> => Judge.use((run) => run(request))

const score = (request: Kayenta.Request): Kayenta.Response => {
  const configs = new Map<string, Kayenta.MetricConfig>()
  for (const m of request.canaryConfig.metrics) if (!configs.has(m.name)) configs.set(m.name, m)

  const judged = request.metricSetPairList.map((pair) => {
    const config = configs.get(pair.name)!
    const settings = settingsOf(config)
    const rawControl = toNumbers(pair.values.control ?? [])
    const rawExperiment = toNumbers(pair.values.experiment ?? [])
    const j = judgeMetric(pair.name, settings, rawControl, rawExperiment)
    const control = applyNanStrategy(rawControl, settings.nanStrategy)
    const experiment = applyNanStrategy(rawExperiment, settings.nanStrategy)
    const controlMean = meanOf(control)
    const ratio = controlMean === 0 || control.length === 0 || experiment.length === 0 ? 1 : meanOf(experiment) / controlMean
    const result: Kayenta.AnalysisResult = {
      name: pair.name,
      id: pair.id ?? pair.name,
      tags: pair.tags ?? {},
      classification: j.classification,
      classificationReason: j.reason,
      groups: config.groups ?? [],
      experimentMetadata: { stats: stats(experiment) },
      controlMetadata: { stats: stats(control) },
      resultMetadata: { ratio: Number.isFinite(ratio) ? ratio : 1, status: j.verdict.status, effect: finiteOrNull(j.verdict.effect), pValue: finiteOrNull(j.verdict.p_value) },
      critical: j.critical,
      muted: settings.muted
    }
    return result
  })
  // every result is answered; only the unmuted ones are scored (Kayenta's ScoringHelper)
  const scored = judged.filter((r) => !r.muted)
  const muted = judged.filter((r) => r.muted).map((r) => r.name)

  // groups, in order of first appearance
  const members = new Map<string, Array<Kayenta.AnalysisResult>>()
  for (const r of scored) for (const g of r.groups) members.set(g, [...(members.get(g) ?? []), r])
  const groupScores: Array<Kayenta.GroupScore> = [...members].map(([name, results]) => {
    const counted = results.filter((r) => r.classification !== "Nodata")
    const passing = counted.filter((r) => r.classification === "Pass").length
    if (counted.length === 0) {
      return { name, score: 100, classification: "Nodata", classificationReason: `no metric of ${name} had data (${results.length} without); the group does not lower the score` }
    }
    const s = (100 * passing) / counted.length
    return { name, score: s, classification: classify(s, request.scoreThresholds), classificationReason: `${passing} of ${counted.length} judged metrics pass` }
  })

  const weights = request.canaryConfig.classifier?.groupWeights ?? {}
  const weighted = groupScores.filter((g) => weights[g.name] !== undefined)
  const unweighted = groupScores.length - weighted.length
  const leftover = unweighted === 0 ? 0 : Math.max(0, 100 - Object.values(weights).reduce((a, w) => a + w, 0)) / unweighted
  const weightOf = (g: Kayenta.GroupScore) => weights[g.name] ?? leftover
  const totalWeight = groupScores.reduce((a, g) => a + weightOf(g), 0)
  const raw =
    groupScores.length === 0 ? 0 : totalWeight > 0 ? groupScores.reduce((a, g) => a + g.score * weightOf(g), 0) / totalWeight : groupScores.reduce((a, g) => a + g.score, 0) / groupScores.length
  const summary = Math.min(100, Math.max(0, round2(raw)))

  const criticalFailure = scored.find((r) => r.critical)
  const nodata = scored.filter((r) => r.classification === "Nodata").length
  const named = (c: Kayenta.Classification) => scored.filter((r) => r.classification === c).map((r) => r.name)
  const thresholds = request.scoreThresholds
  const mutedNote = muted.length === 0 ? "" : `; muted (not scored): ${muted.join(", ")}`

  if (criticalFailure !== undefined) {
    return {
      judgeName: Kayenta.judgeName,
      results: judged,
      groupScores,
      score: { score: 0, classification: "Fail", classificationReason: `critical metric ${criticalFailure.name} is ${criticalFailure.classification}: ${criticalFailure.classificationReason}${mutedNote}` }
    }
  }
  if (scored.length > 0 && nodata / scored.length >= Kayenta.nodataThreshold) {
    return {
      judgeName: Kayenta.judgeName,
      results: judged,
      groupScores,
      score: { score: 0, classification: "Fail", classificationReason: `${nodata} of ${scored.length} metrics had no data (${Kayenta.nodataThreshold * 100} % or more): nothing to pass the canary on${mutedNote}` }
    }
  }
  if (groupScores.length === 0) {
    return {
      judgeName: Kayenta.judgeName,
      results: judged,
      groupScores,
      score: {
        score: 0,
        classification: "Fail",
        classificationReason:
          judged.length === 0 ? "no metrics to judge" : scored.length === 0 ? `every metric is muted, so none is scored${mutedNote}` : `no judged metric belongs to a group, so none is scored${mutedNote}`
      }
    }
  }
  const parts = [
    ...(["High", "Low", "NodataFailMetric", "Nodata"] as const).flatMap((c) => {
      const names = named(c)
      return names.length === 0 ? [] : [`${c}: ${names.join(", ")}`]
    }),
    ...(() => {
      const marginal = scored.filter((r) => r.resultMetadata.status === "marginal").map((r) => r.name)
      return marginal.length === 0 ? [] : [`marginal (shown as Pass): ${marginal.join(", ")}`]
    })(),
    ...(muted.length === 0 ? [] : [`muted (not scored): ${muted.join(", ")}`])
  ]
  const classification = classify(summary, thresholds)
  return {
    judgeName: Kayenta.judgeName,
    results: judged,
    groupScores,
    score: {
      score: summary,
      classification,
      classificationReason: `score ${summary} (${classification}: pass ≥ ${thresholds.pass}, marginal ≥ ${thresholds.marginal}); ${named("Pass").length} of ${scored.length} metrics pass${parts.length === 0 ? "" : `; ${parts.join("; ")}`}`
    }
  }
}
