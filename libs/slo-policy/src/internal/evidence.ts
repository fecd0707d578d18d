/**
 * The analyzer's cross-window evidence, one named step per kind: warm-up,
 * drift, the sequential tests, pooling, spikes, the promotion bounds, the
 * no-harm check for `onNoDecision: promote-if-no-harm`, and the score. Each
 * step is a pure function of the metric's spec, its memory and this window's
 * assessment, so each is tested alone (test/internal/evidence.test.ts) and
 * `Analyzer.step` only wires them.
 */
import { Distributions, Ewma, Proportions, Quantile } from "@rollwise/stats-core"
import * as Assess from "../Assess.ts"
import type * as Multivariate from "../Multivariate.ts"
import type { MetricSpec, Spec } from "../SloSpec.ts"
import { type MetricVerdict, type Status, statusRank } from "../Verdict.ts"
import * as Stats from "./stats.ts"

/** Cross-window settings (documented defaults, in the README). */
export const settings = {
  /** EWMA smoothing of each metric's relative effect, for slow drift (leaks). */
  ewmaLambda: 0.3,
  /** Always-valid significance of the sequential tests that may roll back early. Type-I error ≤ this under continuous monitoring. */
  sequentialAlpha: 0.01,
  /** A candidate median this many baseline standard deviations worse, and 3× the tolerance, is a spike: rollback now. */
  spikeZ: 8,
  /** One-sided confidence of every "worst plausible" bound that may clear a promotion. */
  promotionConfidence: 0.9,
  /**
   * How far inside its SLO threshold a metric's worst plausible value must
   * stay to need no proof of relative non-inferiority (0.25: at most 75 % of
   * the threshold for lower-is-better metrics).
   */
  sloHeadroom: 0.25
} as const

/** One-sided z of {@link settings.promotionConfidence}, from stats-core. */
const zPromotion = Distributions.normalQuantile(settings.promotionConfidence)
/**
 * Confidence of the candidate's worst plausible value on the SLO route: 95 %
 * simultaneously over every window a spec may look at (Bonferroni over
 * `maxWindows` looks), so looking after each window does not wear it down.
 */
export const sloConfidence = (spec: Spec): number => 1 - 0.05 / Math.max(1, spec.maxWindows)

/** The pooled samples of a continuous metric after warm-up (badness scale, each sorted ascending). */
export interface Pooled {
  readonly candidate: Float64Array
  readonly baseline: Float64Array
  readonly windows: number
}

/** What the analyzer remembers of one metric between windows. */
export interface MetricState {
  /** EWMA chart of the relative effect (stats-core), started at the first effect. */
  readonly ewma?: Ewma.State
  /** Relative effects after warm-up, oldest first (for the trend check). */
  readonly effects?: ReadonlyArray<number>
  /** Sequential test on tail exceedances (continuous) or on bad events (ratio). */
  readonly sequential?: Stats.ProportionTest
  /** Sequential test on log samples: is the candidate worse by more than the tolerance? (continuous, positive metrics) */
  readonly shift?: Stats.MeanTest
  /** Usable samples after warm-up, pooled over windows (continuous). */
  readonly pooled?: Pooled
  /** Windows this metric had data in (any status but nodata). */
  readonly judged?: number
  /** Windows this metric failed in (after warm-up). */
  readonly failed?: number
  /** Whether the latest window had data. */
  readonly lastHadData?: boolean
  /** Multivariate metrics: the baseline rows the forest trains on and the scores pooled for the test. */
  readonly multivariate?: Multivariate.State
  /** Signatures metrics: the last windows' log lines, both tracks, oldest first (at most `Assess.signatureWindows`). */
  readonly logs?: ReadonlyArray<{ readonly baseline: Assess.LogLines; readonly candidate: Assess.LogLines }>
}

export const empty: MetricState = {}

const rank = statusRank
const pct = (x: number) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)} %`
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

// ---------------------------------------------------------------------------
// warm-up

/**
 * Warm-up: in the first `warmupWindows` a continuous, non-critical metric's
 * failure only holds (JIT, caches) and its evidence feeds no cross-window
 * test. Errors, counters and critical metrics are judged in full from the start.
 */
export const warmUp = (
  spec: Spec,
  metric: MetricSpec,
  windowIndex: number,
  assessed: Assess.Assessment
): { readonly inWarmUp: boolean; readonly assessed: Assess.Assessment; readonly effect?: number } => {
  const inWarmUp = windowIndex < spec.warmupWindows && metric.kind === "continuous" && !metric.critical
  if (!inWarmUp) return { inWarmUp, assessed }
  // the effect still starts the trend (a leak climbs from its first window), never the EWMA or a test
  const effect = assessed.verdict.status === "nodata" ? undefined : assessed.evidence.effect
  const verdict =
    assessed.verdict.status === "fail"
      ? { ...assessed.verdict, status: "marginal" as const, reason: `${assessed.verdict.reason}; warm-up window (${windowIndex + 1} of ${spec.warmupWindows}): holding, not failing` }
      : assessed.verdict
  return { inWarmUp, assessed: { verdict, evidence: {} }, ...(effect !== undefined ? { effect } : {}) }
}

// ---------------------------------------------------------------------------
// drift

/**
 * Drift of a continuous metric: the EWMA of its relative effect and the trend
 * of the effects (warm-up windows' effects start the trend but never the EWMA).
 */
export const drift = (
  metric: MetricSpec,
  prev: MetricState,
  status: Status,
  evidence: Assess.Evidence,
  warmUpEffect?: number
): { readonly status: Status; readonly notes: ReadonlyArray<string>; readonly ewma?: Ewma.State; readonly effects?: ReadonlyArray<number> } => {
  if (status === "nodata" || evidence.effect === undefined || metric.kind !== "continuous") {
    const effects = warmUpEffect === undefined ? prev.effects : [...(prev.effects ?? []), warmUpEffect]
    return { status, notes: [], ...(prev.ewma !== undefined ? { ewma: prev.ewma } : {}), ...(effects !== undefined ? { effects } : {}) }
  }
  const chart = Ewma.update(prev.ewma ?? Ewma.make({ target: evidence.effect, sigma: 0, lambda: settings.ewmaLambda }), evidence.effect)
  // the chart starts at the first effect, so its first point equals it: drift needs two windows
  const seenBefore = prev.ewma !== undefined
  const effects = [...(prev.effects ?? []), evidence.effect]
  const notes: Array<string> = []
  let next = status
  if (seenBefore && chart.value > 2 * metric.tolerance && next !== "fail") {
    next = "fail"
    notes.push(`drift: the smoothed effect (EWMA) is ${(100 * chart.value).toFixed(1)} %, over twice the tolerance`)
  } else if (seenBefore && chart.value > metric.tolerance && rank[next] < 1) {
    next = "marginal"
    notes.push(`drift: the smoothed effect (EWMA) is ${(100 * chart.value).toFixed(1)} %, over the ${(100 * metric.tolerance).toFixed(0)} % tolerance`)
  }
  const slope = trend(effects)
  const latest = effects.at(-1)!
  if (rank[next] < 1 && slope > metric.tolerance / 4 && latest > metric.tolerance / 2) {
    next = "marginal"
    notes.push(`climbing: the effect grows ${(100 * slope).toFixed(1)} points a window (now ${(100 * latest).toFixed(1)} %): holding to see where it goes`)
  }
  return { status: next, notes, ewma: chart, effects }
}

/** Least-squares slope of a series against its index (0 for fewer than two points). */
export const trend = (ys: ReadonlyArray<number>): number => {
  const n = ys.length
  if (n < 2) return 0
  const mx = (n - 1) / 2
  const my = ys.reduce((a, y) => a + y, 0) / n
  let sxy = 0
  let sxx = 0
  ys.forEach((y, x) => {
    sxy += (x - mx) * (y - my)
    sxx += (x - mx) ** 2
  })
  return sxy / sxx
}

// ---------------------------------------------------------------------------
// sequential tests

/**
 * The mixing scale τ of a metric's sequential count test, fixed by the spec
 * (never by the data, or the guarantee would not hold): for ratio metrics the
 * rate difference that matters, threshold × tolerance; for tail exceedances
 * the share of requests that matters, `Assess.tailExcess.fail`.
 */
export const tau = (metric: MetricSpec): number => (metric.kind === "ratio" ? Math.max(metric.threshold * metric.tolerance, 1e-4) : Assess.tailExcess.fail)

/**
 * The always-valid tests, folded over windows: bad events (ratio) or tail
 * exceedances (continuous) by a two-proportion mSPRT, and the log-scale shift
 * against the null "worse by at most the tolerance". A rejection with a
 * meaningful effect is a reason to roll back at once; its false-rollback rate
 * is at most `sequentialAlpha` however many windows are watched.
 */
export const sequential = (
  metric: MetricSpec,
  prev: MetricState,
  hasData: boolean,
  evidence: Assess.Evidence
): { readonly sequential?: Stats.ProportionTest; readonly shift?: Stats.MeanTest; readonly rollback: ReadonlyArray<string> } => {
  const counts =
    evidence.counts !== undefined
      ? { candidateSuccesses: evidence.counts.candidateErrors, candidateTrials: evidence.counts.candidateTotal, baselineSuccesses: evidence.counts.baselineErrors, baselineTrials: evidence.counts.baselineTotal }
      : evidence.tail !== undefined
        ? { candidateSuccesses: evidence.tail.candidateExceed, candidateTrials: evidence.tail.candidateN, baselineSuccesses: evidence.tail.baselineExceed, baselineTrials: evidence.tail.baselineN }
        : undefined
  const seq = counts === undefined ? prev.sequential : Stats.foldProportions(prev.sequential ?? Stats.proportionTest(tau(metric), settings.sequentialAlpha), counts)
  const margin = Math.log1p(metric.tolerance)
  const shift =
    evidence.logSamples !== undefined && hasData && margin > 0
      ? Stats.foldMeans(prev.shift ?? Stats.meanExcessTest(margin, settings.sequentialAlpha), evidence.logSamples)
      : prev.shift
  const rollback: Array<string> = []
  if (shift !== undefined && shift.decision === "reject" && shift.difference > margin) {
    rollback.push(
      `${metric.name}: sequential test over ${plural(shift.windows, "window")}, the candidate is ${(100 * Math.expm1(shift.difference)).toFixed(1)} % worse (geometric mean), beyond the ${(100 * metric.tolerance).toFixed(0)} % tolerance (always-valid p=${shift.pValue.toPrecision(2)} ≤ ${settings.sequentialAlpha})`
    )
  }
  if (counts !== undefined && seq !== undefined && seq.decision === "reject") {
    const rateC = seq.candidateSuccesses / seq.candidateTrials
    const rateB = seq.baselineSuccesses / seq.baselineTrials
    const meaningful = metric.kind === "ratio" ? rateC > rateB * (1 + metric.tolerance) : rateC - rateB >= Assess.tailExcess.fail
    if (meaningful) {
      const what = metric.kind === "ratio" ? "bad events" : "samples beyond the tail bound"
      rollback.push(
        `${metric.name}: sequential test over ${plural(seq.windows, "window")}, ${what} ${(100 * rateC).toPrecision(3)} % in the candidate vs ${(100 * rateB).toPrecision(3)} % in the baseline (always-valid p=${seq.pValue.toPrecision(2)} ≤ ${settings.sequentialAlpha})`
      )
    }
  }
  return { ...(seq !== undefined ? { sequential: seq } : {}), ...(shift !== undefined ? { shift } : {}), rollback }
}

// ---------------------------------------------------------------------------
// pooling

/** Pool this window's usable samples (after warm-up) with the earlier ones. */
export const pool = (prev: MetricState, hasData: boolean, evidence: Assess.Evidence): Pooled | undefined =>
  evidence.samples !== undefined && hasData
    ? {
        candidate: prev.pooled === undefined ? evidence.samples.candidate : Stats.mergeSorted(prev.pooled.candidate, evidence.samples.candidate),
        baseline: prev.pooled === undefined ? evidence.samples.baseline : Stats.mergeSorted(prev.pooled.baseline, evidence.samples.baseline),
        windows: (prev.pooled?.windows ?? 0) + 1
      }
    : prev.pooled

// ---------------------------------------------------------------------------
// spikes

/** A sharp spike: the candidate's median far outside anything the baseline does, in a failing window. */
export const spike = (metric: MetricSpec, status: Status, evidence: Assess.Evidence): string | undefined =>
  evidence.z !== undefined && evidence.effect !== undefined && evidence.z > settings.spikeZ && evidence.effect > 3 * metric.tolerance && status === "fail"
    ? `${metric.name}: spike, candidate median ${evidence.z.toFixed(1)} baseline standard deviations worse`
    : undefined

// ---------------------------------------------------------------------------
// the promotion bounds

/** Whether a metric's pooled evidence clears it for promotion, and on what ground. */
export type Clearance =
  | { readonly cleared: true; readonly ground: "relative" | "slo" | "no-comparison"; readonly note: string; readonly worst?: string }
  | { readonly cleared: false; readonly hold: string }

/**
 * The distribution-free upper confidence bound of a population quantile from
 * a sorted sample: the order statistic whose rank the binomial (normal
 * approximation) puts above the quantile with the given one-sided confidence.
 * Infinity when the sample is too small for one.
 */
export const quantileUpperBound = (sorted: Float64Array, q: number, confidence: number): number => {
  const n = sorted.length
  if (n === 0) return Infinity
  const z = Distributions.normalQuantile(confidence)
  const k = Math.ceil(n * q + z * Math.sqrt(n * q * (1 - q)) + 0.5) // 1-based rank, continuity corrected
  return k > n ? Infinity : sorted[k - 1]!
}

/** The SLO threshold with headroom, on the badness scale. */
const sloLimit = (metric: MetricSpec, sign: number): number => {
  const t = sign * metric.threshold
  return t - settings.sloHeadroom * Math.abs(t)
}

/**
 * Continuous metrics: cleared when the pooled Hodges–Lehmann shift's 90 %
 * upper bound is within the tolerance (relative non-inferiority), or — what
 * the user wrote as acceptable — when the candidate's worst plausible level
 * (the 90 % upper bound of its pooled median, the value the SLO is judged on)
 * stays inside the threshold with headroom and the pooled shift's point
 * estimate is within the tolerance. The tail must be clear too where the
 * tail check has the power to clear within `maxWindows`.
 */
const clearContinuous = (spec: Spec, metric: MetricSpec, st: MetricState): Clearance => {
  const pooled = st.pooled
  if (pooled === undefined || pooled.candidate.length === 0 || pooled.baseline.length === 0) {
    return { cleared: false, hold: `${metric.name}: no candidate samples pooled yet` }
  }
  const c = pooled.candidate
  const b = pooled.baseline
  const sign = metric.direction === "lower" ? 1 : -1
  const scale = Assess.relativeScale(b)
  const over = `over ${plural(pooled.windows, "window")}`
  const upper = Stats.hlUpper(c, b, settings.promotionConfidence, scale) / scale
  const tail = tailClearance(spec, metric, pooled)
  if (tail !== undefined) return tail
  const slope = trend(st.effects ?? [])
  if (slope > metric.tolerance / 4) {
    return { cleared: false, hold: `${metric.name}: the effect climbs ${(100 * slope).toFixed(1)} points a window over ${plural(st.effects!.length, "window")}; waiting to see where it goes` }
  }
  if (upper <= metric.tolerance) {
    return { cleared: true, ground: "relative", note: `${metric.name}: at worst ${pct(upper)} against the baseline ${over} (90 % bound), within the ${pct(metric.tolerance)} tolerance`, worst: `${metric.name} ${pct(upper)}` }
  }
  const estimate = Stats.hlShift(c, b, 0.5, scale).estimate / scale
  const worstLevel = quantileUpperBound(c, 0.5, sloConfidence(spec))
  const limit = sloLimit(metric, sign)
  if (estimate <= metric.tolerance && worstLevel <= limit) {
    const show = (x: number) => (Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3))
    return {
      cleared: true,
      ground: "slo",
      note: `${metric.name}: the candidate's worst plausible level ${show(sign * worstLevel)} (95 % bound ${over}, valid over all ${spec.maxWindows} looks) stays within the SLO ${show(metric.threshold)} with ${(100 * settings.sloHeadroom).toFixed(0)} % headroom, so it needs no proof against the baseline (estimate ${pct(estimate)}, could be up to ${pct(upper)})`,
      worst: `${metric.name} ${pct(upper)} (${show(sign * worstLevel)} against the SLO ${show(metric.threshold)})`
    }
  }
  return {
    cleared: false,
    hold: `${metric.name}: ${over} the candidate could still be up to ${(100 * upper).toFixed(1)} % worse (90 % bound), more than the ${(100 * metric.tolerance).toFixed(0)} % tolerance${estimate > metric.tolerance ? "" : ", and its worst plausible level is not clearly inside the SLO"}`
  }
}

/**
 * The tail compared like with like: the share of the candidate's pooled
 * samples beyond the baseline's own pooled p95 plus the tolerance — after
 * taking out the candidate's location shift (Hodges–Lehmann, when worse),
 * which the location bounds judge — against the baseline's share beyond
 * that same bound. A spike process present in
 * both tracks lifts both shares alike (it is in the baseline's p95 too),
 * whichever windows it fell in; a sparse regression (a few requests much
 * slower, or per-step p95s jumping to a slow mode) lifts only the
 * candidate's.
 */
export const pooledTail = (
  pooled: Pooled,
  tolerance: number
): { readonly candidateBeyond: number; readonly baselineBeyond: number; readonly candidateShare: number; readonly baselineShare: number; readonly bound: number } => {
  const b = pooled.baseline
  const c = pooled.candidate
  const q = Quantile.type7Sorted(b, 0.95)
  const bound = q + Math.max(Math.abs(q) * tolerance, 1e-12)
  // the candidate's location shift (when worse) taken out first: a shift within the tolerance lifts every value, not the tail's shape
  const scale = Assess.relativeScale(b)
  const shift = Math.max(0, Stats.hlShift(c, b, 0.5, scale).estimate)
  const beyond = (xs: Float64Array, by: number) => {
    const limit = bound + by
    // both sorted ascending: the first index past the bound, by bisection
    let lo = 0
    let hi = xs.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (xs[mid]! > limit) hi = mid
      else lo = mid + 1
    }
    return xs.length - lo
  }
  const candidateBeyond = beyond(c, shift)
  const baselineBeyond = beyond(b, 0)
  return { candidateBeyond, baselineBeyond, candidateShare: candidateBeyond / c.length, baselineShare: baselineBeyond / b.length, bound }
}

/** The pooled tail comparison with its 90 % bounds, and whether the upper bound could reach `tailExcess.fail` by `maxWindows`. */
export const tailBounds = (spec: Spec, metric: MetricSpec, pooled: Pooled) => {
  const nc = pooled.candidate.length
  const nb = pooled.baseline.length
  const { candidateShare: rc, baselineShare: rb, candidateBeyond, baselineBeyond } = pooledTail(pooled, metric.tolerance)
  const p = (rc * nc + rb * nb) / (nc + nb)
  const variance = Math.max(p * (1 - p), 1e-4)
  const half = (n1: number, n2: number) => zPromotion * Math.sqrt(variance * (1 / n1 + 1 / n2))
  const h = half(nc, nb)
  // how surprising the candidate's excess would be without one: Fisher's exact one-sided p (few, small counts)
  const excessP = Stats.fisherGreater(candidateBeyond, nc, baselineBeyond, nb)
  // the bound's half-width at maxWindows, at this rate of samples per window
  const atMax = half((nc / pooled.windows) * Math.max(spec.maxWindows, pooled.windows), (nb / pooled.windows) * Math.max(spec.maxWindows, pooled.windows))
  return { candidateShare: rc, baselineShare: rb, samples: nc, upper: rc - rb + h, excessP, canClear: atMax <= Assess.tailExcess.fail }
}

/**
 * The tail's share in a promotion: the 90 % upper bound of the candidate's
 * excess share beyond the baseline's tail ({@link pooledTail}) must be within
 * `Assess.tailExcess.fail`. Where that bound cannot get there by
 * `maxWindows` at this metric's sample rate — a few per-step values a window
 * (a live Prometheus window at a 10 s step gives 12) can never bound a
 * 2-point excess — the tail holds a promotion only on a sign of an excess
 * (Fisher's one-sided p below 0.3): the values are then tail statistics
 * themselves (p95 per step), a sparse regression lifts many of them, and the
 * sequential tail test still rolls back on evidence of harm. Undefined: the
 * tail does not hold the promotion.
 */
const tailClearance = (spec: Spec, metric: MetricSpec, pooled: Pooled): Clearance | undefined => {
  const t = tailBounds(spec, metric, pooled)
  if (t.upper <= Assess.tailExcess.fail) return undefined
  if (!t.canClear && t.excessP >= 0.3) return undefined
  return {
    cleared: false,
    hold: `${metric.name}: ${(100 * t.candidateShare).toFixed(1)} % of the candidate's samples lie beyond the baseline's p95 + tolerance against ${(100 * t.baselineShare).toFixed(1)} % of the baseline's; its tail could still be up to ${(100 * t.upper).toFixed(1)} points worse (90 % bound over ${t.samples} samples); waiting for more`
  }
}

/**
 * Ratio metrics: cleared when the 90 % upper bound of rate_c − (1 + tolerance)
 * · rate_b is below 0 (relative non-inferiority on counts), or when the
 * candidate's worst plausible rate (the one-sided 90 % Wilson bound of its
 * pooled counts) stays inside the SLO threshold with headroom and its rate is
 * no more than the tolerated multiple of the baseline's.
 */
const clearRatio = (spec: Spec, metric: MetricSpec, st: MetricState): Clearance => {
  const seq = st.sequential
  if (seq === undefined || seq.candidateTrials === 0 || seq.baselineTrials === 0) return { cleared: false, hold: `${metric.name}: no counts yet` }
  const nc = seq.candidateTrials
  const nb = seq.baselineTrials
  const rc = seq.candidateSuccesses / nc
  const rb = seq.baselineSuccesses / nb
  const k = 1 + metric.tolerance
  // Agresti–Caffo: one event and one non-event added to each track, so a handful of events (or none) still carries its uncertainty
  const ac = (x: number, n: number) => (x + 1) / (n + 2)
  const pc = ac(seq.candidateSuccesses, nc)
  const pb = ac(seq.baselineSuccesses, nb)
  const se = Math.sqrt((pc * (1 - pc)) / (nc + 2) + (k * k * pb * (1 - pb)) / (nb + 2))
  const upper = pc - k * pb + zPromotion * se
  const show = (r: number) => `${(100 * r).toPrecision(3)} %`
  const worstRate = Proportions.wilsonInterval(seq.candidateSuccesses, nc, 2 * sloConfidence(spec) - 1).upper
  if (upper <= 0) {
    return { cleared: true, ground: "relative", note: `${metric.name}: ${show(rc)} over ${nc} requests, within ${pct(metric.tolerance)} of the baseline's ${show(rb)} (90 % bound)`, worst: `${metric.name} ${show(worstRate)}` }
  }
  const thresholdBad = metric.direction === "lower" ? metric.threshold : 1 - metric.threshold
  const limit = thresholdBad * (1 - settings.sloHeadroom)
  if (worstRate <= limit && rc <= k * rb) {
    return {
      cleared: true,
      ground: "slo",
      note: `${metric.name}: the candidate's worst plausible rate ${show(worstRate)} stays within the SLO ${show(thresholdBad)} with ${(100 * settings.sloHeadroom).toFixed(0)} % headroom (95 % bound over ${nc} requests, valid over all ${spec.maxWindows} looks), so it needs no proof against the baseline's ${show(rb)}`,
      worst: `${metric.name} ${show(worstRate)}`
    }
  }
  return {
    cleared: false,
    hold: `${metric.name}: after ${nc} requests the candidate's rate ${show(rc)} could still exceed the baseline's ${show(rb)} by more than the ${(100 * metric.tolerance).toFixed(0)} % tolerance (90 % bound), and its worst plausible rate ${show(worstRate)} is not clearly inside the SLO ${show(thresholdBad)}; waiting for more traffic`
  }
}

/** Whether the evidence pooled so far clears a metric for promotion. Counters need no pooled proof: their windows' statuses are the evidence. */
export const clearance = (spec: Spec, metric: MetricSpec, st: MetricState): Clearance =>
  metric.kind === "continuous" ? clearContinuous(spec, metric, st) : metric.kind === "ratio" ? clearRatio(spec, metric, st) : { cleared: true, ground: "no-comparison", note: `${metric.name}: within its threshold in every judged window` }

// ---------------------------------------------------------------------------
// no harm (onNoDecision: promote-if-no-harm)

/** The outcome of {@link noHarm}. */
export type NoHarm = { readonly ok: true; readonly evidence: string } | { readonly ok: false; readonly blockers: ReadonlyArray<string> }

/**
 * Whether a release that reached `maxWindows` undecided may be promoted on
 * limited evidence: every metric had data in at least `promoteAfter` windows
 * and in the latest one (nodata is never evidence of no harm), no metric
 * failed in any window, no sequential test leans towards harm (always-valid
 * p > 0.1), and each metric's pooled estimate is within its tolerance or its
 * worst plausible value inside the SLO. The evidence says in words what the
 * promotion rested on.
 */
export const noHarm = (spec: Spec, states: Readonly<Record<string, MetricState>>, statuses: ReadonlyArray<MetricVerdict>): NoHarm => {
  const blockers: Array<string> = []
  const worst: Array<string> = []
  let samples: number | undefined
  for (const metric of spec.metrics) {
    const st = states[metric.name] ?? empty
    const judged = st.judged ?? 0
    if (judged === 0) blockers.push(`${metric.name} has no data`)
    else {
      if (judged < spec.promoteAfter) blockers.push(`${metric.name} had data in ${plural(judged, "window")}, fewer than promoteAfter ${spec.promoteAfter}`)
      if (st.lastHadData !== true) blockers.push(`${metric.name} has no data in the latest window`)
    }
    if ((st.failed ?? 0) > 0) blockers.push(`${metric.name} failed in ${plural(st.failed!, "window")}`)
    const leaning = [st.sequential, st.shift].filter((t) => t !== undefined && t.pValue <= 0.1)
    if (leaning.length > 0) blockers.push(`${metric.name}: a sequential test leans towards harm (always-valid p=${Math.min(...leaning.map((t) => t!.pValue)).toPrecision(2)})`)
    if (metric.kind === "continuous" && st.pooled !== undefined && st.pooled.candidate.length > 0 && st.pooled.baseline.length > 0) {
      samples = Math.min(samples ?? Infinity, st.pooled.candidate.length, st.pooled.baseline.length)
      const scale = Assess.relativeScale(st.pooled.baseline)
      const estimate = Stats.hlShift(st.pooled.candidate, st.pooled.baseline, 0.5, scale).estimate / scale
      const upper = Stats.hlUpper(st.pooled.candidate, st.pooled.baseline, settings.promotionConfidence, scale) / scale
      const smoothed = st.ewma?.value ?? estimate
      const slope = trend(st.effects ?? [])
      if (estimate > metric.tolerance) blockers.push(`${metric.name} is ${pct(estimate)} against the baseline, beyond the ${pct(metric.tolerance)} tolerance`)
      else if (smoothed > metric.tolerance) blockers.push(`${metric.name}'s recent windows are ${pct(smoothed)} against the baseline (EWMA), beyond the ${pct(metric.tolerance)} tolerance`)
      else if (slope > metric.tolerance / 4) blockers.push(`${metric.name}'s effect climbs ${(100 * slope).toFixed(1)} points a window`)
      else if (tailBounds(spec, metric, st.pooled).excessP < 0.1) {
        const t = pooledTail(st.pooled, metric.tolerance)
        blockers.push(`${(100 * t.candidateShare).toFixed(1)} % of ${metric.name}'s candidate samples lie beyond the baseline's p95 + tolerance against ${(100 * t.baselineShare).toFixed(1)} % of the baseline's`)
      } else if (upper > 2 * metric.tolerance) blockers.push(`${metric.name} could still be ${pct(upper)} worse (90 % bound), more than twice the ${pct(metric.tolerance)} tolerance`)
      else worst.push(`worst plausible ${metric.name} ${pct(upper)}`)
    }
    if (metric.kind === "ratio" && st.sequential !== undefined && st.sequential.candidateTrials > 0 && st.sequential.baselineTrials > 0) {
      const s = st.sequential
      const rc = s.candidateSuccesses / s.candidateTrials
      const rb = s.baselineSuccesses / s.baselineTrials
      const thresholdBad = metric.direction === "lower" ? metric.threshold : 1 - metric.threshold
      const worstRate = Proportions.wilsonInterval(s.candidateSuccesses, s.candidateTrials, 2 * settings.promotionConfidence - 1).upper
      // beyond the tolerated multiple of the baseline: only with its worst plausible rate well inside the SLO (the headroom)
      if (rc > rb * (1 + metric.tolerance) && worstRate > thresholdBad * (1 - settings.sloHeadroom)) {
        blockers.push(
          `${metric.name} ${(100 * rc).toPrecision(3)} % is beyond ${pct(metric.tolerance)} of the baseline's ${(100 * rb).toPrecision(3)} % and could still be ${(100 * worstRate).toPrecision(3)} % (90 % bound), not clearly inside the SLO ${(100 * thresholdBad).toPrecision(3)} %`
        )
      } else if (worstRate > thresholdBad) {
        blockers.push(
          `${metric.name} ${(100 * rc).toPrecision(3)} % (baseline ${(100 * rb).toPrecision(3)} %) could still be ${(100 * worstRate).toPrecision(3)} % (90 % bound over ${s.candidateTrials} requests), beyond the SLO ${(100 * thresholdBad).toPrecision(3)} %`
        )
      } else worst.push(`worst plausible ${metric.name} ${(100 * worstRate).toPrecision(3)} %`)
    }
  }
  const failingNow = statuses.filter((m) => m.status === "fail" || m.status === "nodata")
  for (const m of failingNow) if (!blockers.some((b) => b.startsWith(m.name))) blockers.push(`${m.name} is ${m.status} in the latest window`)
  if (blockers.length > 0) return { ok: false, blockers }
  const parts = [...(samples !== undefined ? [`${samples} samples per track`] : []), ...worst, "no window failed"]
  return { ok: true, evidence: `promoted on limited evidence: ${parts.join(", ")}` }
}

// ---------------------------------------------------------------------------
// score

/** 0–100: the weighted share of healthy metrics in this window (pass 1, marginal or nodata ½, fail 0). */
export const score = (spec: Spec, metrics: ReadonlyArray<MetricVerdict>): number => {
  const weights = new Map(spec.metrics.map((m) => [m.name, m.weight]))
  const totalWeight = metrics.reduce((a, m) => a + (weights.get(m.name) ?? 1), 0)
  const credit = (s: Status) => (s === "pass" ? 1 : s === "fail" ? 0 : 0.5)
  const value = totalWeight === 0 ? 0 : (100 * metrics.reduce((a, m) => a + (weights.get(m.name) ?? 1) * credit(m.status), 0)) / totalWeight
  return Math.round(value * 10) / 10
}
