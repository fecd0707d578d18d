// What promtool does not check: every alert carries summary, description and a
// runbook_url into docs/runbooks/ that exists, and has both a firing and a
// not-firing case in tests/*.test.yml. Run from prometheus/: `node check-alerts.mjs`.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { parse } from "yaml"

const RUNBOOK_BASE = "https://github.com/rollwise/rollwise/blob/main/docs/runbooks/"
const here = import.meta.dirname
const yamlFiles = (dir) =>
  readdirSync(join(here, dir))
    .filter((name) => name.endsWith(".yml"))
    .map((name) => ({ name: `${dir}/${name}`, doc: parse(readFileSync(join(here, dir, name), "utf8")) }))

const problems = []
const alerts = yamlFiles("rules").flatMap(({ name, doc }) =>
  (doc.groups ?? []).flatMap((group) => group.rules.filter((rule) => rule.alert).map((rule) => ({ file: name, rule })))
)
if (alerts.length === 0) problems.push("no alerts found under rules/")

const cases = new Map() // alertname -> { firing, quiet }
for (const { doc } of yamlFiles("tests")) {
  for (const test of doc.tests ?? []) {
    for (const check of test.alert_rule_test ?? []) {
      const seen = cases.get(check.alertname) ?? { firing: 0, quiet: 0 }
      if ((check.exp_alerts ?? []).length > 0) seen.firing++
      else seen.quiet++
      cases.set(check.alertname, seen)
    }
  }
}

for (const { file, rule } of alerts) {
  const where = `${file}: ${rule.alert}`
  const annotations = rule.annotations ?? {}
  for (const key of ["summary", "description", "runbook_url"]) {
    if (!annotations[key]) problems.push(`${where}: no ${key} annotation`)
  }
  if (!rule.labels?.severity) problems.push(`${where}: no severity label`)
  const url = annotations.runbook_url ?? ""
  if (!url.startsWith(RUNBOOK_BASE)) {
    problems.push(`${where}: runbook_url must start with ${RUNBOOK_BASE}`)
  } else if (!existsSync(join(here, "..", "docs", "runbooks", url.slice(RUNBOOK_BASE.length)))) {
    problems.push(`${where}: ${url} has no file under docs/runbooks/`)
  }
  const seen = cases.get(rule.alert) ?? { firing: 0, quiet: 0 }
  if (seen.firing === 0) problems.push(`${where}: no test in tests/ where it fires`)
  if (seen.quiet === 0) problems.push(`${where}: no test in tests/ where it stays quiet`)
}
for (const name of cases.keys()) {
  if (!alerts.some(({ rule }) => rule.alert === name)) problems.push(`tests/: a test names an unknown alert ${name}`)
}

if (problems.length > 0) {
  console.error(problems.map((p) => `  ${p}`).join("\n"))
  process.exit(1)
}
console.log(`${alerts.length} alerts: annotations, runbooks, firing and quiet test cases present`)
