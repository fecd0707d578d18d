/**
 * Native histograms into a real Prometheus 2.42, which cannot backfill them
 * (promtool reads only OpenMetrics text, which has no native histograms):
 * the remote-write protocol instead — a `prometheus.WriteRequest` protobuf
 * (prompb/remote.proto and prompb/types.proto, v2.42.0), snappy-compressed,
 * POSTed to `/api/v1/write`. Start the server with {@link nativeHistogramFlags}.
 *
 * A fresh server (nothing backfilled) accepts samples of any age in its first
 * write; later writes must be no more than ~1 h older than the newest sample
 * of the head, and each series' samples must come in time order (they are
 * sorted here).
 */
import type { Sample } from "./OpenMetrics.ts"

/** The flags a harness Prometheus needs for {@link remoteWrite} of native histograms. */
export const nativeHistogramFlags: ReadonlyArray<string> = ["--web.enable-remote-write-receiver", "--enable-feature=native-histograms"]

/**
 * One native histogram sample with integer counts, cumulative over time as a
 * client library exposes it. Positive bucket `i` under `schema` s holds the
 * observations in (2^((i-1)/2^s), 2^(i/2^s)]: see {@link bucketIndex} and
 * {@link bucketBounds}.
 */
export interface NativeHistogramSample {
  /** unix seconds */
  readonly t: number
  /** -4 … 8: each power of two is split into 2^schema buckets */
  readonly schema: number
  /** observations with |v| ≤ this go into the zero bucket */
  readonly zeroThreshold: number
  readonly zeroCount: number
  /** every observation (zero bucket and both bucket sides) */
  readonly count: number
  readonly sum: number
  /** bucket index → observations in it (positive values) */
  readonly positive: ReadonlyMap<number, number>
  /** bucket index → observations in it (negative values, by |v|) */
  readonly negative?: ReadonlyMap<number, number>
}

/** A series to remote-write: float samples, native histograms, or both (at different times). */
export interface RemoteSeries {
  /** the `__name__` label */
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly samples?: ReadonlyArray<Sample>
  readonly histograms?: ReadonlyArray<NativeHistogramSample>
}

/**
 * The index of the native-histogram bucket that holds |value| > 0 under
 * `schema`: bucket i is (base^(i-1), base^i] with base = 2^(2^-schema).
 * (Computed in floating point: a value within rounding of a boundary may land
 * in the neighbour; tests draw random values, never boundaries.)
 */
export const bucketIndex = (value: number, schema: number): number => {
  const magnitude = Math.abs(value)
  if (!(magnitude > 0) || !Number.isFinite(magnitude)) throw new Error(`bucketIndex: ${value} has no bucket`)
  return Math.ceil(Math.log2(magnitude) * 2 ** schema)
}

/** The bounds (lower exclusive, upper inclusive) of positive bucket `index` under `schema`. */
export const bucketBounds = (index: number, schema: number): readonly [number, number] => [
  2 ** ((index - 1) / 2 ** schema),
  2 ** (index / 2 ** schema)
]

// --- protobuf (proto3 wire format: varints, zigzag, fixed64 doubles, length-delimited) ---

class Writer {
  private readonly bytes: Array<number> = []
  varint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`protobuf: ${value} is not a non-negative safe integer`)
    let v = value
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80)
      v = Math.floor(v / 0x80)
    }
    this.bytes.push(v)
    return this
  }
  /** zigzag (sint32, sint64): 0, -1, 1, -2 … → 0, 1, 2, 3 … */
  zigzag(value: number): this {
    return this.varint(value >= 0 ? 2 * value : -2 * value - 1)
  }
  tag(field: number, wireType: 0 | 1 | 2): this {
    return this.varint(field * 8 + wireType)
  }
  double(value: number): this {
    const buffer = new DataView(new ArrayBuffer(8))
    buffer.setFloat64(0, value, true)
    for (let i = 0; i < 8; i++) this.bytes.push(buffer.getUint8(i))
    return this
  }
  raw(bytes: Uint8Array | ReadonlyArray<number>): this {
    for (const b of bytes) this.bytes.push(b)
    return this
  }
  message(field: number, body: Writer): this {
    const inner = body.finish()
    return this.tag(field, 2).varint(inner.length).raw(inner)
  }
  string(field: number, text: string): this {
    const utf8 = new TextEncoder().encode(text)
    return this.tag(field, 2).varint(utf8.length).raw(utf8)
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.bytes)
  }
}

/** Spans of consecutive bucket indices and the deltas between successive counts (prompb.Histogram's integer layout). */
const spansAndDeltas = (buckets: ReadonlyMap<number, number>): { spans: Array<{ offset: number; length: number }>; deltas: Array<number> } => {
  const indices = [...buckets.keys()].filter((i) => (buckets.get(i) ?? 0) > 0).sort((a, b) => a - b)
  const spans: Array<{ offset: number; length: number }> = []
  const deltas: Array<number> = []
  let previousEnd = 0
  let previousCount = 0
  for (const [k, index] of indices.entries()) {
    if (k === 0 || index !== previousEnd) {
      spans.push({ offset: k === 0 ? index : index - previousEnd, length: 1 })
    } else {
      spans[spans.length - 1] = { ...spans[spans.length - 1]!, length: spans[spans.length - 1]!.length + 1 }
    }
    previousEnd = index + 1
    const count = buckets.get(index)!
    if (!Number.isSafeInteger(count)) throw new Error(`remoteWrite: bucket ${index} has a non-integer count ${count}`)
    deltas.push(count - previousCount)
    previousCount = count
  }
  return { spans, deltas }
}

const histogramMessage = (h: NativeHistogramSample): Writer => {
  const w = new Writer()
  w.tag(1, 0).varint(h.count) // count_int
  w.tag(3, 1).double(h.sum)
  w.tag(4, 0).zigzag(h.schema)
  w.tag(5, 1).double(h.zeroThreshold)
  w.tag(6, 0).varint(h.zeroCount) // zero_count_int
  const side = (buckets: ReadonlyMap<number, number> | undefined, spansField: number, deltasField: number) => {
    if (buckets === undefined) return
    const { spans, deltas } = spansAndDeltas(buckets)
    for (const span of spans) w.message(spansField, new Writer().tag(1, 0).zigzag(span.offset).tag(2, 0).varint(span.length))
    if (deltas.length > 0) {
      const packed = new Writer()
      for (const d of deltas) packed.zigzag(d)
      w.message(deltasField, packed)
    }
  }
  side(h.negative, 8, 9)
  side(h.positive, 11, 12)
  w.tag(15, 0).varint(Math.round(h.t * 1000))
  return w
}

/** A `prometheus.WriteRequest` protobuf for `series` (labels sorted by name, samples and histograms by time). */
export const encodeWriteRequest = (series: ReadonlyArray<RemoteSeries>): Uint8Array => {
  const request = new Writer()
  for (const s of series) {
    const ts = new Writer()
    const labels = Object.entries({ ...s.labels, __name__: s.name }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    for (const [name, value] of labels) ts.message(1, new Writer().string(1, name).string(2, value))
    for (const sample of [...(s.samples ?? [])].sort((a, b) => a.t - b.t)) {
      ts.message(2, new Writer().tag(1, 1).double(sample.v).tag(2, 0).varint(Math.round(sample.t * 1000)))
    }
    for (const h of [...(s.histograms ?? [])].sort((a, b) => a.t - b.t)) ts.message(4, histogramMessage(h))
    request.message(1, ts)
  }
  return request.finish()
}

/**
 * Snappy's block format with every byte a literal (valid, uncompressed): the
 * length as a varint, then literal elements of at most 2^32 bytes (tag 0xfc,
 * length - 1 as four little-endian bytes). What Go's `snappy.Decode` reads.
 */
export const snappyLiteral = (input: Uint8Array): Uint8Array => {
  const out = new Writer().varint(input.length)
  const chunk = 0xffff_ffff
  for (let offset = 0; offset < input.length; offset += chunk) {
    const piece = input.subarray(offset, Math.min(input.length, offset + chunk))
    const n = piece.length - 1
    out.raw([0xfc, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]).raw(piece)
  }
  return out.finish()
}

/**
 * Remote-write `series` to a harness Prometheus started with
 * {@link nativeHistogramFlags}. Rejects with Prometheus' answer unless it is
 * 2xx (out-of-order or too-old samples answer 400).
 */
export const remoteWrite = async (url: string, series: ReadonlyArray<RemoteSeries>): Promise<void> => {
  const response = await fetch(`${url.replace(/\/+$/, "")}/api/v1/write`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-protobuf",
      "Content-Encoding": "snappy",
      "X-Prometheus-Remote-Write-Version": "0.1.0"
    },
    body: snappyLiteral(encodeWriteRequest(series))
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`remote write to ${url} failed: HTTP ${response.status} ${text.trim()}`)
}
