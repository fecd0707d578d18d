import type { SloSpec } from "@rollwise/slo-policy"
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { Health, SimulatedFleet, TargetArm } from "../src/index.ts"
import { fleetFile } from "../src/testing.ts"

const metric = (name: string, kind: "continuous" | "ratio" | "counter", query?: string) =>
  ({ name, kind, direction: "lower", threshold: 1, tolerance: 0.1, critical: false, weight: 1, failAfter: 2, ...(query !== undefined ? { query } : {}) }) as unknown as SloSpec.MetricSpec
const observe = (source: ReturnType<typeof Health.make>, m: SloSpec.MetricSpec, track: "baseline" | "candidate") =>
  Effect.runPromise(source.observe({ spec: {} as SloSpec.Spec, metric: m, track, window: { start: 0, end: 60_000 } }))

describe("Health (per-cohort device health, simulated fleet of 10,000 devices)", () => {
  const setup = async (options: Partial<SimulatedFleet.Options> = {}) => {
    const fleet = SimulatedFleet.make({ size: 10_000, seed: 21, unhealthy: ["app-2"], ...options })
    const file = fleetFile({ health: { offlineAfterSeconds: 600, minDevices: 5, kpis: ["latency-ms"] } })
    const target = await Effect.runPromise(TargetArm.make({ fleet: file, rollout: { id: "health", version: "2" }, ota: SimulatedFleet.ota(fleet) }))
    await Effect.runPromise(target.apply({ cohort: 5 }))
    const source = await Effect.runPromise(Health.fromFleet({ fleet: file, rollout: { id: "health", version: "2" }, ota: SimulatedFleet.ota(fleet) }))
    return { fleet, source }
  }

  it("the updated cohort is the candidate, the devices not updated yet the baseline: an unhealthy artifact shows in crash-rate and the KPI", async () => {
    const { source } = await setup()
    const c = await observe(source, metric("crash-rate", "ratio"), "candidate")
    const b = await observe(source, metric("crash-rate", "ratio"), "baseline")
    expect(c.sample?._tag).toBe("Counts")
    expect(b.sample?._tag).toBe("Counts")
    if (c.sample?._tag !== "Counts" || b.sample?._tag !== "Counts") return
    expect(c.sample.total).toBeGreaterThan(400)
    expect(b.sample.total).toBeGreaterThan(9000)
    expect(c.sample.errors / c.sample.total).toBeGreaterThan(b.sample.errors / b.sample.total + 0.2)
    expect(c.query).toMatch(/^fleet test-fleet: crash-rate of the devices on app-2 \(\d+ online, 0 offline\)$/)
    const kc = await observe(source, metric("p95", "continuous", "kpi:latency-ms"), "candidate")
    const kb = await observe(source, metric("p95", "continuous", "kpi:latency-ms"), "baseline")
    const mean = (m: typeof kc) => (m.sample?._tag === "Values" ? m.sample.values.reduce((s, v) => s + v, 0) / m.sample.values.length : NaN)
    expect(mean(kc)).toBeGreaterThan(mean(kb) + 30)
  })

  it("offline devices are nodata, never healthy: left out with a warning, and a track with too few online devices has no sample", async () => {
    const { fleet, source } = await setup()
    const candidates = fleet.devices().filter((d) => d.artifact === "app-2").map((d) => d.id)
    fleet.setOffline(candidates.slice(0, 10))
    const some = await observe(source, metric("heartbeat", "continuous"), "candidate")
    expect(some.warnings[0]).toMatch(/^10 of \d+ candidate devices offline: left out \(nodata, never healthy\)$/)
    expect(some.sample?._tag === "Values" ? some.sample.values.length : 0).toBe(candidates.length - 10)
    fleet.setOffline(candidates)
    const none = await observe(source, metric("crash-rate", "ratio"), "candidate")
    expect(none.sample).toBeUndefined()
    expect(none.reason).toMatch(/^0 candidate devices online \(of \d+\), fewer than health.minDevices 5$/)
  })

  it("a metric naming no fleet signal, or the wrong kind for one, is a BadQuery naming it", async () => {
    const { source } = await setup()
    const exit = await Effect.runPromiseExit(source.observe({ spec: {} as SloSpec.Spec, metric: metric("latency", "continuous"), track: "candidate", window: { start: 0, end: 1 } }))
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit)) expect(String(exit.cause)).toMatch(/"latency" is not a fleet health signal/)
    const wrong = await Effect.runPromiseExit(source.observe({ spec: {} as SloSpec.Spec, metric: metric("crash-rate", "continuous"), track: "candidate", window: { start: 0, end: 1 } }))
    expect(String(Exit.isFailure(wrong) ? wrong.cause : "")).toMatch(/crash-rate is a ratio metric/)
  })
})
