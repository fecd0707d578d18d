import { Data, Effect } from "effect"
import { EvidenceStore, type EvidenceError, type Rollout as RolloutRecord } from "./EvidenceStore.ts"
import * as Rollout from "./Rollout.ts"

/**
 * What a person (or another process) does to a running rollout: approve its
 * flip, or roll it back. Both only *append* an event to the evidence store;
 * the process driving the rollout picks it up (within its poll interval) and
 * acts, and a rollout resumed after a crash replays it. No target is touched
 * here, so an operator needs no credentials for the target.
 */

/** The rollout's recorded state does not allow the operation. */
export class RolloutRefused extends Data.TaggedError("RolloutRefused")<{
  readonly rolloutId: string
  readonly reason: "RolledBack" | "Promoted" | "Aborted" | "NoApprovalNeeded" | "NotStarted"
  readonly detail: string
}> {
  override get message(): string {
    return `rollout ${this.rolloutId}: ${this.detail}`
  }
}

const tags: ReadonlySet<string> = new Set([
  "Started",
  "GatesPassed",
  "GatesBlocked",
  "StepApplied",
  "TargetFailed",
  "Analyzed",
  "Approved",
  "ApprovalTimedOut",
  "OperatorRollback",
  "Promoted",
  "RolledBack"
])

/** Whether recorded event data is a state-machine event (window verdicts and other evidence are not). */
export const isRolloutEvent = (data: unknown): data is Rollout.Event =>
  typeof data === "object" && data !== null && typeof (data as { _tag?: unknown })._tag === "string" && tags.has((data as { _tag: string })._tag)

/** A recorded rollout's current state: the replay of its recorded events, from the plan its `Started` event carries. */
export const stateOf = (events: ReadonlyArray<{ readonly data: unknown }>): Rollout.State | undefined => {
  const recorded = events.flatMap((e) => (isRolloutEvent(e.data) ? [e.data] : []))
  const started = recorded.find((e): e is Extract<Rollout.Event, { _tag: "Started" }> => e._tag === "Started")
  return started === undefined ? undefined : Rollout.replay(started.plan, recorded)
}

/** What an operator's action did. */
export interface Outcome {
  readonly rollout: RolloutRecord
  /** `recorded`: the event was appended; `already`: nothing to do (the rollout is already where it was asked to go). */
  readonly outcome: "recorded" | "already"
  /** The phase after the event (as the driving process will see it). */
  readonly phase: Rollout.Phase
  readonly detail: string
}

/** Append after the last event, re-reading once more if another writer got there first. */
const appendLatest = (rolloutId: string, event: Rollout.Event, at: number) =>
  Effect.gen(function* () {
    const store = yield* EvidenceStore
    const { events } = yield* store.get(rolloutId)
    return yield* store.append(rolloutId, { type: event._tag, at, data: event }, events.at(-1)?.seq ?? 0)
  }).pipe(Effect.retry({ while: (e: EvidenceError) => e.reason === "Conflict", times: 10 }))

const load = (rolloutId: string) =>
  Effect.gen(function* () {
    const store = yield* EvidenceStore
    const { rollout, events } = yield* store.get(rolloutId)
    const state = stateOf(events)
    if (state === undefined) return yield* new RolloutRefused({ rolloutId, reason: "NotStarted", detail: "has no recorded start" })
    return { rollout, state }
  })

/**
 * Approve a rollout's flip (the step that reaches 100 %). Refused after a
 * rollback or an abort, and for a rollout whose plan asks for no approval;
 * approving a promoted rollout, or approving twice, changes nothing.
 * Approving before the rollout reaches its flip approves it in advance.
 */
export const approve = (rolloutId: string, by: string, at: number) =>
  Effect.gen(function* () {
    const { rollout, state } = yield* load(rolloutId)
    const why = state.reason !== undefined ? ` (${state.reason})` : ""
    if (state.phase === "rolled_back" || state.phase === "rolling_back") {
      return yield* new RolloutRefused({ rolloutId, reason: "RolledBack", detail: `was rolled back${why}; promote refused — deploy the candidate again to retry it` })
    }
    if (state.phase === "aborted") return yield* new RolloutRefused({ rolloutId, reason: "Aborted", detail: `was aborted${why}; promote refused — start a new rollout` })
    if (state.phase === "promoted" || state.phase === "promoting") {
      return { rollout, outcome: "already", phase: state.phase, detail: "is already promoted" } satisfies Outcome
    }
    if (!state.plan.approvalRequired) {
      return yield* new RolloutRefused({ rolloutId, reason: "NoApprovalNeeded", detail: "asks for no approval: it promotes itself when every step passes its analysis" })
    }
    if (state.approved) return { rollout, outcome: "already", phase: state.phase, detail: "is already approved" } satisfies Outcome
    yield* appendLatest(rolloutId, { _tag: "Approved", by }, at)
    return {
      rollout,
      outcome: "recorded",
      phase: state.phase,
      detail: state.phase === "awaiting_approval" ? `approved by ${by}: the flip goes ahead` : `approved in advance by ${by}: it will not stop before its full step`
    } satisfies Outcome
  })

/**
 * End a rollout that no process drives and whose target holds nothing of
 * the candidate (no step ever attempted, or the target already rolled back): there
 * is nothing left to do on the target, so the operator records the end
 * itself, under the rollout's lease (refused quietly while a driver holds
 * it: the driver ends it). This is what stops a record no driver can resume
 * (a setup this version no longer reads, a plan with no step). Returns the
 * result recorded, or undefined when it left the rollout to its driver.
 */
const settle = (rolloutId: string, by: string, at: number) =>
  Effect.gen(function* () {
    const store = yield* EvidenceStore
    if (store.leases === undefined) return undefined
    const leases = store.leases
    const lease = yield* leases.acquire(rolloutId, { host: "operator", pid: 0, kind: `operator ${by}` }, 10_000).pipe(
      Effect.catchTag("LeaseError", () => Effect.succeed(undefined))
    )
    if (lease === undefined) return undefined
    return yield* Effect.gen(function* () {
      const { rollout, events } = yield* store.get(rolloutId)
      const state = stateOf(events)
      if (rollout.result !== undefined || state === undefined) return undefined
      // only when no step was ever attempted (a killed driver may have moved traffic without
      // recording it), or the target was rolled back and only the end is missing
      if (!(state.stepIndex < 0 || state.phase === "rolled_back")) return undefined
      if (state.phase === "promoted" || state.phase === "promoting") return undefined
      if (state.phase === "rolling_back") yield* leases.append(lease, { type: "RolledBack", at, data: { _tag: "RolledBack" } satisfies Rollout.Event }, events.at(-1)?.seq ?? 0)
      const result = state.phase === "aborted" ? "aborted" : "rolled_back"
      yield* leases.finish(lease, result, at)
      return result
    }).pipe(
      Effect.catchTag("LeaseError", () => Effect.succeed(undefined)),
      Effect.ensuring(Effect.ignore(leases.release(lease)))
    )
  })

/**
 * Roll a rollout back. Idempotent: a rollout rolled back, rolling back or
 * aborted is left as it is. Refused once it is promoted (or promoting):
 * the candidate is the stable release then; deploy the previous version.
 * When no process drives it and its target holds nothing of the candidate,
 * the end is recorded at once (see `settle`); otherwise its driver (or
 * `rollwise rollout --resume`) rolls the target back.
 */
export const rollback = (rolloutId: string, by: string, reason: string, at: number) =>
  Effect.gen(function* () {
    const { rollout, state } = yield* load(rolloutId)
    if (state.phase === "promoted" || state.phase === "promoting") {
      return yield* new RolloutRefused({ rolloutId, reason: "Promoted", detail: "is already promoted; rollback refused — deploy the previous version to go back" })
    }
    if (state.phase === "rolled_back" || state.phase === "rolling_back" || state.phase === "aborted") {
      const ended = rollout.result === undefined ? yield* settle(rolloutId, by, at) : undefined
      const why = state.reason !== undefined ? ` (${state.reason})` : ""
      return ended !== undefined
        ? ({ rollout: { ...rollout, result: ended, finishedAt: at }, outcome: "recorded", phase: ended, detail: `is ${ended.replace("_", " ")}${why}: nothing was left on the target, the end is recorded` } satisfies Outcome)
        : ({ rollout, outcome: "already", phase: state.phase, detail: `is already ${state.phase.replace("_", " ")}${why}` } satisfies Outcome)
    }
    yield* appendLatest(rolloutId, { _tag: "OperatorRollback", by, reason }, at)
    const ended = yield* settle(rolloutId, by, at)
    if (ended !== undefined) {
      return { rollout: { ...rollout, result: ended, finishedAt: at }, outcome: "recorded", phase: ended, detail: `rolled back by ${by}: ${reason} (no step had reached the target; the end is recorded)` } satisfies Outcome
    }
    return { rollout, outcome: "recorded", phase: "rolling_back", detail: `rollback by ${by} recorded: ${reason}` } satisfies Outcome
  })
