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
  it("renders with no console errors; plots (rate and count axes from 0, step boundaries, one window as points) and timeline present; screenshot taken", async () => {
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
      // latency, error rate, restarts and new error signatures, for each of three targets
      expect(await page.locator("figure.plot svg").count()).toBe(12)
      expect(await page.locator("figure.plot svg polyline.series").count()).toBeGreaterThanOrEqual(12)
      expect(await page.locator("#timeline tbody tr").count()).toBeGreaterThan(10)
      // the SVGs are laid out as images, not dumped as text
      const box = await page.locator("figure.plot svg").first().boundingBox()
      expect(box?.width).toBeGreaterThan(300)
      // error rates and restarts cannot be negative: their axes start at 0
      for (const metric of ["error-rate", "restarts"]) {
        const plots = page.locator(`figure.plot[data-metric="${metric}"] svg`)
        expect(await plots.count()).toBe(3)
        for (const svg of await plots.all()) {
          const lowest = await svg.locator("text.y-tick").evaluateAll((ts) => ts.map((t) => ({ y: Number(t.getAttribute("y")), text: t.textContent })).sort((a, b) => b.y - a.y)[0]?.text)
          expect(lowest, metric).toBe("0")
        }
      }
      // every chart marks where its steps began, labelled with the step's traffic
      for (const svg of await page.locator("figure.plot svg").all()) {
        expect(await svg.locator("g.step line").count()).toBeGreaterThanOrEqual(1)
        expect(await svg.locator("g.step text").first().textContent()).toMatch(/^step 1: (cohort )?\d+ %$/)
      }
      expect(await page.locator('section[data-result="promoted"] figure.plot svg g.step text').allTextContents()).toContain("step 2: 25 %")
      // the target that rolled back after one window: points, no zero-width shapes, the decision beside the points
      const single = page.locator('section[data-result="rolled_back"] figure.plot svg')
      for (const svg of await single.all()) {
        expect(await svg.locator("polyline.series").count()).toBe(0)
        const cxs = await svg.locator("circle").evaluateAll((cs) => cs.map((c) => Math.round(Number(c.getAttribute("cx")))))
        expect(cxs.length).toBeGreaterThanOrEqual(2)
        const widths = await svg.locator("polyline, polygon, path, rect").evaluateAll((es) => es.map((e) => (e as unknown as { getBBox(): { readonly width: number } }).getBBox().width))
        expect(widths.every((w) => w > 0)).toBe(true)
        const decision = Math.round(Number(await svg.locator("g.marker line").getAttribute("x1")))
        expect(cxs).not.toContain(decision)
      }
      const screenshot = join(dir, "demo-report.png")
      await page.screenshot({ path: screenshot, fullPage: true })
      console.log(`screenshot of the demo report: ${screenshot}`)
    } finally {
      await browser.close()
    }
  }, 120_000)
})
