import type * as k8s from "@kubernetes/client-node"
import { DeployTarget } from "@rollwise/rollout-engine"
import { Duration, Effect } from "effect"
import { rolledOut } from "./BlueGreen.ts"
import { call, type Kube, patchType, rejected, retryConflicts, waitFor } from "./Kube.ts"

/**
 * A plain Kubernetes canary with real traffic weights, for teams without
 * Argo Rollouts or Flagger: the candidate runs in `<deployment>-canary`
 * beside the stable `<deployment>`, and the weight is set on a Gateway API
 * `HTTPRoute` (`backendRefs[].weight` of the stable and canary Services) or
 * on an NGINX Ingress canary (`nginx.ingress.kubernetes.io/canary-weight`).
 * `promote` rolls the candidate image out on the stable Deployment, then
 * takes the canary's weight to 0 and scales it down; `rollback` takes the
 * weight to 0 and scales the canary down. The rollout's phase is kept in an
 * annotation on the canary Deployment (`rollwise.io/phase`).
 */
export type Router =
  | {
      readonly kind: "httproute"
      /** The HTTPRoute's name. */
      readonly name: string
      /** The stable and canary Services its backendRefs name (default `<deployment>` and `<deployment>-canary`). */
      readonly stableService?: string
      readonly canaryService?: string
    }
  | {
      readonly kind: "nginx"
      /** The canary Ingress (the one with `nginx.ingress.kubernetes.io/canary: "true"`). */
      readonly ingress: string
    }

export interface Options {
  /** The stable Deployment; the candidate runs in `<deployment>-canary`. */
  readonly deployment: string
  readonly image: string
  readonly container?: string
  readonly router: Router
  readonly namespace?: string
  readonly readyTimeout?: Duration.Input
}

const phaseKey = "rollwise.io/phase"
const weightKey = "nginx.ingress.kubernetes.io/canary-weight"

type BackendRef = { name?: string; weight?: number } & Record<string, unknown>
type Rule = { backendRefs?: Array<BackendRef> } & Record<string, unknown>

/** Set the stable/canary split on every rule of an HTTPRoute spec (pure): `canary` % to the canary Service, the rest to the stable one. */
export const splitRoute = (spec: { rules?: Array<Rule> }, stable: string, canary: string, weight: number): { rules: Array<Rule> } => ({
  ...spec,
  rules: (spec.rules ?? []).map((rule) => {
    const refs = (rule.backendRefs ?? []).filter((r) => r.name !== canary)
    const template = refs.find((r) => r.name === stable)
    if (template === undefined) return rule
    return {
      ...rule,
      backendRefs: [...refs.map((r) => (r.name === stable ? { ...r, weight: 100 - weight } : r)), { ...template, name: canary, weight }]
    }
  })
})

/** The canary's current weight on an HTTPRoute (pure): the first rule that names both Services. */
export const routeWeight = (spec: { rules?: Array<Rule> }, canary: string): number =>
  (spec.rules ?? []).flatMap((r) => r.backendRefs ?? []).find((r) => r.name === canary)?.weight ?? 0

export const make = (kube: Kube, options: Options): DeployTarget.DeployTarget["Service"] => {
  const namespace = options.namespace ?? kube.namespace
  const timeout = options.readyTimeout ?? Duration.minutes(10)
  const canaryName = `${options.deployment}-canary`
  const what = `canary ${namespace}/${options.deployment}`
  const router = options.router
  const readDeployment = (name: string) => call(kube, `deployment ${namespace}/${name}`, () => kube.apps.readNamespacedDeployment({ name, namespace }))
  const patchDeployment = (name: string, body: object) =>
    call(kube, `deployment ${namespace}/${name}`, () => kube.apps.patchNamespacedDeployment({ name, namespace, body }, patchType("strategic")))
  const untilRolledOut = (name: string, doing: string) =>
    waitFor(kube, { path: `/apis/apps/v1/namespaces/${namespace}/deployments`, name }, (o) => (rolledOut(o as k8s.V1Deployment) ? o : undefined), timeout, `${what}: ${doing}`)
  const phase = Effect.map(readDeployment(canaryName), (d) => d.metadata?.annotations?.[phaseKey])
  const containerOf = (d: k8s.V1Deployment) => options.container ?? d.spec?.template.spec?.containers[0]?.name ?? "app"

  const route = { group: "gateway.networking.k8s.io", version: "v1", plural: "httproutes" }
  const setWeight = (weight: number) =>
    router.kind === "nginx"
      ? Effect.asVoid(
          call(kube, `ingress ${namespace}/${router.ingress}`, () =>
            kube.networking.patchNamespacedIngress(
              { name: router.ingress, namespace, body: { metadata: { annotations: { "nginx.ingress.kubernetes.io/canary": "true", [weightKey]: String(weight) } } } },
              patchType("merge")
            )
          )
        )
      : retryConflicts(
          Effect.gen(function* () {
            const ref = { ...route, namespace, name: router.name }
            const current = (yield* call(kube, `httproute ${namespace}/${router.name}`, () => kube.custom.getNamespacedCustomObject(ref) as Promise<Record<string, unknown>>))
            const spec = (current["spec"] ?? {}) as { rules?: Array<Rule> }
            const stable = router.stableService ?? options.deployment
            const canary = router.canaryService ?? canaryName
            if (!(spec.rules ?? []).some((r) => (r.backendRefs ?? []).some((b) => b.name === stable))) {
              return yield* rejected(`httproute ${namespace}/${router.name} has no backendRef to the stable Service ${stable}`)
            }
            // a replace carrying the resourceVersion read: a concurrent change is a Conflict, read again
            yield* call(kube, `httproute ${namespace}/${router.name}`, () => kube.custom.replaceNamespacedCustomObject({ ...ref, body: { ...current, spec: splitRoute(spec, stable, canary, weight) } }))
          })
        )
  const currentWeight =
    router.kind === "nginx"
      ? Effect.map(call(kube, `ingress ${namespace}/${router.ingress}`, () => kube.networking.readNamespacedIngress({ name: router.ingress, namespace })), (i) => Number(i.metadata?.annotations?.[weightKey] ?? 0))
      : Effect.map(call(kube, `httproute ${namespace}/${router.name}`, () => kube.custom.getNamespacedCustomObject({ ...route, namespace, name: router.name }) as Promise<Record<string, unknown>>), (r) =>
          routeWeight((r["spec"] ?? {}) as { rules?: Array<Rule> }, router.canaryService ?? canaryName)
        )

  const scaleCanaryDown = (to: string) => patchDeployment(canaryName, { metadata: { annotations: { [phaseKey]: to } }, spec: { replicas: 0 } })

  return DeployTarget.DeployTarget.of({
    describe: Effect.succeed({ kind: "k8s" as const, name: `${namespace}/${options.deployment}`, candidateVersion: options.image }),
    apply: (step) =>
      Effect.gen(function* () {
        const weight = DeployTarget.percentOf(step)
        const canary = yield* readDeployment(canaryName)
        const p = canary.metadata?.annotations?.[phaseKey]
        if (p === "promoted" || p === "rolled_back") return yield* rejected(`${what} is ${p.replace("_", " ")}: start a new rollout`)
        const stable = yield* readDeployment(options.deployment)
        const replicas = Math.max(1, Math.ceil(((stable.spec?.replicas ?? 1) * weight) / 100))
        const image = canary.spec?.template.spec?.containers.find((c) => c.name === containerOf(canary))?.image
        if (image !== options.image || (canary.spec?.replicas ?? 0) < replicas || p !== "progressing") {
          yield* patchDeployment(canaryName, { metadata: { annotations: { [phaseKey]: "progressing" } }, spec: { replicas, template: { spec: { containers: [{ name: containerOf(canary), image: options.image }] } } } })
          yield* untilRolledOut(canaryName, `roll out ${options.image} on ${canaryName}`)
        }
        yield* setWeight(Math.min(100, weight))
      }),
    promote: Effect.gen(function* () {
      const p = yield* phase
      if (p === "rolled_back") return yield* rejected(`cannot promote ${what}: it was rolled back`)
      if (p === "promoted") return
      const stable = yield* readDeployment(options.deployment)
      yield* patchDeployment(options.deployment, { spec: { template: { spec: { containers: [{ name: containerOf(stable), image: options.image }] } } } })
      yield* untilRolledOut(options.deployment, `roll out ${options.image} on ${options.deployment}`)
      yield* setWeight(0)
      yield* scaleCanaryDown("promoted")
    }),
    rollback: Effect.gen(function* () {
      const p = yield* phase
      if (p === "rolled_back") return
      if (p === "promoted") return yield* rejected(`cannot roll back ${what}: it is promoted (deploy the previous image to go back)`)
      yield* setWeight(0)
      yield* scaleCanaryDown("rolled_back")
    }),
    status: Effect.gen(function* () {
      const p = yield* phase
      const weight = yield* currentWeight
      return p === "promoted"
        ? { phase: "promoted" as const, current: { weight: 100 }, healthy: true, detail: `${options.deployment} runs ${options.image}` }
        : p === "rolled_back"
          ? { phase: "rolled_back" as const, current: { weight: 0 }, healthy: true, detail: "canary at 0 %, scaled down" }
          : p === "progressing"
            ? { phase: "progressing" as const, current: { weight }, healthy: true, detail: `canary at ${weight} %` }
            : { phase: "idle" as const, healthy: true, detail: "no canary running" }
    })
  })
}
