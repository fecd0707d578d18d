import { Decision } from "@rollwise/risk-core"
import { EvidenceStore, Operator, Rollout, Timeline } from "@rollwise/rollout-engine"
import { Gates as SloGates, SloSpec } from "@rollwise/slo-policy"
import { Context, Effect, Layer, Schema } from "effect"
import { HttpApiSchema } from "effect/http-api"
import { InputError, NotFound, Unavailable } from "./ApiError.ts"

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

/**
 * Text without control characters (C0, DEL, C1: escape sequences, line
 * breaks, tabs), Unicode line separators or bidirectional overrides: what
 * the evidence records for people to read, which a terminal must print as
 * it is.
 */
export const isPlainText = Schema.isPattern(/^[^\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]*$/u, {
  expected: "one line of text without control characters or escape sequences"
})

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

/** A store that is not there: every route answers 503 saying how to configure one (the Lambda, a server without `--db`). */
export const noStore: Layer.Layer<EvidenceStore.EvidenceStore> = Layer.succeed(
  EvidenceStore.EvidenceStore,
  (() => {
    const fail = () =>
      Effect.fail(new EvidenceStore.EvidenceError({ reason: "Unavailable", detail: "this server has no evidence store (rollwise serve --db PATH, or ROLLWISE_EVIDENCE_DB)" }))
    return EvidenceStore.EvidenceStore.of({ create: fail, append: fail, finish: fail, get: fail, list: fail })
  })()
)

const iso = (ms: number) => new Date(ms).toISOString()

/** A store failure as the API answers it: NotFound 404, anything else 503 (the store is the server's dependency). */
const storeError = (id: string | undefined) => (error: EvidenceStore.EvidenceError) =>
  error.reason === "NotFound"
    ? new NotFound({ message: id === undefined ? error.detail : `no rollout ${JSON.stringify(id)} in the evidence store` })
    : new Unavailable({ message: `evidence store: ${error.detail}` })

const summaryOf = (r: EvidenceStore.Rollout): Summary => ({
  rolloutId: r.rolloutId,
  service: r.service,
  ...(r.module !== undefined && r.module !== "" ? { module: r.module } : {}),
  ...(r.version !== undefined ? { version: r.version } : {}),
  ...(r.buildNumber !== undefined ? { buildNumber: r.buildNumber } : {}),
  target: r.target,
  startedAt: iso(r.startedAt),
  ...(r.finishedAt !== undefined ? { finishedAt: iso(r.finishedAt) } : {}),
  ...(r.result !== undefined ? { result: r.result } : {})
})

/** `GET /v1/rollouts`: newest first, filtered. */
export const list = (query: typeof ListQuery.Type): Effect.Effect<ListResponse, Unavailable, EvidenceStore.EvidenceStore> =>
  Effect.gen(function* () {
    const store = yield* EvidenceStore.EvidenceStore
    const rollouts = yield* store
      .list({
        limit: query.limit ?? 50,
        ...(query.service !== undefined ? { service: query.service } : {}),
        ...(query.module !== undefined ? { module: query.module } : {})
      })
      .pipe(Effect.mapError((e) => new Unavailable({ message: `evidence store: ${e.detail}` })))
    return { rollouts: rollouts.map(summaryOf) }
  })

/** Where a rollout stands from its events, or undefined when it never started. */
export const standingOf = (events: ReadonlyArray<{ readonly data: unknown }>): Standing | undefined => {
  const state = Operator.stateOf(events)
  if (state === undefined) return undefined
  return {
    phase: state.phase,
    step: Rollout.appliedIndex(state) + 1,
    steps: state.steps.length,
    percent: Rollout.appliedPercent(state),
    approvalRequired: state.plan.approvalRequired,
    approved: state.approved,
    ...(state.reason !== undefined ? { reason: state.reason } : {})
  }
}

/** `GET /v1/rollouts/{id}`. */
export const detail = (id: string, publicUrl: string): Effect.Effect<Detail, NotFound | Unavailable, EvidenceStore.EvidenceStore> =>
  Effect.gen(function* () {
    const store = yield* EvidenceStore.EvidenceStore
    const { rollout, events } = yield* store.get(id).pipe(Effect.mapError(storeError(id)))
    const standing = standingOf(events)
    const steps = Operator.stateOf(events)?.steps ?? []
    return {
      rollout: summaryOf(rollout),
      ...(standing !== undefined ? { standing } : {}),
      timeline: events.map((e) => ({ seq: e.seq, at: iso(e.at), type: e.type, line: Timeline.recordLine(e.type, e.data, steps) })),
      evidenceUrl: `${publicUrl}/v1/evidence/${encodeURIComponent(id)}`
    }
  })

/** `GET /v1/evidence/{id}`: the record and every event, as stored. */
export const evidence = (id: string): Effect.Effect<EvidenceDocument, NotFound | Unavailable, EvidenceStore.EvidenceStore> =>
  Effect.gen(function* () {
    const store = yield* EvidenceStore.EvidenceStore
    const { rollout, events } = yield* store.get(id).pipe(Effect.mapError(storeError(id)))
    return { rollout, events }
  })

const refused = (e: Operator.RolloutRefused | EvidenceStore.EvidenceError, id: string) =>
  e._tag === "RolloutRefused" ? new Refused({ message: e.message, reason: e.reason }) : storeError(id)(e)

/** `POST /v1/rollouts/{id}/promote`: approve the flip (see `Operator.approve`). */
export const promote = (
  id: string,
  request: typeof PromoteRequest.Type,
  at: number
): Effect.Effect<ActionResponse, Refused | NotFound | Unavailable, EvidenceStore.EvidenceStore> =>
  Operator.approve(id, request.by ?? "api", at).pipe(
    Effect.map((o) => ({ rolloutId: id, outcome: o.outcome, phase: o.phase, detail: o.detail })),
    Effect.mapError((e) => refused(e, id))
  )

/** `POST /v1/rollouts/{id}/rollback`: ask for a rollback (see `Operator.rollback`). */
export const rollback = (
  id: string,
  request: typeof RollbackRequest.Type,
  at: number
): Effect.Effect<ActionResponse, Refused | NotFound | Unavailable, EvidenceStore.EvidenceStore> =>
  Operator.rollback(id, request.by ?? "api", request.reason ?? "operator rollback", at).pipe(
    Effect.map((o) => ({ rolloutId: id, outcome: o.outcome, phase: o.phase, detail: o.detail })),
    Effect.mapError((e) => refused(e, id))
  )

/** A path id that is not a rollout id: 400 naming the parameter. */
export const badId = (id: string): InputError =>
  new InputError({ field: "id", message: `id: ${JSON.stringify(id.slice(0, 80))} is not a rollout id (letters, digits and _ . : @ + -)` })

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

/**
 * What drives the rollouts `POST /v1/rollouts` starts: records the rollout,
 * then runs it in the background for as long as the server runs. A server
 * started without targets to drive answers 503 ({@link RolloutDriver.none}).
 */
export class RolloutDriver extends Context.Service<
  RolloutDriver,
  {
    readonly start: (request: StartRequest, publicUrl: string) => Effect.Effect<StartResponse, InputError | AlreadyExists | Unavailable>
  }
>()("rollwise/api-contract/Rollouts/RolloutDriver") {
  /** No targets to drive: 503 saying how to start a server that drives some. */
  static readonly none: Layer.Layer<RolloutDriver> = Layer.succeed(
    RolloutDriver,
    RolloutDriver.of({
      start: () => Effect.fail(new Unavailable({ message: "this server drives no rollouts (rollwise serve --drive simulated and/or --drive k8s, with --db)" }))
    })
  )
}
