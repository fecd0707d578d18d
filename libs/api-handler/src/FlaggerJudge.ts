import { ApiError, ArgoMetric, Flagger } from "@rollwise/api-contract"
import * as ArgoJudge from "./ArgoJudge.ts"
import type { MetricSource } from "@rollwise/rollout-engine"
import type { Verdict } from "@rollwise/slo-policy"
import { Effect, Schema } from "effect"

/**
 * `POST /v1/flagger/{hook}`: Flagger's canary webhooks. Flagger posts
 * `{name, namespace, phase, checksum, metadata}` to every webhook of a
 * Canary's analysis and reads only the status code: 200–202 proceeds,
 * anything else halts. The Flagger.hooks that judge (`rollout`,
 * `confirm-traffic-increase`, `confirm-promotion`, `rollback`) analyze the
 * trailing windows exactly as the Argo metric does and answer 200 to let
 * Flagger go on or 409 — a deliberate "no", never a 5xx, which Flagger would
 * treat like a fault — to stop it; the others acknowledge with 200.
 */
/**
 * Whether Flagger may proceed after a hook judged `action`:
 *
 * - `rollout` fails a check only on `rollback` (`slow` is no failure: Flagger
 *   runs the hook again next interval);
 * - `confirm-traffic-increase` and `confirm-promotion` let the weight grow or
 *   the canary be promoted only on `promote`; Flagger holds otherwise and
 *   counts nothing;
 * - `rollback` answers success — Flagger rolls back — only on `rollback`.
 */
export const proceeds = (hook: Flagger.Hook, action: Verdict.Action): boolean => {
  switch (hook) {
    case "rollout":
      return action !== "rollback"
    case "confirm-traffic-increase":
    case "confirm-promotion":
      return action === "promote"
    case "rollback":
      return action === "rollback"
    default:
      return true
  }
}

const metadataName = (payload: Flagger.Payload, key: "service" | "canaryHash" | "stableHash", schema: Schema.Codec<string>) => {
  const value = payload.metadata?.[key]
  if (value === undefined) return Effect.succeed(undefined)
  const valid: (u: unknown) => boolean = Schema.is(schema)
  return valid(value)
    ? Effect.succeed(value)
    : Effect.fail(
        new ApiError.InputError({
          field: `metadata.${key}`,
          message: `metadata.${key}: ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)} is not a valid ${key === "service" ? "name (letters, digits, `_ . : -`, at most 253 characters)" : "hash (letters, digits, `_ . -`, at most 128 characters)"}`
        })
      )
}

/**
 * What a judging hook judges: the SLO `metadata.slo` names (missing → 400
 * naming it), the service `metadata.service` or the Canary's `name`, the
 * Canary's namespace and the hashes the metadata gives.
 */
export const subjectOf = (payload: Flagger.Payload): Effect.Effect<ArgoMetric.Subject, ApiError.InputError> =>
  Effect.gen(function* () {
    const slo = payload.metadata?.["slo"]
    if (slo === undefined || slo === "") {
      return yield* new ApiError.InputError({ field: "metadata.slo", message: "metadata.slo: name the SLO to judge with in the webhook's metadata (slo: <name>)" })
    }
    const service = yield* metadataName(payload, "service", ArgoMetric.Name)
    const canaryHash = yield* metadataName(payload, "canaryHash", ArgoMetric.Hash)
    const stableHash = yield* metadataName(payload, "stableHash", ArgoMetric.Hash)
    return {
      service: service ?? payload.name,
      namespace: payload.namespace,
      slo,
      ...(canaryHash === undefined ? {} : { canaryHash }),
      ...(stableHash === undefined ? {} : { stableHash })
    }
  })

/**
 * Flagger.Answer a hook. The judging Flagger.hooks analyze through
 * {@link ArgoJudge.judgeSubject} (same windows, same evidence log, an
 * `evidenceUrl` under `/v1/argo/evidence/`) and proceed by {@link proceeds};
 * `event` is logged; the other Flagger.hooks acknowledge.
 */
export const answer = (
  hook: Flagger.Hook,
  payload: Flagger.Payload,
  publicUrl: string
): Effect.Effect<Flagger.Answer, ApiError.InputError, ArgoJudge.Slos | ArgoJudge.EvidenceLog | MetricSource.MetricSource> =>
  Effect.gen(function* () {
    if (!Flagger.judgedHooks.has(hook)) {
      if (hook === "event") {
        yield* Effect.logInfo("flagger event").pipe(
          Effect.annotateLogs({
            canary: `${payload.namespace}/${payload.name}`,
            phase: payload.phase ?? "",
            eventType: payload.metadata?.["eventType"] ?? "",
            eventMessage: (payload.metadata?.["eventMessage"] ?? "").slice(0, 500)
          })
        )
      }
      return { hook, proceed: true as const, reasons: [hook === "event" ? "event recorded" : `${hook}: acknowledged, Rollwise does not gate it`] }
    }
    const subject = yield* subjectOf(payload)
    const { evidenceUrl, verdict } = yield* ArgoJudge.judgeSubject(subject, {
      publicUrl,
      sloField: "metadata.slo",
      flagger: {
        hook,
        name: payload.name,
        namespace: payload.namespace,
        ...(payload.phase === undefined ? {} : { phase: payload.phase }),
        ...(payload.checksum === undefined ? {} : { checksum: payload.checksum })
      }
    })
    return { hook, decision: verdict.action, proceed: proceeds(hook, verdict.action), reasons: ArgoJudge.reasonsOf(verdict), evidenceUrl }
  })
