import { ApiError, Gates } from "@rollwise/api-contract"
import { toApiInputError } from "./LibraryErrors.ts"
import { Gates as SloGates } from "@rollwise/slo-policy"
import { Clock, Context, DateTime, Effect, Layer, Option } from "effect"
/**
 * How the API asks OPA for a policy that has an `opa` gate. The policy comes
 * from the client, so the server must not call whatever URL it names (that
 * would let any caller make the server send requests into its network): an
 * implementation asks only OPA servers it was configured with and answers
 * an ApiError.InputError naming `policy.opa.url` for any other.
 */
export class OpaGateway extends Context.Service<
  OpaGateway,
  {
    readonly ask: (opa: SloGates.Opa, input: SloGates.OpaInput) => Effect.Effect<SloGates.GateResult, ApiError.InputError>
  }
>()("rollwise/api-contract/Gates/OpaGateway") {
  /** No OPA: a policy with an `opa` gate is a 400 saying so. */
  static readonly layerDisabled: Layer.Layer<OpaGateway> = Layer.succeed(
    OpaGateway,
    OpaGateway.of({
      ask: () =>
        Effect.fail(
          new ApiError.InputError({
            field: "policy.opa",
            message: "policy.opa: this server asks no OPA server (it was started without one); remove the opa gate or ask `rollwise gate` instead"
          })
        )
    })
  )
}

const parseAt = (text: string): Effect.Effect<number, ApiError.InputError> =>
  Option.match(DateTime.make(text), {
    onNone: () => Effect.fail(new ApiError.InputError({ field: "at", message: `at: expected an ISO 8601 time such as "2026-12-01T09:00:00Z", got ${JSON.stringify(text)}` })),
    onSome: (dt) => Effect.succeed(DateTime.toEpochMillis(dt))
  })

/**
 * Every gate of the policy for the decision at the time: the local ones
 * (change window, error budget, approval) through slo-policy, OPA through
 * the {@link OpaGateway}; then `Gates.combine`, as `rollwise gate` does.
 */
export const evaluate = (request: Gates.Request): Effect.Effect<Gates.Response, ApiError.InputError, OpaGateway> =>
  Effect.gen(function* () {
    const policy = yield* SloGates.decodePolicy(request.policy, "policy").pipe(Effect.mapError(toApiInputError("policy")))
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
