import { VerdictCharts } from "@rollwise/plots"
import { DeployTarget, type EvidenceStore, Operator, Timeline } from "@rollwise/rollout-engine"
import type { SloSpec, Verdict } from "@rollwise/slo-policy"

/** A file of the rollout's evidence, ready to deploy. */
export interface EvidenceFile {
  /** Relative to the rollout's folder: `verdict.json`, `report.html`, `plots/latency.svg`. */
  readonly name: string
  readonly contentType: string
  readonly bytes: Uint8Array
}

const encoder = new TextEncoder()

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!)

const when = (ms: number | undefined) => (ms === undefined ? "–" : new Date(ms).toISOString().replace("T", " ").slice(0, 19))

/** The windows' verdicts in order, numbered from 0, and where each step began. */
export const windowsOf = (events: ReadonlyArray<EvidenceStore.Event>) => {
  const verdicts: Array<Verdict.Verdict> = []
  const starts: Array<{ window: number; step: number }> = []
  for (const e of events) {
    if (!Timeline.isWindow(e.data)) continue
    if (starts.at(-1)?.step !== e.data.stepIndex) starts.push({ window: verdicts.length, step: e.data.stepIndex })
    verdicts.push({ ...e.data.verdict, window: verdicts.length })
  }
  return { verdicts, starts }
}

/**
 * The evidence files of a finished rollout: `evidence.json` (the whole
 * record, as `rollwise evidence show --json` prints it), `verdict.json` (the
 * last window's verdict, as `rollwise analyze` writes one; absent without
 * windows), `plots/<metric>.svg` (when a spec is known) and `report.html`
 * (self-contained: summary, plots inline, timeline; no scripts).
 */
export const render = (
  rollout: EvidenceStore.Rollout,
  events: ReadonlyArray<EvidenceStore.Event>,
  spec: SloSpec.Spec | undefined,
  summary: Readonly<Record<string, string>>
): ReadonlyArray<EvidenceFile> => {
  const { verdicts, starts } = windowsOf(events)
  const steps = Operator.stateOf(events)?.steps ?? []
  const charts =
    spec === undefined || verdicts.length === 0
      ? []
      : VerdictCharts.forVerdicts(
          spec,
          verdicts,
          `${rollout.service} ${rollout.version ?? ""}`.trim(),
          starts.map(({ window, step: index }) => {
            const step = steps[index]?.step
            return { window, label: `step ${index + 1}${step === undefined ? "" : `: ${DeployTarget.percentOf(step)} %`}` }
          })
        )
  const last = verdicts.at(-1)
  const rows = Object.entries(summary)
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join("\n")
  const timeline = events.map((e) => `<tr><td>${e.seq}</td><td>${when(e.at)}</td><td>${escapeHtml(e.type)}</td><td>${escapeHtml(Timeline.recordLine(e.type, e.data, steps))}</td></tr>`).join("\n")
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rollwise evidence — ${escapeHtml(rollout.rolloutId)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:1400px;color:#222}.plots{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0}table{border-collapse:collapse;font-size:.9rem}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:left}</style>
</head><body>
<h1>${escapeHtml(rollout.rolloutId)}: <span class="result ${escapeHtml(rollout.result ?? "running")}">${escapeHtml((rollout.result ?? "running").replace("_", " "))}</span></h1>
<p>${escapeHtml(`${rollout.service}${rollout.module !== undefined ? `/${rollout.module}` : ""} ${rollout.version ?? ""} on ${rollout.target}`)}, started ${when(rollout.startedAt)}, ended ${when(rollout.finishedAt)}.</p>
<table id="summary">${rows}</table>
${charts.length > 0 ? `<h2>Windows</h2>\n<div class="plots">${charts.map((c) => `<figure class="plot" data-metric="${escapeHtml(c.metric)}">${c.svg}</figure>`).join("\n")}</div>` : ""}
<h2>Timeline</h2>
<table id="timeline"><thead><tr><th>#</th><th>time</th><th>event</th><th>detail</th></tr></thead><tbody>
${timeline}
</tbody></table>
</body></html>
`
  return [
    { name: "evidence.json", contentType: "application/json", bytes: encoder.encode(`${JSON.stringify({ rollout, events }, null, 2)}\n`) },
    ...(last !== undefined ? [{ name: "verdict.json", contentType: "application/json", bytes: encoder.encode(`${JSON.stringify(last, null, 2)}\n`) }] : []),
    ...charts.map((c) => ({ name: `plots/${c.file}`, contentType: "image/svg+xml", bytes: encoder.encode(c.svg) })),
    { name: "report.html", contentType: "text/html", bytes: encoder.encode(html) }
  ]
}
