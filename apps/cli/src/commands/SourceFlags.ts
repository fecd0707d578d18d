import type { MetricSources } from "@rollwise/rollout-runner"
import { Option } from "effect"
import { Flag } from "effect/cli"

/**
 * The log and trace sources' URL flags, shared by `analyze` and `rollout`:
 * each metric reads the source its `source:` in slo.yaml names, and
 * credentials come from the environment only.
 */
export const sourceFlags = {
  loki: Flag.String("loki").pipe(
    Flag.withDescription("Live: Loki's base URL, for metrics with `source: loki` (tenant from ROLLWISE_LOKI_TENANT; ROLLWISE_LOKI_TOKEN, or _USER and _PASSWORD)"),
    Flag.optional
  ),
  elasticsearch: Flag.String("elasticsearch").pipe(
    Flag.withDescription("Live: the Elasticsearch or OpenSearch URL, for metrics with `source: elasticsearch` (ROLLWISE_ELASTICSEARCH_API_KEY, or _TOKEN, or _USER and _PASSWORD)"),
    Flag.optional
  ),
  tempo: Flag.String("tempo").pipe(
    Flag.withDescription("Live: Tempo's base URL, for metrics with `source: tempo` (TraceQL; tenant from ROLLWISE_TEMPO_TENANT; ROLLWISE_TEMPO_TOKEN, or _USER and _PASSWORD)"),
    Flag.optional
  ),
  jaeger: Flag.String("jaeger").pipe(
    Flag.withDescription("Live: the Jaeger query service's URL, for metrics with `source: jaeger` (ROLLWISE_JAEGER_TOKEN, or _USER and _PASSWORD)"),
    Flag.optional
  )
}

/** The live URLs the flags give, by source. */
export const liveUrls = (flags: {
  readonly prometheus: Option.Option<string>
  readonly loki: Option.Option<string>
  readonly elasticsearch: Option.Option<string>
  readonly tempo: Option.Option<string>
  readonly jaeger: Option.Option<string>
}): MetricSources.LiveUrls => {
  const out: Record<string, string> = {}
  for (const source of ["prometheus", "loki", "elasticsearch", "tempo", "jaeger"] as const) {
    const value = flags[source]
    if (Option.isSome(value)) out[source] = value.value
  }
  return out
}
