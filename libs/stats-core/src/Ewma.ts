/**
 * EWMA control chart (Roberts 1959; Montgomery, "Introduction to Statistical
 * Quality Control", §9.2) as an immutable streaming state: each window's
 * value (its mean, p99, error rate…) is folded in with {@link update}.
 *
 * z_t = λ·x_t + (1 - λ)·z_{t-1}, z_0 = target, and the exact time-varying
 * limits target ± L·σ·√(λ/(2 - λ)·(1 - (1 - λ)^{2t})). A point outside the
 * limits is an alarm.
 */

/** Chart parameters. */
export interface Options {
  /** In-control mean (e.g. the baseline mean). */
  readonly target: number
  /** In-control standard deviation of one folded value (> 0; 0 makes any deviation an alarm). */
  readonly sigma: number
  /** Smoothing weight λ in (0, 1]; default 0.2. */
  readonly lambda?: number
  /** Width of the limits in sigmas, L; default 3. */
  readonly limitWidth?: number
}

/** Where the latest point is. */
export type Signal = "none" | "high" | "low"

/** The chart after `count` values. */
export interface State {
  readonly target: number
  readonly sigma: number
  readonly lambda: number
  readonly limitWidth: number
  /** Values folded in so far (non-finite values are skipped, not counted). */
  readonly count: number
  /** The EWMA statistic z_t (the target before any value). */
  readonly value: number
  /** Limits at the latest point (both equal the target before any value). */
  readonly upper: number
  readonly lower: number
  /** Signal of the latest point. */
  readonly signal: Signal
  /** How many points have been outside the limits. */
  readonly alarms: number
  /** Index (1-based count) of the first alarming point, null if none. */
  readonly firstAlarmAt: number | null
  /** Non-finite values skipped. */
  readonly skipped: number
}

/**
 * A fresh chart. λ outside (0, 1] is clamped into it; a negative or NaN sigma
 * is treated as 0.
 */
export const make = (options: Options): State => {
  const lambda = Math.min(1, Math.max(Number.MIN_VALUE, options.lambda ?? 0.2))
  const sigma = options.sigma > 0 ? options.sigma : 0
  return {
    target: options.target,
    sigma,
    lambda,
    limitWidth: options.limitWidth ?? 3,
    count: 0,
    value: options.target,
    upper: options.target,
    lower: options.target,
    signal: "none",
    alarms: 0,
    firstAlarmAt: null,
    skipped: 0
  }
}

/** Fold one value in. A NaN or infinite value is skipped (counted in `skipped`). */
export const update = (state: State, x: number): State => {
  if (!Number.isFinite(x)) return { ...state, skipped: state.skipped + 1 }
  const count = state.count + 1
  const lambda = state.lambda
  const value = lambda * x + (1 - lambda) * state.value
  const halfWidth = state.limitWidth * state.sigma *
    Math.sqrt((lambda / (2 - lambda)) * (1 - Math.pow(1 - lambda, 2 * count)))
  const upper = state.target + halfWidth
  const lower = state.target - halfWidth
  const signal: Signal = value > upper ? "high" : value < lower ? "low" : "none"
  const alarm = signal !== "none"
  return {
    ...state,
    count,
    value,
    upper,
    lower,
    signal,
    alarms: state.alarms + (alarm ? 1 : 0),
    firstAlarmAt: state.firstAlarmAt ?? (alarm ? count : null)
  }
}

/** Fold values in order; identical to repeated {@link update} (so batches and single windows agree exactly). */
export const fold = (state: State, xs: ArrayLike<number>): State => {
  let s = state
  for (let i = 0; i < xs.length; i++) s = update(s, xs[i]!)
  return s
}
