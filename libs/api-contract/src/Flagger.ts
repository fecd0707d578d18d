import { Schema } from "effect"
import { HttpApiSchema } from "effect/http-api"
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
