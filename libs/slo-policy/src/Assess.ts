import { Signatures } from "@rollwise/log-signatures"
import * as Stats from "./internal/stats.ts"
import type { MetricWindow, Sample } from "./Observation.ts"
import { defaultMinSamples, type MetricSpec } from "./SloSpec.ts"
import { type MetricVerdict, type Status, statusRank } from "./Verdict.ts"

/**
 * Judging one metric in one window: the candidate against its SLO threshold
 * and against the baseline, in words and numbers. Pure and total: every input,
 * however thin, gives a verdict (thin input gives `nodata`).
 *
 * Everything is computed on a "badness" scale (the value for lower-is-better
 * metrics, its negative for higher-is-better), so "larger is worse" holds for
 * every test below.
 */

/** Significance levels. Kept small: a rollout sees many windows and must not roll back healthy releases. */
export const alpha = {
  /** Location shift (Mann–Whitney) and ratio (Fisher) tests per window. */
  shift: 0.01,
  /** Tail exceedance test for sparse regressions. */
  tail: 0.001,
  /** Evidence short of `tail` but worth holding for. */
  tailMarginal: 0.01,
  /**
   * A ratio's rate above its SLO holds (marginal) when a binomial test at the
   * threshold says it is unlikely to be chance; otherwise the pooled evidence
   * across windows decides (a promotion still needs it to clear).
   */
  sloBreach: 0.2,
  /** Family-wise (Holm) error of one window's log templates for a new error signature. */
  signatures: 0.001
} as const

/** How much more often the candidate must exceed the tail bound than the baseline (share of samples). */
export const tailExcess = { fail: 0.02, marginal: 0.01 } as const

/** Confidence of the Hodges–Lehmann interval reported with each continuous verdict. */
export const confidence = 0.9

/** Extra counts the analyzer carries between windows (tail exceedances, cumulative ratio counts). */
export interface Evidence {
  /** Tail check: samples above the pooled tail bound, per track. */
  readonly tail?: { readonly candidateExceed: number; readonly candidateN: number; readonly baselineExceed: number; readonly baselineN: number }
  /** Ratio counts this window. */
  readonly counts?: { readonly candidateErrors: number; readonly candidateTotal: number; readonly baselineErrors: number; readonly baselineTotal: number }
  /** Relative effect of the candidate this window (for drift), when defined. */
  readonly effect?: number
  /** z-score of the candidate's median against the baseline's spread (for spikes). */
  readonly z?: number
  /** The window's usable samples on the badness scale, sorted ascending (continuous metrics), for evidence pooled across windows. */
  readonly samples?: { readonly candidate: Float64Array; readonly baseline: Float64Array }
  /** The tail bound used this window (badness scale). */
  readonly tailBound?: number
  /**
   * Log samples oriented so that larger is worse (log v for lower-is-better,
   * −log v for higher-is-better), when every usable sample is positive: a
   * relative tolerance is then a fixed difference, log(1 + tolerance).
   */
  readonly logSamples?: { readonly candidate: Float64Array; readonly baseline: Float64Array }
}

/** A metric verdict plus the evidence the cross-window checks fold. */
export interface Assessment {
  readonly verdict: MetricVerdict
  readonly evidence: Evidence
}

const finite = (values: ReadonlyArray<number>): Float64Array => {
  const out = new Float64Array(values.length)
  let n = 0
  for (const v of values) if (Number.isFinite(v)) out[n++] = v
  return out.subarray(0, n)
}

/** The finite values times `sign` (the badness scale), sorted ascending, in one pass and one sort. */
const orientedSorted = (values: ReadonlyArray<number>, sign: number): Float64Array => {
  const out = new Float64Array(values.length)
  let n = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (Number.isFinite(v)) out[n++] = sign * v
  }
  return out.subarray(0, n).sort()
}

const median = (sorted: Float64Array): number => Stats.quantileSorted(sorted, 0.5)
const worst = (a: Status, b: Status): Status => (rank[a] >= rank[b] ? a : b)
const rank = statusRank
const pct = (x: number) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)} %`
const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3))

/**
 * What a relative effect is relative to: the baseline's median magnitude, or,
 * when that is 0 (sparse series, mostly-zero counts), its mean magnitude; a
 * tiny positive floor keeps all-zero baselines finite. The baseline sorted
 * ascending.
 */
export const relativeScale = (baseline: Float64Array): number => {
  const median = Math.abs(Stats.quantileSorted(baseline, 0.5))
  if (median > 0) return median
  let sum = 0
  for (const v of baseline) sum += Math.abs(v)
  return Math.max(baseline.length > 0 ? sum / baseline.length : 0, 1e-12)
}

const nodata = (metric: MetricSpec, reason: string, baseline: number | null = null, candidate: number | null = null): Assessment => ({
  verdict: { name: metric.name, status: "nodata", baseline, candidate, effect: null, ci: null, p_value: null, reason },
  evidence: {}
})

const values = (sample: Sample | undefined): ReadonlyArray<number> | undefined => (sample?._tag === "Values" ? sample.values : undefined)

/** Log samples in the badness orientation, or nothing when a sample is not positive. */
const logOriented = (c: Float64Array, b: Float64Array, sign: number): Pick<Evidence, "logSamples"> => {
  const toLog = (xs: Float64Array) => {
    const out = new Float64Array(xs.length)
    for (let i = 0; i < xs.length; i++) {
      const v = sign * xs[i]! // back to the metric's own values
      if (!(v > 0)) return undefined
      out[i] = sign * Math.log(v)
    }
    return out
  }
  const candidate = toLog(c)
  const baseline = toLog(b)
  return candidate !== undefined && baseline !== undefined ? { logSamples: { candidate, baseline } } : {}
}

/** Continuous metrics: Mann–Whitney + Hodges–Lehmann against the tolerance, a tail exceedance test, the absolute SLO. */
export const continuous = (metric: MetricSpec, data: MetricWindow): Assessment => {
  const min = defaultMinSamples(metric)
  const rawB = values(data.baseline)
  const rawC = values(data.candidate)
  if (rawC === undefined || rawC.length === 0) return nodata(metric, "no candidate samples in this window")
  if (rawB === undefined || rawB.length === 0) return nodata(metric, "no baseline samples in this window")
  const sign = metric.direction === "lower" ? 1 : -1
  // on the badness scale, each sorted once for every statistic below
  const b = orientedSorted(rawB, sign)
  const c = orientedSorted(rawC, sign)
  const medB = b.length > 0 ? sign * median(b) : null
  const medC = c.length > 0 ? sign * median(c) : null
  if (c.length < min) return nodata(metric, `candidate has ${c.length} usable samples of the ${min} needed (${rawC.length - c.length} NaN or missing)`, medB, medC)
  if (b.length < min) return nodata(metric, `baseline has ${b.length} usable samples of the ${min} needed`, medB, medC)

  const scale = relativeScale(b)
  const allowed = metric.tolerance * scale
  const p = Stats.mwuGreater(c, b)
  const hl = Stats.hlShift(c, b, confidence, scale)
  const effect = hl.estimate / scale
  const ci: readonly [number, number] = [hl.lower / scale, hl.upper / scale]
  const reasons: Array<string> = []
  let status: Status = "pass"

  // relative: is the candidate worse than the baseline by more than the tolerance?
  if (p < alpha.shift && hl.lower > allowed) {
    status = "fail"
    reasons.push(`${metric.name} is ${pct(effect)} against baseline (${fmt(medC!)} vs ${fmt(medB!)}; ${confidence * 100} % CI ${pct(ci[0])} to ${pct(ci[1])}), beyond the ${pct(metric.tolerance)} tolerance (Mann–Whitney p=${p.toPrecision(2)})`)
  } else if (hl.estimate > allowed) {
    status = "marginal"
    reasons.push(`${metric.name} looks ${pct(effect)} worse than baseline (${fmt(medC!)} vs ${fmt(medB!)}), over the ${pct(metric.tolerance)} tolerance but not yet certain (CI ${pct(ci[0])} to ${pct(ci[1])}, p=${p.toPrecision(2)})`)
  } else {
    reasons.push(`${metric.name} ${fmt(medC!)} vs baseline ${fmt(medB!)} (${pct(effect)}), within the ${pct(metric.tolerance)} tolerance`)
  }

  // tails: a few requests much slower while the median barely moves. The bound is the pooled
  // sample's p95 plus the tolerance, a symmetric function of both tracks, so under "no difference"
  // the exceedance counts are hypergeometric and Fisher's test is exact.
  const q95 = Stats.quantileSorted(Stats.mergeSorted(b, c), 0.95)
  const bound = q95 + Math.max(Math.abs(q95) * metric.tolerance, 1e-12)
  let baseAbove = 0
  for (const v of b) if (v > bound) baseAbove++
  let exceed = 0
  for (const v of c) if (v > bound) exceed++
  const tailP = Stats.fisherGreater(exceed, c.length, baseAbove, b.length)
  const excess = exceed / c.length - baseAbove / b.length
  if (tailP < alpha.tail && excess >= tailExcess.fail) {
    status = "fail"
    reasons.push(`${(100 * exceed / c.length).toFixed(1)} % of candidate samples exceed ${fmt(sign * bound)} (pooled p95 + tolerance) against ${(100 * baseAbove / b.length).toFixed(1)} % of baseline samples (Fisher p=${tailP.toPrecision(2)}): a tail regression`)
  } else if (tailP < alpha.tailMarginal && excess >= tailExcess.marginal) {
    status = worst(status, "marginal")
    reasons.push(`${(100 * exceed / c.length).toFixed(1)} % of candidate samples exceed the pooled p95 + tolerance against ${(100 * baseAbove / b.length).toFixed(1)} % of baseline (p=${tailP.toPrecision(2)}): watching the tail`)
  }

  // absolute SLO on the candidate
  const breach = sign * medC! > sign * metric.threshold
  if (breach) {
    const baselineBreaches = sign * medB! > sign * metric.threshold
    if (status === "pass") {
      status = "marginal"
      reasons.push(`candidate ${fmt(medC!)} breaches the SLO threshold ${fmt(metric.threshold)}${baselineBreaches ? " (so does the baseline: not the candidate's doing)" : ", though not clearly worse than baseline"}`)
    } else {
      status = "fail"
      reasons.push(`candidate ${fmt(medC!)} breaches the SLO threshold ${fmt(metric.threshold)}`)
    }
  }

  const z = Stats.zScore(sign * medC!, b)
  return {
    verdict: { name: metric.name, status, baseline: medB, candidate: medC, effect, ci: [ci[0], ci[1]], p_value: p, reason: reasons.join("; ") },
    evidence: {
      tail: { candidateExceed: exceed, candidateN: c.length, baselineExceed: baseAbove, baselineN: b.length },
      effect,
      z,
      samples: { candidate: c, baseline: b },
      tailBound: bound,
      ...logOriented(c, b, sign)
    }
  }
}

/** Ratio metrics: a test on counts (Fisher exact), the Wilson bound against the SLO, and low traffic as nodata. */
export const ratio = (metric: MetricSpec, data: MetricWindow): Assessment => {
  const min = defaultMinSamples(metric)
  const cand = data.candidate?._tag === "Counts" ? data.candidate : undefined
  const base = data.baseline?._tag === "Counts" ? data.baseline : undefined
  if (cand === undefined) return nodata(metric, "no candidate counts in this window")
  if (base === undefined) return nodata(metric, "no baseline counts in this window")
  const rC = cand.total > 0 ? cand.errors / cand.total : null
  const rB = base.total > 0 ? base.errors / base.total : null
  if (cand.total < min) return nodata(metric, `candidate served ${cand.total} requests, fewer than the ${min} needed to judge`, rB, rC)
  if (base.total < min) return nodata(metric, `baseline served ${base.total} requests, fewer than the ${min} needed to judge`, rB, rC)
  const badC = metric.direction === "lower" ? cand.errors : cand.total - cand.errors
  const badB = metric.direction === "lower" ? base.errors : base.total - base.errors
  const rateC = badC / cand.total
  const rateB = badB / base.total
  const allowedRate = rateB * (1 + metric.tolerance)
  const p = Stats.fisherGreater(badC, cand.total, badB, base.total)
  const [lowC, highC] = Stats.wilson(badC, cand.total, 0.95)
  const scale = Math.max(rateB, 1 / base.total)
  const effect = (rateC - rateB) / scale
  const ci: readonly [number, number] = [(lowC - rateB) / scale, (highC - rateB) / scale]
  const reasons: Array<string> = []
  let status: Status = "pass"
  const show = (r: number) => `${(100 * r).toPrecision(3)} %`
  const what = `${metric.name} ${show(rC!)} (${cand.errors}/${cand.total}) vs baseline ${show(rB!)} (${base.errors}/${base.total})`
  if (p < alpha.shift && lowC > allowedRate) {
    status = "fail"
    reasons.push(`${what}: worse beyond the ${pct(metric.tolerance)} tolerance (Fisher p=${p.toPrecision(2)})`)
  } else if (rateC > allowedRate && p < 0.05) {
    status = "marginal"
    reasons.push(`${what}: over the tolerance but not yet certain (p=${p.toPrecision(2)})`)
  } else {
    reasons.push(`${what}: within tolerance${p < 0.05 ? "" : " (no significant difference)"}`)
  }
  const thresholdBad = metric.direction === "lower" ? metric.threshold : 1 - metric.threshold
  if (rateC > thresholdBad) {
    if (status !== "pass" && lowC > thresholdBad) {
      status = "fail"
      reasons.push(`the candidate's error rate is above the SLO ${show(thresholdBad)} even at its 95 % lower bound ${show(lowC)}`)
    } else {
      // a handful of events over few requests lands above a small SLO by chance: hold only when it is unlikely to be chance
      const chance = Stats.binomialGreater(badC, cand.total, thresholdBad)
      if (chance < alpha.sloBreach) {
        status = worst(status, "marginal")
        reasons.push(`the candidate's rate ${show(rateC)} is above the SLO ${show(thresholdBad)}${rateB > thresholdBad ? " (so is the baseline's)" : ""} (binomial p=${chance.toPrecision(2)})`)
      } else {
        reasons.push(`the candidate's rate ${show(rateC)} is above the SLO ${show(thresholdBad)}, as ${badC} events in ${cand.total} requests often are by chance (binomial p=${chance.toPrecision(2)}); judged over the windows pooled`)
      }
    }
  }
  return {
    verdict: { name: metric.name, status, baseline: rB, candidate: rC, effect, ci: [ci[0], ci[1]], p_value: p, reason: reasons.join("; ") },
    evidence: { counts: { candidateErrors: badC, candidateTotal: cand.total, baselineErrors: badB, baselineTotal: base.total }, effect }
  }
}

/** Counter metrics (restarts, OOM kills): the candidate's count against the threshold and the baseline's count. */
export const counter = (metric: MetricSpec, data: MetricWindow): Assessment => {
  const rawC = values(data.candidate)
  if (rawC === undefined) return nodata(metric, "no candidate counts in this window")
  const c = finite(rawC)
  if (c.length < defaultMinSamples(metric)) return nodata(metric, `candidate has ${c.length} usable counts`)
  const rawB = values(data.baseline)
  const b = rawB === undefined ? undefined : finite(rawB)
  const sign = metric.direction === "lower" ? 1 : -1
  const total = (xs: Float64Array) => xs.reduce((a, v) => a + v, 0)
  const C = total(c)
  // counts so extreme that their sum overflows say nothing usable: no data, never a verdict on Infinity
  if (!Number.isFinite(C)) return nodata(metric, "candidate counts overflow (their sum is not a finite number)")
  const rawTotal = b === undefined || b.length === 0 ? null : total(b)
  const B = rawTotal !== null && Number.isFinite(rawTotal) ? rawTotal : null
  const over = sign * C > sign * metric.threshold
  const worseThanBaseline = B === null || sign * C > sign * B
  const status: Status = over ? (worseThanBaseline ? "fail" : "marginal") : "pass"
  const rawEffect = B === null ? null : (C - B) / Math.max(Math.abs(B), 1)
  const effect = rawEffect !== null && Number.isFinite(rawEffect) ? rawEffect : null
  const reason =
    status === "fail"
      ? `${metric.name}: ${C} in the candidate${B === null ? "" : ` vs ${B} in the baseline`}, over the threshold ${metric.threshold}`
      : status === "marginal"
        ? `${metric.name}: ${C} is over the threshold ${metric.threshold}, but the baseline shows ${B}: not the candidate's doing`
        : `${metric.name}: ${C}${B === null ? "" : ` (baseline ${B})`}, within the threshold ${metric.threshold}`
  return {
    verdict: { name: metric.name, status, baseline: B, candidate: C, effect, ci: null, p_value: null, reason },
    evidence: effect === null ? {} : { effect }
  }
}

const perEvent = (rate: number) => (rate === 0 ? "0" : rate.toPrecision(2))

/** A log template or line in a reason: between typographic quotes (a line's own quotes stay readable), cut at `max` characters. */
const quote = (text: string, max = 160) => `“${text.length > max ? `${text.slice(0, max)}…` : text}”`

/**
 * Signatures metrics (log lines): both tracks' lines mined into templates by
 * one miner; a template the candidate logs that the baseline never did, or
 * significantly more often per unit of exposure than the baseline's rate
 * times (1 + tolerance) (an exact Poisson-ratio test, Holm-adjusted over the
 * window's templates), is a new error signature. More of them than the
 * threshold (usually 0) fails the window; the reason quotes each template and
 * an example line. No exposure on a track is `nodata`; an empty window of
 * error lines with traffic is a healthy one.
 */
export const signatures = (metric: MetricSpec, data: MetricWindow): Assessment => {
  const cand = data.candidate?._tag === "Lines" ? data.candidate : undefined
  const base = data.baseline?._tag === "Lines" ? data.baseline : undefined
  if (cand === undefined) return nodata(metric, "no candidate log lines in this window")
  if (base === undefined) return nodata(metric, "no baseline log lines in this window")
  const min = defaultMinSamples(metric)
  if (cand.total < min) return nodata(metric, `candidate exposure ${cand.total} is below the ${min} needed to judge`)
  if (base.total < min) return nodata(metric, `baseline exposure ${base.total} is below the ${min} needed to judge`)
  return judgeSignatures(metric, { baseline: base, candidate: cand }, alpha.signatures, "")
}

/** A track's log lines and exposure, as a signatures metric's sample holds them. */
export type LogLines = Extract<Sample, { readonly _tag: "Lines" }>

/** Mine both tracks' lines with one miner and name what the candidate logs new (or more often), at `alpha`; `scope` says over what ("" for this window). */
const judgeSignatures = (metric: MetricSpec, tracks: { readonly baseline: LogLines; readonly candidate: LogLines }, level: number, scope: string): Assessment => {
  const { baseline: base, candidate: cand } = tracks
  const result = Signatures.compare({ baseline: base, candidate: cand }, { alpha: level, tolerance: metric.tolerance })
  const found = result.signatures
  const status: Status = found.length > metric.threshold ? "fail" : "pass"
  const sampled = cand.truncated === true || base.truncated === true ? " (lines sampled: the source held more than maxLines)" : ""
  const described = found.slice(0, 3).map(
    (sig) =>
      `${sig.kind === "new" ? "new error signature" : "error signature up"} ${quote(sig.pattern)}: ${sig.candidate} in the candidate vs ${sig.baseline} in the baseline${scope} (rate ${perEvent(sig.candidateRate)} vs ${perEvent(sig.baselineRate)} per event, Holm p=${sig.pValue.toPrecision(2)}), e.g. ${quote(sig.example)}`
  )
  const more = found.length > 3 ? `; and ${found.length - 3} more` : ""
  const reason =
    found.length === 0
      ? `${metric.name}: no new error signature among ${result.templates} templates (${cand.lines.length} candidate and ${base.lines.length} baseline lines${scope})${sampled}`
      : `${metric.name}: ${described.join("; ")}${more}${found.length <= metric.threshold ? `; within the ${metric.threshold} allowed` : ""}${sampled}`
  return {
    verdict: { name: metric.name, status, baseline: 0, candidate: found.length, effect: null, ci: null, p_value: found[0]?.pValue ?? null, reason },
    evidence: {}
  }
}

/** How many recent windows a signatures metric pools (the lines of each are kept between windows). */
export const signatureWindows = 5

/**
 * Signatures pooled over the last windows (at most {@link signatureWindows},
 * this one included): an exception too rare to show enough times in one
 * window (0.2 % of 1,200 requests is about 2) shows over several. Every
 * window looks again, so each look is held to α / maxWindows (Bonferroni
 * over the looks a rollout can take). Undefined with fewer than two windows
 * of data.
 */
export const signaturesPooled = (metric: MetricSpec, windows: ReadonlyArray<{ readonly baseline: LogLines; readonly candidate: LogLines }>, maxWindows: number): Assessment | undefined => {
  if (windows.length < 2) return undefined
  const join = (pick: (w: { readonly baseline: LogLines; readonly candidate: LogLines }) => LogLines): LogLines => {
    const parts = windows.map(pick)
    return { _tag: "Lines", lines: parts.flatMap((p) => p.lines), total: parts.reduce((a, p) => a + p.total, 0), truncated: parts.some((p) => p.truncated === true) }
  }
  return judgeSignatures(metric, { baseline: join((w) => w.baseline), candidate: join((w) => w.candidate) }, alpha.signatures / Math.max(1, maxWindows), ` over the last ${windows.length} windows`)
}

/**
 * Judge one metric in one window, by kind. A multivariate metric has no data
 * of its own and needs the baseline's earlier windows: the analyzer judges it
 * with `Multivariate.assess`; alone, here, it is `nodata`.
 */
export const assess = (metric: MetricSpec, data: MetricWindow | undefined): Assessment => {
  const window = data ?? {}
  switch (metric.kind) {
    case "continuous":
      return continuous(metric, window)
    case "ratio":
      return ratio(metric, window)
    case "counter":
      return counter(metric, window)
    case "signatures":
      return signatures(metric, window)
    case "multivariate":
      return nodata(metric, "a multivariate metric is judged over its features' windows (Multivariate.assess), not alone")
  }
}
