import type * as k8s from "@kubernetes/client-node"
import { DeployTarget } from "@rollwise/rollout-engine"
import { Duration, Effect } from "effect"
import { rolledOut } from "./BlueGreen.ts"
import { call, type Kube, patchType, rejected, waitFor } from "./Kube.ts"

/**
 * A rolling update of one Deployment, in batches: `apply({weight: 25})`
 * sets the candidate image (the first time), lets the Deployment controller
 * replace pods within its own `maxSurge`/`maxUnavailable`, and pauses the
 * Deployment (`spec.paused`) once at least 25 % of the replicas run the new
 * template, so the analysis judges a real batch; the next step unpauses it
 * again. `promote` unpauses and waits for the whole rollout; `rollback`
 * undoes — the previous image, kept in the `rollwise.io/previous-image`
 * annotation when the rollout started, goes back on and rolls out.
 */
export interface Options {
  readonly deployment: string
  readonly image: string
  readonly container?: string
  readonly namespace?: string
  readonly readyTimeout?: Duration.Input
}

const previousKey = "rollwise.io/previous-image"
const phaseKey = "rollwise.io/phase"
const stepKey = "rollwise.io/step"

/** Replicas that must run the new template for a batch of `percent` (pure). */
export const batchSize = (replicas: number, percent: number): number => Math.min(replicas, Math.max(1, Math.ceil((replicas * percent) / 100)))

export const make = (kube: Kube, options: Options): DeployTarget.DeployTarget["Service"] => {
  const namespace = options.namespace ?? kube.namespace
  const name = options.deployment
  const timeout = options.readyTimeout ?? Duration.minutes(10)
  const what = `rolling ${namespace}/${name}`
  const read = call(kube, `deployment ${namespace}/${name}`, () => kube.apps.readNamespacedDeployment({ name, namespace }))
  const patch = (body: object) => call(kube, `deployment ${namespace}/${name}`, () => kube.apps.patchNamespacedDeployment({ name, namespace, body }, patchType("strategic")))
  const watched = { path: `/apis/apps/v1/namespaces/${namespace}/deployments`, name }
  const containerOf = (d: k8s.V1Deployment) => options.container ?? d.spec?.template.spec?.containers[0]?.name ?? "app"
  const imageOf = (d: k8s.V1Deployment) => d.spec?.template.spec?.containers.find((c) => c.name === containerOf(d))?.image
  const phaseOf = (d: k8s.V1Deployment) => d.metadata?.annotations?.[phaseKey]

  return DeployTarget.DeployTarget.of({
    describe: Effect.map(read, (d) => ({ kind: "k8s" as const, name: `${namespace}/${name}`, candidateVersion: options.image, ...(d.metadata?.annotations?.[previousKey] !== undefined ? { stableVersion: d.metadata.annotations[previousKey] } : {}) })),
    apply: (step) =>
      Effect.gen(function* () {
        const percent = DeployTarget.percentOf(step)
        const d = yield* read
        const p = phaseOf(d)
        if (p === "promoted" || p === "rolled_back") return yield* rejected(`${what} is ${p.replace("_", " ")}: start a new rollout`)
        const started = p === "progressing"
        const previous = started ? d.metadata?.annotations?.[previousKey] : imageOf(d)
        yield* patch({
          metadata: { annotations: { [phaseKey]: "progressing", ...(previous !== undefined ? { [previousKey]: previous } : {}) } },
          spec: { paused: false, ...(started ? {} : { template: { spec: { containers: [{ name: containerOf(d), image: options.image }] } } }) }
        })
        const want = batchSize(d.spec?.replicas ?? 1, percent)
        yield* waitFor(
          kube,
          watched,
          (o) => {
            const x = o as k8s.V1Deployment
            return percent >= 100 ? (rolledOut(x) ? o : undefined) : (x.status?.observedGeneration ?? 0) >= (x.metadata?.generation ?? 0) && (x.status?.updatedReplicas ?? 0) >= want ? o : undefined
          },
          timeout,
          `${what}: ${want} of ${d.spec?.replicas ?? 1} replicas on ${options.image}`
        )
        // hold the batch while it is judged
        yield* patch({ metadata: { annotations: { [stepKey]: String(percent) } }, ...(percent < 100 ? { spec: { paused: true } } : {}) })
      }),
    promote: Effect.gen(function* () {
      const d = yield* read
      const p = phaseOf(d)
      if (p === "rolled_back") return yield* rejected(`cannot promote ${what}: it was rolled back`)
      if (p === "promoted") return
      yield* patch({ metadata: { annotations: { [phaseKey]: "promoting" } }, spec: { paused: false, ...(imageOf(d) !== options.image ? { template: { spec: { containers: [{ name: containerOf(d), image: options.image }] } } } : {}) } })
      yield* waitFor(kube, watched, (o) => (rolledOut(o as k8s.V1Deployment) ? o : undefined), timeout, `${what}: finish the rollout`)
      yield* patch({ metadata: { annotations: { [phaseKey]: "promoted" } } })
    }),
    rollback: Effect.gen(function* () {
      const d = yield* read
      const p = phaseOf(d)
      if (p === "rolled_back") return
      if (p === "promoted") return yield* rejected(`cannot roll back ${what}: it is promoted (deploy the previous image to go back)`)
      const previous = d.metadata?.annotations?.[previousKey]
      if (p === "progressing" && previous !== undefined) {
        yield* patch({ spec: { paused: false, template: { spec: { containers: [{ name: containerOf(d), image: previous }] } } } })
        yield* waitFor(kube, watched, (o) => (rolledOut(o as k8s.V1Deployment) ? o : undefined), timeout, `${what}: undo to ${previous}`)
      }
      yield* patch({ metadata: { annotations: { [phaseKey]: "rolled_back" } }, spec: { paused: false } })
    }),
    status: Effect.map(read, (d): DeployTarget.Status => {
      const p = phaseOf(d)
      const replicas = d.spec?.replicas ?? 1
      const updated = d.status?.updatedReplicas ?? 0
      if (p === "promoted") return { phase: "promoted", current: { weight: 100 }, healthy: true, detail: `${replicas} replicas on ${imageOf(d) ?? "?"}` }
      if (p === "rolled_back") return { phase: "rolled_back", current: { weight: 0 }, healthy: true, detail: `back on ${imageOf(d) ?? "?"}` }
      if (p === "progressing" || p === "promoting") {
        return { phase: "progressing", current: { weight: Number(d.metadata?.annotations?.[stepKey] ?? 0) }, healthy: true, detail: `${updated} of ${replicas} replicas updated${d.spec?.paused === true ? ", paused" : ""}` }
      }
      return { phase: "idle", healthy: true, detail: `${replicas} replicas on ${imageOf(d) ?? "?"}` }
    })
  })
}
