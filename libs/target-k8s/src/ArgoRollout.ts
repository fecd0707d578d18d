import { DeployTarget } from "@rollwise/rollout-engine"
import { Duration, Effect } from "effect"
import { call, type Kube, patchType, rejected, waitFor } from "./Kube.ts"

/**
 * An Argo Rollout (argoproj.io/v1alpha1) as a DeployTarget. The Rollout's
 * own steps set the weights — Argo has no "set weight" — so Rollwise
 * operates it the way `kubectl argo rollouts` does, with the plugin's own
 * requests for the Rollout's state (`promotePatches`): *promote* one step
 * (`promote`), *promote fully* (`promote --full`), *abort*
 * (`status.abort=true`) and *retry* (`status.abort=false`). Judging goes
 * through Argo's `web` metric provider (the HTTP API) or through this target:
 * `apply({weight: 25})` promotes until the Rollout has paused at 25 % or
 * more, then the engine analyses there; a `slow` verdict simply leaves the
 * Rollout paused longer.
 */
export interface Options {
  /** The Rollout's name. */
  readonly name: string
  /** Its namespace (default: the connection's). */
  readonly namespace?: string
  /** Longest wait for the Rollout to reach a step, promote fully or abort (default 10 minutes). */
  readonly stepTimeout?: Duration.Input
}

const group = "argoproj.io"
const version = "v1alpha1"
const plural = "rollouts"

type Obj = Record<string, unknown>
const obj = (x: unknown): Obj => (typeof x === "object" && x !== null ? (x as Obj) : {})
const arr = (x: unknown): ReadonlyArray<unknown> => (Array.isArray(x) ? x : [])

/** What Rollwise reads off a Rollout. */
export interface View {
  readonly strategy: "canary" | "blueGreen"
  readonly phase: string
  readonly message: string
  /** Index of the current canary step (steps.length when every step is done). */
  readonly stepIndex: number
  readonly stepCount: number
  /** The share of traffic on the candidate, percent. */
  readonly weight: number
  /** Held by a pause condition, a controller pause or `spec.paused`. */
  readonly paused: boolean
  readonly pauseReasons: ReadonlyArray<string>
  readonly aborted: boolean
  /** No update in flight: the stable ReplicaSet is the current one. */
  readonly settledStable: boolean
}

/**
 * Read a Rollout (pure). The weight is the canary weight the controller
 * reports with traffic routing, else — as the plugin's SET-WEIGHT column —
 * the last `setWeight` at or before the current step (100 once stable, 0
 * when aborted); blue/green is 0 until the active Service is switched.
 */
export const view = (rollout: unknown): View => {
  const spec = obj(obj(rollout)["spec"])
  const status = obj(obj(rollout)["status"])
  const strategy = obj(spec["strategy"])
  const canary = strategy["canary"] !== undefined
  const steps = arr(obj(strategy["canary"])["steps"]).map(obj)
  const stepIndex = typeof status["currentStepIndex"] === "number" ? status["currentStepIndex"] : canary ? 0 : 0
  const pauseReasons = arr(status["pauseConditions"]).map((p) => String(obj(p)["reason"] ?? "Paused"))
  const aborted = status["abort"] === true
  const settledStable = typeof status["stableRS"] === "string" && status["stableRS"] === status["currentPodHash"] && !aborted
  const routed = obj(obj(obj(status["canary"])["weights"])["canary"])["weight"]
  const setWeight = (() => {
    let w = 0
    for (let i = 0; i <= Math.min(stepIndex, steps.length - 1); i++) {
      const s = steps[i]!["setWeight"]
      if (typeof s === "number") w = s
    }
    return w
  })()
  const weight = aborted ? 0 : settledStable ? 100 : typeof routed === "number" ? routed : canary ? setWeight : 0
  return {
    strategy: canary ? "canary" : "blueGreen",
    phase: String(status["phase"] ?? ""),
    message: String(status["message"] ?? ""),
    stepIndex,
    stepCount: steps.length,
    weight,
    paused: pauseReasons.length > 0 || status["controllerPause"] === true || spec["paused"] === true,
    pauseReasons,
    aborted,
    settledStable
  }
}

/** How far `kubectl argo rollouts promote` goes: past the current step (no flag) or to the end (`--full`). */
export type PromoteMode = "step" | "full"

/**
 * The requests `kubectl argo rollouts promote` sends for one Rollout state,
 * as merge patches, in the plugin's order: `status` on the status
 * subresource first, then `spec` on the Rollout itself. When the status
 * subresource answers 404 (a controller before v0.10 has none), the plugin
 * sends `unified` — spec and status in one patch — on the Rollout instead of
 * `spec`.
 */
export interface PromotePatches {
  /** For the status subresource (`{status: {…}}`), sent first; none when the plugin sends none. */
  readonly status?: Obj
  /** For the Rollout itself (`{spec: {paused: false}}` for a user pause), sent second. */
  readonly spec?: Obj
  /** For the Rollout itself in place of `spec`, when the status patch answered 404. */
  readonly unified: Obj
}

/**
 * The patches `kubectl argo rollouts promote [--full]` sends for this Rollout
 * (pure; `getPatches` of argo-rollouts
 * pkg/kubectl-argo-rollouts/cmd/promote/promote.go, branch by branch):
 *
 * - `--full`: `{status: {promoteFull: true}}` unless the current pod hash is
 *   already the stable one; `{spec: {paused: false}}` for a user pause.
 * - a step, on a canary paused by an inconclusive step analysis (the current
 *   step's AnalysisRun is Inconclusive, a pause condition and
 *   `controllerPause` are set): `{status: {pauseConditions: null,
 *   controllerPause: false, currentStepIndex: N+1}}` — clearing the condition
 *   alone would make Argo start a new AnalysisRun on the same step
 *   (`needsNewAnalysisRun`);
 * - else, with pause conditions: `{status: {pauseConditions: null}}`;
 * - else, on a canary with steps: `{status: {pauseConditions: null,
 *   currentStepIndex: N+1}}` (N+1 capped at the number of steps);
 * - and in every case `{spec: {paused: false}}` for a user pause.
 */
export const promotePatches = (rollout: unknown, mode: PromoteMode = "step"): PromotePatches => {
  const spec = obj(obj(rollout)["spec"])
  const status = obj(obj(rollout)["status"])
  const canary = obj(spec["strategy"])["canary"] !== undefined
  const steps = arr(obj(obj(spec["strategy"])["canary"])["steps"])
  const unpause = spec["paused"] === true ? { spec: { spec: { paused: false } } } : {}
  if (mode === "full") {
    return {
      ...(status["currentPodHash"] !== status["stableRS"] ? { status: { status: { promoteFull: true } } } : {}),
      ...unpause,
      unified: { spec: { paused: false }, status: { promoteFull: true } }
    }
  }
  // replicasetutil.GetCurrentCanaryStep (none without canary steps, else the status' index or 0), then one further unless past the end
  const current = typeof status["currentStepIndex"] === "number" ? status["currentStepIndex"] : 0
  const nextStep = canary && steps.length > 0 ? (current < steps.length ? current + 1 : current) : undefined
  const held = arr(status["pauseConditions"]).length > 0
  const inconclusive = canary && obj(obj(status["canary"])["currentStepAnalysisRunStatus"])["status"] === "Inconclusive"
  const unified = { spec: { paused: false }, status: { pauseConditions: null } }
  if (inconclusive && held && status["controllerPause"] === true) {
    return { ...(nextStep === undefined ? {} : { status: { status: { pauseConditions: null, controllerPause: false, currentStepIndex: nextStep } } }), ...unpause, unified }
  }
  if (held) return { status: { status: { pauseConditions: null } }, ...unpause, unified }
  if (nextStep !== undefined) {
    return { status: { status: { pauseConditions: null, currentStepIndex: nextStep } }, ...unpause, unified: { spec: { paused: false }, status: { pauseConditions: null, currentStepIndex: nextStep } } }
  }
  return { ...unpause, unified }
}

/** The Rollout's state as the port's status (pure). */
export const statusOf = (v: View): DeployTarget.Status =>
  v.aborted
    ? { phase: "rolled_back", current: { weight: 0 }, healthy: true, detail: v.message || "aborted: all traffic on the stable ReplicaSet" }
    : v.settledStable
      ? { phase: "promoted", current: { weight: 100 }, healthy: v.phase === "Healthy", detail: v.message || "the stable ReplicaSet is the current one" }
      : v.phase === "Degraded"
        ? { phase: "degraded", current: { weight: v.weight }, healthy: false, detail: v.message || "degraded" }
        : { phase: "progressing", current: { weight: v.weight }, healthy: true, detail: `step ${v.stepIndex}/${v.stepCount}, weight ${v.weight} %${v.paused ? `, paused (${v.pauseReasons.join(", ") || "paused"})` : ""}` }

/** The Rollout target. */
export const make = (kube: Kube, options: Options): DeployTarget.DeployTarget["Service"] => {
  const namespace = options.namespace ?? kube.namespace
  const name = options.name
  const timeout = options.stepTimeout ?? Duration.minutes(10)
  const what = `rollout ${namespace}/${name}`
  const watched = { path: `/apis/${group}/${version}/namespaces/${namespace}/${plural}`, name }
  const read = call(kube, what, () => kube.custom.getNamespacedCustomObject({ group, version, namespace, plural, name }) as Promise<Obj>)
  const patchStatus = (body: Obj) =>
    call(kube, `${what} (status)`, () => kube.custom.patchNamespacedCustomObjectStatus({ group, version, namespace, plural, name, body }, patchType("merge")))
  const patchSpec = (body: Obj) => call(kube, what, () => kube.custom.patchNamespacedCustomObject({ group, version, namespace, plural, name, body }, patchType("merge")))

  /**
   * Send what `kubectl argo rollouts promote` sends (`PromoteRollout`): the
   * status patch, then the spec patch — or, when the status subresource
   * answers 404, the unified patch on the Rollout in place of the spec patch.
   */
  const sendPromote = (patches: PromotePatches) =>
    Effect.gen(function* () {
      let spec = patches.spec
      if (patches.status !== undefined) {
        const noStatusSubresource = yield* patchStatus(patches.status).pipe(
          Effect.as(false),
          Effect.catchIf(
            (e) => e.reason === "NotFound",
            () => Effect.succeed(true)
          )
        )
        if (noStatusSubresource) spec = patches.unified
      }
      if (spec !== undefined) yield* patchSpec(spec)
    })

  /** Promote one step, then wait until the controller has moved on and settled (paused, done or aborted). */
  const promoteOnce = (rollout: Obj) =>
    Effect.gen(function* () {
      const before = view(rollout)
      yield* sendPromote(promotePatches(rollout, "step"))
      return yield* waitFor(
        kube,
        watched,
        (o) => {
          const v = view(o)
          const moved = v.stepIndex > before.stepIndex || v.settledStable || v.aborted || (before.paused && !v.paused && v.stepIndex >= v.stepCount)
          return moved && (v.paused || v.settledStable || v.aborted) ? o : undefined
        },
        timeout,
        `${what}: promote from step ${before.stepIndex}`
      )
    })

  return DeployTarget.DeployTarget.of({
    describe: Effect.map(read, (r) => {
      const status = obj(r["status"])
      return {
        kind: "k8s" as const,
        name: `${namespace}/${name}`,
        ...(typeof status["stableRS"] === "string" ? { stableVersion: status["stableRS"] } : {}),
        ...(typeof status["currentPodHash"] === "string" ? { candidateVersion: status["currentPodHash"] } : {})
      }
    }),
    apply: (step) =>
      Effect.gen(function* () {
        const target = DeployTarget.percentOf(step)
        let rollout = yield* read
        for (let guard = 0; guard <= view(rollout).stepCount + 1; guard++) {
          const v = view(rollout)
          if (v.aborted) return yield* rejected(`${what} is aborted (${v.message || "abort=true"}): retry it (or roll out again) before applying a step`)
          if (v.settledStable) {
            return target >= 100 ? undefined : yield* rejected(`${what} has no update in flight (its stable ReplicaSet is the current one): set the new image first`)
          }
          if (v.weight >= target && (v.paused || target >= 100)) return
          if (v.paused) {
            rollout = yield* promoteOnce(rollout)
          } else {
            // progressing on its own (a timed pause, an analysis step): wait until it settles
            rollout = yield* waitFor(kube, watched, (o) => (view(o).paused || view(o).settledStable || view(o).aborted ? o : undefined), timeout, `${what}: reach ${target} %`)
          }
        }
        return yield* rejected(`${what} did not reach ${target} % through its steps (it is at ${view(rollout).weight} %)`)
      }),
    promote: Effect.gen(function* () {
      const rollout = yield* read
      if (view(rollout).aborted) return yield* rejected(`cannot promote ${what}: it was aborted`)
      // like `kubectl argo rollouts status`: done when the new ReplicaSet is stable and the Rollout Healthy
      const healthy = (o: Obj) => (view(o).settledStable && view(o).phase === "Healthy" ? o : view(o).aborted ? rejected(`${what} was aborted while promoting`) : undefined)
      yield* sendPromote(promotePatches(rollout, "full"))
      yield* waitFor(kube, watched, healthy, timeout, `${what}: promote fully`)
    }),
    rollback: Effect.gen(function* () {
      const v = view(yield* read)
      if (v.aborted) return
      if (v.settledStable) return yield* rejected(`cannot roll back ${what}: it is fully promoted (deploy the previous version instead)`)
      yield* patchStatus({ status: { abort: true } })
      yield* waitFor(kube, watched, (o) => (view(o).aborted ? o : undefined), timeout, `${what}: abort`)
    }),
    status: Effect.map(read, (r) => statusOf(view(r)))
  })
}

/** Retry an aborted Rollout (`status.abort=false`, as `kubectl argo rollouts retry`): it starts its steps again. */
export const retry = (kube: Kube, options: Options) =>
  call(kube, `rollout ${options.namespace ?? kube.namespace}/${options.name} (status)`, () =>
    kube.custom.patchNamespacedCustomObjectStatus(
      { group, version, namespace: options.namespace ?? kube.namespace, plural, name: options.name, body: { status: { abort: false } } },
      patchType("merge")
    )
  )
