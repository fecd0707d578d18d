import { Effect, Metric } from "effect"
import { PrometheusMetrics } from "effect/observability"

/**
 * The service's own metrics, served at `GET /metrics` in the Prometheus text
 * format. Route labels are route templates (`/v1/risk`, `unmatched` for
 * anything else), so a scanner cannot grow the label set.
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `rollwise_http_requests_total` | counter | `route`, `method`, `status` |
 * | `rollwise_http_request_duration_seconds` | histogram | `route`, `method` |
 * | `rollwise_decisions_total` | counter | `kind` (risk, analysis, gate, argo, flagger, kayenta, operator, rollout), `action`, `service` (when the request names one) |
 * | `rollwise_metric_source_queries_total` | counter | `result` (ok, nodata, error), `reason` (errors only) |
 * | `rollwise_metric_source_last_query_success` | gauge | — |
 *
 * `action` is the verdict's promote/slow/rollback for `analysis` and
 * `argo`, pass/block for `gate`, and the strategy (canary, bluegreen,
 * rolling) for `risk`, and `<hook>:proceed|halt` for `flagger`.
 *
 * The metric-source series say whether Prometheus (or whatever the server
 * measures through) answers, which readiness deliberately does not: a
 * Prometheus in trouble must not take the server out of its Service, since
 * the judging routes answer `slow` (hold) without data, which is the safe
 * answer. Alert on `increase(rollwise_metric_source_queries_total{result="error"}[10m]) > 0`
 * or `rollwise_metric_source_last_query_success == 0`.
 */

/** Requests answered, by route template, method and status code. */
export const requests = Metric.counter("rollwise_http_requests_total", {
  description: "HTTP requests answered, by route template, method and status code",
  incremental: true
})

/** Seconds from a request's arrival to its response, by route template and method. */
export const duration = Metric.histogram("rollwise_http_request_duration_seconds", {
  description: "Seconds from request arrival to response, by route template and method",
  boundaries: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
})

/** Decisions made, by kind and action. */
export const decisions = Metric.counter("rollwise_decisions_total", {
  description: "Decisions made, by kind (risk, analysis, gate, argo, flagger, kayenta, operator, rollout) and action (promote/slow/rollback, pass/block, the strategy, or promote|rollback:recorded|already)",
  incremental: true
})

/**
 * Queries the judging routes (the Argo metric, the Flagger hooks) sent to the
 * metric source: `result="ok"` (a sample), `"nodata"` (answered, but no
 * sample: an empty result), `"error"` with `reason` from the source's error
 * (Unreachable, Timeout, BadQuery, BadResponse, NoData, Unsupported). A
 * Prometheus that answers 401 or 404 (credentials, a Thanos/Mimir prefix) is
 * an error here, never a readiness failure.
 */
export const metricSourceQueries = Metric.counter("rollwise_metric_source_queries_total", {
  description: "Queries the Argo metric and Flagger hooks sent to the metric source (Prometheus), by result (ok, nodata, error) and, for errors, reason",
  incremental: true
})

/** 1 when the metric source answered the last query (with a sample or without), 0 when that query failed; absent before the first query. */
export const metricSourceLastQuerySuccess = Metric.gauge("rollwise_metric_source_last_query_success", {
  description: "1 when the metric source answered the last query (ok or nodata), 0 when it failed"
})

/** How one metric-source query ended. */
export type QueryOutcome = { readonly result: "ok" | "nodata" } | { readonly result: "error"; readonly reason: string }

/** Count one metric-source query and set the last-query gauge. */
export const recordQuery = (outcome: QueryOutcome): Effect.Effect<void> =>
  Effect.andThen(
    Metric.update(Metric.withAttributes(metricSourceQueries, outcome.result === "error" ? { result: "error", reason: outcome.reason } : { result: outcome.result }), 1),
    Metric.update(metricSourceLastQuerySuccess, outcome.result === "error" ? 0 : 1)
  )

/** The kinds of decision the API makes. */
export type DecisionKind = "risk" | "analysis" | "gate" | "argo" | "flagger" | "kayenta" | "operator" | "rollout"

/**
 * Count one decision, with the service it was about when the request names
 * one (services are few; rollout ids, unbounded, are never a label): alerts
 * and dashboards then select and inhibit per service.
 */
export const recordDecision = (kind: DecisionKind, action: string, service?: string): Effect.Effect<void> =>
  Metric.update(Metric.withAttributes(decisions, service !== undefined && service !== "" ? { kind, action, service } : { kind, action }), 1)

/** Count one answered request and its duration. */
export const recordRequest = (route: string, method: string, status: number, seconds: number): Effect.Effect<void> =>
  Effect.andThen(
    Metric.update(Metric.withAttributes(requests, { route, method, status: String(status) }), 1),
    Metric.update(Metric.withAttributes(duration, { route, method }), seconds)
  )

/** Every metric of the current registry (`Metric.MetricRegistry`) in the Prometheus text format. */
export const render: Effect.Effect<string> = PrometheusMetrics.format()
