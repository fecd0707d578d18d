/**
 * Tabular (two-sided) CUSUM (Page 1954; Montgomery §9.1) as an immutable
 * streaming state. Values are standardized, z = (x - target) / sigma, then
 *
 *   C⁺_t = max(0, C⁺_{t-1} + z_t - k),  C⁻_t = max(0, C⁻_{t-1} - z_t - k),
 *
 * and an alarm is raised while either exceeds h. With the usual k = 0.5 and
 * h = 5 it detects a sustained 1-sigma shift in about 10 points and has an
 * in-control average run length of about 465 points.
 */

/** Chart parameters (k and h in units of sigma). */
export interface Options {
  /** In-control mean. */
  readonly target: number
  /** In-control standard deviation of one value (> 0; 0 makes any deviation an immediate alarm). */
  readonly sigma: number
  /** Reference value (allowance) k; default 0.5 (tuned to a 1-sigma shift). */
  readonly k?: number
  /** Decision interval h; default 5. */
  readonly h?: number
}

/** Direction of the latest alarm. */
export type Signal = "none" | "high" | "low"

/** The chart after `count` values. */
export interface State {
  readonly target: number
  readonly sigma: number
  readonly k: number
  readonly h: number
  readonly count: number
  /** C⁺, accumulating upward drift. */
  readonly high: number
  /** C⁻, accumulating downward drift. */
  readonly low: number
  readonly signal: Signal
  readonly alarms: number
  readonly firstAlarmAt: number | null
  /** Non-finite values skipped. */
  readonly skipped: number
}

/** A fresh chart; negative or NaN sigma is treated as 0. */
export const make = (options: Options): State => ({
  target: options.target,
  sigma: options.sigma > 0 ? options.sigma : 0,
  k: options.k ?? 0.5,
  h: options.h ?? 5,
  count: 0,
  high: 0,
  low: 0,
  signal: "none",
  alarms: 0,
  firstAlarmAt: null,
  skipped: 0
})

/** Fold one value in; a NaN or infinite value is skipped (counted in `skipped`). */
export const update = (state: State, x: number): State => {
  if (!Number.isFinite(x)) return { ...state, skipped: state.skipped + 1 }
  const deviation = x - state.target
  const z = state.sigma > 0 ? deviation / state.sigma : deviation === 0 ? 0 : deviation > 0 ? Infinity : -Infinity
  const high = Math.max(0, state.high + z - state.k)
  const low = Math.max(0, state.low - z - state.k)
  const count = state.count + 1
  const signal: Signal = high > state.h ? "high" : low > state.h ? "low" : "none"
  const alarm = signal !== "none"
  return {
    ...state,
    count,
    high,
    low,
    signal,
    alarms: state.alarms + (alarm ? 1 : 0),
    firstAlarmAt: state.firstAlarmAt ?? (alarm ? count : null)
  }
}

/** Fold values in order; identical to repeated {@link update}. */
export const fold = (state: State, xs: ArrayLike<number>): State => {
  let s = state
  for (let i = 0; i < xs.length; i++) s = update(s, xs[i]!)
  return s
}

/** Restart accumulation (after an alarm has been acted on), keeping the parameters. */
export const reset = (state: State): State => ({ ...state, high: 0, low: 0, signal: "none" })
