import type { Series } from "./OpenMetrics.ts"
import { canaryHistory } from "./CanaryHistory.ts"

/**
 * What the live-analysis tests judge against a real Prometheus: an SLO spec
 * (YAML, as a user writes it) whose queries read the series
 * {@link stableCanary} writes — latency p95 from the request-duration
 * histogram, the 5xx rate from the request counter — on 2-minute windows,
 * promoting after three healthy ones.
 */
export const liveSloYaml = (service: string): string => `apiVersion: rollwise/v1
kind: SloSpec
service: ${service}
window: 2m
maxWindows: 10
promoteAfter: 3
metrics:
  - name: latency
    kind: continuous
    threshold: 0.5
    minSamples: 6
    query: 'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{job="{{service}}",track="{{track}}"}[1m])) by (le))'
  - name: error-rate
    kind: ratio
    threshold: 0.01
    tolerance: 0.5
    errorsQuery: 'sum(increase(http_requests_total{job="{{service}}",track="{{track}}",status=~"5.."}[{{window}}]))'
    totalQuery: 'sum(increase(http_requests_total{job="{{service}}",track="{{track}}"}[{{window}}]))'
`

/** Options of {@link stableCanary}. */
export interface StableCanaryOptions {
  readonly job: string
  /** The canary's median latency (the stable track's is 0.1 s). */
  readonly canaryLatencySeconds: number
  /** Last sample, epoch seconds. */
  readonly end: number
  /** How much history, in seconds. */
  readonly seconds: number
  /** Requests per second of each track. */
  readonly rps: number
  readonly seed: number
}

/** A stable and a canary track 10 s apart, 0.2 % errors each, the canary's latency as given. */
export const stableCanary = (options: StableCanaryOptions): Array<Series> =>
  canaryHistory({
    job: options.job,
    start: options.end - options.seconds,
    end: options.end,
    stepSeconds: 10,
    seed: options.seed,
    tracks: {
      stable: { rps: options.rps, errorRate: 0.002, latency: { medianSeconds: 0.1, sigma: 0.2 } },
      canary: { rps: options.rps, errorRate: 0.002, latency: { medianSeconds: options.canaryLatencySeconds, sigma: 0.2 } }
    }
  })
