import { join } from "node:path"
import { chromium } from "playwright-core"
import { describe, expect, it } from "vitest"
import { rollwiseIn, scratch } from "./support.ts"

/**
 * The demo's HTML report in a real browser (Debian's Chromium, headless,
 * driven by playwright-core; .ci/run installs it): it loads from a file with
 * no console errors and no network, the plots and the timeline are in the
 * DOM, and a screenshot is kept for a human to look at.
 */
const rollwise = rollwiseIn()
const { dir } = scratch("report")

describe("the demo report in headless Chromium", () => {
  it("renders with no console errors; plots and timeline present; screenshot taken", async () => {
    const report = join(dir, "demo.html")
    expect(rollwise("demo", "--speed", "600", "--report", report).code).toBe(0)
    const browser = await chromium.launch({
      executablePath: process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    })
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 2200 } })
      const problems: Array<string> = []
      const requests: Array<string> = []
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") problems.push(m.text())
      })
      page.on("pageerror", (e) => problems.push(e.message))
      page.on("request", (r) => {
        if (!r.url().startsWith("file:")) requests.push(r.url())
      })
      await page.goto(`file://${report}`)
      expect(problems).toEqual([])
      expect(requests).toEqual([])
      expect(await page.locator("section.target").count()).toBe(3)
      expect(await page.locator('section.target[data-result="rolled_back"]').count()).toBe(1)
      expect(await page.locator("figure.plot svg").count()).toBe(9)
      expect(await page.locator("figure.plot svg polyline.series").count()).toBeGreaterThanOrEqual(9)
      expect(await page.locator("#timeline tbody tr").count()).toBeGreaterThan(10)
      // the SVGs are laid out as images, not dumped as text
      const box = await page.locator("figure.plot svg").first().boundingBox()
      expect(box?.width).toBeGreaterThan(300)
      const screenshot = join(dir, "demo-report.png")
      await page.screenshot({ path: screenshot, fullPage: true })
      console.log(`screenshot of the demo report: ${screenshot}`)
    } finally {
      await browser.close()
    }
  }, 120_000)
})
