/**
 * New error signatures: the templates a candidate logs that the baseline does
 * not, or logs significantly more often per unit of exposure (requests, or
 * all log lines, in the window). Both tracks' lines are mined by ONE miner so
 * the templates are shared; then, per template with b baseline and c
 * candidate occurrences, a conditional binomial test: given b + c, under the
 * null "the candidate's rate is at most (1 + tolerance) × the baseline's", c
 * is Binomial(b + c, p0) with p0 = Nc(1 + tol) / (Nc(1 + tol) + Nb) (Nb, Nc
 * the exposures) — the exact test of a ratio of two Poisson rates. p-values
 * are Holm-adjusted over every template tested (c ≥ minCount), so `alpha` is
 * the family-wise error of one window.
 */
import { Proportions } from "@rollwise/stats-core"
import * as Miner from "./Miner.ts"

/** One track's logs over the window. */
export interface Track {
  /** The raw log lines (messages) of the track in the window. */
  readonly lines: ReadonlyArray<string>
  /**
   * The exposure: requests (or all log lines) of the track in the window —
   * NOT necessarily ≥ lines.length (one request can log several lines). A
   * total that is not a positive finite number falls back to lines.length.
   */
  readonly total: number
}

/** Options of {@link compare}. */
export interface Options {
  /** Family-wise error rate per window (Holm); default 0.001 — many windows run per rollout. */
  readonly alpha?: number
  /** The candidate may log a template up to (1 + tolerance) × the baseline's rate unflagged; default 0.5. */
  readonly tolerance?: number
  /** Fewest candidate occurrences for a template to be tested; default 3. */
  readonly minCount?: number
  /** The miner's options (defaults are the benchmarked ones). */
  readonly miner?: Miner.Options
}

/** A template the candidate logs new, or significantly more often. */
export interface Signature {
  /** The template, `<*>` for variables. */
  readonly pattern: string
  /** The first candidate line of this template, verbatim. */
  readonly example: string
  /** Occurrences in the baseline's lines. */
  readonly baseline: number
  /** Occurrences in the candidate's lines. */
  readonly candidate: number
  /** baseline / the baseline's exposure. */
  readonly baselineRate: number
  /** candidate / the candidate's exposure. */
  readonly candidateRate: number
  /** The Holm-adjusted one-sided p-value (compare with `alpha`). */
  readonly pValue: number
  /** `"new"`: the baseline never logged it; `"increased"`: it did, at a significantly lower rate. */
  readonly kind: "new" | "increased"
}

/** The outcome of {@link compare}. */
export interface Comparison {
  /** The signatures at the family-wise `alpha`, smallest p-value first. */
  readonly signatures: ReadonlyArray<Signature>
  /** Templates mined over both tracks. */
  readonly templates: number
  /** Templates tested (candidate count ≥ minCount): the size of the Holm family. */
  readonly tested: number
}

const exposure = (track: Track): number =>
  Number.isFinite(track.total) && track.total > 0 ? track.total : track.lines.length

const finiteOr = (value: number | undefined, fallback: number): number =>
  value !== undefined && Number.isFinite(value) ? value : fallback

/**
 * Compares the candidate's log templates with the baseline's over one window.
 * Deterministic; never throws. With no exposure on either side (no lines and
 * no total) nothing can be tested and the result has no signatures.
 */
export const compare = (input: { readonly baseline: Track; readonly candidate: Track }, options: Options = {}): Comparison => {
  const alpha = finiteOr(options.alpha, 0.001)
  const tolerance = Math.max(0, finiteOr(options.tolerance, 0.5))
  const minCount = Math.max(1, finiteOr(options.minCount, 3))
  const { baseline, candidate } = input
  const nb = exposure(baseline)
  const nc = exposure(candidate)
  const lines = [...baseline.lines, ...candidate.lines]
  const mined = Miner.mine(lines, options.miner ?? {})
  const k = mined.templates.length
  const b = new Float64Array(k)
  const c = new Float64Array(k)
  const example = new Int32Array(k).fill(-1)
  const split = baseline.lines.length
  for (let i = 0; i < lines.length; i++) {
    const id = mined.assignments[i]!
    if (i < split) b[id]!++
    else {
      c[id]!++
      if (example[id] === -1) example[id] = i
    }
  }
  if (!(nb > 0 && nc > 0)) return { signatures: [], templates: k, tested: 0 }
  // p0 from the ratio of exposures, so scaling both totals alike changes nothing.
  const ratio = (nc / nb) * (1 + tolerance)
  const p0 = ratio / (ratio + 1)
  const tested: Array<{ readonly id: number; readonly p: number }> = []
  for (let id = 0; id < k; id++) {
    if (c[id]! < minCount) continue
    const p = Proportions.binomialTest(c[id]!, b[id]! + c[id]!, p0, "greater").pValue
    tested.push({ id, p })
  }
  // Holm step-down: adjusted p_(i) = max_{j ≤ i} (m − j + 1) p_(j), capped at 1.
  tested.sort((x, y) => x.p - y.p || x.id - y.id)
  const m = tested.length
  const signatures: Array<Signature> = []
  let running = 0
  for (let i = 0; i < m; i++) {
    const { id, p } = tested[i]!
    running = Math.max(running, Math.min(1, (m - i) * p))
    if (!(running <= alpha)) break
    const template = mined.templates[id]!
    signatures.push({
      pattern: template.pattern,
      example: String(lines[example[id]!]),
      baseline: b[id]!,
      candidate: c[id]!,
      baselineRate: b[id]! / nb,
      candidateRate: c[id]! / nc,
      pValue: running,
      kind: b[id] === 0 ? "new" : "increased"
    })
  }
  return { signatures, templates: k, tested: m }
}
