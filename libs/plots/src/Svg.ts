/**
 * SVG charts as strings: no DOM, no fonts to fetch, no scripts, so a chart
 * opens in any browser, embeds in an HTML report and survives an artifact
 * store. Text is escaped; numbers are rounded so output is stable.
 */

/** One line on a chart. Points with a non-finite y are gaps. */
export interface Series {
  readonly name: string
  readonly color: string
  readonly points: ReadonlyArray<{ readonly x: number; readonly y: number }>
  /** Optional band (e.g. a confidence interval) drawn behind the line. */
  readonly band?: ReadonlyArray<{ readonly x: number; readonly low: number; readonly high: number }>
  readonly dashed?: boolean
}

/** A vertical marker, e.g. the window where the rollout decided. */
export interface Marker {
  readonly x: number
  readonly label: string
  readonly color: string
}

/** A labelled vertical rule where something changed, e.g. where a rollout step began. */
export interface StepMark {
  readonly x: number
  readonly label: string
}

/** What to draw. */
export interface Chart {
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly series: ReadonlyArray<Series>
  /** Horizontal reference lines, e.g. the SLO threshold. */
  readonly rules?: ReadonlyArray<{ readonly y: number; readonly label: string; readonly color: string }>
  readonly markers?: ReadonlyArray<Marker>
  /** Dashed rules where a step began (drawn behind the data, labelled along the top); they do not get x-axis ticks. */
  readonly steps?: ReadonlyArray<StepMark>
  /**
   * The quantity cannot be negative (a count, a rate): the y axis starts at 0
   * instead of at the smallest value, so a small rate does not look large.
   */
  readonly nonNegative?: boolean
  /** The values are counts: y-axis ticks fall on whole numbers. */
  readonly integer?: boolean
  readonly width?: number
  readonly height?: number
}

/** Escape text for SVG/HTML content and attributes. */
export const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!)

const r = (x: number) => Math.round(x * 100) / 100

/** Plottable: finite and far enough from overflow that spans and scales stay finite. */
const ok = (v: number) => Number.isFinite(v) && Math.abs(v) < 1e150

/** A readable tick label: up to 3 significant digits. */
export const tick = (x: number): string => (x === 0 ? "0" : Math.abs(x) >= 1000 || Math.abs(x) < 0.01 ? x.toExponential(1) : String(Number(x.toPrecision(3))))

/** A round tick spacing (1, 2, 2.5 or 5 × 10ⁿ) at least `rough`, or undefined when `rough` is too small or large to have one. */
const niceStep = (rough: number): number | undefined => {
  if (!(rough > 1e-100 && rough < 1e100)) return undefined
  const p = 10 ** Math.floor(Math.log10(rough))
  const f = rough / p
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p
}

/**
 * The y axis: a domain that covers [lo, hi] and the ticks on it. Ticks are
 * round numbers where they can be (labelled with just the decimals the
 * spacing needs), otherwise five evenly spaced values.
 */
const yAxis = (lo: number, hi: number, integer: boolean): { readonly y0: number; readonly y1: number; readonly ticks: ReadonlyArray<{ readonly y: number; readonly label: string }> } => {
  const rough = (hi - lo) / 4
  const step = niceStep(integer ? Math.max(1, rough) : rough)
  if (step !== undefined && Number.isFinite(hi - lo)) {
    const first = Math.floor(lo / step + 1e-9)
    const last = Math.ceil(hi / step - 1e-9)
    if (last > first && last - first <= 12) {
      const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (step / 10 ** Math.floor(Math.log10(step) + 1e-9) === 2.5 ? 1 : 0))
      const plain = decimals <= 6 && Math.max(Math.abs(first), Math.abs(last)) * step < 1e6
      const ticks = Array.from({ length: last - first + 1 }, (_, i) => {
        const y = (first + i) * step
        return { y, label: first + i === 0 ? "0" : plain ? y.toFixed(decimals) : tick(y) }
      })
      return { y0: first * step, y1: last * step, ticks }
    }
  }
  const span = hi - lo
  const y0 = lo - span * 0.05
  const y1 = hi + span * 0.05
  return { y0, y1, ticks: Array.from({ length: 5 }, (_, i) => ({ y: y0 + ((y1 - y0) * i) / 4, label: tick(y0 + ((y1 - y0) * i) / 4) })) }
}

/** Text width in px, roughly, at the chart's 12px font: enough to keep labels from overlapping. */
const textWidth = (text: string) => text.length * 6.6

/**
 * Render a line chart. Empty or all-gap data gives a chart that says "no
 * data"; a series with one point is drawn as that point (and its band as a
 * box), never as a line of no width.
 */
export const lineChart = (chart: Chart): string => {
  const width = chart.width ?? 640
  const height = chart.height ?? 300
  const pad = { left: 64, right: 16, top: 36, bottom: 44 }
  const xs: Array<number> = []
  const ys: Array<number> = []
  for (const s of chart.series) {
    for (const p of s.points) {
      if (ok(p.y) && ok(p.x)) {
        xs.push(p.x)
        ys.push(p.y)
      }
    }
    for (const b of s.band ?? []) if (ok(b.low) && ok(b.high)) ys.push(b.low, b.high)
  }
  for (const rule of chart.rules ?? []) if (ok(rule.y)) ys.push(rule.y)
  // the x ticks are the data's; markers and steps widen the domain but get no tick
  const xTicks = [...new Set(xs)].sort((a, b) => a - b)
  for (const m of chart.markers ?? []) if (ok(m.x)) xs.push(m.x)
  for (const m of chart.steps ?? []) if (ok(m.x)) xs.push(m.x)
  if (chart.nonNegative && ys.length > 0) ys.push(0)
  const head = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escape(chart.title)}" font-family="system-ui, sans-serif" font-size="12">`
  const title = `<title>${escape(chart.title)}</title><text x="${pad.left}" y="20" font-size="14" font-weight="600">${escape(chart.title)}</text>`
  if (xs.length === 0 || ys.length === 0) {
    return `${head}${title}<text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#888">no data</text></svg>`
  }
  let x0 = Math.min(...xs)
  let x1 = Math.max(...xs)
  let lo = Math.min(...ys)
  let hi = Math.max(...ys)
  if (x0 === x1) {
    x0 -= 0.5
    x1 += 0.5
  }
  if (lo === hi) {
    // a flat line at 0 on an axis that cannot go below 0 gets room above only
    lo = chart.nonNegative && lo === 0 ? 0 : lo - (Math.abs(lo) * 0.1 || 1)
    hi += Math.abs(hi) * 0.1 || 1
  }
  const axis = yAxis(lo, hi, chart.integer === true)
  const { y0, y1 } = axis
  const px = (x: number) => r(pad.left + ((x - x0) / (x1 - x0)) * (width - pad.left - pad.right))
  const py = (y: number) => r(height - pad.bottom - ((y - y0) / (y1 - y0)) * (height - pad.top - pad.bottom))
  const parts: Array<string> = [head, title]
  // axes and ticks
  parts.push(`<g stroke="#bbb"><line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}"/><line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${height - pad.bottom}"/></g>`)
  for (const { y, label } of axis.ticks) {
    parts.push(`<line x1="${pad.left}" x2="${width - pad.right}" y1="${py(y)}" y2="${py(y)}" stroke="#eee"/><text class="y-tick" x="${pad.left - 6}" y="${r(py(y) + 4)}" text-anchor="end" fill="#555">${escape(label)}</text>`)
  }
  const every = Math.max(1, Math.ceil(xTicks.length / 12))
  xTicks.forEach((x, i) => {
    if (i % every === 0) parts.push(`<text x="${px(x)}" y="${height - pad.bottom + 16}" text-anchor="middle" fill="#555">${escape(tick(x))}</text>`)
  })
  parts.push(`<text x="${(pad.left + width - pad.right) / 2}" y="${height - 8}" text-anchor="middle" fill="#333">${escape(chart.xLabel)}</text>`)
  parts.push(`<text transform="translate(14 ${(pad.top + height - pad.bottom) / 2}) rotate(-90)" text-anchor="middle" fill="#333">${escape(chart.yLabel)}</text>`)
  // labels along the top of the plot: each goes in the first row where it overlaps no other
  const rows: Array<Array<readonly [number, number]>> = []
  const place = (from: number, to: number): number => {
    let row = rows.findIndex((taken) => taken.every(([a, b]) => to < a || from > b))
    if (row === -1) row = rows.push([]) - 1
    rows[row]!.push([from, to])
    return pad.top + 12 + row * 14
  }
  const labelAt = (x: number, text: string, font = "") => {
    // near the right edge the label goes to the left of the line, so it is not cut off
    const w = textWidth(text)
    const left = x + 4 + w > width - pad.right
    const y = left ? place(x - 4 - w, x) : place(x, x + 4 + w)
    return `<text x="${left ? r(x - 4) : r(x + 4)}" y="${y}"${left ? ' text-anchor="end"' : ""}${font}`
  }
  for (const m of chart.steps ?? []) {
    if (!ok(m.x)) continue
    parts.push(`<g class="step"><line x1="${px(m.x)}" x2="${px(m.x)}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#999" stroke-dasharray="3 3"/>${labelAt(px(m.x), m.label)} fill="#666" font-size="11">${escape(m.label)}</text></g>`)
  }
  for (const rule of chart.rules ?? []) {
    if (!ok(rule.y)) continue
    parts.push(`<g class="rule"><line x1="${pad.left}" x2="${width - pad.right}" y1="${py(rule.y)}" y2="${py(rule.y)}" stroke="${rule.color}" stroke-dasharray="6 4"/><text x="${width - pad.right}" y="${py(rule.y) - 4}" text-anchor="end" fill="${rule.color}">${escape(rule.label)}</text></g>`)
  }
  for (const s of chart.series) {
    const band = (s.band ?? []).filter((b) => ok(b.x) && ok(b.low) && ok(b.high))
    if (band.length > 1) {
      const upper = band.map((b) => `${px(b.x)},${py(b.high)}`)
      const lower = band.map((b) => `${px(b.x)},${py(b.low)}`).reverse()
      parts.push(`<polygon class="band" points="${[...upper, ...lower].join(" ")}" fill="${s.color}" fill-opacity="0.15" stroke="none"/>`)
    } else if (band.length === 1) {
      const b = band[0]!
      parts.push(`<rect class="band" x="${r(px(b.x) - 8)}" y="${py(Math.max(b.low, b.high))}" width="16" height="${r(Math.abs(py(b.low) - py(b.high)))}" fill="${s.color}" fill-opacity="0.15" stroke="none"/>`)
    }
    // split at gaps so missing windows are not drawn as if observed
    let run: Array<string> = []
    const flush = () => {
      if (run.length > 1) parts.push(`<polyline class="series" data-series="${escape(s.name)}" points="${run.join(" ")}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ""}/>`)
      run = []
    }
    for (const p of s.points) {
      if (ok(p.y) && ok(p.x)) {
        run.push(`${px(p.x)},${py(p.y)}`)
        parts.push(`<circle cx="${px(p.x)}" cy="${py(p.y)}" r="3" fill="${s.color}"><title>${escape(`${s.name} @ ${tick(p.x)}: ${tick(p.y)}`)}</title></circle>`)
      } else flush()
    }
    flush()
  }
  for (const m of chart.markers ?? []) {
    if (!ok(m.x)) continue
    parts.push(`<g class="marker"><line x1="${px(m.x)}" x2="${px(m.x)}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="${m.color}" stroke-width="2"/>${labelAt(px(m.x), m.label, ' font-weight="600"')} fill="${m.color}">${escape(m.label)}</text></g>`)
  }
  // legend, short of the right edge, where a rule at the top of the plot has its label
  chart.series.forEach((s, i) => {
    const x = width - pad.right - 64 - (chart.series.length - i) * 130
    parts.push(`<g class="legend"><line x1="${x}" x2="${x + 18}" y1="${pad.top - 6}" y2="${pad.top - 6}" stroke="${s.color}" stroke-width="3"/><text x="${x + 22}" y="${pad.top - 2}">${escape(s.name)}</text></g>`)
  })
  parts.push("</svg>")
  return parts.join("")
}
