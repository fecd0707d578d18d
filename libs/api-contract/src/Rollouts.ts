import { Decision } from "@rollwise/risk-core"
import { Gates as SloGates, SloSpec } from "@rollwise/slo-policy"
import { Schema } from "effect"
import { HttpApiSchema } from "effect/http-api"
import { PlainText } from "@rollwise/input-schema"

/**
 * Rollouts and their evidence, read from the evidence store the CLI's
 * `rollwise rollout` writes, and the operator's two actions on a running
 * one — the HTTP face of `rollwise evidence list|show`, `rollwise promote`
 * and `rollwise rollback`:
 *
 * - `GET /v1/rollouts?service=&module=&limit=` — the newest first;
 * - `GET /v1/rollouts/{id}` — one rollout: its record, where it stands
 *   (phase, step, traffic share) and one line per recorded event;
 * - `POST /v1/rollouts/{id}/promote` and `/rollback` — append `Approved` /
 *   `OperatorRollback`; the process driving the rollout acts within its poll
 *   interval. 409 when the recorded state refuses (promote after a rollback,
 *   rollback after a promote, approval of a rollout that asks for none);
 * - `GET /v1/evidence/{id}` — everything recorded: the record (with the
 *   setup documents, never credentials) and every event with its data;
 * - `POST /v1/rollouts` — start one that the server drives (202 with its
 *   id), on the targets the server was started to drive ({@link RolloutDriver}).
 *
 * Reading and the operator's actions touch no target: an operator needs no
 * target credentials. Driving does, and uses the server's own.
 */
/** A rollout id as the store keeps it. */
export const RolloutId = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9_.:@+-]{0,199}$/)).annotate({
  description: "A rollout id: letters, digits and `_ . : @ + -`, at most 200 characters"
})

const Phase = Schema.Literals(["pending", "gating", "stepping", "analyzing", "awaiting_approval", "promoting", "rolling_back", "promoted", "rolled_back", "aborted"])

/** What identifies a recorded rollout, in a list and in its evidence alike. */
const identity = {
  rolloutId: Schema.String,
  service: Schema.String,
  module: Schema.optionalKey(Schema.String),
  version: Schema.optionalKey(Schema.String),
  buildNumber: Schema.optionalKey(Schema.String),
  target: Schema.String,
  /** How it ended; absent while it runs (or was left unfinished). */
  result: Schema.optionalKey(Schema.Literals(["promoted", "rolled_back", "aborted"]))
}

/** One rollout in a list. */
export const Summary = Schema.Struct({
  ...identity,
  /** ISO 8601. */
  startedAt: Schema.String,
  /** ISO 8601, once it ended. */
  finishedAt: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "RolloutSummary" })

/** @see {@link Summary} */
export type Summary = typeof Summary.Type

/** `GET /v1/rollouts`. */
export const ListResponse = Schema.Struct({ rollouts: Schema.Array(Summary) }).annotate({ identifier: "RolloutList" })

/** @see {@link ListResponse} */
export type ListResponse = typeof ListResponse.Type

/** The query of `GET /v1/rollouts`. */
export const ListQuery = Schema.Struct({
  service: Schema.optionalKey(Schema.String),
  module: Schema.optionalKey(Schema.String),
  /** At most this many, newest first (default 50, at most 1000). */
  limit: Schema.optionalKey(Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 1000 })))
})

/** Where a rollout stands, replayed from its recorded events. */
export const Standing = Schema.Struct({
  phase: Phase,
  /** 1-based index of the last step the target holds (0 before the first). */
  step: Schema.Int,
  steps: Schema.Int,
  /** The traffic share (or cohort) of the step applied, 0 before the first. */
  percent: Schema.Finite,
  approvalRequired: Schema.Boolean,
  approved: Schema.Boolean,
  /** Why it ended, or why it is rolling back. */
  reason: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "RolloutStanding" })

/** @see {@link Standing} */
export type Standing = typeof Standing.Type

/** `GET /v1/rollouts/{id}`. */
export const Detail = Schema.Struct({
  rollout: Summary,
  /** Absent when nothing was recorded beyond the record (a rollout created but never started). */
  standing: Schema.optionalKey(Standing),
  /** One line per recorded event, as `rollwise evidence show` prints them. */
  timeline: Schema.Array(
    Schema.Struct({
      seq: Schema.Int,
      at: Schema.String,
      type: Schema.String,
      line: Schema.String
    })
  ),
  /** Where everything recorded can be read. */
  evidenceUrl: Schema.String
}).annotate({ identifier: "RolloutDetail" })

/** @see {@link Detail} */
export type Detail = typeof Detail.Type

/** Text the evidence records for people to read: input-schema's one plain-text rule (no control characters, line separators or bidi overrides). */
export const isPlainText = PlainText.isPlainText

/** Who acted, as recorded in the evidence: 1–200 characters of one plain line. */
export const Actor = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(200), isPlainText).annotate({
  description: "Who acts: 1–200 characters, one line, no control characters"
})

/** Why, as recorded in the evidence and shown in the timeline: 1–2000 characters of one plain line. */
export const Reason = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(2000), isPlainText).annotate({
  description: "Why: 1–2000 characters, one line, no control characters"
})

/** `POST /v1/rollouts/{id}/promote`. */
export const PromoteRequest = Schema.Struct({
  /** Who approves (recorded); default "api". */
  by: Schema.optionalKey(Actor)
}).annotate({ identifier: "PromoteRequest" })

/** `POST /v1/rollouts/{id}/rollback`. */
export const RollbackRequest = Schema.Struct({
  /** Who asks (recorded); default "api". */
  by: Schema.optionalKey(Actor),
  /** Why (recorded; shown in the timeline); default "operator rollback". */
  reason: Schema.optionalKey(Reason)
}).annotate({ identifier: "RollbackRequest" })

/** What an operator action did. */
export const ActionResponse = Schema.Struct({
  rolloutId: Schema.String,
  /** `recorded`: the event was appended; `already`: nothing to do. */
  outcome: Schema.Literals(["recorded", "already"]),
  /** The phase after the event, as the driving process will see it. */
  phase: Phase,
  detail: Schema.String
}).annotate({ identifier: "RolloutActionResult" })

/** @see {@link ActionResponse} */
export type ActionResponse = typeof ActionResponse.Type

/** 409: the rollout's recorded state refuses the action (it names the state). */
export class Refused extends Schema.TaggedError<Refused>()(
  "Refused",
  {
    message: Schema.String,
    reason: Schema.Literals(["RolledBack", "Promoted", "Aborted", "NoApprovalNeeded", "NotStarted"])
  },
  { httpApiStatus: 409, description: "The rollout's recorded state refuses the action." }
) {}

/** `GET /v1/evidence/{id}`: the whole record, as `rollwise evidence show --json`. */
export const EvidenceDocument = Schema.Struct({
  rollout: Schema.Struct({
    ...identity,
    /** Epoch milliseconds, as stored. */
    startedAt: Schema.Number,
    finishedAt: Schema.optionalKey(Schema.Number),
    /** The setup the rollout was started with (documents as read, never credentials) and what else its driver recorded. */
    data: Schema.optionalKey(Schema.Unknown)
  }),
  events: Schema.Array(
    Schema.Struct({
      rolloutId: Schema.String,
      seq: Schema.Int,
      at: Schema.Number,
      type: Schema.String,
      data: Schema.Unknown
    })
  )
}).annotate({ identifier: "EvidenceDocument" })

/** @see {@link EvidenceDocument} */
export type EvidenceDocument = typeof EvidenceDocument.Type

/** 409: a rollout with that id is already recorded. */
export class AlreadyExists extends Schema.TaggedError<AlreadyExists>()(
  "AlreadyExists",
  { message: Schema.String, rolloutId: Schema.String },
  { httpApiStatus: 409, description: "A rollout with that id is already recorded." }
) {}

const Name = Schema.String.check(Schema.isPattern(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/), Schema.isMaxLength(253)).annotate({ description: "A Kubernetes object name" })

/** Where a driven rollout acts. */
export const StartTarget = Schema.Union([
  Schema.Struct({
    /** Simulated traffic on a simulated target: a rehearsal, or a demo. */
    kind: Schema.Literal("simulated"),
    scenario: Schema.Literals(["healthy", "latency-regression", "error-spike", "crash-loop"]),
    /** How much faster than real time the simulated windows pass (default 1, at most 1,000: each of its waits is a real timer). */
    speed: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(1_000))),
    /** The traffic's seed (default 1). */
    seed: Schema.optionalKey(Schema.Int)
  }),
  Schema.Struct({
    /** The server's cluster (its service account or kubeconfig), measured through the server's Prometheus. */
    kind: Schema.Literal("k8s"),
    namespace: Schema.optionalKey(Name),
    /** An Argo Rollout to drive. */
    rollout: Schema.optionalKey(Name),
    /** A Service to flip between its blue and green Deployments. */
    bluegreen: Schema.optionalKey(Name),
    /** A Deployment whose canary takes weights on `route`. */
    canary: Schema.optionalKey(Name),
    /** `httproute/NAME` or `ingress/NAME` (with `canary`). */
    route: Schema.optionalKey(Schema.String),
    /** A Deployment rolled in batches. */
    deployment: Schema.optionalKey(Name),
    /** The candidate's image (all but `rollout`). */
    image: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(1000))),
    container: Schema.optionalKey(Name)
  }),
  Schema.Struct({
    /** The server's IIS farm (`rollwise serve --drive windows --hosts hosts.yaml`): a request cannot name hosts or credentials. */
    kind: Schema.Literal("windows"),
    /** Judge by the hosts' own signals (IIS log time-taken and 5xx, pool failures, Event Log errors) instead of the server's Prometheus. */
    targetHealth: Schema.optionalKey(Schema.Boolean)
  }),
  Schema.Struct({
    /** The server's device fleet (`rollwise serve --drive arm --fleet fleet.yaml`): a request cannot name a fleet or its token. */
    kind: Schema.Literal("arm"),
    /** Judge each cohort by the devices' own health (heartbeats, crashes, install results, KPIs) instead of the server's Prometheus. */
    targetHealth: Schema.optionalKey(Schema.Boolean)
  })
]).annotate({ identifier: "RolloutTarget" })

/** `POST /v1/rollouts`: what `rollwise rollout` takes as files and flags, as one body. */
export const StartRequest = Schema.Struct({
  /** The Decision (`strategy.json`): strategy, steps, pauses, approval. */
  decision: Decision.Decision,
  /** The SLO spec (slo.yaml as JSON) every step is judged against. */
  slo: SloSpec.SloSpec,
  /** The gate policy (policy.yaml as JSON): gates before the first step, approval above its threshold. */
  policy: Schema.optionalKey(SloGates.GatePolicy),
  target: StartTarget,
  /** Default: `<service>-<version or candidate>-<time>`. */
  rolloutId: Schema.optionalKey(RolloutId),
  /** Default: the SLO spec's service. */
  service: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(200))),
  module: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(200))),
  version: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(200))),
  buildNumber: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(200)))
}).annotate({ identifier: "RolloutStartRequest" })

/** @see {@link StartRequest} */
export type StartRequest = typeof StartRequest.Type

/** 202: the rollout is recorded and running; follow it at `url`. */
export const StartResponse = Schema.Struct({
  rolloutId: Schema.String,
  /** Where it stands: `GET` it. */
  url: Schema.String,
  evidenceUrl: Schema.String,
  strategy: Schema.String,
  /** The steps' traffic shares (or cohorts), in order. */
  steps: Schema.Array(Schema.Finite),
  /** A person must approve the full step (`POST …/promote`). */
  approvalRequired: Schema.Boolean
})
  .pipe(HttpApiSchema.status(202))
  .annotate({ identifier: "RolloutStarted" })

/** @see {@link StartResponse} */
export type StartResponse = typeof StartResponse.Type
