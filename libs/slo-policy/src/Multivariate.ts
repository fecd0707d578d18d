/**
 * Multivariate drift: a candidate whose metrics are each ordinary but whose
 * combination is not (latency normal, CPU normal, load normal — yet latency no
 * longer rises with load). Judged by an Isolation Forest (stats-core) trained
 * on the baseline's joint behaviour.
 *
 * Per window and track, the features' per-step values form rows, aligned by
 * index (row i = [f1ᵢ, f2ᵢ, …], cut to the shortest feature, rows with a NaN
 * dropped). The forest is trained on the baseline's rows of the EARLIER
 * windows (the last {@link settings.historyWindows}, at most
 * {@link settings.maxTrainingRows} rows) — never on this window's, so this
 * window's baseline rows are scored out of sample exactly like the
 * candidate's (scoring a forest's own training rows makes them look more
 * ordinary than any fresh row: in-sample scoring gave healthy candidates a
 * median score 0.017 higher, a 2.5 % false-fail rate per window). Both
 * tracks' scores are kept for the last {@link settings.historyWindows} judged
 * windows, and the candidate's pooled scores are compared with the
 * baseline's by a one-sided Mann–Whitney test (candidate more anomalous):
 * fail when p < {@link settings.alpha} (0.003) and the candidate's median score exceeds
 * the baseline's by more than `tolerance`. The first window (nothing to train
 * on yet) and windows with fewer rows than `minSamples` (default 6) per track
 * are `nodata`.
 *
 * No standardisation: an isolation tree's split value is uniform between the
 * node's min and max, so a feature scaled by a positive factor gives the same
 * trees, scores and contributions (a property test checks it); units do not
 * matter.
 *
 * Deterministic: the forest's seed is FNV-1a of the metric name and the
 * window index.
 */
import { IsolationForest, Random } from "@rollwise/stats-core"
import type { Assessment } from "./Assess.ts"
import * as Stats from "./internal/stats.ts"
import type { Window } from "./Observation.ts"
import { defaultMinSamples, type MetricSpec } from "./SloSpec.ts"
import type { Status } from "./Verdict.ts"

/** The forest's settings and how much history it keeps (documented in the README). */
export const settings = {
  /** Isolation trees per forest (the paper's and scikit-learn's default). */
  trees: 100,
  /** Subsample per tree. */
  sampleSize: 256,
  /** Earlier windows whose baseline rows train the forest, and judged windows whose scores are pooled for the test. */
  historyWindows: 5,
  /** Most training rows (the newest kept). */
  maxTrainingRows: 512,
  /**
   * One-sided significance of the Mann–Whitney test on the pooled scores.
   * Stricter than `Assess.alpha.shift` (0.01): the pooled test is looked at
   * every window and, when critical, rolls back at once. Measured on the
   * benchmark's healthy and joint-shift releases (200 each): 0.01 rolled
   * back 5 % of healthy ones and caught 68.5 % of joint shifts; 0.003, 2 %
   * and 63 %; 0.001, 1.5 % and 55 %.
   */
  alpha: 0.003
} as const

/** What a multivariate metric remembers between windows. */
export interface State {
  /** Baseline rows of the latest windows (row-major, `cols` wide), oldest first. */
  readonly training: ReadonlyArray<Float64Array>
  /** Anomaly scores of the latest judged windows, oldest first. */
  readonly scores: ReadonlyArray<{ readonly candidate: Float64Array; readonly baseline: Float64Array; readonly contributions: Float64Array }>
}

export const empty: State = { training: [], scores: [] }

/** The feature metrics' names, in row order. */
export const featureNames = (metric: MetricSpec): ReadonlyArray<string> => (metric.features ?? []).map((f) => f.metric)

/**
 * One track's rows: the features' per-step values aligned by index, cut to
 * the shortest feature; rows with a non-finite value dropped. Row-major.
 */
export const rows = (features: ReadonlyArray<string>, window: Window, track: "baseline" | "candidate"): Float64Array => {
  const columns: Array<ReadonlyArray<number>> = []
  for (const name of features) {
    const sample = window.metrics.get(name)?.[track]
    if (sample?._tag !== "Values") return new Float64Array(0)
    columns.push(sample.values)
  }
  const cols = columns.length
  if (cols === 0) return new Float64Array(0)
  const n = Math.min(...columns.map((c) => c.length))
  const out = new Float64Array(n * cols)
  let kept = 0
  for (let i = 0; i < n; i++) {
    let ok = true
    for (let f = 0; f < cols; f++) if (!Number.isFinite(columns[f]![i]!)) ok = false
    if (!ok) continue
    for (let f = 0; f < cols; f++) out[kept * cols + f] = columns[f]![i]!
    kept++
  }
  return out.subarray(0, kept * cols)
}

const matrix = (cols: number, data: Float64Array): IsolationForest.Matrix => {
  const m = IsolationForest.Matrix.fromData(data.length / cols, cols, data)
  // rows() keeps only finite values, so this cannot be Invalid; an empty matrix is the safe fallback
  return m._tag === "Valid" ? m.matrix : (IsolationForest.Matrix.fromData(0, cols, []) as { readonly matrix: IsolationForest.Matrix }).matrix
}

const concat = (parts: ReadonlyArray<Float64Array>): Float64Array => {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

const sorted = (xs: Float64Array): Float64Array => Float64Array.from(xs).sort()

/** The seed of a window's forest: FNV-1a of the metric name and the window index. */
export const seed = (metric: MetricSpec, windowIndex: number): number => Random.fnv1a(`${metric.name}#${windowIndex}`)

const nodata = (metric: MetricSpec, reason: string): Assessment => ({
  verdict: { name: metric.name, status: "nodata", baseline: null, candidate: null, effect: null, ci: null, p_value: null, reason },
  evidence: {}
})

const list = (names: ReadonlyArray<string>) => (names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`)
const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}`
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

/** A multivariate metric judged in one window, and the state to carry on. */
export interface Result {
  readonly assessment: Assessment
  readonly state: State
}

/**
 * Judge a multivariate metric in one window against the baseline's earlier
 * windows (see the module comment). Pure: the same state and window give the
 * same result. The verdict's `baseline`/`candidate` are the pooled median
 * anomaly scores, `effect` their difference (score units, not relative),
 * `p_value` the Mann–Whitney p. The status is the metric's own; the
 * analyzer turns a non-critical fail into a hold.
 */
export const assess = (metric: MetricSpec, prev: State, window: Window): Result => {
  const features = featureNames(metric)
  const cols = features.length
  const min = defaultMinSamples(metric)
  const baseRows = rows(features, window, "baseline")
  const candRows = rows(features, window, "candidate")
  const nb = baseRows.length / Math.max(cols, 1)
  const nc = candRows.length / Math.max(cols, 1)
  // this window's baseline rows train the next windows' forests, whatever this window's verdict
  const remember = (scores: State["scores"]): State => {
    const training = nb > 0 ? [...prev.training, baseRows].slice(-settings.historyWindows) : prev.training
    return { training, scores }
  }
  const joint = list(features)
  const trainingRows = concat(prev.training).subarray(-settings.maxTrainingRows * cols)
  const nt = trainingRows.length / Math.max(cols, 1)
  if (nt < min) {
    return {
      assessment: nodata(metric, `the forest has ${nt} baseline rows of ${joint} from earlier windows to learn from, fewer than the ${min} needed (the first window only trains it)`),
      state: remember(prev.scores)
    }
  }
  if (nc < min) return { assessment: nodata(metric, `candidate has ${nc} complete rows of ${joint} (every feature's value at a step) of the ${min} needed`), state: remember(prev.scores) }
  if (nb < min) return { assessment: nodata(metric, `baseline has ${nb} complete rows of ${joint} of the ${min} needed`), state: remember(prev.scores) }

  const forest = IsolationForest.fit(matrix(cols, trainingRows), { trees: settings.trees, sampleSize: settings.sampleSize, random: Random.mulberry32(seed(metric, window.index)) })
  const cm = matrix(cols, candRows)
  const bm = matrix(cols, baseRows)
  const cContrib = IsolationForest.featureContributions(forest, cm)
  const bContrib = IsolationForest.featureContributions(forest, bm)
  const contributions = new Float64Array(cols)
  for (let f = 0; f < cols; f++) contributions[f] = cContrib[f]! - bContrib[f]!
  const scores = [...prev.scores, { candidate: IsolationForest.score(forest, cm), baseline: IsolationForest.score(forest, bm), contributions }].slice(-settings.historyWindows)

  const c = sorted(concat(scores.map((s) => s.candidate)))
  const b = sorted(concat(scores.map((s) => s.baseline)))
  const medC = Stats.quantileSorted(c, 0.5)
  const medB = Stats.quantileSorted(b, 0.5)
  const effect = medC - medB
  const p = Stats.mwuGreater(c, b)
  // which features set the candidate apart: its contributions minus the baseline's, averaged over the pooled windows
  const credit = new Float64Array(cols)
  for (const s of scores) for (let f = 0; f < cols; f++) credit[f] = credit[f]! + s.contributions[f]! / scores.length
  const ranked = features.map((name, f) => ({ name, credit: credit[f]! })).sort((x, y) => y.credit - x.credit || (x.name < y.name ? -1 : 1))
  const top = ranked.filter((r, i) => r.credit > 0 && (i === 0 || r.credit >= ranked[0]!.credit / 4)).slice(0, 3)
  const over = `over ${plural(scores.length, "window")}`
  const numbers = `median anomaly score ${medC.toFixed(2)} vs ${medB.toFixed(2)} ${over}, Mann–Whitney p=${p.toPrecision(2)}`
  const separating = top.length === 0 ? "" : `: the features that separate it most are ${list(top.map((t) => `${t.name} (${signed(t.credit)})`))}`
  let status: Status = "pass"
  const reasons: Array<string> = []
  if (p < settings.alpha && effect > metric.tolerance) {
    status = "fail"
    reasons.push(`candidate's joint behaviour of ${joint} departs from the baseline's (${numbers})${separating}`)
  } else if (effect > metric.tolerance) {
    status = "marginal"
    reasons.push(`candidate's joint behaviour of ${joint} may depart from the baseline's (${numbers}), over the ${metric.tolerance} tolerance but not yet certain${separating}`)
  } else {
    reasons.push(`joint behaviour of ${joint} like the baseline's (${numbers}), within the ${metric.tolerance} tolerance`)
  }
  if (medC > metric.threshold) {
    if (status === "pass") status = "marginal"
    reasons.push(`the candidate's median anomaly score ${medC.toFixed(2)} is above the bound ${metric.threshold}`)
  }
  return {
    assessment: {
      verdict: { name: metric.name, status, baseline: medB, candidate: medC, effect, ci: null, p_value: p, reason: reasons.join("; ") },
      evidence: {}
    },
    state: remember(scores)
  }
}
