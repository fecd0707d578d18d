/**
 * Request latency as a native histogram, the way a client library with
 * native histograms enabled exposes it: one `http_request_duration_seconds`
 * series per job and track whose samples are cumulative integer histograms.
 * Feed the result to `remoteWrite` (Prometheus 2.42 cannot backfill native
 * histograms).
 */
import { drawLatency, type LatencyProfile } from "./CanaryHistory.ts"
import { hashString, poisson, seeded } from "./internal/math.ts"
import { bucketIndex, type NativeHistogramSample, type RemoteSeries } from "./RemoteWrite.ts"

/** What `nativeLatencyHistory` generates. Times are unix seconds; samples at `start`, `start + step`, … up to `end`. */
export interface NativeLatencyHistoryOptions {
  readonly job: string
  readonly start: number
  readonly end: number
  /** seconds between samples; default 15 */
  readonly stepSeconds?: number
  /** track label value → requests per second and their latency; a track left out has no series */
  readonly tracks: Readonly<Record<string, { readonly rps: number; readonly latency: LatencyProfile }>>
  /** native histogram schema (-4 … 8); default 3 (8 buckets per power of two, ~9 % wide) */
  readonly schema?: number
  /** the same seed gives the same history; default 1 */
  readonly seed?: number
}

/** One generated series and every latency observed into it, by sample time (for exact expectations). */
export interface NativeLatencySeries extends RemoteSeries {
  readonly observations: ReadonlyArray<{ readonly t: number; readonly values: ReadonlyArray<number> }>
}

/**
 * Per track, a Poisson number of requests (mean `rps · step`) per step, each
 * with a latency drawn from the profile, observed into a cumulative native
 * histogram sampled every `stepSeconds` from `start` (empty) to `end`.
 * Deterministic for a seed; each track's stream depends only on the seed, job
 * and track.
 */
export const nativeLatencyHistory = (options: NativeLatencyHistoryOptions): Array<NativeLatencySeries> => {
  const step = options.stepSeconds ?? 15
  const schema = options.schema ?? 3
  if (!(step > 0)) throw new Error("nativeLatencyHistory: stepSeconds must be > 0")
  if (!(Number.isInteger(schema) && schema >= -4 && schema <= 8)) throw new Error("nativeLatencyHistory: schema must be an integer in -4 … 8")
  if (!(Number.isFinite(options.start) && Number.isFinite(options.end) && options.start <= options.end)) {
    throw new Error("nativeLatencyHistory: need finite start <= end (unix seconds)")
  }
  return Object.entries(options.tracks).map(([track, profile]) => {
    const random = seeded((options.seed ?? 1) ^ hashString(`${options.job}\u0000${track}\u0000native`))
    const positive = new Map<number, number>()
    let count = 0
    let sum = 0
    const histograms: Array<NativeHistogramSample> = []
    const observations: Array<{ t: number; values: Array<number> }> = []
    for (let i = 0; options.start + i * step <= options.end; i++) {
      const t = options.start + i * step
      const values: Array<number> = []
      const n = i === 0 ? 0 : poisson(random, profile.rps * step)
      for (let k = 0; k < n; k++) {
        const v = drawLatency(profile.latency, random)
        values.push(v)
        const index = bucketIndex(v, schema)
        positive.set(index, (positive.get(index) ?? 0) + 1)
        count++
        sum += v
      }
      observations.push({ t, values })
      histograms.push({ t, schema, zeroThreshold: 2 ** -128, zeroCount: 0, count, sum, positive: new Map(positive) })
    }
    return { name: "http_request_duration_seconds", labels: { job: options.job, track }, histograms, observations }
  })
}
