import type { MetricSource } from "@rollwise/rollout-engine"
import type { SloSpec } from "@rollwise/slo-policy"
import { PrometheusSource } from "@rollwise/source-prometheus"
import { Duration, Effect, type Layer, Redacted } from "effect"
import { SetupError } from "./internal/errors.ts"

/**
 * The Prometheus MetricSource for `url`, with credentials from the
 * environment only (`ROLLWISE_PROMETHEUS_TOKEN`, or `ROLLWISE_PROMETHEUS_USER`
 * and `ROLLWISE_PROMETHEUS_PASSWORD`), never from flags, request bodies or
 * files that end up in shell history or evidence.
 */
export const prometheus = (url: string, timeoutSeconds: number, env: Readonly<Record<string, string | undefined>>): Layer.Layer<MetricSource.MetricSource> => {
  const token = env["ROLLWISE_PROMETHEUS_TOKEN"]
  const user = env["ROLLWISE_PROMETHEUS_USER"]
  const password = env["ROLLWISE_PROMETHEUS_PASSWORD"]
  return PrometheusSource.layer({
    url,
    timeout: Duration.seconds(timeoutSeconds),
    ...(token ? { bearerToken: Redacted.make(token) } : {}),
    ...(user && password ? { basicAuth: { username: user, password: Redacted.make(password) } } : {})
  })
}

/**
 * Live analysis needs a query for every metric (errorsQuery and totalQuery
 * for ratios), and windows Prometheus can read at the spec's step (a window
 * shorter than the step, or not a whole number of steps, is refused here
 * with the fix, never left to become a silent nodata window).
 */
export const requireQueries = (spec: SloSpec.Spec, field = "slo") =>
  Effect.forEach(
    spec.metrics,
    (m) => {
      const missing = m.kind === "ratio" ? (m.errorsQuery === undefined || m.totalQuery === undefined ? "errorsQuery and totalQuery" : undefined) : m.query === undefined ? "query" : undefined
      return missing === undefined ? Effect.void : Effect.fail(new SetupError({ field, detail: `metric ${m.name} (${m.kind}) needs ${missing} for live analysis (see examples/slo-live.yaml)` }))
    },
    { discard: true }
  ).pipe(Effect.andThen(PrometheusSource.checkSpec(spec).pipe(Effect.mapError((e) => new SetupError({ field, detail: e.detail })))))

/**
 * A Prometheus URL fit to keep in a rollout's record: an http(s) URL without
 * credentials in it (`user:pass@` would end up in the evidence; credentials
 * come from ROLLWISE_PROMETHEUS_TOKEN or _USER/_PASSWORD).
 */
export const requireCredentialFreeUrl = (url: string, field = "--prometheus"): Effect.Effect<void, SetupError> => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return Effect.fail(new SetupError({ field, detail: "not a URL (http://host:9090)" }))
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return Effect.fail(new SetupError({ field, detail: `expected an http or https URL, got ${parsed.protocol}` }))
  if (parsed.username !== "" || parsed.password !== "") {
    return Effect.fail(new SetupError({ field, detail: "holds credentials; give them as ROLLWISE_PROMETHEUS_TOKEN or ROLLWISE_PROMETHEUS_USER and _PASSWORD, never in the URL (it is kept in the evidence)" }))
  }
  return Effect.void
}
