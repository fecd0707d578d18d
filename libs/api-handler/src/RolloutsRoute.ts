import { ApiError, Rollouts } from "@rollwise/api-contract"
import { EvidenceStore, Operator, Rollout, Timeline } from "@rollwise/rollout-engine"
import { Context, Effect, Layer } from "effect"

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

/** A store failure as the API answers it: ApiError.NotFound 404, anything else 503 (the store is the server's dependency). */
const storeError = (id: string | undefined) => (error: EvidenceStore.EvidenceError) =>
  error.reason === "NotFound"
    ? new ApiError.NotFound({ message: id === undefined ? error.detail : `no rollout ${JSON.stringify(id)} in the evidence store` })
    : new ApiError.Unavailable({ message: `evidence store: ${error.detail}` })

const summaryOf = (r: EvidenceStore.Rollout): Rollouts.Summary => ({
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
export const list = (query: typeof Rollouts.ListQuery.Type): Effect.Effect<Rollouts.ListResponse, ApiError.Unavailable, EvidenceStore.EvidenceStore> =>
  Effect.gen(function* () {
    const store = yield* EvidenceStore.EvidenceStore
    const rollouts = yield* store
      .list({
        limit: query.limit ?? 50,
        ...(query.service !== undefined ? { service: query.service } : {}),
        ...(query.module !== undefined ? { module: query.module } : {})
      })
      .pipe(Effect.mapError((e) => new ApiError.Unavailable({ message: `evidence store: ${e.detail}` })))
    return { rollouts: rollouts.map(summaryOf) }
  })

/** Where a rollout stands from its events, or undefined when it never started. */
export const standingOf = (events: ReadonlyArray<{ readonly data: unknown }>): Rollouts.Standing | undefined => {
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
export const detail = (id: string, publicUrl: string): Effect.Effect<Rollouts.Detail, ApiError.NotFound | ApiError.Unavailable, EvidenceStore.EvidenceStore> =>
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
export const evidence = (id: string): Effect.Effect<Rollouts.EvidenceDocument, ApiError.NotFound | ApiError.Unavailable, EvidenceStore.EvidenceStore> =>
  Effect.gen(function* () {
    const store = yield* EvidenceStore.EvidenceStore
    const { rollout, events } = yield* store.get(id).pipe(Effect.mapError(storeError(id)))
    return { rollout, events }
  })

const refused = (e: Operator.RolloutRefused | EvidenceStore.EvidenceError, id: string) =>
  e._tag === "RolloutRefused" ? new Rollouts.Refused({ message: e.message, reason: e.reason }) : storeError(id)(e)

/** `POST /v1/rollouts/{id}/promote`: approve the flip (see `Operator.approve`). */
export const promote = (
  id: string,
  request: typeof Rollouts.PromoteRequest.Type,
  at: number
): Effect.Effect<Rollouts.ActionResponse, Rollouts.Refused | ApiError.NotFound | ApiError.Unavailable, EvidenceStore.EvidenceStore> =>
  Operator.approve(id, request.by ?? "api", at).pipe(
    Effect.map((o) => ({ rolloutId: id, outcome: o.outcome, phase: o.phase, detail: o.detail })),
    Effect.mapError((e) => refused(e, id))
  )

/** `POST /v1/rollouts/{id}/rollback`: ask for a rollback (see `Operator.rollback`). */
export const rollback = (
  id: string,
  request: typeof Rollouts.RollbackRequest.Type,
  at: number
): Effect.Effect<Rollouts.ActionResponse, Rollouts.Refused | ApiError.NotFound | ApiError.Unavailable, EvidenceStore.EvidenceStore> =>
  Operator.rollback(id, request.by ?? "api", request.reason ?? "operator rollback", at).pipe(
    Effect.map((o) => ({ rolloutId: id, outcome: o.outcome, phase: o.phase, detail: o.detail })),
    Effect.mapError((e) => refused(e, id))
  )

/** A path id that is not a rollout id: 400 naming the parameter. */
export const badId = (id: string): ApiError.InputError =>
  new ApiError.InputError({ field: "id", message: `id: ${JSON.stringify(id.slice(0, 80))} is not a rollout id (letters, digits and _ . : @ + -)` })

/**
 * What drives the rollouts `POST /v1/rollouts` starts: records the rollout,
 * then runs it in the background for as long as the server runs. A server
 * started without targets to drive answers 503 ({@link RolloutDriver.none}).
 */
export class RolloutDriver extends Context.Service<
  RolloutDriver,
  {
    readonly start: (request: Rollouts.StartRequest, publicUrl: string) => Effect.Effect<Rollouts.StartResponse, ApiError.InputError | Rollouts.AlreadyExists | ApiError.Unavailable>
  }
>()("rollwise/api-contract/Rollouts/RolloutDriver") {
  /** No targets to drive: 503 saying how to start a server that drives some. */
  static readonly none: Layer.Layer<RolloutDriver> = Layer.succeed(
    RolloutDriver,
    RolloutDriver.of({
      start: () => Effect.fail(new ApiError.Unavailable({ message: "this server drives no rollouts (rollwise serve --drive simulated and/or --drive k8s, with --db)" }))
    })
  )
}
