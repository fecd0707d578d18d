import { OpaGate } from "@rollwise/gate-opa"
import type { Decision } from "@rollwise/risk-core"
import { Gates } from "@rollwise/slo-policy"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"

/**
 * Every gate of a policy for a decision at a time: the local ones (change
 * window, error budget, approval) and OPA when the policy names a server,
 * its bearer token from `ROLLWISE_OPA_TOKEN` only. `rollwise gate`,
 * `rollwise rollout` and a rollout the HTTP API drives all decide through this.
 */
export const check = (policy: Gates.GatePolicy, decision: Decision.Decision, epochMs: number, approved: boolean, env: Readonly<Record<string, string | undefined>>) =>
  Effect.gen(function* () {
    const results = [...Gates.evaluateLocal(policy, { epochMs, riskScore: decision.risk_score, approved })]
    if (policy.opa !== undefined) {
      const token = env["ROLLWISE_OPA_TOKEN"]
      results.push(
        yield* OpaGate.ask(
          policy.opa,
          {
            decision,
            at: new Date(epochMs).toISOString(),
            ...(policy.errorBudget !== undefined ? { errorBudget: { remaining: Gates.remainingBudget(policy.errorBudget) } } : {})
          },
          token === undefined || token === "" ? {} : { token: Redacted.make(token) }
        ).pipe(Effect.provide(FetchHttpClient.layer))
      )
    }
    return Gates.combine(results)
  })
