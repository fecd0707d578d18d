import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { escapeLabelValue, formatNumber, histogramSeries, openMetrics, promtool, type Series } from "../src/index.ts"

const counter = (labels: Record<string, string>, samples: Array<[number, number]>): Series => ({
  name: "http_requests_total",
  type: "counter",
  help: "Requests.",
  labels,
  samples: samples.map(([t, v]) => ({ t, v }))
})

describe("openMetrics", () => {
  it("writes each family once, series in time order, and ends with # EOF", () => {
    const text = openMetrics([
      counter({ job: "x", status: "200" }, [
        [20, 5],
        [10, 1]
      ]),
      { name: "up", type: "gauge", labels: {}, samples: [{ t: 10, v: 1 }] },
      counter({ status: "500", job: "x" }, [[10, 0]]),
      counter({ job: "x", status: "200" }, [[30, 9]])
    ])
    expect(text).toBe(
      [
        "# TYPE http_requests counter",
        "# HELP http_requests Requests.",
        'http_requests_total{job="x",status="200"} 1 10',
        'http_requests_total{job="x",status="200"} 5 20',
        'http_requests_total{job="x",status="200"} 9 30',
        'http_requests_total{job="x",status="500"} 0 10',
        "# TYPE up gauge",
        "up 1 10",
        "# EOF",
        ""
      ].join("\n")
    )
  })

  it("escapes label values and HELP text per the OpenMetrics ABNF", () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd')
    const text = openMetrics([
      { name: "probe", type: "gauge", help: 'say "hi"\\\n', labels: { v: 'x"\\\n' }, samples: [{ t: 1, v: 2 }] }
    ])
    expect(text).toContain('# HELP probe say \\"hi\\"\\\\\\n')
    expect(text).toContain('probe{v="x\\"\\\\\\n"} 2 1')
  })

  it("writes NaN and infinities the OpenMetrics way", () => {
    expect([NaN, Infinity, -Infinity, 0.25, 1e21].map(formatNumber)).toEqual(["NaN", "+Inf", "-Inf", "0.25", "1e+21"])
  })

  it("writes a histogram point as buckets in ascending le, then _count, then _sum", () => {
    const series = histogramSeries({
      name: "lat",
      labels: { job: "x" },
      bounds: [0.1, 1],
      points: [
        { t: 20, buckets: [3, 4], count: 5, sum: 2.5 },
        { t: 10, buckets: [1, 1], count: 1, sum: 0.05 }
      ]
    })
    // given in a scrambled order on purpose
    const text = openMetrics([...series].reverse())
    expect(text.trim().split("\n")).toEqual([
      "# TYPE lat histogram",
      'lat_bucket{job="x",le="0.1"} 1 10',
      'lat_bucket{job="x",le="1"} 1 10',
      'lat_bucket{job="x",le="+Inf"} 1 10',
      'lat_count{job="x"} 1 10',
      'lat_sum{job="x"} 0.05 10',
      'lat_bucket{job="x",le="0.1"} 3 20',
      'lat_bucket{job="x",le="1"} 4 20',
      'lat_bucket{job="x",le="+Inf"} 5 20',
      'lat_count{job="x"} 5 20',
      'lat_sum{job="x"} 2.5 20',
      "# EOF"
    ])
  })

  it("rejects what promtool would reject or silently drop", () => {
    expect(() => openMetrics([counter({}, [[1, 1]]), counter({}, [[1, 2]])])).toThrow(/two samples at t=1/)
    expect(() => openMetrics([{ name: "requests", type: "counter", labels: {}, samples: [] }])).toThrow(/_total/)
    expect(() => openMetrics([counter({}, [[1, -1]])])).toThrow(/not >= 0/)
    expect(() => openMetrics([counter({ "bad-name": "x" }, [[1, 1]])])).toThrow(/label name/)
    expect(() => openMetrics([{ name: "lat_bucket", type: "histogram", labels: {}, samples: [] }])).toThrow(/le label/)
    expect(() => openMetrics([{ name: "lat_bucket", type: "histogram", labels: { le: "x" }, samples: [] }])).toThrow(/le="x"/)
    expect(() =>
      openMetrics([
        { name: "x", type: "gauge", labels: {}, samples: [] },
        { name: "x_total", type: "counter", labels: {}, samples: [] }
      ])
    ).toThrow(/both gauge and counter/)
    expect(() =>
      histogramSeries({ name: "lat", labels: {}, bounds: [1, 0.5], points: [] })
    ).toThrow(/ascending/)
    expect(() =>
      histogramSeries({ name: "lat", labels: {}, bounds: [0.5, 1], points: [{ t: 1, buckets: [2, 1], count: 2, sum: 1 }] })
    ).toThrow(/cumulative/)
  })

  it("is what promtool backfills, every sample kept (real promtool)", () => {
    const times = Array.from({ length: 50 }, (_, i) => 1_700_000_000 + i * 15)
    const text = openMetrics([
      // reversed input: promtool would silently drop all but the first sample of an unsorted series
      counter({ job: "x", track: 'we"ird\\\n' }, times.map((t, i): [number, number] => [t, i * 10]).reverse()),
      ...histogramSeries({
        name: "lat",
        labels: { job: "x" },
        bounds: [0.1, 1],
        points: times.map((t, i) => ({ t, buckets: [i, 2 * i], count: 3 * i, sum: i / 2 }))
      })
    ])
    const dir = mkdtempSync(join(tmpdir(), "rollwise-om-test-"))
    try {
      writeFileSync(join(dir, "in.om"), text)
      const result = promtool(["tsdb", "create-blocks-from", "openmetrics", join(dir, "in.om"), join(dir, "data")])
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      // the block table: ULID, min time, max time, duration, NUM SAMPLES, NUM CHUNKS, NUM SERIES, size
      const row = result.stdout.trim().split("\n")[1]!.trim().split(/\s+/)
      expect(Number(row[4])).toBe(6 * times.length) // 1 counter + 3 buckets + _count + _sum
      expect(Number(row[6])).toBe(6)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
