import { MetricSources } from "@rollwise/rollout-runner"
import { Option } from "effect"

/**
 * The log and trace sources' URL flags, shared by `analyze` and `rollout`:
 * each metric reads the source its `source:` in slo.yaml names, and
 * credentials come from the environment only.
 */
export const sourceFlags = MetricSources.logAndTraceFlags("analyze")

/** The live URLs the flags give, by source. */
export const liveUrls = (flags: {
  readonly prometheus: Option.Option<string>
  readonly loki: Option.Option<string>
  readonly elasticsearch: Option.Option<string>
  readonly tempo: Option.Option<string>
  readonly jaeger: Option.Option<string>
}): MetricSources.LiveUrls =>
  MetricSources.urlsOf({
    prometheus: Option.getOrUndefined(flags.prometheus),
    loki: Option.getOrUndefined(flags.loki),
    elasticsearch: Option.getOrUndefined(flags.elasticsearch),
    tempo: Option.getOrUndefined(flags.tempo),
    jaeger: Option.getOrUndefined(flags.jaeger)
  })
