/**
 * Benchmark: 100,000 devices through four cohorts (1 → 5 → 20 → 100 %) and a
 * promote, twice: in process against the simulated fleet (the target's own
 * cost: listing, bucketing, one deployment per step, progress reads), and
 * over HTTP against the fake Mender (inventory paged 500 at a time, one
 * device-list deployment per step). Prints wall time per phase and memory
 * (heap used after a GC when --expose-gc is on, and peak RSS).
 *
 * Run: `npx nx run target-arm:bench` (or `npx tsx --conditions=@rollwise/source bench/run.ts`).
 */
import { startFakeMender } from "@rollwise/ota-harness"
import { Effect } from "effect"
import { Cohorts, SimulatedFleet, TargetArm } from "../src/index.ts"
import { fleetFile } from "../src/testing.ts"

const size = 100_000
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
const gc = () => (globalThis as { gc?: () => void }).gc?.()
const time = async <A>(label: string, f: () => Promise<A> | A): Promise<A> => {
  const t0 = performance.now()
  const out = await f()
  console.log(`  ${label.padEnd(52)} ${(performance.now() - t0).toFixed(0).padStart(7)} ms`)
  return out
}
let peakRss = 0
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20)

gc()
const heap0 = process.memoryUsage().heapUsed
console.log(`target-arm bench: ${size.toLocaleString("en")} devices, cohorts 1 → 5 → 20 → 100 % then promote`)

console.log("\nin process (simulated fleet, no HTTP)")
const fleet = await time("build the simulated fleet", () => SimulatedFleet.make({ size, seed: 1, flaky: 0.02 }))
const devices = fleet.devices()
await time("bucket + sort every device (Cohorts.plan)", () => Cohorts.plan(devices, "bench"))
const file = fleetFile({ install: { maxFailurePercent: 10, waitSeconds: 600, pollSeconds: 0.001 } })
const target = await Effect.runPromise(TargetArm.make({ fleet: file, rollout: { id: "bench", version: "2" }, ota: SimulatedFleet.ota(fleet) }))
const t0 = performance.now()
for (const cohort of [1, 5, 20, 100]) await time(`apply cohort ${cohort} %`, () => Effect.runPromise(target.apply({ cohort })))
await time("promote", () => Effect.runPromise(target.promote))
console.log(`  ${"total (four cohorts + promote)".padEnd(52)} ${(performance.now() - t0).toFixed(0).padStart(7)} ms`)
console.log(`  devices on the candidate: ${(fleet.running()["app-2"] ?? 0).toLocaleString("en")} of ${size.toLocaleString("en")}`)
gc()
const collected = (globalThis as { gc?: unknown }).gc !== undefined
console.log(`  heap used by fleet + target: ${mb(process.memoryUsage().heapUsed - heap0)} (${collected ? "after a GC" : "no --expose-gc: includes garbage not yet collected"})`)

console.log("\nover HTTP (fake Mender from its OpenAPI, inventory 500 a page)")
const fleet2 = SimulatedFleet.make({ size, seed: 2 })
const mender = await startFakeMender({ fleet: fleet2, token: "bench-token", artifacts: ["stable", "app-2"] })
try {
  const http = await Effect.runPromise(
    TargetArm.make({
      fleet: fleetFile({ manager: { mender: { url: mender.url, tokenEnv: "T", crashesAttribute: "rollwise_crashes", kpiAttributePrefix: "rollwise_kpi_" } }, install: { maxFailurePercent: 10, waitSeconds: 600, pollSeconds: 0.001 } }),
      rollout: { id: "bench-http", version: "2" },
      env: { T: "bench-token" },
      timeout: "10 minutes"
    })
  )
  const t1 = performance.now()
  for (const cohort of [1, 5, 20, 100]) await time(`apply cohort ${cohort} %`, () => Effect.runPromise(http.apply({ cohort })))
  await time("promote", () => Effect.runPromise(http.promote))
  console.log(`  ${"total (four cohorts + promote)".padEnd(52)} ${(performance.now() - t1).toFixed(0).padStart(7)} ms`)
  console.log(`  HTTP calls: ${mender.calls.length}; devices on the candidate: ${(fleet2.running()["app-2"] ?? 0).toLocaleString("en")}`)
} finally {
  await mender.close()
}
clearInterval(sampler)
console.log(`\npeak RSS of the whole run: ${mb(peakRss)}`)
