/**
 * Anytime-valid test for event counts split between candidate and baseline
 * (errors, crashes, failed OTA updates), after Lindon & Malek, "Anytime-Valid
 * Inference for Multinomial Count Data" (NeurIPS 2022). The whole state is two
 * integers: how many events each group has produced.
 *
 * If both groups have the same event rate per unit of traffic, each event
 * lands in the candidate with probability ρ = the candidate's traffic share
 * (whatever the overall rate does over time: the time-inhomogeneous Poisson
 * case reduces to this). With a Beta(ρc, (1 - ρ)c) mixture over that
 * probability θ, the Bayes factor against θ = ρ after n_c and n_b events,
 *
 *   BF = B(ρc + n_c, (1 - ρ)c + n_b) / B(ρc, (1 - ρ)c) / (ρ^{n_c} (1 - ρ)^{n_b}),
 *
 * is a nonnegative martingale with mean 1 under the null, so by Ville's
 * inequality P(∃n: BF_n ≥ 1/α) ≤ α: the test may be checked after every
 * event or window, forever, with false-positive rate at most α. The one-sided
 * version (`"greater"`: the candidate has the higher rate) restricts the
 * mixture to θ > ρ, a valid test of the composite null θ ≤ ρ.
 *
 * Assumes ρ is fixed while the test runs (start a new test when the traffic
 * split changes) and that events are counted on traffic that is split at
 * random.
 */
import type { Alternative } from "./Alternative.ts"
import { logGamma, regularizedBeta } from "./Distributions.ts"

/** Test parameters. */
export interface Options {
  /** The candidate's share of traffic ρ in (0, 1). */
  readonly candidateShare: number
  /** Significance level α in (0, 1); default 0.05. */
  readonly alpha?: number
  /** `"greater"` (candidate's rate higher), `"less"`, or `"two-sided"` (default). */
  readonly alternative?: Alternative
  /** Prior concentration c > 0 of the Beta mixture; default 1 (small: quick to react to big effects). */
  readonly concentration?: number
}

/** The test state; `candidateEvents` and `baselineEvents` are its sufficient statistics. */
export interface State {
  readonly candidateShare: number
  readonly alpha: number
  readonly alternative: Alternative
  readonly concentration: number
  readonly candidateEvents: number
  readonly baselineEvents: number
  /** ln BF at the current counts. */
  readonly logBayesFactor: number
  /** Always-valid p-value min(1, min over time of 1/BF). */
  readonly pValue: number
  readonly decision: "continue" | "reject"
  /**
   * Posterior mean estimate of the candidate's rate relative to the baseline's
   * (1 means equal; 2 means twice the baseline's rate per unit of traffic).
   */
  readonly rateRatio: number
}

const logBeta = (a: number, b: number): number => logGamma(a) + logGamma(b) - logGamma(a + b)

/** ln of the Beta mixture's Bayes factor for counts (nc, nb) — see the module doc. */
export const logBayesFactor = (
  candidateEvents: number,
  baselineEvents: number,
  candidateShare: number,
  concentration: number,
  alternative: Alternative
): number => {
  const rho = candidateShare
  const a = rho * concentration
  const b = (1 - rho) * concentration
  const nc = candidateEvents
  const nb = baselineEvents
  let log = logBeta(a + nc, b + nb) - logBeta(a, b) - nc * Math.log(rho) - nb * Math.log1p(-rho)
  if (alternative !== "two-sided") {
    // Restrict the mixture to θ > ρ (or θ < ρ): posterior mass over prior mass of that half.
    const posteriorBelow = regularizedBeta(rho, a + nc, b + nb)
    const priorBelow = regularizedBeta(rho, a, b)
    const posterior = alternative === "greater" ? 1 - posteriorBelow : posteriorBelow
    const prior = alternative === "greater" ? 1 - priorBelow : priorBelow
    log += Math.log(posterior) - Math.log(prior)
  }
  return log
}

/** A fresh test; ρ is clamped into [1e-9, 1 - 1e-9] and a non-positive concentration becomes 1. */
export const make = (options: Options): State => {
  const candidateShare = Math.min(1 - 1e-9, Math.max(1e-9, options.candidateShare))
  const concentration = options.concentration !== undefined && options.concentration > 0 ? options.concentration : 1
  return {
    candidateShare,
    alpha: options.alpha ?? 0.05,
    alternative: options.alternative ?? "two-sided",
    concentration,
    candidateEvents: 0,
    baselineEvents: 0,
    logBayesFactor: 0,
    pValue: 1,
    decision: "continue",
    rateRatio: 1
  }
}

/**
 * Add the events of one window (negative or non-integer counts are ignored).
 * Equivalent to adding them one event at a time: the state is the pair of
 * counts, and the p-value's running minimum is taken at window boundaries.
 */
export const update = (state: State, candidateEvents: number, baselineEvents: number): State => {
  const ok = Number.isInteger(candidateEvents) && Number.isInteger(baselineEvents) && candidateEvents >= 0 && baselineEvents >= 0
  const nc = state.candidateEvents + (ok ? candidateEvents : 0)
  const nb = state.baselineEvents + (ok ? baselineEvents : 0)
  const log = logBayesFactor(nc, nb, state.candidateShare, state.concentration, state.alternative)
  const pValue = Math.min(state.pValue, Math.min(1, Math.exp(-log)))
  const rho = state.candidateShare
  const a = rho * state.concentration
  const b = (1 - rho) * state.concentration
  const theta = (a + nc) / (a + b + nc + nb)
  return {
    ...state,
    candidateEvents: nc,
    baselineEvents: nb,
    logBayesFactor: log,
    pValue,
    decision: pValue <= state.alpha ? "reject" : "continue",
    rateRatio: (theta / (1 - theta)) / (rho / (1 - rho))
  }
}
