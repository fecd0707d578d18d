import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import { Svg } from "../src/index.ts"

/** Every opened element is closed, in order (a small well-formedness check without a DOM). */
const wellFormed = (svg: string): boolean => {
  const stack: Array<string> = []
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m
    if (selfClosing === "/") continue
    if (closing === "/") {
      if (stack.pop() !== name) return false
    } else stack.push(name!)
  }
  return stack.length === 0
}

const chart = (points: ReadonlyArray<number>): Svg.Chart => ({
  title: "latency <p95> & \"friends\"",
  xLabel: "window",
  yLabel: "seconds",
  series: [
    { name: "baseline", color: "#1f77b4", points: points.map((y, x) => ({ x, y })) },
    { name: "candidate", color: "#d62728", points: points.map((y, x) => ({ x, y: y * 1.5 })), band: points.map((y, x) => ({ x, low: y, high: y * 2 })) }
  ],
  rules: [{ y: 0.3, label: "SLO 0.3", color: "#999" }],
  markers: [{ x: 2, label: "rollback", color: "#d62728" }]
})

describe("Svg.lineChart", () => {
  it("draws both series, the rule, the marker and escapes text", () => {
    const svg = Svg.lineChart(chart([0.1, 0.12, 0.5, 0.11]))
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg).toContain("latency &lt;p95&gt; &amp; &quot;friends&quot;")
    expect(svg.match(/class="series"/g)).toHaveLength(2)
    expect(svg).toContain('class="marker"')
    expect(svg).toContain("SLO 0.3")
    expect(wellFormed(svg)).toBe(true)
  })

  it("leaves gaps where data is missing instead of joining across them", () => {
    const svg = Svg.lineChart({ ...chart([]), series: [{ name: "c", color: "red", points: [0, 1, Number.NaN, 3, 4].map((y, x) => ({ x, y })) }] })
    expect(svg.match(/<polyline/g)).toHaveLength(2)
    expect(svg.match(/<circle/g)).toHaveLength(4)
  })

  it("says no data when there is nothing to draw", () => {
    const svg = Svg.lineChart({ title: "t", xLabel: "x", yLabel: "y", series: [] })
    expect(svg).toContain(">no data<")
    expect(wellFormed(svg)).toBe(true)
  })

  test.prop([fc.array(fc.oneof(fc.double({ noNaN: false }), fc.constant(0)), { maxLength: 30 }), fc.string()])(
    "any data and title give a well-formed SVG with no raw markup from the title",
    (ys, title) => {
      const svg = Svg.lineChart({ ...chart(ys), title })
      expect(wellFormed(svg)).toBe(true)
      expect(svg).not.toContain("NaN")
      expect(svg).not.toContain("Infinity")
    }
  )
})
