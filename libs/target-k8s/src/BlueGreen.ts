import type * as k8s from "@kubernetes/client-node"
import { DeployTarget } from "@rollwise/rollout-engine"
import { Duration, Effect } from "effect"
import { call, type Kube, patchType, rejected, waitFor } from "./Kube.ts"

/**
 * Plain Kubernetes blue/green, no controller needed: two Deployments,
 * `<service>-blue` and `<service>-green`, and one Service `<service>` whose
 * selector's `color` picks the live one. `apply({weight: 0})` deploys the
 * candidate image to the idle colour and waits until that Deployment has
 * rolled out (observedGeneration, updated and available replicas);
 * `apply({weight: 100})` flips the Service selector; `promote` records the
 * flip as final; `rollback` points the selector back at the stable colour,
 * which is kept running for exactly that. The rollout's state lives in
 * annotations on the Service (`rollwise.io/stable-color`, `rollwise.io/phase`),
 * so a resumed `rollwise rollout` reads it back from the cluster.
 */
export interface Options {
  /** The Service; the Deployments are `<service>-blue` and `<service>-green`. */
  readonly service: string
  /** The candidate's image. */
  readonly image: string
  /** The container to set it on (default: the Deployment's first). */
  readonly container?: string
  readonly namespace?: string
  /** Longest wait for the idle colour to become ready (default 10 minutes). */
  readonly readyTimeout?: Duration.Input
}

const annotation = { stable: "rollwise.io/stable-color", phase: "rollwise.io/phase", image: "rollwise.io/candidate-image" } as const
const other = (color: string) => (color === "blue" ? "green" : "blue")

/** Whether a Deployment has finished rolling out its current spec (pure; what `kubectl rollout status` waits for). */
export const rolledOut = (deployment: k8s.V1Deployment): boolean => {
  const want = deployment.spec?.replicas ?? 1
  const s = deployment.status ?? {}
  return (s.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0) && (s.updatedReplicas ?? 0) >= want && (s.availableReplicas ?? 0) >= want && (s.replicas ?? 0) <= want
}

/** The blue/green target. */
export const make = (kube: Kube, options: Options): DeployTarget.DeployTarget["Service"] => {
  const namespace = options.namespace ?? kube.namespace
  const timeout = options.readyTimeout ?? Duration.minutes(10)
  const what = `blue/green ${namespace}/${options.service}`
  const readService = call(kube, `service ${namespace}/${options.service}`, () => kube.core.readNamespacedService({ name: options.service, namespace }))
  const readDeployment = (name: string) => call(kube, `deployment ${namespace}/${name}`, () => kube.apps.readNamespacedDeployment({ name, namespace }))
  const patchService = (body: object) =>
    call(kube, `service ${namespace}/${options.service}`, () => kube.core.patchNamespacedService({ name: options.service, namespace, body }, patchType("merge")))

  const state = Effect.map(readService, (svc) => {
    const annotations = svc.metadata?.annotations ?? {}
    const live = svc.spec?.selector?.["color"]
    return { svc, live, stable: annotations[annotation.stable], phase: annotations[annotation.phase] }
  })

  const deployCandidate = Effect.gen(function* () {
    const s = yield* state
    if (s.live !== "blue" && s.live !== "green") return yield* rejected(`${what}: the Service's selector has no color: blue|green (it selects ${JSON.stringify(s.svc.spec?.selector ?? {})})`)
    const stable = s.stable ?? s.live
    const idle = other(stable)
    if (s.stable === undefined || s.phase !== "progressing") {
      yield* patchService({ metadata: { annotations: { [annotation.stable]: stable, [annotation.phase]: "progressing", [annotation.image]: options.image } } })
    }
    const live = yield* readDeployment(`${options.service}-${stable}`)
    const target = yield* readDeployment(`${options.service}-${idle}`)
    const container = options.container ?? target.spec?.template.spec?.containers[0]?.name
    if (container === undefined) return yield* rejected(`${what}: deployment ${options.service}-${idle} has no container`)
    const body = { spec: { replicas: live.spec?.replicas ?? 1, template: { spec: { containers: [{ name: container, image: options.image }] } } } }
    yield* call(kube, `deployment ${namespace}/${options.service}-${idle}`, () =>
      kube.apps.patchNamespacedDeployment({ name: `${options.service}-${idle}`, namespace, body }, patchType("strategic"))
    )
    yield* waitFor(
      kube,
      { path: `/apis/apps/v1/namespaces/${namespace}/deployments`, name: `${options.service}-${idle}` },
      (o) => (rolledOut(o as k8s.V1Deployment) ? o : undefined),
      timeout,
      `${what}: roll out ${options.image} on ${idle}`
    )
    return idle
  })

  const flipTo = (color: string, phase?: string) =>
    patchService({ spec: { selector: { color } }, ...(phase !== undefined ? { metadata: { annotations: { [annotation.phase]: phase } } } : {}) })

  return DeployTarget.DeployTarget.of({
    describe: Effect.map(state, (s) => ({ kind: "k8s" as const, name: `${namespace}/${options.service}`, candidateVersion: options.image, ...(s.stable !== undefined ? { stableVersion: s.stable } : {}) })),
    apply: (step) =>
      Effect.gen(function* () {
        const p = DeployTarget.percentOf(step)
        const s = yield* state
        if (s.phase === "promoted" || s.phase === "rolled_back") return yield* rejected(`${what} is ${s.phase.replace("_", " ")}: start a new rollout`)
        if (p > 0 && p < 100) return yield* rejected(`${what} moves traffic all at once: steps are 0 (candidate deployed, no traffic) and 100 (the flip), not ${p} %`)
        const idle = yield* deployCandidate
        if (p >= 100) yield* flipTo(idle)
      }),
    promote: Effect.gen(function* () {
      const s = yield* state
      if (s.phase === "rolled_back") return yield* rejected(`cannot promote ${what}: it was rolled back`)
      if (s.phase === "promoted") return
      const idle = s.stable !== undefined ? other(s.stable) : yield* deployCandidate
      yield* flipTo(idle, "promoted")
    }),
    rollback: Effect.gen(function* () {
      const s = yield* state
      if (s.phase === "rolled_back") return
      if (s.phase === "promoted") return yield* rejected(`cannot roll back ${what}: it is promoted (the old colour is still running: deploy it again to go back)`)
      yield* flipTo(s.stable ?? String(s.live), "rolled_back")
    }),
    status: Effect.map(state, (s): DeployTarget.Status => {
      if (s.phase === "promoted") return { phase: "promoted", current: { weight: 100 }, healthy: true, detail: `live: ${s.live}` }
      if (s.phase === "rolled_back") return { phase: "rolled_back", current: { weight: 0 }, healthy: true, detail: `live: ${s.live} (stable)` }
      if (s.phase === "progressing") return { phase: "progressing", current: { weight: s.live === s.stable ? 0 : 100 }, healthy: true, detail: `stable ${s.stable}, live ${s.live}` }
      return { phase: "idle", healthy: true, detail: `live: ${s.live ?? "?"}` }
    })
  })
}
