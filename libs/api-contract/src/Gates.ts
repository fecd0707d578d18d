import { Decision } from "@rollwise/risk-core"
import { Gates as SloGates } from "@rollwise/slo-policy"
import { Clock, Context, DateTime, Effect, Layer, Option, Schema } from "effect"
import { InputError } from "./ApiError.ts"
import { fromLibInputError } from "./Analyses.ts"

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

/**
 * How the API asks OPA for a policy that has an `opa` gate. The policy comes
 * from the client, so the server must not call whatever URL it names (that
 * would let any caller make the server send requests into its network): an
 * implementation asks only OPA servers it was configured with and answers
 * an InputError naming `policy.opa.url` for any other.
 */
export class OpaGateway extends Context.Service<
  OpaGateway,
  {
    readonly ask: (opa: SloGates.Opa, input: SloGates.OpaInput) => Effect.Effect<SloGates.GateResult, InputError>
  }
>()("rollwise/api-contract/Gates/OpaGateway") {
  /** No OPA: a policy with an `opa` gate is a 400 saying so. */
  static readonly layerDisabled: Layer.Layer<OpaGateway> = Layer.succeed(
    OpaGateway,
    OpaGateway.of({
      ask: () =>
        Effect.fail(
          new InputError({
            field: "policy.opa",
            message: "policy.opa: this server asks no OPA server (it was started without one); remove the opa gate or ask `rollwise gate` instead"
          })
        )
    })
  )
}

const parseAt = (text: string): Effect.Effect<number, InputError> =>
  Option.match(DateTime.make(text), {
    onNone: () => Effect.fail(new InputError({ field: "at", message: `at: expected an ISO 8601 time such as "2026-12-01T09:00:00Z", got ${JSON.stringify(text)}` })),
    onSome: (dt) => Effect.succeed(DateTime.toEpochMillis(dt))
  })

/**
 * Every gate of the policy for the decision at the time: the local ones
 * (change window, error budget, approval) through slo-policy, OPA through
 * the {@link OpaGateway}; then `Gates.combine`, as `rollwise gate` does.
 */
export const evaluate = (request: Request): Effect.Effect<Response, InputError, OpaGateway> =>
  Effect.gen(function* () {
    const policy = yield* SloGates.decodePolicy(request.policy, "policy").pipe(Effect.mapError(fromLibInputError("policy")))
    const epochMs = request.at === undefined ? yield* Clock.currentTimeMillis : yield* parseAt(request.at)
    const results = [...SloGates.evaluateLocal(policy, { epochMs, riskScore: request.decision.risk_score, approved: request.approved ?? false })]
    if (policy.opa !== undefined) {
      const gateway = yield* OpaGateway
      results.push(
        yield* gateway.ask(policy.opa, {
          decision: request.decision,
          at: new Date(epochMs).toISOString(),
          ...(policy.errorBudget !== undefined ? { errorBudget: { remaining: SloGates.remainingBudget(policy.errorBudget) } } : {})
        })
      )
    }
    const outcome = SloGates.combine(results)
    return { status: outcome.status, gates: outcome.gates, at: new Date(epochMs).toISOString() }
  })
