import { type Line, rng } from "./scenarios.ts"

/**
 * Live-shaped release scenarios: windows as `rollwise analyze --prometheus`
 * receives them, not as raw request samples. Judged against the same
 * `specDocument` as the raw scenarios (latency threshold 300 ms, tolerance
 * 10 %; error rate 1 %, tolerance 50 %; restarts critical).
 *
 * Generative model, per release (seeded, deterministic), 10 windows of 2 min:
 *
 * - **Traffic.** The candidate serves `liveTraffic[traffic]` requests per
 *   window on average (60 / 600 / 6,000: a canary at ~20 % weight); the
 *   baseline serves 4× as many (`baselineFactor`). Each window is 12 steps of
 *   10 s. Traffic is uneven within the window: step s has a shared intensity
 *   exp(0.35·z_s − 0.35²/2), z_s ~ N(0, 1), the same for both tracks, and each
 *   track's request count in step s is Poisson(rate / 12 × intensity).
 * - **Latency of one request** (seconds): 0.12 × load_w × (1 + 0.05·z_s) ×
 *   shift × exp(0.25·ε), ε ~ N(0, 1). load_w = 1 + 0.08·N(0, 1) is shared by
 *   both tracks (why one compares with a baseline); busier steps are a little
 *   slower for both tracks alike.
 * - **What the analyzer sees** for latency: per track, one point per step, the
 *   exact p95 (type-7 interpolation) of the requests that fell in that step —
 *   what `histogram_quantile(0.95, rate(…[10s]))` at step 10s gives, without
 *   the bucket quantization of a real histogram. A step without requests has
 *   no point (Prometheus gives NaN; the Prometheus source drops it), so a
 *   window has ≤ 12 values per track; at 60 requests per window the
 *   candidate's points are p95s of ~5 requests each.
 * - **Error rate**: counts per window per track, errors ~ Poisson(total ×
 *   0.003 × load_w × factor), total = the requests the track served in the
 *   window (the same requests as the latency points).
 * - **Restarts**: one count per window per track (the counter's increase),
 *   0 unless the candidate crash-loops (2–4 per window from window 2 on).
 * - **Spikes** (`healthy-spikes` only): GC pauses in BOTH tracks, the same
 *   process at the same rate, independently (so in different windows): each
 *   step of each track has a 4 % chance of a pause that adds U(0.25, 1.0) s
 *   to a share U(0.3, 0.7) of that step's requests.
 *
 * Scenarios and their truth: `healthy`, `healthy-spikes`, `within-tolerance`
 * (+5 % latency under a 10 % tolerance) are healthy; `latency-25` (+25 %),
 * `latency-80` (+80 %), `latency-sparse` (6 % of the candidate's requests 8×
 * slower, median unmoved), `errors-2.5x`, `errors-5x`, `slow-leak` (+4 % per
 * window), `crash-loop` are regressions; `missing-candidate` has no candidate
 * data at all and must never be promoted.
 *
 * Besides the lines, each release carries what an Argo AnalysisTemplate's
 * instant query `histogram_quantile(0.95, rate(…[2m]))` would return at each
 * window's end for the candidate: the p95 of all its requests in the window.
 */

export type LiveTraffic = "low" | "medium" | "high"
export type LiveKind =
  | "healthy"
  | "healthy-spikes"
  | "within-tolerance"
  | "latency-25"
  | "latency-80"
  | "latency-sparse"
  | "errors-2.5x"
  | "errors-5x"
  | "slow-leak"
  | "crash-loop"
  | "missing-candidate"

/** Whether a live scenario should be rolled back (true), promoted (false) or held for lack of data (null). */
export const liveTruth: Readonly<Record<LiveKind, boolean | null>> = {
  healthy: false,
  "healthy-spikes": false,
  "within-tolerance": false,
  "latency-25": true,
  "latency-80": true,
  "latency-sparse": true,
  "errors-2.5x": true,
  "errors-5x": true,
  "slow-leak": true,
  "crash-loop": true,
  "missing-candidate": null
}

/** The candidate's mean requests per 2-minute window, by traffic level. */
export const liveTraffic: Readonly<Record<LiveTraffic, number>> = { low: 60, medium: 600, high: 6000 }

/** The baseline serves this many times the candidate's requests (canary at 20 % weight). */
export const baselineFactor = 4

/** Steps per window: a 2-minute window at a 10 s step. */
export const stepsPerWindow = 12

/** A live-shaped release: observation lines, and the candidate's whole-window p95 per window (NaN without requests). */
export interface LiveRelease {
  readonly lines: ReadonlyArray<Line>
  readonly candidateWindowP95: ReadonlyArray<number>
}

/**
 * The type-7 p95 of `xs` (reordered in place): a selection, not a sort — the
 * baseline's steps hold thousands of requests at high traffic.
 */
const p95 = (xs: Float64Array): number => {
  const n = xs.length
  if (n === 0) return Number.NaN
  const h = (n - 1) * 0.95
  const k = Math.floor(h)
  // Hoare selection of the k-th smallest, median-of-three pivots
  let left = 0
  let right = n - 1
  while (right > left) {
    const mid = (left + right) >> 1
    const a = xs[left]!
    const b = xs[mid]!
    const c = xs[right]!
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b
    let i = left
    let j = right
    while (i <= j) {
      while (xs[i]! < pivot) i++
      while (xs[j]! > pivot) j--
      if (i <= j) {
        const t = xs[i]!
        xs[i] = xs[j]!
        xs[j] = t
        i++
        j--
      }
    }
    if (k <= j) right = j
    else if (k >= i) left = i
    else break
  }
  const lo = xs[k]!
  if (k + 1 >= n) return lo
  let next = Number.POSITIVE_INFINITY
  for (let i = k + 1; i < n; i++) if (xs[i]! < next) next = xs[i]!
  return lo + (h - k) * (next - lo)
}

const round = (v: number) => Math.round(v * 1e5) / 1e5

/**
 * Standard normals from a seeded uniform by Box–Muller, both outputs of each
 * pair: the live windows draw ~150 million of them at 40 releases per cell.
 */
const normals = (uniform: () => number) => {
  let spare = Number.NaN
  return () => {
    if (!Number.isNaN(spare)) {
      const s = spare
      spare = Number.NaN
      return s
    }
    const radius = Math.sqrt(-2 * Math.log(1 - uniform())) // 1 − u ∈ (0, 1]
    const angle = 2 * Math.PI * uniform()
    spare = radius * Math.sin(angle)
    return radius * Math.cos(angle)
  }
}

/** One live-shaped release (see the model above). */
export const liveRelease = (id: string, kind: LiveKind, traffic: LiveTraffic, seed: number, windows = 10): LiveRelease => {
  const r = rng(seed)
  const normal = normals(r.next)
  const lines: Array<Line> = []
  const candidateWindowP95: Array<number> = []
  const candidateRate = liveTraffic[traffic]
  const spikes = kind === "healthy-spikes"
  for (let w = 0; w < windows; w++) {
    const load = 1 + 0.08 * normal()
    const z = Array.from({ length: stepsPerWindow }, () => normal())
    const intensity = z.map((zs) => Math.exp(0.35 * zs - 0.35 ** 2 / 2))
    for (const track of ["baseline", "candidate"] as const) {
      const cand = track === "candidate"
      let shift = 1
      let sparse = 0
      if (cand && kind === "within-tolerance") shift = 1.05
      if (cand && kind === "latency-25") shift = 1.25
      if (cand && kind === "latency-80") shift = 1.8
      if (cand && kind === "latency-sparse") sparse = 0.06
      if (cand && kind === "slow-leak") shift = 1 + 0.04 * w
      const perStep = (cand ? candidateRate : candidateRate * baselineFactor) / stepsPerWindow
      const points: Array<number> = []
      const all = cand ? new Float64Array(Math.ceil(perStep * stepsPerWindow * 4) + 64) : undefined
      let filled = 0
      let total = 0
      for (let s = 0; s < stepsPerWindow; s++) {
        const n = r.poisson(perStep * intensity[s]!)
        total += n
        const base = 0.12 * load * (1 + 0.05 * z[s]!) * shift
        const step = new Float64Array(n)
        for (let i = 0; i < n; i++) {
          let v = base * Math.exp(0.25 * normal())
          if (sparse > 0 && r.next() < sparse) v *= 8
          step[i] = v
        }
        if (spikes && r.next() < 0.04) {
          const pause = 0.25 + 0.75 * r.next()
          const share = 0.3 + 0.4 * r.next()
          for (let i = 0; i < n; i++) if (r.next() < share) step[i] = step[i]! + pause
        }
        if (n === 0) continue // no requests in the step: Prometheus gives NaN, the source drops the point
        if (all !== undefined) {
          if (filled + n > all.length) throw new Error("live.ts: a window's requests outgrew the buffer")
          all.set(step, filled)
          filled += n
        }
        points.push(round(p95(step)))
      }
      if (all !== undefined) candidateWindowP95.push(p95(all.subarray(0, filled)))
      let rate = 0.003 * load
      if (cand && kind === "errors-2.5x") rate *= 2.5
      if (cand && kind === "errors-5x") rate *= 5
      const errors = Math.min(total, r.poisson(total * rate))
      const restarts = cand && kind === "crash-loop" && w >= 1 ? 2 + Math.floor(r.next() * 3) : 0
      if (cand && kind === "missing-candidate") continue
      lines.push({ release: id, window: w, metric: "latency", track, values: points })
      lines.push({ release: id, window: w, metric: "error-rate", track, errors, total })
      lines.push({ release: id, window: w, metric: "restarts", track, values: [restarts] })
    }
  }
  return { lines, candidateWindowP95: kind === "missing-candidate" ? candidateWindowP95.map(() => Number.NaN) : candidateWindowP95 }
}
