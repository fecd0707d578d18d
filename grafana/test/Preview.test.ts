import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { all } from "../src/Dashboards.ts"
import { previewsDir } from "../src/Paths.ts"
import { escape, height, html, screenshot, width } from "../src/Preview.ts"

const generated = all()
const dir = mkdtempSync(join(tmpdir(), "rollwise-grafana-preview-test-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
/** A PNG's width and height from its IHDR chunk; throws when the bytes are not a PNG. */
const pngSize = (bytes: Buffer): { readonly width: number; readonly height: number } => {
  if (!bytes.subarray(0, 8).equals(signature) || bytes.subarray(12, 16).toString("latin1") !== "IHDR") throw new Error("not a PNG")
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

describe("previews: each dashboard's layout as a picture", () => {
  it.each(generated.map((g) => [g.name, g] as const))("draws every panel of %s with its title, type and queries", (_, g) => {
    const page = html(g.dashboard)
    const panels = (g.dashboard.panels ?? []) as unknown as ReadonlyArray<{ title: string; type: string }>
    for (const p of panels) expect(page).toContain(p.type === "row" ? `▾ ${escape(p.title)}</div>` : `${escape(p.type)}</span>${escape(p.title)}</div>`)
    expect(page).not.toMatch(/<script|https?:\/\//)
    expect(height(g.dashboard)).toBeGreaterThan(600)
  })

  it(
    "renders a PNG of every dashboard with headless Chromium, as wide as the page and as tall as the layout (real Chromium)",
    () => {
      for (const g of generated) {
        const out = join(dir, `${g.name}.png`)
        screenshot(g.dashboard, out)
        const bytes = readFileSync(out)
        expect(pngSize(bytes), g.name).toEqual({ width, height: height(g.dashboard) })
        // a blank page compresses to a few kB; panels, text and colours do not
        expect(bytes.length, g.name).toBeGreaterThan(40_000)
      }
    },
    300_000
  )

  it("has a committed picture of every dashboard in grafana/previews, of the layout's size (bytes differ with fonts: not compared)", () => {
    for (const g of generated) {
      const file = join(previewsDir, `${g.name}.png`)
      expect(statSync(file).size, `${file}: run \`npx nx run grafana:generate\``).toBeGreaterThan(40_000)
      expect(pngSize(readFileSync(file)), `${file} is of an older layout: run \`npx nx run grafana:generate\``).toEqual({ width, height: height(g.dashboard) })
    }
  })
})
