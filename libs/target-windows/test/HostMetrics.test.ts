import { MetricSource } from "@rollwise/rollout-engine"
import { MetricSourceContract } from "@rollwise/rollout-engine/testing"
import { SloSpec } from "@rollwise/slo-policy"
import { type SshFleet, startSshFleet } from "@rollwise/ssh-harness"
import { Duration, Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { HostMetrics, OpenSsh } from "../src/index.ts"
import { RecordedFleet } from "../src/testing.ts"
import { decodeHosts, serverNames, shimHandler } from "./support.ts"

const { scenario } = MetricSourceContract
const RolloutMetricSource = MetricSource.MetricSource

/** The contract's spec with host signals as its queries ("absent" names no signal). */
const spec = Effect.runSync(
  SloSpec.decode({
    apiVersion: "rollwise/v1",
    kind: "SloSpec",
    service: scenario.service,
    window: "2m",
    metrics: [
      { name: "latency", kind: "continuous", threshold: 0.3, query: "host:time-taken" },
      { name: "error-rate", kind: "ratio", threshold: 0.01, errorsQuery: "host:http-5xx", totalQuery: "host:requests" },
      { name: "restarts", kind: "counter", threshold: 0, query: "host:apppool-restarts" },
      { name: "absent", kind: "continuous", threshold: 1, query: "host:queue-depth" }
    ]
  })
)

/** A canary fleet loaded with the contract's scenario: web1 (blue) serves the baseline, web2 and web3 (green, on 2.5.0) the candidate. */
const loaded = () => {
  const hosts = decodeHosts("canary")
  const fleet = RecordedFleet.fromHosts(hosts)
  fleet.hosts["web1"]!.sites["shop"]!.traffic = scenario.baseline
  const secondWindow = new Date(scenario.start + scenario.windowSeconds * 1000 + 30_000).toISOString()
  for (const server of ["web2", "web3"]) {
    fleet.hosts[server]!.sites["shop"]!.path = "D:\\sites\\shop\\releases\\2.5.0"
    fleet.hosts[server]!.sites["shop"]!.traffic = scenario.candidate
    fleet.hosts[server]!.workerFailures.push({ at: secondWindow, pool: "shop" })
  }
  return { hosts, fleet }
}

MetricSourceContract.suite(
  "host signals (in-memory recorded hosts)",
  () => {
    const { hosts, fleet } = loaded()
    return HostMetrics.layer({ hosts, transport: RecordedFleet.transport(fleet), strategy: "canary", candidate: "2.5.0" })
  },
  spec
)

let ssh: SshFleet
let recorded: RecordedFleet.Fleet
beforeAll(async () => {
  ssh = await startSshFleet(serverNames, shimHandler(() => recorded))
}, 60_000)
afterAll(async () => {
  await ssh?.close()
})

MetricSourceContract.suite(
  "host signals (real sshd, recorded PowerShell outputs)",
  (): Layer.Layer<MetricSource.MetricSource> =>
    Layer.effect(
      RolloutMetricSource,
      Effect.gen(function* () {
        const { fleet } = loaded()
        recorded = fleet
        const hosts = decodeHosts("canary", ssh)
        const transport = yield* Effect.orDie(OpenSsh.make({ hosts, dir: "/", env: {}, timeout: Duration.seconds(30) }))
        return HostMetrics.make({ hosts, transport, strategy: "canary", candidate: "2.5.0" })
      })
    ),
  spec
)

describe("host signals (in-memory recorded hosts)", () => {
  it("blue/green: the side on the candidate's release is the candidate, the live side the baseline", async () => {
    const hosts = decodeHosts("bluegreen")
    const fleet = RecordedFleet.fromHosts(hosts)
    for (const server of ["web1", "web2", "web3"]) {
      fleet.hosts[server]!.sites["shop-green"]!.path = "D:\\sites\\shop\\releases\\2.5.0"
      fleet.hosts[server]!.sites["shop-green"]!.traffic = { requestsPerSecond: 1, errorRatio: 0.5, latencySeconds: 0.3 }
      fleet.hosts[server]!.sites["shop-blue"]!.traffic = { requestsPerSecond: 10, errorRatio: 0, latencySeconds: 0.1 }
    }
    const source = HostMetrics.make({ hosts, transport: RecordedFleet.transport(fleet), strategy: "bluegreen", candidate: "2.5.0" })
    const window = { start: scenario.start, end: scenario.start + 120_000 }
    const errorRate = spec.metrics[1]!
    const candidate = await Effect.runPromise(source.observe({ spec, metric: errorRate, track: "candidate", window }))
    const baseline = await Effect.runPromise(source.observe({ spec, metric: errorRate, track: "baseline", window }))
    expect(candidate.sample).toEqual({ _tag: "Counts", errors: 180, total: 360 })
    expect(baseline.sample).toEqual({ _tag: "Counts", errors: 0, total: 3600 })
  })

  it("an unreachable host is a MetricSourceError (the engine records it as nodata with the reason)", async () => {
    const hosts = decodeHosts("canary")
    const fleet = RecordedFleet.fromHosts(hosts)
    fleet.inject({ op: "signals", server: "web2", kind: "drop" })
    const source = HostMetrics.make({ hosts, transport: RecordedFleet.transport(fleet), strategy: "canary", candidate: "2.5.0" })
    const error = await Effect.runPromise(Effect.flip(source.observe({ spec, metric: spec.metrics[0]!, track: "candidate", window: { start: scenario.start, end: scenario.start + 120_000 } })))
    expect(error).toMatchObject({ _tag: "MetricSourceError", reason: "Unreachable" })
    expect(error.detail).toContain("web2: the connection dropped before signals answered")
  })

  it("reads each server once per window, whatever the metrics and tracks asked", async () => {
    const { hosts, fleet } = loaded()
    const source = HostMetrics.make({ hosts, transport: RecordedFleet.transport(fleet), strategy: "canary", candidate: "2.5.0" })
    const window = { start: scenario.start, end: scenario.start + 120_000 }
    for (const metric of spec.metrics) for (const track of ["baseline", "candidate"] as const) await Effect.runPromise(source.observe({ spec, metric, track, window }))
    expect(fleet.scripts.filter((s) => s.op === "signals")).toHaveLength(3)
  })
})
