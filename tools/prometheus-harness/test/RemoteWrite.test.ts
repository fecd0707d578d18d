import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  bucketBounds,
  bucketIndex,
  encodeWriteRequest,
  nativeHistogramFlags,
  nativeLatencyHistory,
  remoteWrite,
  snappyLiteral,
  startPrometheus,
  type RunningPrometheus
} from "../src/index.ts"

describe("remote-write encoding", () => {
  it("snappy literal blocks: the length as a varint, then tag 0xfc and length - 1 in four bytes", () => {
    expect([...snappyLiteral(Uint8Array.from([1, 2, 3]))]).toEqual([3, 0xfc, 2, 0, 0, 0, 1, 2, 3])
    expect([...snappyLiteral(new Uint8Array(300)).subarray(0, 7)]).toEqual([0xac, 0x02, 0xfc, 43, 1, 0, 0])
  })

  it("a WriteRequest of one float sample, byte for byte (prompb/remote.proto, types.proto)", () => {
    const bytes = encodeWriteRequest([{ name: "up", labels: { job: "a" }, samples: [{ t: 1, v: 1 }] }])
    // timeseries(1) { labels(1) {name "__name__", value "up"}, labels(1) {"job", "a"}, samples(2) {value(1) double 1, timestamp(2) 1000} }
    const label = (name: string, value: string) => [0x0a, name.length + value.length + 4, 0x0a, name.length, ...Buffer.from(name), 0x12, value.length, ...Buffer.from(value)]
    const sample = [0x12, 12, 0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 0xe8, 0x07]
    const series = [...label("__name__", "up"), ...label("job", "a"), ...sample]
    expect([...bytes]).toEqual([0x0a, series.length, ...series])
  })

  it("bucket i of schema s is (2^((i-1)/2^s), 2^(i/2^s)]", () => {
    expect(bucketBounds(0, 0)).toEqual([0.5, 1])
    expect(bucketIndex(1, 0)).toBe(0)
    expect(bucketIndex(1.5, 0)).toBe(1)
    expect(bucketIndex(0.1, 3)).toBe(-26)
    const [lower, upper] = bucketBounds(-26, 3)
    expect(lower).toBeLessThan(0.1)
    expect(upper).toBeGreaterThanOrEqual(0.1)
  })
})

describe("remote write into a real Prometheus 2.42 with native histograms", () => {
  let prometheus: RunningPrometheus
  const end = Math.floor(Date.now() / 1000 / 10) * 10 - 10
  const history = nativeLatencyHistory({ job: "rw", start: end - 600, end, stepSeconds: 5, seed: 5, tracks: { canary: { rps: 10, latency: { medianSeconds: 0.2, sigma: 0.3 } } } })

  beforeAll(async () => {
    prometheus = await startPrometheus({ extraFlags: nativeHistogramFlags })
    await remoteWrite(prometheus.url, [...history, { name: "rw_gauge", labels: { job: "rw" }, samples: [{ t: end, v: 42 }] }])
  }, 30_000)
  afterAll(() => prometheus?.stop())

  const query = async (expr: string, time: number) => {
    const response = await fetch(`${prometheus.url}/api/v1/query?${new URLSearchParams({ query: expr, time: String(time) })}`)
    return (await response.json()) as { data: { result: Array<{ value?: [number, string]; histogram?: [number, { count: string; buckets: Array<[number, string, string, string]> }] }> } }
  }

  it("reads back every observation of the last minute, bucket by bucket", async () => {
    const observed = history[0]!.observations.filter((o) => o.t > end - 60).flatMap((o) => o.values)
    const body = await query('increase(http_request_duration_seconds{job="rw"}[1m])', end)
    const h = body.data.result[0]!.histogram![1]
    expect(Number(h.count)).toBe(observed.length)
    const expected = new Map<number, number>()
    for (const v of observed) expected.set(bucketIndex(v, 3), (expected.get(bucketIndex(v, 3)) ?? 0) + 1)
    expect(h.buckets.map(([rule, lower, upper, count]) => [rule, Number(lower), Number(upper), Number(count)])).toEqual(
      [...expected.entries()].sort(([a], [b]) => a - b).map(([i, n]) => [0, expect.closeTo(bucketBounds(i, 3)[0], 12), expect.closeTo(bucketBounds(i, 3)[1], 12), n])
    )
  })

  it("float samples go in too", async () => {
    expect((await query('rw_gauge{job="rw"}', end)).data.result[0]!.value![1]).toBe("42")
  })

  it("a sample out of order is refused with Prometheus' answer", async () => {
    await expect(remoteWrite(prometheus.url, [{ name: "rw_gauge", labels: { job: "rw" }, samples: [{ t: end - 3600 * 3, v: 1 }] }])).rejects.toThrow(/remote write .* failed: HTTP 400/)
  })
})
