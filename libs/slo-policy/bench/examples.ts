/**
 * Writes the shipped example files under examples/ from seeded scenarios:
 *   npx tsx --conditions=@rollwise/source libs/slo-policy/bench/examples.ts
 * Deterministic: the same files every run. examples/slo.yaml is written by
 * hand (it is the documented example) and equals `specDocument`.
 */
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { type Kind, ndjson, release } from "./scenarios.ts"

const dir = fileURLToPath(new URL("../../../examples/", import.meta.url))
writeFileSync(`${dir}observations-healthy.ndjson`, ndjson(release("v2.4.1", "healthy", "medium", 11)))
writeFileSync(`${dir}observations-regression.ndjson`, ndjson(release("v2.4.2", "latency-medium", "medium", 12)))
writeFileSync(`${dir}observations-sparse.ndjson`, ndjson(release("v2.4.3", "latency-sparse", "medium", 13)))
const kinds: ReadonlyArray<Kind> = ["healthy", "healthy", "healthy-gc", "healthy-warmup", "latency-medium", "latency-sparse", "errors-5x", "slow-leak", "crash-loop", "missing-candidate"]
writeFileSync(
  `${dir}history.ndjson`,
  ndjson(kinds.flatMap((kind, i) => release(`r${String(i + 1).padStart(2, "0")}-${kind}`, kind, i % 2 === 0 ? "medium" : "low", 100 + i)))
)
console.log(`wrote examples to ${dir}`)
