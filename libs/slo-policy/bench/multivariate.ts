/**
 * Seeded scenarios for the multivariate (Isolation Forest) metric: the shipped
 * example (`examples/observations-multivariate.ndjson`, written by
 * `bench/multivariate-examples.ts`), the tests and the benchmark
 * (`bench/multivariate-bench.ts`).
 *
 * Generative model, per release (seeded, deterministic): 10 windows of 2 min,
 * each 12 steps of 10 s, as a live Prometheus window at a 10 s step gives
 * them. Per track and step s:
 *
 * - load_s = 100 · W_w · exp(0.35 · z_s) requests/s, W_w = exp(0.1 · N(0, 1))
 *   a per-window level shared by both tracks;
 * - latency_s = 0.12 s · (load_s / 100) · exp(0.06 · ε_s): latency rises with load;
 * - cpu_s = 0.4 cores · (load_s / 100) · exp(0.06 · η_s).
 *
 * Kinds: `healthy` — both tracks alike; `joint-shift` — the candidate's
 * latency no longer follows its load: its latency values are the same
 * numbers shuffled across the window's steps, so every single metric's
 * distribution is the baseline's, only the combination moved; `latency` —
 * a plain regression, the candidate 40 % slower at every step.
 */
import { type Line, rng } from "./scenarios.ts"

export type MultivariateKind = "healthy" | "joint-shift" | "latency"

/** Whether a scenario should be rolled back. */
export const multivariateTruth: Readonly<Record<MultivariateKind, boolean>> = { healthy: false, "joint-shift": true, latency: true }

const round = (x: number) => Math.round(x * 1e5) / 1e5

/** One release's observations of latency, cpu and load (see the module comment). */
export const multivariateRelease = (id: string, kind: MultivariateKind, seed: number, windows = 10, steps = 12): ReadonlyArray<Line> => {
  const r = rng(seed)
  const lines: Array<Line> = []
  for (let w = 0; w < windows; w++) {
    const level = Math.exp(0.1 * r.normal())
    for (const track of ["baseline", "candidate"] as const) {
      const cand = track === "candidate"
      const load: Array<number> = []
      const latency: Array<number> = []
      const cpu: Array<number> = []
      for (let s = 0; s < steps; s++) {
        const l = 100 * level * Math.exp(0.35 * r.normal())
        load.push(l)
        latency.push(0.12 * (l / 100) * Math.exp(0.06 * r.normal()) * (cand && kind === "latency" ? 1.4 : 1))
        cpu.push(0.4 * (l / 100) * Math.exp(0.06 * r.normal()))
      }
      if (cand && kind === "joint-shift") {
        // the same latency values, no longer in step with the load (Fisher–Yates, seeded)
        for (let i = latency.length - 1; i > 0; i--) {
          const j = Math.floor(r.next() * (i + 1))
          const t = latency[i]!
          latency[i] = latency[j]!
          latency[j] = t
        }
      }
      lines.push({ release: id, window: w, metric: "latency", track, values: latency.map(round) })
      lines.push({ release: id, window: w, metric: "cpu", track, values: cpu.map(round) })
      lines.push({ release: id, window: w, metric: "load", track, values: load.map(round) })
    }
  }
  return lines
}

/**
 * The slo.yaml of the example and the benchmark (examples/slo-multivariate.yaml
 * is this document): three continuous metrics with generous tolerances and a
 * critical multivariate metric over them. `withJoint: false` drops it.
 */
export const multivariateSpec = (withJoint = true) => ({
  apiVersion: "rollwise/v1",
  kind: "SloSpec",
  service: "checkout",
  window: "2m",
  maxWindows: 10,
  promoteAfter: 3,
  metrics: [
    { name: "latency", kind: "continuous", threshold: 0.5, tolerance: 0.25 },
    { name: "cpu", kind: "continuous", threshold: 2, tolerance: 0.25 },
    { name: "load", kind: "continuous", threshold: 1000, tolerance: 0.5 },
    ...(withJoint
      ? [{ name: "joint", kind: "multivariate", threshold: 0.75, tolerance: 0.02, critical: true, features: [{ metric: "latency" }, { metric: "cpu" }, { metric: "load" }] }]
      : [])
  ]
})
