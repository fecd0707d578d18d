import { Verdict } from "@rollwise/slo-policy"
import { Schema } from "effect"

/**
 * `POST /v1/argo/metric`: the Argo Rollouts `web` metric provider. An
 * AnalysisTemplate posts the Rollout's service, namespace and the canary's
 * and stable ReplicaSets' pod-template hashes, and names one of the SLOs the
 * server was started with; Rollwise judges the trailing windows through its
 * MetricSource and answers **200 for every decision**. The template reads
 * `{$.decision}` with `successCondition: result == "promote"` and
 * `failureCondition: result == "rollback"`, so `slow` is Inconclusive (the
 * Rollout pauses). Any non-2xx is an Error measurement to Argo, so only real
 * faults answer one; an unknown SLO name is a 400.
 */
/** A Kubernetes-style name: what a service, namespace or Canary is called. */
export const Name = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,252}$/)).annotate({
  description: "A Kubernetes-style name: letters, digits, `_ . : -`, at most 253 characters"
})
/** A pod-template hash, as a query variable. */
export const Hash = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_.-]{1,128}$/)).annotate({
  description: "A rollouts-pod-template-hash (letters, digits, `_ . -`)"
})

/** What the AnalysisTemplate's `jsonBody` sends. */
export const Request = Schema.Struct({
  /** The service to judge: `{{service}}` in the SLO's queries. */
  service: Name,
  /** Its namespace: `{{namespace}}` in the queries. */
  namespace: Name,
  /** The canary ReplicaSet's rollouts-pod-template-hash: `{{canaryHash}}` in the queries. */
  canaryHash: Hash,
  /** The stable ReplicaSet's hash: `{{stableHash}}` in the queries. */
  stableHash: Hash,
  /** The name of an SLO spec the server was started with (`--slo-dir`: the file name without `.yaml`). */
  slo: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(253))
}).annotate({ identifier: "ArgoMetricRequest" })

/** @see {@link Request} */
export type Request = typeof Request.Type

/**
 * What a judgement is about: the SLO, the service and namespace put into its
 * queries, and the hashes when the caller knows them. An Argo
 * {@link Request} is one; a Flagger webhook makes one from its payload.
 */
export const Subject = Schema.Struct({
  service: Name,
  namespace: Name,
  canaryHash: Schema.optionalKey(Hash),
  stableHash: Schema.optionalKey(Hash),
  slo: Schema.String
}).annotate({ identifier: "JudgementSubject" })

/** @see {@link Subject} */
export type Subject = typeof Subject.Type

/** The Flagger webhook call behind a judgement: which hook, for which Canary, in which phase. */
export const HookCall = Schema.Struct({
  hook: Schema.String,
  name: Schema.String,
  namespace: Schema.String,
  phase: Schema.optionalKey(Schema.String),
  checksum: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "FlaggerHookCall" })

/** @see {@link HookCall} */
export type HookCall = typeof HookCall.Type

/** The answer, 200 for every decision. */
export const Response = Schema.Struct({
  decision: Schema.Literals(["promote", "slow", "rollback"]),
  /** 0–100: weighted share of healthy metrics in the last window. */
  score: Schema.Finite,
  /** Why: the policy's reasons, then each metric's. */
  reasons: Schema.Array(Schema.String),
  /** Where the whole judgement (every window, every metric, the resolved queries) can be read for a while. */
  evidenceUrl: Schema.String
}).annotate({ identifier: "ArgoMetricResponse" })

/** @see {@link Response} */
export type Response = typeof Response.Type

/** The full judgement behind one answer, kept in memory for `evidenceUrl`. */
export const Evidence = Schema.Struct({
  id: Schema.String,
  at: Schema.String,
  /** What was judged: the Argo request, or what a Flagger webhook asked for. */
  request: Subject,
  /** The Flagger webhook call, when a Flagger hook asked. */
  flagger: Schema.optionalKey(HookCall),
  decision: Schema.Literals(["promote", "slow", "rollback"]),
  windows: Schema.Array(
    Schema.Struct({
      index: Schema.Int,
      start: Schema.String,
      end: Schema.String,
      verdict: Verdict.Verdict
    })
  )
}).annotate({ identifier: "ArgoMetricEvidence" })

/** @see {@link Evidence} */
export type Evidence = typeof Evidence.Type
