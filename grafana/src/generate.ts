/**
 * `npx nx run grafana:generate`: write every dashboard's JSON to
 * grafana/dashboards/ and the chart's copy (charts/rollwise/dashboards/,
 * which Helm's .Files.Get can read), and its layout preview to
 * grafana/previews/. Tests fail until what they build equals what is here.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { all, render } from "./Dashboards.ts"
import { screenshot } from "./Preview.ts"
import { chartDashboards, dashboardsDir, previewsDir } from "./Paths.ts"

const generated = all()
const names = new Set(generated.map((g) => `${g.name}.json`))
for (const dir of [dashboardsDir, chartDashboards]) {
  mkdirSync(dir, { recursive: true })
  // a dashboard that was renamed or dropped leaves no stale file behind
  for (const f of readdirSync(dir)) if (f.endsWith(".json") && !names.has(f)) rmSync(join(dir, f))
  for (const g of generated) writeFileSync(join(dir, `${g.name}.json`), render(g.dashboard))
}
mkdirSync(previewsDir, { recursive: true })
for (const g of generated) {
  screenshot(g.dashboard, join(previewsDir, `${g.name}.png`))
  process.stdout.write(`${g.name}: dashboards/${g.name}.json, charts/rollwise/dashboards/${g.name}.json, previews/${g.name}.png\n`)
}
