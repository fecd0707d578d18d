import { Observation, SloSpec, Verdict } from "@rollwise/slo-policy"
import { Schema } from "effect"
/**
 * `POST /v1/analyses`: an offline analysis, the same as `rollwise analyze
 * --slo slo.yaml --observations obs.ndjson`: the SLO spec (slo.yaml as JSON)
 * and the recorded observations (the NDJSON lines as one JSON array) → the
 * verdict of every window up to the first decisive one, and the last.
 */
export const Request = Schema.Struct({
  /** The SLO spec, slo.yaml's document as JSON (`apiVersion: rollwise/v1`, `kind: SloSpec`). */
  slo: SloSpec.SloSpec,
  /** The observations, each one line of the NDJSON format (`{window, metric, track, values}` or `{…, errors, total}`). */
  observations: Schema.Array(Observation.Observation),
  /** Which release to judge when the observations hold several (`release` fields); optional when they hold one. */
  release: Schema.optionalKey(Schema.NonEmptyString)
}).annotate({ identifier: "AnalysisRequest" })

/** @see {@link Request} */
export type Request = typeof Request.Type

/** The answer: `verdict` is the last of `verdicts` (what `rollwise analyze --json` prints). */
export const Response = Schema.Struct({
  release: Schema.String,
  verdict: Verdict.Verdict,
  verdicts: Schema.Array(Verdict.Verdict)
}).annotate({ identifier: "AnalysisResponse" })

/** @see {@link Response} */
export type Response = typeof Response.Type

/**
 * The largest magnitude a sample or count may have (10^15). Real metrics stay
 * far below it; beyond it sums and squares inside the analysis can overflow
 * to ±Infinity, which no verdict can carry.
 */
export const maxMagnitude = 1e15
