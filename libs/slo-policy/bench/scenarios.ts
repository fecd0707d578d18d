import { Random } from "@rollwise/stats-core"

/**
 * Seeded release scenarios with known truth, for the detection benchmark, the
 * shipped examples and property tests. Each scenario yields observation lines
 * exactly as `rollwise analyze` reads them.
 */

/** Seeded draws: stats-core's mulberry32 uniforms, Box–Muller normals (cosine branch), Poisson counts. */
export const rng = (seed: number) => {
  const next = Random.mulberry32(seed)
  const normal = () => {
    const u = Math.max(next(), 1e-12)
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next())
  }
  const poisson = (lambda: number) => {
    if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal()))
    const l = Math.exp(-lambda)
    let k = 0
    let p = 1
    do {
      k++
      p *= next()
    } while (p > l)
    return k - 1
  }
  return { next, normal, poisson }
}

export type Traffic = "low" | "medium" | "high"
export type Kind =
  | "healthy"
  | "healthy-gc"
  | "healthy-warmup"
  | "latency-small"
  | "latency-medium"
  | "latency-large"
  | "latency-sparse"
  | "errors-2x"
  | "errors-5x"
  | "slow-leak"
  | "crash-loop"
  | "missing-candidate"

/** Whether a scenario should be rolled back (true), promoted (false) or held for lack of data (null). */
export const truth: Readonly<Record<Kind, boolean | null>> = {
  healthy: false,
  "healthy-gc": false,
  "healthy-warmup": false,
  "latency-small": false,
  "latency-medium": true,
  "latency-large": true,
  "latency-sparse": true,
  "errors-2x": true,
  "errors-5x": true,
  "slow-leak": true,
  "crash-loop": true,
  "missing-candidate": null
}

/** Latency samples (seconds) per window and requests per window, by traffic. */
export const trafficProfile: Readonly<Record<Traffic, { readonly samples: number; readonly requests: number }>> = {
  low: { samples: 30, requests: 400 },
  medium: { samples: 120, requests: 4000 },
  high: { samples: 400, requests: 40000 }
}

/** The slo.yaml every scenario is judged against (the documented example's metrics). */
export const specDocument = {
  apiVersion: "rollwise/v1",
  kind: "SloSpec",
  service: "checkout",
  window: "2m",
  maxWindows: 10,
  promoteAfter: 3,
  metrics: [
    {
      name: "latency",
      kind: "continuous",
      direction: "lower",
      threshold: 0.3,
      tolerance: 0.1,
      query:
        'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{job="{{service}}",track="{{track}}"}[{{window}}])) by (le))'
    },
    { name: "error-rate", kind: "ratio", direction: "lower", threshold: 0.01, tolerance: 0.5 },
    { name: "restarts", kind: "counter", direction: "lower", threshold: 0, critical: true }
  ]
} as const

export interface Line {
  readonly release: string
  readonly window: number
  readonly metric: string
  readonly track: "baseline" | "candidate"
  readonly values?: ReadonlyArray<number | null>
  readonly errors?: number
  readonly total?: number
}

/**
 * One release's observations. Latency is log-normal around 120 ms with
 * per-window load drift shared by both tracks; errors are binomial around
 * 0.3 %; a healthy service does not restart.
 */
export const release = (id: string, kind: Kind, traffic: Traffic, seed: number, windows = 10): ReadonlyArray<Line> => {
  const r = rng(seed)
  const { samples, requests } = trafficProfile[traffic]
  const lines: Array<Line> = []
  const baseErrorRate = 0.003
  for (let w = 0; w < windows; w++) {
    const load = 1 + 0.08 * r.normal() // shared by both tracks: the reason to compare with a baseline
    for (const track of ["baseline", "candidate"] as const) {
      const cand = track === "candidate"
      let shift = 1
      let sparse = 0
      if (cand && kind === "latency-small") shift = 1.03
      if (cand && kind === "latency-medium") shift = 1.25
      if (cand && kind === "latency-large") shift = 1.8
      if (cand && kind === "latency-sparse") sparse = 0.06
      if (cand && kind === "slow-leak") shift = 1 + 0.04 * w
      if (cand && kind === "healthy-warmup" && w === 0) shift = 1.3 // JIT warm-up: first window only
      const values: Array<number | null> = []
      for (let i = 0; i < samples; i++) {
        let v = 0.12 * load * shift * Math.exp(0.25 * r.normal())
        if (r.next() < sparse) v *= 8 // a few requests much slower, median unmoved
        if (kind === "healthy-gc" && r.next() < 0.01) v *= 4 // GC pauses, both tracks alike
        values.push(Math.round(v * 1e5) / 1e5)
      }
      const missing = cand && kind === "missing-candidate"
      if (!missing) lines.push({ release: id, window: w, metric: "latency", track, values })
      let rate = baseErrorRate * load
      if (cand && kind === "errors-2x") rate *= 2.5
      if (cand && kind === "errors-5x") rate *= 5
      const total = Math.max(0, r.poisson(requests))
      // binomial(total, rate); with rate < 2 % the Poisson approximation is within a fraction of a percent
      const errors = Math.min(total, r.poisson(total * rate))
      if (!missing) lines.push({ release: id, window: w, metric: "error-rate", track, errors, total })
      const restarts = cand && kind === "crash-loop" && w >= 1 ? 2 + Math.floor(r.next() * 3) : 0
      if (!missing) lines.push({ release: id, window: w, metric: "restarts", track, values: [restarts] })
    }
  }
  return lines
}

/** NDJSON text of lines. */
export const ndjson = (lines: ReadonlyArray<Line>): string => lines.map((l) => JSON.stringify(l)).join("\n") + "\n"
