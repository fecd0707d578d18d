/**
 * Synthetic stable/canary history in the shape a service exposes (and Rollwise
 * queries): `http_requests_total{job,track,status}` and the
 * `http_request_duration_seconds` histogram per job and track.
 */
import { binomial, hashString, normalCdf, poisson, seeded, standardNormal, type Random } from "./internal/math.ts"
import { histogramSeries, type Series } from "./OpenMetrics.ts"

/** Prometheus client libraries' default buckets (seconds). */
export const DEFAULT_BUCKETS: ReadonlyArray<number> = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/**
 * Request latency of one track: log-normal around `medianSeconds` (spread `sigma`,
 * default 0.3), with a share `slowFraction` (default 0) of requests `slowFactor`
 * times slower (default 5) — a tail regression the median does not show.
 */
export interface LatencyProfile {
  readonly medianSeconds: number
  readonly sigma?: number
  readonly slowFraction?: number
  readonly slowFactor?: number
}

/** Traffic of one track: requests per second, the share answered with status 500, and latency. */
export interface TrackProfile {
  readonly rps: number
  readonly errorRate: number
  readonly latency: LatencyProfile
}

/** What `canaryHistory` generates. Times are unix seconds; samples at `start`, `start + step`, … up to `end`. */
export interface CanaryHistoryOptions {
  readonly job: string
  readonly start: number
  readonly end: number
  /** seconds between samples (a scrape interval); default 15 */
  readonly stepSeconds?: number
  /** track label value → its traffic; a track left out has no series at all (nodata) */
  readonly tracks: Readonly<Record<string, TrackProfile>>
  /** the same seed gives the same history; default 1 */
  readonly seed?: number
  /** false: no randomness, counts follow the profile exactly (rounded); default true */
  readonly noise?: boolean
  /** histogram bucket bounds; default `DEFAULT_BUCKETS` */
  readonly buckets?: ReadonlyArray<number>
}

interface Component {
  readonly weight: number
  readonly mu: number
  readonly sigma: number
}

const components = (latency: LatencyProfile): ReadonlyArray<Component> => {
  const sigma = latency.sigma ?? 0.3
  const slowFraction = latency.slowFraction ?? 0
  const slowFactor = latency.slowFactor ?? 5
  if (!(latency.medianSeconds > 0)) throw new Error("canaryHistory: latency.medianSeconds must be > 0")
  if (!(sigma >= 0)) throw new Error("canaryHistory: latency.sigma must be >= 0")
  if (!(slowFraction >= 0 && slowFraction <= 1)) throw new Error("canaryHistory: latency.slowFraction must be in [0, 1]")
  if (!(slowFactor > 0)) throw new Error("canaryHistory: latency.slowFactor must be > 0")
  const mu = Math.log(latency.medianSeconds)
  return [
    { weight: 1 - slowFraction, mu, sigma },
    { weight: slowFraction, mu: mu + Math.log(slowFactor), sigma }
  ].filter((c) => c.weight > 0)
}

/** P(X ≤ x) for one log-normal component (σ = 0 is a point mass at the median). */
const componentCdf = (c: Component, x: number): number => {
  if (x <= 0) return 0
  if (x === Infinity) return 1
  if (c.sigma === 0) return Math.log(x) >= c.mu ? 1 : 0
  return normalCdf((Math.log(x) - c.mu) / c.sigma)
}

/** E[X · 1{X ≤ x}] for one log-normal component. */
const componentPartialMean = (c: Component, x: number): number => {
  if (x <= 0) return 0
  if (c.sigma === 0) return Math.log(x) >= c.mu ? Math.exp(c.mu) : 0
  const z = x === Infinity ? Infinity : (Math.log(x) - c.mu - c.sigma * c.sigma) / c.sigma
  return Math.exp(c.mu + (c.sigma * c.sigma) / 2) * normalCdf(z)
}

/**
 * One request's latency (seconds) drawn from a profile: the slow component
 * with probability `slowFraction`, else the usual one, each log-normal.
 */
export const drawLatency = (latency: LatencyProfile, random: Random): number => {
  const parts = components(latency)
  let u = random()
  const part = parts.find((c) => (u -= c.weight) < 0) ?? parts[parts.length - 1]!
  return Math.exp(part.mu + part.sigma * standardNormal(random))
}

const mixtureCdf = (parts: ReadonlyArray<Component>, x: number): number =>
  parts.reduce((acc, c) => acc + c.weight * componentCdf(c, x), 0)

/**
 * The true q-quantile (seconds) of a latency profile — what
 * `histogram_quantile(q, …)` approximates, within the resolution of the buckets.
 */
export const latencyQuantile = (latency: LatencyProfile, q: number): number => {
  if (!(q > 0 && q < 1)) throw new Error("latencyQuantile: q must be in (0, 1)")
  const parts = components(latency)
  let lo = Math.log(latency.medianSeconds) - 50
  let hi = Math.log(latency.medianSeconds) + 50
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2
    if (mixtureCdf(parts, Math.exp(mid)) < q) lo = mid
    else hi = mid
  }
  return Math.exp(hi)
}

/**
 * What `histogram_quantile(q, …)` should answer for a latency profile observed into
 * `buckets` (noise aside): Prometheus' linear interpolation inside the bucket that
 * holds the q-th share of requests, applied to the profile's exact bucket shares.
 * With coarse buckets this differs from `latencyQuantile` (e.g. a true p95 of 0.13 s
 * reads as ~0.22 s with the default buckets) — compare Prometheus with this.
 */
export const histogramQuantileOf = (
  latency: LatencyProfile,
  q: number,
  buckets: ReadonlyArray<number> = DEFAULT_BUCKETS
): number => {
  if (!(q > 0 && q < 1)) throw new Error("histogramQuantileOf: q must be in (0, 1)")
  const parts = components(latency)
  let previousBound = 0
  let previousShare = 0
  for (const bound of buckets) {
    const share = mixtureCdf(parts, bound)
    if (share >= q) {
      if (bound <= 0) return bound
      return previousBound + (bound - previousBound) * ((q - previousShare) / (share - previousShare))
    }
    previousBound = bound
    previousShare = share
  }
  // the rank falls into the +Inf bucket: Prometheus answers the highest finite bound
  return buckets[buckets.length - 1] ?? NaN
}

interface TrackModel {
  /** probability of each bucket interval: (0, b0], (b0, b1], …, (b_last, +Inf) */
  readonly intervalProbability: ReadonlyArray<number>
  /** mean latency of a request inside each interval */
  readonly intervalMean: ReadonlyArray<number>
}

const trackModel = (latency: LatencyProfile, bounds: ReadonlyArray<number>): TrackModel => {
  const parts = components(latency)
  const edges = [0, ...bounds, Infinity]
  const intervalProbability: Array<number> = []
  const intervalMean: Array<number> = []
  for (let i = 0; i + 1 < edges.length; i++) {
    const lo = edges[i]!
    const hi = edges[i + 1]!
    const p = mixtureCdf(parts, hi) - mixtureCdf(parts, lo)
    const partial = parts.reduce(
      (acc, c) => acc + c.weight * (componentPartialMean(c, hi) - componentPartialMean(c, lo)),
      0
    )
    intervalProbability.push(Math.max(0, p))
    intervalMean.push(p > 1e-12 ? partial / p : hi === Infinity ? lo : (lo + hi) / 2)
  }
  return { intervalProbability, intervalMean }
}

/** Split n requests over the bucket intervals: a multinomial draw, as conditional binomials. */
const splitOverIntervals = (n: number, probabilities: ReadonlyArray<number>, random: Random): Array<number> => {
  const counts: Array<number> = []
  let left = n
  let mass = 1
  probabilities.forEach((p, i) => {
    if (i === probabilities.length - 1) {
      counts.push(left)
      return
    }
    const share = mass > 0 ? Math.min(1, p / mass) : 0
    const k = binomial(random, left, share)
    counts.push(k)
    left -= k
    mass -= p
  })
  return counts
}

const checkOptions = (options: CanaryHistoryOptions, step: number): void => {
  if (!Number.isFinite(options.start) || !Number.isFinite(options.end) || options.end < options.start) {
    throw new Error("canaryHistory: need finite start <= end (unix seconds)")
  }
  if (!(step > 0)) throw new Error("canaryHistory: stepSeconds must be > 0")
  for (const [track, profile] of Object.entries(options.tracks)) {
    if (!(profile.rps >= 0)) throw new Error(`canaryHistory: track ${track}: rps must be >= 0`)
    if (!(profile.errorRate >= 0 && profile.errorRate <= 1)) {
      throw new Error(`canaryHistory: track ${track}: errorRate must be in [0, 1]`)
    }
  }
}

/**
 * Counter and histogram series for each track of one job, sampled every
 * `stepSeconds` from `start` to `end`, all starting at 0 at `start`:
 * - `http_requests_total{job,track,status="200"|"500"}` — status 500 for a share `errorRate`;
 * - `http_request_duration_seconds_bucket{job,track,le}`, `_count`, `_sum` — every request
 *   (both statuses) observed, so `_count` equals the sum of both status counters.
 *
 * With noise (the default) per-step request counts are Poisson around `rps · step`,
 * errors binomial, bucket counts multinomial — deterministic for a `seed`, and each
 * track's stream depends only on the seed and its name. Feed the result to
 * `openMetrics` or `startPrometheus({ series })`.
 */
export const canaryHistory = (options: CanaryHistoryOptions): Array<Series> => {
  const step = options.stepSeconds ?? 15
  checkOptions(options, step)
  const bounds = options.buckets ?? DEFAULT_BUCKETS
  const noise = options.noise ?? true
  const seed = options.seed ?? 1
  const times: Array<number> = []
  for (let i = 0; options.start + i * step <= options.end; i++) times.push(options.start + i * step)

  const out: Array<Series> = []
  for (const [track, profile] of Object.entries(options.tracks)) {
    const model = trackModel(profile.latency, bounds)
    const random = noise ? seeded(seed ^ hashString(`${options.job}\u0000${track}`)) : undefined
    const labels = { job: options.job, track }
    const ok: Array<{ t: number; v: number }> = []
    const errors: Array<{ t: number; v: number }> = []
    const points: Array<{ t: number; buckets: Array<number>; count: number; sum: number }> = []
    let running = 0
    const cumulativeProbability = bounds.map((_, k) => Math.min(1, (running += model.intervalProbability[k]!)))
    let total = 0
    let failed = 0
    let intervals = model.intervalProbability.map(() => 0)
    times.forEach((t, i) => {
      if (random === undefined) {
        // no noise: cumulative counts follow the profile exactly, round(share · rps · elapsed), so every counter is monotone
        total = Math.round(profile.rps * (t - options.start))
        failed = Math.round(profile.errorRate * total)
        const atOrBelow = [...cumulativeProbability.map((p) => Math.round(p * total)), total]
        intervals = atOrBelow.map((c, k) => c - (k === 0 ? 0 : atOrBelow[k - 1]!))
      } else if (i > 0) {
        const n = poisson(random, profile.rps * step)
        failed += binomial(random, n, profile.errorRate)
        total += n
        const split = splitOverIntervals(n, model.intervalProbability, random)
        intervals = intervals.map((c, k) => c + split[k]!)
      }
      ok.push({ t, v: total - failed })
      errors.push({ t, v: failed })
      let cumulative = 0
      const buckets = bounds.map((_, k) => (cumulative += intervals[k]!))
      const sum = intervals.reduce((acc, c, k) => acc + c * model.intervalMean[k]!, 0)
      points.push({ t, buckets, count: total, sum })
    })
    out.push(
      { name: "http_requests_total", type: "counter", help: "HTTP requests served, by status.", labels: { ...labels, status: "200" }, samples: ok },
      { name: "http_requests_total", type: "counter", help: "HTTP requests served, by status.", labels: { ...labels, status: "500" }, samples: errors },
      ...histogramSeries({
        name: "http_request_duration_seconds",
        help: "HTTP request latency in seconds.",
        labels,
        bounds,
        points
      })
    )
  }
  return out
}
