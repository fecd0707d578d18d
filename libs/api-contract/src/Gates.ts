import { Decision } from "@rollwise/risk-core"
import { Gates as SloGates } from "@rollwise/slo-policy"
import { Schema } from "effect"
/**
 * `POST /v1/gates`: may this deploy start? A GatePolicy (policy.yaml as
 * JSON), the Decision, an optional time and whether a person approved →
 * pass or block with every gate's reasons, as `rollwise gate --json` prints.
 */
export const Request = Schema.Struct({
  /** The gate policy, policy.yaml's document as JSON (`kind: GatePolicy`). */
  policy: SloGates.GatePolicy,
  /** The Decision (`strategy.json`) the gates judge (its risk score). */
  decision: Decision.Decision,
  /** Check for this instant, ISO 8601 with a zone. Default: now. */
  at: Schema.optionalKey(Schema.String),
  /** A person approved this deploy (satisfies the approval gate). Default false. */
  approved: Schema.optionalKey(Schema.Boolean)
}).annotate({ identifier: "GateRequest" })

/** @see {@link Request} */
export type Request = typeof Request.Type

/** One gate's answer. */
export const GateResult = Schema.Struct({
  gate: Schema.Literals(["change-window", "error-budget", "approval", "opa"]),
  status: Schema.Literals(["pass", "block"]),
  reasons: Schema.Array(Schema.String)
})

/** The answer: `block` when any gate blocks; `at` is the instant that was checked. */
export const Response = Schema.Struct({
  status: Schema.Literals(["pass", "block"]),
  gates: Schema.Array(GateResult),
  at: Schema.String
}).annotate({ identifier: "GateResponse" })

/** @see {@link Response} */
export type Response = typeof Response.Type
