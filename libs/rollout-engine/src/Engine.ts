import type { SloSpec } from "@rollwise/slo-policy"
import { Clock, Data, Duration, Effect, Fiber, Schedule } from "effect"
import * as LiveAnalysis from "./LiveAnalysis.ts"
import { DeployTarget, type DeployTargetError } from "./DeployTarget.ts"
import { EvidenceStore, type EvidenceError, type Holder, type LeaseError, leasesOf, type NewRollout } from "./EvidenceStore.ts"
import { isRolloutEvent } from "./Operator.ts"
import * as Rollout from "./Rollout.ts"

/** What the engine needs besides the ports. */
export interface Options {
  readonly rollout: NewRollout
  readonly plan: Rollout.Plan
  readonly spec: SloSpec.Spec
  /** The gates (change window, error budget, approval, OPA): pass, or the reasons they block. */
  readonly gates: Effect.Effect<{ readonly status: "pass" | "block"; readonly reasons: ReadonlyArray<string> }>
  /** Called after every recorded event (progress output). */
  readonly onEvent?: (event: Rollout.Event, state: Rollout.State, seq: number) => Effect.Effect<void>
  /** Called after every analysis window (progress output). */
  readonly onWindow?: (report: LiveAnalysis.WindowReport) => Effect.Effect<void>
  /** How often to look for an approval or an operator's rollback recorded by another process (default 5 s). */
  readonly pollEvery?: Duration.Duration
  /** Who drives, and the lease it holds while it does (see {@link Driver}). */
  readonly driver?: Driver
}

/**
 * The driver's lease: exactly one process drives a rollout at a time. The
 * engine acquires the rollout's lease before its first append (start: right
 * after creating the record; resume: before reading it), renews it every
 * `renewEvery`, fences every append and the finish with its token, and
 * releases it at the end (also when interrupted). A second driver fails with
 * LeaseError Held before it touches anything; a driver whose lease was taken
 * over fails with Superseded at its next append or renewal and stops.
 */
export interface Driver {
  readonly holder: Holder
  /** How long the lease lasts without a renewal, by the store's clock (default 30 s). */
  readonly ttl?: Duration.Duration
  /** How often to renew, by the engine's clock (default a third of the ttl). */
  readonly renewEvery?: Duration.Duration
}

/** The lease's lifetime when the caller names none. */
export const defaultLeaseTtl: Duration.Duration = Duration.seconds(30)

const isConflict = (e: EvidenceError | LeaseError) => e._tag === "EvidenceError" && e.reason === "Conflict"

/**
 * One analysis window as recorded in the evidence store (type "Window"):
 * the step it judged and the verdict with every metric's statistics.
 */
export interface WindowRecord {
  readonly kind: "window"
  readonly stepIndex: number
  readonly index: number
  readonly window: { readonly start: number; readonly end: number }
  readonly verdict: LiveAnalysis.WindowReport["verdict"]
}

/** Raised inside a window callback when the rollout left its analysis (an operator rolled back). */
class StopWatching extends Data.TaggedError("StopWatching")<{ readonly reason?: string }> {}


/**
 * Drive a rollout: record each event in the evidence store *before* acting
 * on the commands it produces, then carry the commands out against the
 * target, the metric source and the gates. With `resume`, start from the
 * recorded events instead (a killed run continues, or rolls back, from its
 * last recorded state and never repeats a recorded promote).
 */
export const run = (options: Options, mode: "start" | "resume" = "start") =>
  Effect.gen(function* () {
    const store = yield* EvidenceStore
    const target = yield* DeployTarget
    const id = options.rollout.rolloutId
    const pollEvery = options.pollEvery ?? Duration.seconds(5)
    const driver = options.driver ?? { holder: { host: "unknown", pid: 0, kind: "engine" } }
    const ttl = driver.ttl ?? defaultLeaseTtl
    const ttlMs = Duration.toMillis(ttl)
    const renewEvery = driver.renewEvery ?? Duration.millis(Math.max(1, Math.floor(ttlMs / 3)))
    const leases = yield* leasesOf(store)
    let seq = 0
    let state = Rollout.initial(options.plan)
    const queue: Array<Rollout.Command> = []

    if (mode === "start") yield* store.create(options.rollout)
    // one driver at a time: taken before anything is read or appended, so what we read
    // below is all a previous driver could ever append (its later appends are fenced off)
    const held = yield* leases.acquire(id, driver.holder, ttlMs)

    /** Record an event, then apply it; the commands it produces go on the queue. */
    const record = (event: Rollout.Event) =>
      Effect.gen(function* () {
        const at = yield* Clock.currentTimeMillis
        // another process (rollwise promote / rollback) may have appended since we last looked:
        // take its events first, then record ours after them
        const stored = yield* Effect.suspend(() => leases.append(held, { type: event._tag, at, data: event }, seq)).pipe(
          Effect.tapError((e) => (isConflict(e) ? catchUp : Effect.void)),
          Effect.retry({ while: isConflict, times: 20 })
        )
        seq = stored.seq
        const t = Rollout.transition(state, event)
        state = t.state
        queue.push(...t.commands)
        if (options.onEvent) yield* options.onEvent(event, state, stored.seq)
      })

    /** Apply events another process recorded (an approval, an operator's rollback). */
    const catchUp = Effect.gen(function* () {
      const { events } = yield* store.get(id)
      for (const e of events) {
        // checked per event: the poller and the main loop may both be catching up
        if (e.seq <= seq) continue
        seq = e.seq
        if (!isRolloutEvent(e.data)) continue
        const t = Rollout.transition(state, e.data)
        state = t.state
        queue.push(...t.commands)
        if (options.onEvent) yield* options.onEvent(e.data, state, e.seq)
      }
    })

    const heartbeat = Effect.gen(function* () {
      for (;;) {
        yield* Effect.sleep(renewEvery)
        // a store that is briefly unavailable is retried at the next beat; a lease taken over is the end
        yield* leases.renew(held, ttlMs).pipe(Effect.catchTag("EvidenceError", () => Effect.void))
      }
    })

    const drive = Effect.gen(function* () {
      if (mode === "start") {
        yield* record({ _tag: "Started", plan: options.plan })
      } else {
        const { rollout: stored, events } = yield* store.get(id)
        const recorded = events.flatMap((e) => (isRolloutEvent(e.data) ? [e.data] : []))
        seq = events.at(-1)?.seq ?? 0
        if (!recorded.some((e) => e._tag === "Started")) {
          // recorded, but its starter lost the lease (or died) before the first event: this driver starts it
          yield* record({ _tag: "Started", plan: options.plan })
        } else {
          state = Rollout.replay(options.plan, recorded)
          queue.push(...Rollout.resume(state))
          // killed between the last event and recording the end: finish now (an abort after
          // traffic moved rolls back first; the target's rollback is idempotent)
          if (Rollout.isTerminal(state.phase) && stored.result === undefined) {
            if (state.phase === "aborted" && state.stepIndex >= 0) queue.push({ _tag: "Rollback", reason: state.reason ?? "aborted" })
            queue.push({ _tag: "Finish", result: state.phase as "promoted" | "rolled_back" | "aborted", reason: state.reason ?? state.phase })
          }
        }
      }

      const targetFailure = (operation: "apply" | "promote" | "rollback") => (error: DeployTargetError) =>
        Effect.gen(function* () {
          // back off before a retry the state machine will ask for
          if (error.transient) yield* Effect.sleep(Duration.times(Duration.seconds(1), 2 ** Math.min(state.attempts, 5)))
          yield* record({ _tag: "TargetFailed", operation, transient: error.transient, detail: error.detail })
        })

      while (queue.length > 0) {
        yield* catchUp
        const command = queue.shift()!
        if (Rollout.isTerminal(state.phase) && command._tag !== "Finish" && command._tag !== "Rollback") continue
        switch (command._tag) {
          case "EvaluateGates": {
            const outcome = yield* options.gates
            yield* record(outcome.status === "pass" ? { _tag: "GatesPassed", reasons: outcome.reasons } : { _tag: "GatesBlocked", reasons: outcome.reasons })
            break
          }
          case "ApplyStep":
            yield* target.apply(command.step).pipe(
              Effect.matchEffect({ onSuccess: () => record({ _tag: "StepApplied", index: command.index }), onFailure: targetFailure("apply") })
            )
            break
          case "Analyze": {
            // a step holds at least its pause: an analysis that promotes sooner is followed by fresh
            // ones (every window judged) until the pause is over; one of them can still roll back
            // (a regression that shows late), none can take the promotion back to "undecided"
            const holdUntil = (yield* Clock.currentTimeMillis) + command.pauseSeconds * 1000
            let judged = 0
            let last: LiveAnalysis.WindowReport | undefined
            let promotedBy: LiveAnalysis.WindowReport | undefined
            do {
              const start = yield* Clock.currentTimeMillis
              const watching = LiveAnalysis.watch(options.spec, start, (report) =>
                Effect.gen(function* () {
                  const r = { ...report, index: judged++ }
                  // every window's verdict is evidence (not a state-machine event: replay skips it)
                  const at = yield* Clock.currentTimeMillis
                  const window: WindowRecord = { kind: "window", stepIndex: command.index, index: r.index, window: r.window, verdict: r.verdict }
                  yield* Effect.suspend(() => leases.append(held, { type: "Window", at, data: window }, seq)).pipe(
                    Effect.tapError((e) => (isConflict(e) ? catchUp : Effect.void)),
                    Effect.retry({ while: isConflict, times: 20 }),
                    Effect.map((stored) => void (seq = stored.seq))
                  )
                  if (options.onWindow) yield* options.onWindow(r)
                  yield* catchUp
                  if (state.phase !== "analyzing") return yield* new StopWatching({ reason: "the rollout left its analysis" })
                })
              ).pipe(Effect.catchTag("StopWatching", () => Effect.succeed(undefined)))
              // an operator's rollback lands between windows too: look every pollEvery
              const operatorStop = Effect.gen(function* () {
                while (state.phase === "analyzing") {
                  yield* Effect.sleep(pollEvery)
                  yield* catchUp
                }
                return undefined
              })
              last = yield* Effect.raceFirst(watching, operatorStop)
              if (last?.verdict.action === "promote" && promotedBy === undefined) promotedBy = last
            } while (state.phase === "analyzing" && promotedBy !== undefined && last?.verdict.action !== "rollback" && (yield* Clock.currentTimeMillis) < holdUntil)
            // an operator may have rolled back while we watched
            if (state.phase !== "analyzing") break
            const decisive = last?.verdict.action === "rollback" ? last : (promotedBy ?? last)
            yield* record({ _tag: "Analyzed", index: command.index, action: decisive?.verdict.action ?? "slow", reasons: decisive?.verdict.reasons ?? ["no windows"] })
            break
          }
          case "AwaitApproval": {
            const deadline = (yield* Clock.currentTimeMillis) + command.timeoutSeconds * 1000
            while (state.phase === "awaiting_approval" && (yield* Clock.currentTimeMillis) < deadline) {
              yield* Effect.sleep(pollEvery)
              yield* catchUp
            }
            if (state.phase === "awaiting_approval") yield* record({ _tag: "ApprovalTimedOut" })
            break
          }
          case "Promote":
            yield* target.promote.pipe(Effect.matchEffect({ onSuccess: () => record({ _tag: "Promoted" }), onFailure: targetFailure("promote") }))
            break
          case "Rollback":
            yield* target.rollback.pipe(
              Effect.retry({ while: (e: DeployTargetError) => e.transient, schedule: Schedule.exponential(Duration.seconds(1)), times: 5 }),
              Effect.matchEffect({
                onSuccess: () => (state.phase === "rolling_back" ? record({ _tag: "RolledBack" }) : Effect.void),
                onFailure: targetFailure("rollback")
              })
            )
            break
          case "Finish":
            yield* leases.finish(held, command.result, yield* Clock.currentTimeMillis)
            break
        }
      }
      return state
    })
    // the heartbeat only ever ends by failing (Superseded: another driver took over while this
    // one could not renew); then the drive is interrupted where it is and fails with why
    let lost: LeaseError | undefined
    const guarded = Effect.gen(function* () {
      const driving = yield* Effect.forkChild(drive)
      const beating = yield* Effect.forkChild(
        heartbeat.pipe(Effect.catchTag("LeaseError", (e) => Effect.andThen(Effect.sync(() => void (lost = e)), Fiber.interrupt(driving))))
      )
      const exit = yield* Fiber.await(driving)
      yield* Fiber.interrupt(beating)
      if (lost !== undefined) return yield* Effect.fail(lost)
      return yield* exit
    })
    return yield* guarded.pipe(Effect.ensuring(Effect.ignore(leases.release(held))))
  })
