/**
 * Writes examples/observations-multivariate.ndjson (seeded, the same file every run):
 *   npx tsx --conditions=@rollwise/source libs/slo-policy/bench/multivariate-examples.ts
 * Two releases judged by examples/slo-multivariate.yaml (= `multivariateSpec()`):
 * `healthy` (latency rises with load on both tracks) and `decoupled` (the
 * candidate's latency values shuffled across its steps: each metric's
 * distribution is the baseline's, but latency no longer follows load). The seeds
 * are picked so the example shows each outcome (most seeds do; the benchmark
 * in bench/multivariate-bench.ts gives the rates).
 */
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { multivariateRelease } from "./multivariate.ts"
import { ndjson } from "./scenarios.ts"

const dir = fileURLToPath(new URL("../../../examples/", import.meta.url))
writeFileSync(`${dir}observations-multivariate.ndjson`, ndjson([...multivariateRelease("healthy", "healthy", 24_009), ...multivariateRelease("decoupled", "joint-shift", 24_013)]))
console.log(`wrote ${dir}observations-multivariate.ndjson`)
