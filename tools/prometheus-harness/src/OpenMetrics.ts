/**
 * OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`.
 *
 * promtool silently DROPS a sample that is older than the previous one of the
 * same series (it does not fail), so this writer sorts every series by time and
 * rejects duplicate timestamps instead of leaving that to chance.
 */

/** The metric types the harness writes. */
export type MetricType = "counter" | "gauge" | "histogram"

/** One sample: `t` in unix seconds (fractions allowed), `v` the value. */
export interface Sample {
  readonly t: number
  readonly v: number
}

/**
 * One series, named as it is stored (and queried) in Prometheus:
 * - counter: the name must end in `_total` (OpenMetrics' counter sample name; the family is the name without it);
 * - gauge: any name;
 * - histogram: one series per `…_bucket` (with an `le` label), `…_count` and `…_sum`
 *   (see `histogramSeries` to build them from cumulative bucket counts).
 */
export interface Series {
  readonly name: string
  readonly type: MetricType
  readonly help?: string
  readonly labels: Readonly<Record<string, string>>
  readonly samples: ReadonlyArray<Sample>
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const HISTOGRAM_SUFFIXES = ["_bucket", "_count", "_sum"] as const

/** A label value inside double quotes: backslash, double quote and line feed escaped (OpenMetrics ABNF `escaped-string`). */
export const escapeLabelValue = (value: string): string =>
  value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")

/** HELP text uses the same `escaped-string` rule as label values. */
const escapeHelp = escapeLabelValue

/** A number as OpenMetrics writes it: `NaN`, `+Inf`, `-Inf`, otherwise the shortest round-trip decimal. */
export const formatNumber = (value: number): string => {
  if (Number.isNaN(value)) return "NaN"
  if (value === Infinity) return "+Inf"
  if (value === -Infinity) return "-Inf"
  return String(value)
}

const parseLe = (le: string): number => {
  if (le === "+Inf") return Infinity
  const bound = Number(le)
  if (le.trim() === "" || !Number.isFinite(bound)) throw new Error(`openMetrics: le="${le}" is not a number or "+Inf"`)
  return bound
}

const familyOf = (series: Series): { readonly family: string; readonly suffix: string } => {
  if (!METRIC_NAME.test(series.name)) throw new Error(`openMetrics: "${series.name}" is not a valid metric name`)
  switch (series.type) {
    case "gauge":
      return { family: series.name, suffix: "" }
    case "counter": {
      if (!series.name.endsWith("_total") || series.name === "_total") {
        throw new Error(`openMetrics: counter "${series.name}" must be named <family>_total in OpenMetrics`)
      }
      return { family: series.name.slice(0, -"_total".length), suffix: "_total" }
    }
    case "histogram": {
      const suffix = HISTOGRAM_SUFFIXES.find((s) => series.name.endsWith(s) && series.name.length > s.length)
      if (suffix === undefined) {
        throw new Error(`openMetrics: histogram series "${series.name}" must end in _bucket, _count or _sum`)
      }
      const hasLe = Object.hasOwn(series.labels, "le")
      if (suffix === "_bucket" && !hasLe) throw new Error(`openMetrics: "${series.name}" needs an le label`)
      if (suffix !== "_bucket" && hasLe) throw new Error(`openMetrics: only _bucket series carry le ("${series.name}")`)
      return { family: series.name.slice(0, -suffix.length), suffix }
    }
  }
}

const labelText = (labels: Readonly<Record<string, string>>): string => {
  const names = Object.keys(labels).sort((a, b) => (a === "le" ? 1 : b === "le" ? -1 : a < b ? -1 : a > b ? 1 : 0))
  if (names.length === 0) return ""
  return `{${names.map((name) => `${name}="${escapeLabelValue(labels[name]!)}"`).join(",")}}`
}

const validateLabels = (series: Series): void => {
  for (const [name, value] of Object.entries(series.labels)) {
    if (!LABEL_NAME.test(name) || name.startsWith("__")) {
      throw new Error(`openMetrics: "${name}" is not a valid label name (series "${series.name}")`)
    }
    if (typeof value !== "string") throw new Error(`openMetrics: label ${name} of "${series.name}" is not a string`)
  }
}

interface SeriesEntry {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly samples: Map<number, number>
}

interface Family {
  readonly name: string
  readonly type: MetricType
  help: string | undefined
  readonly series: Map<string, SeriesEntry>
}

const validateSample = (series: Series, sample: Sample): void => {
  if (!Number.isFinite(sample.t)) throw new Error(`openMetrics: "${series.name}" has a sample with time ${sample.t}`)
  if (typeof sample.v !== "number") throw new Error(`openMetrics: "${series.name}" has a non-numeric value`)
  const counterLike = series.type === "counter" || (series.type === "histogram" && !series.name.endsWith("_sum"))
  if (counterLike && !(sample.v >= 0)) {
    throw new Error(`openMetrics: "${series.name}" is a counter; value ${sample.v} at ${sample.t} is not >= 0`)
  }
}

/**
 * OpenMetrics text for the given series, ending in `# EOF`: each metric family once
 * (`# TYPE`, `# HELP` when given) with all of its samples together; each series in
 * time order; histogram points written as OpenMetrics expects (per label set and
 * timestamp: buckets in ascending `le`, then `_count`, then `_sum`). Series given
 * twice with the same name and labels are merged; the same timestamp twice is an error.
 */
export const openMetrics = (series: ReadonlyArray<Series>): string => {
  const families = new Map<string, Family>()
  for (const s of series) {
    validateLabels(s)
    const { family: familyName } = familyOf(s)
    let family = families.get(familyName)
    if (family === undefined) {
      family = { name: familyName, type: s.type, help: s.help, series: new Map() }
      families.set(familyName, family)
    } else {
      if (family.type !== s.type) {
        throw new Error(`openMetrics: family "${familyName}" is both ${family.type} and ${s.type}`)
      }
      if (s.help !== undefined) {
        if (family.help !== undefined && family.help !== s.help) {
          throw new Error(`openMetrics: family "${familyName}" has two different HELP texts`)
        }
        family.help = s.help
      }
    }
    if (s.type === "histogram" && s.name.endsWith("_bucket")) parseLe(s.labels["le"]!)
    const key = `${s.name}${labelText(s.labels)}`
    let entry = family.series.get(key)
    if (entry === undefined) {
      entry = { name: s.name, labels: s.labels, samples: new Map() }
      family.series.set(key, entry)
    }
    for (const sample of s.samples) {
      validateSample(s, sample)
      if (entry.samples.has(sample.t)) throw new Error(`openMetrics: ${key} has two samples at t=${sample.t}`)
      entry.samples.set(sample.t, sample.v)
    }
  }

  const lines: Array<string> = []
  const line = (entry: SeriesEntry, t: number): void => {
    const v = entry.samples.get(t)
    if (v !== undefined) lines.push(`${entry.name}${labelText(entry.labels)} ${formatNumber(v)} ${formatNumber(t)}`)
  }
  const times = (entries: ReadonlyArray<SeriesEntry>): Array<number> =>
    [...new Set(entries.flatMap((e) => [...e.samples.keys()]))].sort((a, b) => a - b)

  for (const family of families.values()) {
    lines.push(`# TYPE ${family.name} ${family.type}`)
    if (family.help !== undefined) lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`)
    const entries = [...family.series.values()]
    if (family.type !== "histogram") {
      for (const entry of entries) for (const t of times([entry])) line(entry, t)
      continue
    }
    // a histogram point is one label set (without le) at one time: its buckets, _count, _sum together
    const points = new Map<string, Array<SeriesEntry>>()
    for (const entry of entries) {
      const { le: _le, ...rest } = entry.labels
      const key = labelText(rest)
      const group = points.get(key)
      if (group === undefined) points.set(key, [entry])
      else group.push(entry)
    }
    const rank = (entry: SeriesEntry): number =>
      entry.name.endsWith("_bucket") ? parseLe(entry.labels["le"]!) : entry.name.endsWith("_count") ? Infinity : NaN
    for (const group of points.values()) {
      const ordered = [...group].sort((a, b) => {
        const ra = rank(a)
        const rb = rank(b)
        // buckets by bound, _count after +Inf, _sum (NaN) last
        if (Number.isNaN(ra) || Number.isNaN(rb)) return Number.isNaN(ra) ? (Number.isNaN(rb) ? 0 : 1) : -1
        if (ra === rb) return a.name.endsWith("_bucket") ? -1 : b.name.endsWith("_bucket") ? 1 : 0
        return ra - rb
      })
      for (const t of times(ordered)) for (const entry of ordered) line(entry, t)
    }
  }
  lines.push("# EOF")
  return `${lines.join("\n")}\n`
}

/** One histogram observation: cumulative bucket counts for each finite bound, the total count and the sum. */
export interface HistogramPoint {
  readonly t: number
  /** cumulative counts, one per entry of `bounds` (the `+Inf` bucket is `count`) */
  readonly buckets: ReadonlyArray<number>
  readonly count: number
  readonly sum: number
}

/**
 * The `_bucket` (one per bound plus `+Inf`), `_count` and `_sum` series of one
 * histogram label set, ready for `openMetrics`. `le` values are written the way
 * Prometheus' text format writes them (`0.005`, `1`, `+Inf`), so `le="1"` matches.
 */
export const histogramSeries = (options: {
  readonly name: string
  readonly help?: string
  readonly labels: Readonly<Record<string, string>>
  readonly bounds: ReadonlyArray<number>
  readonly points: ReadonlyArray<HistogramPoint>
}): Array<Series> => {
  const { name, bounds, points } = options
  bounds.forEach((bound, i) => {
    if (!Number.isFinite(bound)) throw new Error(`histogramSeries: bound ${bound} is not finite (+Inf is implicit)`)
    if (i > 0 && !(bound > bounds[i - 1]!)) throw new Error("histogramSeries: bounds must be strictly ascending")
  })
  for (const point of points) {
    if (point.buckets.length !== bounds.length) {
      throw new Error(`histogramSeries: ${point.buckets.length} bucket counts for ${bounds.length} bounds at t=${point.t}`)
    }
    point.buckets.forEach((count, i) => {
      if (i > 0 && count < point.buckets[i - 1]!) throw new Error(`histogramSeries: buckets not cumulative at t=${point.t}`)
    })
    if (point.count < (point.buckets[point.buckets.length - 1] ?? 0)) {
      throw new Error(`histogramSeries: count below the last bucket at t=${point.t}`)
    }
  }
  const help = options.help === undefined ? {} : { help: options.help }
  const series = (suffix: string, labels: Readonly<Record<string, string>>, value: (p: HistogramPoint) => number) => ({
    name: `${name}${suffix}`,
    type: "histogram" as const,
    ...help,
    labels,
    samples: points.map((p) => ({ t: p.t, v: value(p) }))
  })
  return [
    ...bounds.map((bound, i) => series("_bucket", { ...options.labels, le: formatNumber(bound) }, (p) => p.buckets[i]!)),
    series("_bucket", { ...options.labels, le: "+Inf" }, (p) => p.count),
    series("_count", options.labels, (p) => p.count),
    series("_sum", options.labels, (p) => p.sum)
  ]
}
