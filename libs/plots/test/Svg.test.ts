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

  it("starts a non-negative axis at zero, with 0 as its lowest tick", () => {
    const series = [{ name: "errors", color: "red", points: [0.0031, 0.0042, 0.0035].map((y, x) => ({ x, y })) }]
    const fitted = Svg.lineChart({ ...chart([]), rules: [], markers: [], series })
    const fromZero = Svg.lineChart({ ...chart([]), rules: [], markers: [], series, nonNegative: true })
    const lowest = (svg: string) => [...svg.matchAll(/<text class="y-tick" x="[^"]*" y="([^"]*)"[^>]*>([^<]*)</g)].sort((a, b) => Number(b[1]) - Number(a[1]))[0]![2]
    expect(lowest(fitted)).not.toBe("0")
    expect(lowest(fromZero)).toBe("0")
  })

  it("marks step boundaries as labelled vertical rules", () => {
    const svg = Svg.lineChart({ ...chart([1, 2, 3, 4]), steps: [{ x: -0.5, label: "step 1: 5 %" }, { x: 1.5, label: "step 2: 25 %" }] })
    expect([...svg.matchAll(/<g class="step"><line [^>]*\/><text[^>]*>([^<]*)<\/text><\/g>/g)].map((m) => m[1])).toEqual(["step 1: 5 %", "step 2: 25 %"])
    // the x axis still labels windows only, not the boundaries between them
    expect(svg).not.toContain(">-0.5<")
    expect(wellFormed(svg)).toBe(true)
  })

  it("draws a single point as a marker, with no zero-width line or band", () => {
    const svg = Svg.lineChart({
      title: "one window",
      xLabel: "window",
      yLabel: "y",
      series: [{ name: "c", color: "red", points: [{ x: 0, y: 2 }], band: [{ x: 0, low: 1, high: 3 }] }]
    })
    expect(svg.match(/<circle/g)).toHaveLength(1)
    expect(svg).not.toMatch(/<polyline|<polygon|<path/)
    const box = svg.match(/<rect class="band" x="[^"]*" y="[^"]*" width="([^"]*)"/)
    expect(Number(box![1])).toBeGreaterThan(0)
  })

  it("says no data when there is nothing to draw", () => {
    const svg = Svg.lineChart({ title: "t", xLabel: "x", yLabel: "y", series: [] })
    expect(svg).toContain(">no data<")
    expect(wellFormed(svg)).toBe(true)
  })

  test.prop([fc.array(fc.oneof(fc.double({ noNaN: false }), fc.constant(0)), { maxLength: 30 }), fc.string(), fc.boolean(), fc.boolean()])(
    "any data and title give a well-formed SVG with no raw markup from the title",
    (ys, title, nonNegative, integer) => {
      const svg = Svg.lineChart({ ...chart(ys), title, nonNegative, integer, steps: [{ x: 0.5, label: title }] })
      expect(wellFormed(svg)).toBe(true)
      expect(svg).not.toContain("NaN")
      expect(svg).not.toContain("Infinity")
    }
  )
})
