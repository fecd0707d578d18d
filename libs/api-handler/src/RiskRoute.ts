import { ApiError, Risk } from "@rollwise/api-contract"
import { Decision, Heuristic, RiskPolicy } from "@rollwise/risk-core"
import { Effect } from "effect"
import { allFinite } from "./internal/finite.ts"
import { toApiInputError } from "./LibraryErrors.ts"
/**
 * The decision for a request: the policy decoded and merged over the
 * default (a bad policy is an ApiError.InputError naming `policy.<field>`), then the
 * Phase 1 heuristic, the same function `rollwise decide` calls. Weights so
 * large that the contributions overflow are an ApiError.InputError too.
 */
export const decide = (request: Risk.Request): Effect.Effect<Decision.Decision, ApiError.InputError> =>
  Effect.gen(function* () {
    const policy =
      request.policy === undefined
        ? RiskPolicy.defaultPolicy
        : yield* RiskPolicy.decode(request.policy).pipe(Effect.mapError(toApiInputError("policy")))
    const decision = Heuristic.decide(request.changes, policy, request.target ?? "k8s")
    if (!allFinite(decision)) {
      // weights so large that contributions overflow: the policy's doing
      return yield* new ApiError.InputError({ field: "policy.weights", message: "policy.weights: these weights make the contributions overflow (beyond the largest number); use weights in score points (0–100)" })
    }
    return decision
  })
