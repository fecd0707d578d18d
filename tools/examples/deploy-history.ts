/**
 * Writes examples/deploy-history.csv: 800 synthetic past deploys with the
 * ChangeSet's feature columns and a `failed` label drawn from a known
 * logistic model (more lines, files, major bumps, failure history and
 * criticality, less coverage → more failures). Seeded: the same file every run.
 *
 *   npx tsx tools/examples/deploy-history.ts
 */
import { Random } from "@rollwise/stats-core"
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const next = Random.mulberry32(20261129)
const normal = () => Math.sqrt(-2 * Math.log(Math.max(next(), 1e-12))) * Math.cos(2 * Math.PI * next())

const header = ["deployedAt", "linesAdded", "linesDeleted", "filesChanged", "dependencyBumps", "majorBumps", "coverageDelta", "failureRate", "deploys", "criticality", "currentQps", "peakHour", "failed"]
const rows: Array<string> = [header.join(",")]
const start = Date.parse("2025-01-06T09:00:00Z")
for (let i = 0; i < 800; i++) {
  const linesAdded = Math.round(Math.exp(3 + 1.6 * normal() ** 2 * (next() < 0.5 ? 1 : 0.5)))
  const linesDeleted = Math.round(linesAdded * next() * 0.6)
  const filesChanged = Math.max(1, Math.round(Math.sqrt(linesAdded) * (0.3 + next())))
  const dependencyBumps = next() < 0.2 ? 1 + Math.floor(next() * 4) : 0
  const majorBumps = dependencyBumps > 0 && next() < 0.3 ? 1 : 0
  const coverageDelta = Math.round(normal() * 1.5 * 100) / 100
  const deploys = 5 + Math.floor(next() * 60)
  const failures = Math.floor(deploys * next() * 0.25)
  const failureRate = Math.round((failures / deploys) * 1000) / 1000
  const criticality = Math.floor(next() * 4)
  const currentQps = Math.round(50 + next() * 900)
  const peakHour = next() < 0.35 ? 1 : 0
  const logit = -4 + 0.45 * Math.log1p(linesAdded) + 0.25 * Math.log1p(filesChanged) + 0.9 * majorBumps - 0.25 * coverageDelta + 5 * failureRate + 0.25 * criticality + 0.4 * peakHour
  const failed = next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0
  const deployedAt = new Date(start + i * 9 * 3600_000).toISOString()
  rows.push([deployedAt, linesAdded, linesDeleted, filesChanged, dependencyBumps, majorBumps, coverageDelta, failureRate, deploys, criticality, currentQps, peakHour, failed].join(","))
}
const out = fileURLToPath(new URL("../../examples/deploy-history.csv", import.meta.url))
writeFileSync(out, rows.join("\n") + "\n")
console.log(`wrote ${rows.length - 1} deploys to ${out}`)
