import type { SloSpec } from "@rollwise/slo-policy"
import { PrometheusSource } from "@rollwise/source-prometheus"
import { Duration, Effect, Redacted } from "effect"
import { InputError } from "./Io.ts"

/**
 * The Prometheus MetricSource for `url`, with credentials from the
 * environment only (`ROLLWISE_PROMETHEUS_TOKEN`, or `ROLLWISE_PROMETHEUS_USER`
 * and `ROLLWISE_PROMETHEUS_PASSWORD`), never from flags or files that end up
 * in shell history or evidence.
 */
export const prometheusSource = (url: string, timeoutSeconds: number) => {
  const token = process.env["ROLLWISE_PROMETHEUS_TOKEN"]
  const user = process.env["ROLLWISE_PROMETHEUS_USER"]
  const password = process.env["ROLLWISE_PROMETHEUS_PASSWORD"]
  return PrometheusSource.layer({
    url,
    timeout: Duration.seconds(timeoutSeconds),
    ...(token ? { bearerToken: Redacted.make(token) } : {}),
    ...(user && password ? { basicAuth: { username: user, password: Redacted.make(password) } } : {})
  })
}

/** Live analysis needs a query for every metric (errorsQuery and totalQuery for ratios). */
export const requireQueries = (spec: SloSpec.Spec, file = "slo") =>
  Effect.forEach(spec.metrics, (m) => {
    const missing = m.kind === "ratio" ? (m.errorsQuery === undefined || m.totalQuery === undefined ? "errorsQuery and totalQuery" : undefined) : m.query === undefined ? "query" : undefined
    return missing === undefined ? Effect.void : Effect.fail(new InputError({ file, detail: `metric ${m.name} (${m.kind}) needs ${missing} for live analysis (see examples/slo-live.yaml)` }))
  }, { discard: true })
