import type { MetricSource } from "@rollwise/rollout-engine"
import type { Verdict } from "@rollwise/slo-policy"
import { Effect, Schema } from "effect"
import { HttpApiSchema } from "effect/http-api"
import { InputError } from "./ApiError.ts"
import * as ArgoMetric from "./ArgoMetric.ts"

/**
 * `POST /v1/flagger/{hook}`: Flagger's canary webhooks. Flagger posts
 * `{name, namespace, phase, checksum, metadata}` to every webhook of a
 * Canary's analysis and reads only the status code: 200–202 proceeds,
 * anything else halts. The hooks that judge (`rollout`,
 * `confirm-traffic-increase`, `confirm-promotion`, `rollback`) analyze the
 * trailing windows exactly as the Argo metric does and answer 200 to let
 * Flagger go on or 409 — a deliberate "no", never a 5xx, which Flagger would
 * treat like a fault — to stop it; the others acknowledge with 200.
 */

/** Every webhook type Flagger calls, in the order a Canary meets them. */
export const hooks = [
  "confirm-rollout",
  "pre-rollout",
  "rollout",
  "confirm-traffic-increase",
  "confirm-promotion",
  "post-rollout",
  "rollback",
  "event"
] as const

/** One of {@link hooks}. */
export type Hook = (typeof hooks)[number]

/** The hooks that analyze the canary; the others acknowledge. */
export const judgedHooks: ReadonlySet<Hook> = new Set<Hook>(["rollout", "confirm-traffic-increase", "confirm-promotion", "rollback"])

/**
 * What Flagger posts. `metadata` is the webhook's own key-value map from the
 * Canary (for `event` hooks Flagger's `eventMessage`, `eventType`,
 * `timestamp`); Rollwise reads `slo` (the SLO to judge with, required by the
 * judging hooks), `service` (default: the Canary's `name`), `canaryHash` and
 * `stableHash` (query variables, absent unless given).
 */
export const Payload = Schema.Struct({
  /** The Canary's name; the service judged unless `metadata.service` says otherwise. */
  name: ArgoMetric.Name,
  /** The Canary's namespace: `{{namespace}}` in the queries. */
  namespace: ArgoMetric.Name,
  /** The Canary's phase (`Initializing`, `Waiting`, `Progressing`, `Promoting`, `Finalising`, `Succeeded`, `Failed`, …); Flagger releases before phases were sent omit it. */
  phase: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(64))),
  /** Flagger's hash of the Canary's tracked configs and last applied spec. */
  checksum: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(256))),
  /** The webhook's metadata from the Canary spec. */
  metadata: Schema.optionalKey(Schema.Record(Schema.String, Schema.String))
}).annotate({ identifier: "FlaggerWebhookPayload" })

/** @see {@link Payload} */
export type Payload = typeof Payload.Type

const answerFields = {
  /** The hook that was called. */
  hook: Schema.Literals(hooks),
  /** The verdict's action, for the hooks that judge. */
  decision: Schema.optionalKey(Schema.Literals(["promote", "slow", "rollback"])),
  /** Why: the policy's reasons, then each metric's (Flagger shows a refused hook's body in its events). */
  reasons: Schema.Array(Schema.String),
  /** Where the whole judgement can be read for a while, for the hooks that judge. */
  evidenceUrl: Schema.optionalKey(Schema.String)
}

/** 200: Flagger proceeds. */
export const Proceed = Schema.Struct({ ...answerFields, proceed: Schema.Literal(true) }).annotate({ identifier: "FlaggerProceed" })

/** 409: Flagger halts (what halting means depends on the hook). */
export const Halt = Schema.Struct({ ...answerFields, proceed: Schema.Literal(false) })
  .annotate({ identifier: "FlaggerHalt" })
  .pipe(HttpApiSchema.status(409))

/** The answer to a hook: {@link Proceed} (200) or {@link Halt} (409), told apart by `proceed`. */
export type Answer = typeof Proceed.Type | typeof Halt.Type

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
export const proceeds = (hook: Hook, action: Verdict.Action): boolean => {
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

const metadataName = (payload: Payload, key: "service" | "canaryHash" | "stableHash", schema: Schema.Codec<string>) => {
  const value = payload.metadata?.[key]
  if (value === undefined) return Effect.succeed(undefined)
  const valid: (u: unknown) => boolean = Schema.is(schema)
  return valid(value)
    ? Effect.succeed(value)
    : Effect.fail(
        new InputError({
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
export const subjectOf = (payload: Payload): Effect.Effect<ArgoMetric.Subject, InputError> =>
  Effect.gen(function* () {
    const slo = payload.metadata?.["slo"]
    if (slo === undefined || slo === "") {
      return yield* new InputError({ field: "metadata.slo", message: "metadata.slo: name the SLO to judge with in the webhook's metadata (slo: <name>)" })
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
 * Answer a hook. The judging hooks analyze through
 * {@link ArgoMetric.judgeSubject} (same windows, same evidence log, an
 * `evidenceUrl` under `/v1/argo/evidence/`) and proceed by {@link proceeds};
 * `event` is logged; the other hooks acknowledge.
 */
export const answer = (
  hook: Hook,
  payload: Payload,
  publicUrl: string
): Effect.Effect<Answer, InputError, ArgoMetric.Slos | ArgoMetric.EvidenceLog | MetricSource.MetricSource> =>
  Effect.gen(function* () {
    if (!judgedHooks.has(hook)) {
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
    const { evidenceUrl, verdict } = yield* ArgoMetric.judgeSubject(subject, {
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
    return { hook, decision: verdict.action, proceed: proceeds(hook, verdict.action), reasons: ArgoMetric.reasonsOf(verdict), evidenceUrl }
  })
