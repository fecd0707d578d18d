/**
 * A picture of a dashboard's layout for reviewers: a static HTML page that
 * draws every panel at its grid position (title, type, queries) under the
 * dashboard's title, variables and annotations, screenshotted by headless
 * Chromium. No Grafana and no data: it shows what the JSON lays out.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard"

/** The page width in CSS pixels (24 grid columns). */
export const width = 1600
const unit = 30
const header = 112

interface PanelJson {
  readonly type?: string
  readonly title?: string
  readonly description?: string
  readonly gridPos?: { readonly x: number; readonly y: number; readonly w: number; readonly h: number }
  readonly targets?: ReadonlyArray<{ readonly expr?: string; readonly legendFormat?: string }>
  readonly options?: { readonly content?: string }
}

/** Text as HTML (the page quotes panel titles and queries). */
export const escape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const colours: Readonly<Record<string, string>> = { timeseries: "#3274d9", stat: "#56a64b", text: "#8f8f8f", row: "#1f2329" }

/** The preview page's height in CSS pixels: the header and the lowest panel's bottom. */
export const height = (d: Dashboard): number => {
  const bottom = Math.max(0, ...((d.panels ?? []) as ReadonlyArray<PanelJson>).map((p) => (p.gridPos !== undefined ? p.gridPos.y + p.gridPos.h : 0)))
  return header + bottom * unit + 20
}

/** The preview page of a dashboard (self-contained HTML, no scripts, no network). */
export const html = (d: Dashboard): string => {
  const col = width / 24
  const panels = ((d.panels ?? []) as ReadonlyArray<PanelJson>).map((p) => {
    const g = p.gridPos ?? { x: 0, y: 0, w: 12, h: 8 }
    const style = `left:${g.x * col + 4}px;top:${header + g.y * unit + 4}px;width:${g.w * col - 8}px;height:${g.h * unit - 8}px`
    const type = p.type ?? "?"
    if (type === "row") return `<div class="row" style="${style}">▾ ${escape(p.title ?? "")}</div>`
    const body =
      type === "text"
        ? `<div class="md">${escape(p.options?.content ?? "")}</div>`
        : (p.targets ?? []).map((t) => `<div class="q"><b>${escape(t.legendFormat ?? "")}</b> ${escape(t.expr ?? "")}</div>`).join("")
    return `<div class="panel" style="${style}"><div class="t"><span class="k" style="background:${colours[type] ?? "#b877d9"}">${escape(type)}</span>${escape(p.title ?? "")}</div>${body}</div>`
  })
  const vars = (d.templating?.list ?? []).map((v) => `<span class="v">${escape(v.label ?? v.name)} <i>$${escape(v.name)}</i> (${escape(v.type)})</span>`).join("")
  const notes = (d.annotations?.list ?? []).map((a) => `<span class="a" style="border-color:${escape(a.iconColor ?? "#888")}">${escape(a.name)}</span>`).join("")
  return `<!doctype html><html><head><meta charset="utf-8"><style>
body{margin:0;background:#111217;color:#ccccdc;font:13px/1.3 "DejaVu Sans",Arial,sans-serif;width:${width}px;height:${height(d)}px;position:relative;overflow:hidden}
h1{margin:0;padding:14px 12px 4px;font-size:22px;color:#fff}
.sub{padding:0 12px;color:#8e8e9e}
.bar{padding:8px 12px}.v,.a{display:inline-block;margin:0 8px 6px 0;padding:3px 8px;background:#22252b;border:1px solid #34373d;border-radius:3px}
.v i{color:#6e9fff;font-style:normal}.a{border-left-width:4px}
.panel{position:absolute;box-sizing:border-box;background:#181b1f;border:1px solid #2c3036;border-radius:3px;padding:6px 8px;overflow:hidden}
.row{position:absolute;box-sizing:border-box;font-weight:bold;color:#fff;padding:6px 4px;border-bottom:1px solid #34373d}
.t{font-weight:bold;color:#fff;margin-bottom:4px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.k{display:inline-block;font-size:10px;font-weight:normal;color:#fff;border-radius:2px;padding:1px 5px;margin-right:6px}
.q{font:11px/1.35 "DejaVu Sans Mono",monospace;color:#9fa7b3;margin-bottom:3px;word-break:break-all}.q b{color:#e0b400;font-weight:normal}
.md{white-space:pre-wrap;font-size:11px;color:#9fa7b3}
</style></head><body><h1>${escape(d.title ?? "")}</h1><div class="sub">uid ${escape(d.uid ?? "")} · ${escape(d.description ?? "")}</div>
<div class="bar">${vars}${notes}</div>${panels.join("\n")}</body></html>
`
}

/** The Chromium binary (`CHROMIUM` overrides). */
export const chromium = (): string => process.env["CHROMIUM"] ?? "/usr/bin/chromium"

/**
 * Screenshot the preview of a dashboard to `out` (a PNG `width` wide, as
 * tall as the layout) with headless Chromium. Throws with Chromium's output
 * when no PNG came out.
 */
export const screenshot = (d: Dashboard, out: string): void => {
  const dir = mkdtempSync(join(tmpdir(), "rollwise-grafana-preview-"))
  try {
    const page = join(dir, "preview.html")
    writeFileSync(page, html(d))
    if (existsSync(out)) rmSync(out)
    const run = spawnSync(
      chromium(),
      [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        // paint every tile before the screenshot (without it, a loaded machine leaves corners black)
        "--run-all-compositor-stages-before-draw",
        "--virtual-time-budget=5000",
        "--no-first-run",
        "--disable-extensions",
        `--user-data-dir=${join(dir, "profile")}`,
        `--screenshot=${out}`,
        `--window-size=${width},${height(d)}`,
        `file://${page}`
      ],
      { encoding: "utf8", timeout: 120_000, env: { ...process.env, HOME: dir } }
    )
    if (run.error !== undefined) throw new Error(`chromium could not run (${run.error.message}): install Debian's chromium`)
    if (!existsSync(out) || statSync(out).size === 0) throw new Error(`chromium wrote no screenshot (exit ${String(run.status)}): ${(run.stderr ?? "").slice(-2000)}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
