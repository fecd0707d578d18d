import { MetricSource } from "@rollwise/rollout-engine"
import { MetricSourceContract } from "@rollwise/rollout-engine/testing"
import { SloSpec } from "@rollwise/slo-policy"
import { Duration, Effect, Exit, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { SourceElasticsearch } from "../src/index.ts"
import { contractDocs, FakeElasticsearch, generateAppLogs } from "../src/testing.ts"

const scenario = MetricSourceContract.scenario

const decode = (doc: Record<string, unknown>) => Effect.runSync(SloSpec.decode({ apiVersion: "rollwise/v1", kind: "SloSpec", service: scenario.service, window: "2m", ...doc }))

/** The contract's spec in this source's language: query_string over the service's log index. */
const contractSpec = decode({
  metrics: [
    { name: "latency", kind: "continuous", source: "elasticsearch", index: "logs-{{service}}-*", field: "http.duration_ms", query: 'event:request AND track:"{{track}}"', threshold: 300 },
    {
      name: "error-rate",
      kind: "ratio",
      source: "elasticsearch",
      index: "logs-{{service}}-*",
      errorsQuery: "event:request AND track:{{track}} AND http.status:>=500",
      totalQuery: "event:request AND track:{{track}}",
      threshold: 0.01
    },
    { name: "restarts", kind: "counter", source: "elasticsearch", index: "logs-{{service}}-*", query: "event:restart AND track:{{track}}", threshold: 0 },
    { name: "absent", kind: "continuous", source: "elasticsearch", index: "metrics-{{service}}-*", field: "value", query: "track:{{track}}", threshold: 1 }
  ]
})

let fake: FakeElasticsearch
beforeAll(async () => {
  fake = await FakeElasticsearch.start({ auth: { apiKeys: [{ id: "rollwise", key: "s3cr3t-api-key" }] } })
  fake.add(`logs-${scenario.service}-2026.11.01`, contractDocs(scenario))
})
afterAll(() => fake.close())

MetricSourceContract.suite(
  "SourceElasticsearch (fake Elasticsearch 8, from its REST API docs)",
  () => SourceElasticsearch.layer({ url: fake.url, apiKey: Redacted.make("rollwise:s3cr3t-api-key"), retries: 0 }),
  contractSpec
)
