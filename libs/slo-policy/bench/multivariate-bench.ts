/**
 * The multivariate (Isolation Forest) metric beside the per-metric analyzer
 * alone, on seeded scenarios (`bench/multivariate.ts`): `healthy`,
 * `joint-shift` (each single metric's distribution is the baseline's, only
 * latency stopped following load) and a plain `latency` regression (+40 %).
 *
 *   npx tsx --conditions=@rollwise/source libs/slo-policy/bench/multivariate-bench.ts [releasesPerKind]
 *
 * Three specs judge the same releases: the three continuous metrics alone,
 * plus the multivariate metric not critical (the default: it only holds),
 * plus it critical (examples/slo-multivariate.yaml). Prints the outcome
 * counts per kind and the time one window costs with and without it.
 */
import { Effect } from "effect"
import { Analyzer, Observation, SloSpec } from "../src/index.ts"
import { type MultivariateKind, multivariateRelease, multivariateSpec } from "./multivariate.ts"
import { ndjson } from "./scenarios.ts"

const n = Number(process.argv[2] ?? 100)
if (!Number.isInteger(n) || n < 1) {
  console.error(`releases per kind must be a positive integer, not ${process.argv[2]}`)
  process.exit(2)
}
const withJoint = multivariateSpec(true)
const specs = {
  "per-metric alone": Effect.runSync(SloSpec.decode(multivariateSpec(false))),
  "+ multivariate (not critical)": Effect.runSync(SloSpec.decode({ ...withJoint, metrics: withJoint.metrics.map((m) => (m.name === "joint" ? { ...m, critical: false } : m)) })),
  "+ multivariate (critical)": Effect.runSync(SloSpec.decode(withJoint))
}
const kinds: ReadonlyArray<MultivariateKind> = ["healthy", "joint-shift", "latency"]

console.log(`| scenario (${n} releases each) | analyzer | rollback | slow | promote | rolled back by the multivariate metric |\n|---|---|---|---|---|---|`)
for (const kind of kinds) {
  const releases = Array.from({ length: n }, (_, i) => multivariateRelease(`r${i}`, kind, 90_000 + 1000 * kinds.indexOf(kind) + i))
  for (const [name, spec] of Object.entries(specs)) {
    const counts = { rollback: 0, slow: 0, promote: 0 }
    let byJoint = 0
    for (const lines of releases) {
      const v = Analyzer.analyze(spec, Effect.runSync(Observation.parse(ndjson(lines), spec))[0]!)
      counts[v.action]++
      if (v.action === "rollback" && v.reasons.some((r) => r.startsWith("critical metric joint"))) byJoint++
    }
    console.log(`| ${kind} | ${name} | ${counts.rollback} | ${counts.slow} | ${counts.promote} | ${name.includes("critical)") && !name.includes("not") ? byJoint : "–"} |`)
  }
}

// time per window: every window of 20 releases judged (no early stop), with and without the multivariate metric
const timing = Array.from({ length: 20 }, (_, i) => multivariateRelease(`t${i}`, "healthy", 70_000 + i))
const perWindow = (spec: SloSpec.Spec) => {
  const parsed = timing.map((lines) => Effect.runSync(Observation.parse(ndjson(lines), spec))[0]!)
  const open = { ...spec, maxWindows: 1000 }
  const runs: Array<number> = []
  for (let rep = 0; rep < 5; rep++) {
    let windows = 0
    const start = performance.now()
    for (const r of parsed) {
      let state = Analyzer.initial
      for (const w of r.windows) {
        state = Analyzer.step(open, state, w).state
        windows++
      }
    }
    runs.push((performance.now() - start) / windows)
  }
  return runs.sort((a, b) => a - b)[2]!
}
const alone = perWindow(specs["per-metric alone"])
const joint = perWindow(specs["+ multivariate (critical)"])
console.log(`\n| analyzer | per window judged (median of 5 runs, 200 windows of 12 steps × 3 features) |\n|---|---|`)
console.log(`| per-metric alone | ${alone.toFixed(3)} ms |`)
console.log(`| + multivariate (100 trees, ≤ 60 training rows) | ${joint.toFixed(3)} ms |`)
