import { Context, Data, Effect, Layer, Ref } from "effect"

/**
 * One rollout step: a share of traffic or instances (`weight`, for Kubernetes
 * canaries, Windows ARR pools and rolling batches; blue/green is weight 0 —
 * green deployed without traffic — then 100, the flip) or a share of a device
 * fleet (`cohort`, for ARM/edge OTA). Percent, 0–100.
 */
export type Step = { readonly weight: number } | { readonly cohort: number }

/** The percent a step sets, whichever kind it is. */
export const percentOf = (step: Step): number => ("weight" in step ? step.weight : step.cohort)

/** What a target is. */
export interface Description {
  readonly kind: "k8s" | "windows" | "arm" | "simulated" | "exec" | "flag" | "unleash"
  readonly name: string
  readonly stableVersion?: string
  readonly candidateVersion?: string
}

/** Where a target is now. */
export interface Status {
  readonly phase: "idle" | "progressing" | "promoted" | "rolled_back" | "degraded"
  /** The step last applied, if any. */
  readonly current?: Step
  /** The target's own health (pods ready, pool members up, devices reporting). */
  readonly healthy: boolean
  readonly detail: string
}

/**
 * A target refused or failed an operation. `Unreachable` and `Timeout` are
 * transient (the engine retries with backoff, then rolls back); the rest are
 * answers: `Rejected` says the operation makes no sense in the target's state
 * (promote after a rollback).
 */
export class DeployTargetError extends Data.TaggedError("DeployTargetError")<{
  readonly reason: "Unreachable" | "Timeout" | "Forbidden" | "NotFound" | "Conflict" | "Rejected"
  /** One line, no secrets. */
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.reason}: ${this.detail}`
  }
  /** Whether trying again later may succeed. */
  get transient(): boolean {
    return this.reason === "Unreachable" || this.reason === "Timeout" || this.reason === "Conflict"
  }
}

/**
 * The port a rollout drives its target through: Argo Rollouts, Flagger or
 * plain Deployments on Kubernetes; IIS sites and ARR weights on Windows; OTA
 * cohorts on ARM fleets; a simulation in the demo. Vendor-free: no Kubernetes
 * or PowerShell types in the shape.
 */
export class DeployTarget extends Context.Service<
  DeployTarget,
  {
    readonly describe: Effect.Effect<Description, DeployTargetError>
    /** Move traffic (or the fleet) to the step. */
    readonly apply: (step: Step) => Effect.Effect<void, DeployTargetError>
    /** All traffic to the candidate, which becomes the stable release. Rejected after a rollback. */
    readonly promote: Effect.Effect<void, DeployTargetError>
    /** All traffic back to the stable release. Idempotent. */
    readonly rollback: Effect.Effect<void, DeployTargetError>
    readonly status: Effect.Effect<Status, DeployTargetError>
  }
>()("rollwise/rollout-engine/DeployTarget") {}

/** What the in-memory target was asked to do, in order (for assertions). */
export type Call = { readonly op: "apply"; readonly step: Step } | { readonly op: "promote" } | { readonly op: "rollback" }

/** Test controls of the in-memory target. */
export interface MemoryControls {
  readonly calls: Effect.Effect<ReadonlyArray<Call>>
  /** Make the next `count` calls of `op` fail with `error`. */
  readonly failNext: (op: Call["op"], error: DeployTargetError, count?: number) => Effect.Effect<void>
}

/**
 * An in-memory DeployTarget with the semantics every adapter must have:
 * apply moves the current step; promote ends at 100 % and is rejected after a
 * rollback; rollback is idempotent; operations after promote or rollback are
 * rejected, except repeating the same terminal one.
 */
export const makeMemory = (description: Description) =>
  Effect.gen(function* () {
    const state = yield* Ref.make<{ readonly status: Status; readonly calls: ReadonlyArray<Call>; readonly failures: ReadonlyArray<{ op: Call["op"]; error: DeployTargetError }> }>({
      status: { phase: "idle", healthy: true, detail: "nothing applied yet" },
      calls: [],
      failures: []
    })
    const run = (call: Call, next: (status: Status) => Status | DeployTargetError) =>
      Effect.flatMap(
        Ref.modify(state, (s) => {
          const i = s.failures.findIndex((f) => f.op === call.op)
          if (i >= 0) return [s.failures[i]!.error, { ...s, calls: [...s.calls, call], failures: s.failures.filter((_, k) => k !== i) }] as const
          const result = next(s.status)
          return result instanceof DeployTargetError
            ? ([result, { ...s, calls: [...s.calls, call] }] as const)
            : ([undefined, { ...s, status: result, calls: [...s.calls, call] }] as const)
        }),
        (error) => (error === undefined ? Effect.void : Effect.fail(error))
      )
    const rejected = (detail: string) => new DeployTargetError({ reason: "Rejected", detail })
    const target = DeployTarget.of({
      describe: Effect.succeed(description),
      apply: (step) =>
        run({ op: "apply", step }, (s) =>
          s.phase === "promoted" || s.phase === "rolled_back"
            ? rejected(`cannot apply a step: the rollout is ${s.phase.replace("_", " ")}`)
            : { phase: "progressing", current: step, healthy: true, detail: `${"weight" in step ? "weight" : "cohort"} ${percentOf(step)} %` }
        ),
      promote: run({ op: "promote" }, (s) =>
        s.phase === "rolled_back"
          ? rejected("cannot promote: the rollout was rolled back")
          : { phase: "promoted", current: { weight: 100 }, healthy: true, detail: "candidate promoted to stable" }
      ),
      rollback: run({ op: "rollback" }, (s) =>
        s.phase === "promoted" ? rejected("cannot roll back: the candidate was already promoted") : { phase: "rolled_back", healthy: true, detail: "all traffic on the stable release" }
      ),
      status: Effect.map(Ref.get(state), (s) => s.status)
    })
    const controls: MemoryControls = {
      calls: Effect.map(Ref.get(state), (s) => s.calls),
      failNext: (op, error, count = 1) => Ref.update(state, (s) => ({ ...s, failures: [...s.failures, ...Array.from({ length: count }, () => ({ op, error }))] }))
    }
    return { target, controls }
  })

/** The in-memory DeployTarget as a layer (when a test needs no controls). */
export const layerMemory = (description: Description = { kind: "simulated", name: "memory" }): Layer.Layer<DeployTarget> =>
  Layer.effect(DeployTarget, Effect.map(makeMemory(description), (m) => m.target))
