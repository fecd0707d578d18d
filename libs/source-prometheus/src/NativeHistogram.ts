/**
 * Native histograms as the Prometheus HTTP API returns them (≥ 2.40, the
 * `histogram` / `histograms` keys of a query result; web/api/v1/api.go
 * `marshalHistogram` in v2.42.0, docs/querying/api.md "Native histograms"),
 * and how a window of them becomes samples for the analyzer.
 */

/**
 * One bucket: observations between `lower` and `upper`, whose ends are
 * inclusive or not by the API's boundary rule (0: (lower, upper], 1:
 * [lower, upper), 2: (lower, upper), 3: [lower, upper]). Positive buckets are
 * rule 0, negative ones rule 1, the zero bucket rule 3.
 */
export interface Bucket {
  readonly lower: number
  readonly upper: number
  readonly lowerInclusive: boolean
  readonly upperInclusive: boolean
  /** Observations in the bucket; a float (an `increase` or `rate` extrapolates). */
  readonly count: number
}

/** One native histogram value: every observation's count and sum, and the non-empty buckets (the API leaves empty ones out). */
export interface Histogram {
  readonly count: number
  readonly sum: number
  readonly buckets: ReadonlyArray<Bucket>
}

/** The API's boundary rule as inclusive ends. */
export const boundaryRule = (rule: 0 | 1 | 2 | 3): Pick<Bucket, "lowerInclusive" | "upperInclusive"> => ({
  lowerInclusive: rule === 1 || rule === 3,
  upperInclusive: rule === 0 || rule === 3
})

/**
 * Most samples one window of one track gets from native histograms (10,000).
 * Above it every bucket's share is scaled down alike, so the distribution
 * keeps its shape and the analyzer's work stays bounded (its tests are far
 * past full power at this size; its evidence pools samples over windows).
 */
export const maxSamples = 10_000

/**
 * The value that stands for a bucket's observations: the geometric midpoint
 * √(lower·upper) for a bucket of positive bounds (native buckets are
 * exponential, so this is their centre on the log scale the analyzer compares
 * latencies on), −√(lower·upper) for negative bounds, the plain midpoint for
 * a bucket around zero, and the finite bound of a half-infinite bucket.
 * Undefined for a bucket with no finite bound or bounds out of order.
 */
export const representative = (bucket: Pick<Bucket, "lower" | "upper">): number | undefined => {
  const { lower, upper } = bucket
  if (Number.isNaN(lower) || Number.isNaN(upper) || lower > upper) return undefined
  const lowerFinite = Number.isFinite(lower)
  const upperFinite = Number.isFinite(upper)
  if (!lowerFinite && !upperFinite) return undefined
  if (!lowerFinite) return upper
  if (!upperFinite) return lower
  if (lower > 0) return Math.sqrt(lower * upper)
  if (upper < 0) return -Math.sqrt(lower * upper)
  return (lower + upper) / 2
}

/** What a window of histograms gave: the samples, how many observations they stand for, and why not, if they could not be read. */
export type Samples =
  | { readonly _tag: "Samples"; readonly values: ReadonlyArray<number>; readonly observations: number; readonly thinned: boolean }
  | { readonly _tag: "Invalid"; readonly detail: string }

/** Round non-negative shares to integers that add up to `total` (largest remainders; ties to the earlier share). */
const apportion = (shares: ReadonlyArray<number>, total: number): Array<number> => {
  const sum = shares.reduce((a, s) => a + s, 0)
  if (sum <= 0 || total <= 0) return shares.map(() => 0)
  const exact = shares.map((s) => (s * total) / sum)
  const counts = exact.map(Math.floor)
  let left = total - counts.reduce((a, c) => a + c, 0)
  const order = exact.map((e, i) => ({ i, rest: e - Math.floor(e) })).sort((a, b) => b.rest - a.rest || a.i - b.i)
  for (let k = 0; left > 0 && k < order.length; k++, left--) counts[order[k]!.i]!++
  return counts
}

/**
 * The observations of every histogram of a window as samples, for a
 * continuous metric: the buckets of all points and series are added up (the
 * same bounds are one bucket), the total rounded to whole observations and
 * shared out over the buckets by largest remainders, each bucket's share
 * repeated as its {@link representative} value, in ascending order. Above
 * `cap` (default {@link maxSamples}) the shares are scaled down to `cap`
 * proportionally (`thinned`). A negative, NaN or infinite count, or a bucket
 * without a representative value, is `Invalid`, naming it.
 */
export const toSamples = (histograms: ReadonlyArray<Histogram>, cap: number = maxSamples): Samples => {
  const merged = new Map<string, { readonly value: number; count: number }>()
  for (const h of histograms) {
    for (const b of h.buckets) {
      const where = `bucket ${b.lowerInclusive ? "[" : "("}${b.lower}, ${b.upper}${b.upperInclusive ? "]" : ")"}`
      if (!(Number.isFinite(b.count) && b.count >= 0)) return { _tag: "Invalid", detail: `${where} has count ${b.count}; counts must be finite and not negative` }
      const value = representative(b)
      if (value === undefined) return { _tag: "Invalid", detail: `${where} has no finite bound or its bounds are out of order` }
      const key = `${b.lower}|${b.upper}|${b.lowerInclusive}|${b.upperInclusive}`
      const entry = merged.get(key)
      if (entry === undefined) merged.set(key, { value, count: b.count })
      else entry.count += b.count
    }
  }
  const buckets = [...merged.values()].sort((a, b) => a.value - b.value)
  const shares = buckets.map((b) => b.count)
  const observations = Math.round(shares.reduce((a, c) => a + c, 0))
  const target = Math.min(observations, Math.max(0, Math.floor(cap)))
  const counts = apportion(shares, target)
  const values: Array<number> = []
  buckets.forEach((b, i) => {
    for (let k = 0; k < counts[i]!; k++) values.push(b.value)
  })
  return { _tag: "Samples", values, observations, thinned: target < observations }
}
