/**
 * Writes a large history file for timing `rollwise backtest`:
 *   npx tsx --conditions=@rollwise/source libs/slo-policy/bench/backtest-file.ts out.ndjson [releases] [traffic]
 */
import { writeFileSync } from "node:fs"
import { type Kind, ndjson, release, type Traffic, truth } from "./scenarios.ts"

const [out = "history-1000.ndjson", count = "1000", traffic = "medium"] = process.argv.slice(2)
const kinds = Object.keys(truth) as Array<Kind>
const lines = Array.from({ length: Number(count) }, (_, i) => release(`r${i}`, kinds[i % kinds.length]!, traffic as Traffic, 1000 + i)).flat()
writeFileSync(out, ndjson(lines))
console.log(`wrote ${count} releases (${lines.length} lines) to ${out}`)
