import { ChangeSet, Decision, Heuristic, RiskPolicy, type RiskInputError } from "@rollwise/risk-core"
import { Effect, Schema } from "effect"
import { InputError } from "./ApiError.ts"
import { allFinite } from "./internal/finite.ts"

/**
 * `POST /v1/risk`: a ChangeSet (as `changes.json`), where it deploys, and an
 * optional risk policy → the Decision (`strategy.json`), exactly what
 * `rollwise decide` prints with `--json`.
 */
export const Request = Schema.Struct({
  /** The change, as `rollwise changes` writes it. */
  changes: ChangeSet.ChangeSet,
  /** Where it deploys; `arm` steps through device cohorts. Default `k8s`. */
  target: Schema.optionalKey(Decision.TargetKind),
  /**
   * A risk policy (as policy YAML, in JSON) naming only what it changes; it
   * is merged over the default policy. Default: the default policy.
   */
  policy: Schema.optionalKey(
    Schema.Unknown.annotate({ description: "RiskPolicy overrides merged over the default policy (see @rollwise/risk-core RiskPolicy)" })
  )
}).annotate({ identifier: "RiskRequest" })

/** @see {@link Request} */
export type Request = typeof Request.Type

/** The answer: the Decision (`strategy.json`). */
export const Response = Decision.Decision.annotate({ identifier: "Decision" })

/** A risk-core input error, re-rooted at the request field it came from. */
export const fromRiskInputError = (root: string) => (error: RiskInputError) =>
  new InputError({
    field: error.field === undefined ? root : `${root}.${error.field}`,
    message: error.message
  })

/**
 * The decision for a request: the policy decoded and merged over the
 * default (a bad policy is an InputError naming `policy.<field>`), then the
 * Phase 1 heuristic, the same function `rollwise decide` calls. Weights so
 * large that the contributions overflow are an InputError too.
 */
export const decide = (request: Request): Effect.Effect<Decision.Decision, InputError> =>
  Effect.gen(function* () {
    const policy =
      request.policy === undefined
        ? RiskPolicy.defaultPolicy
        : yield* RiskPolicy.decode(request.policy).pipe(Effect.mapError(fromRiskInputError("policy")))
    const decision = Heuristic.decide(request.changes, policy, request.target ?? "k8s")
    if (!allFinite(decision)) {
      // weights so large that contributions overflow: the policy's doing
      return yield* new InputError({ field: "policy.weights", message: "policy.weights: these weights make the contributions overflow (beyond the largest number); use weights in score points (0–100)" })
    }
    return decision
  })
