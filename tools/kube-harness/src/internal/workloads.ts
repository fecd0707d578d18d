import { metaOf, nameOf, namespaceOf, type Cluster } from "./cluster.ts"
import { podTemplateHash } from "./hash.ts"
import { arr, clone, num, obj, omitEmpty, str, timestamp, type Obj } from "./json.ts"
import type { ControllerContext } from "./scheduler.ts"

/** The uid of an object's controlling owner (ownerReferences[].controller). */
export const controllerUid = (o: Obj): string | undefined =>
  str(arr(obj(o["metadata"])["ownerReferences"]).map(obj).find((r) => r["controller"] === true)?.["uid"])

export const labelsOf = (o: Obj): Obj => obj(obj(o["metadata"])["labels"])
export const annotationsOf = (o: Obj): Obj => obj(obj(o["metadata"])["annotations"])

/** The ReplicaSets `owner` controls, oldest revision first. */
export const ownedReplicaSets = (cluster: Cluster, owner: Obj, revisionAnnotation: string): Array<Obj> =>
  cluster
    .list({ resource: cluster.resource("apps", "ReplicaSet"), namespace: namespaceOf(owner), labels: [], fields: [] })
    .filter((rs) => controllerUid(rs) === obj(owner["metadata"])["uid"])
    .sort((a, b) => Number(annotationsOf(a)[revisionAnnotation] ?? 0) - Number(annotationsOf(b)[revisionAnnotation] ?? 0))

export const ownerReference = (owner: Obj): Obj => ({
  apiVersion: owner["apiVersion"],
  kind: owner["kind"],
  name: nameOf(owner),
  uid: obj(owner["metadata"])["uid"],
  controller: true,
  blockOwnerDeletion: true
})

/** A condition list with `type` set; timestamps move only when status, reason or message change (so reconciles are idempotent). */
export const setCondition = (
  conditions: ReadonlyArray<unknown>,
  condition: { readonly type: string; readonly status: string; readonly reason: string; readonly message: string }
): Array<Obj> => {
  const now = timestamp()
  const list = conditions.map(obj)
  const old = list.find((c) => c["type"] === condition.type)
  if (old !== undefined && old["status"] === condition.status && old["reason"] === condition.reason && old["message"] === condition.message) {
    return list
  }
  const next = {
    type: condition.type,
    status: condition.status,
    lastUpdateTime: now,
    lastTransitionTime: old !== undefined && old["status"] === condition.status ? old["lastTransitionTime"] : now,
    reason: condition.reason,
    message: condition.message
  }
  return old === undefined ? [...list, next] : list.map((c) => (c === old ? next : c))
}

/** Scale a ReplicaSet (a controller's write; nothing happens when it is already there). */
export const scaleReplicaSet = (cluster: Cluster, rs: Obj, replicas: number, annotations: Obj = {}): Obj => {
  const next = clone(rs)
  obj(next["spec"])["replicas"] = replicas
  metaOf(next)["annotations"] = { ...annotationsOf(rs), ...annotations }
  return cluster.replace(cluster.resource("apps", "ReplicaSet"), namespaceOf(rs), nameOf(rs), next, "raw")
}

/**
 * A workload's ReplicaSet for its current pod template: `<name>-<hash>`,
 * the template's labels plus `hashLabel: hash` (also added to the selector),
 * owned by the workload, with the given annotations and replicas.
 */
export const createReplicaSet = (
  cluster: Cluster,
  owner: Obj,
  options: { readonly hashLabel: string; readonly hash: string; readonly replicas: number; readonly annotations: Obj }
): Obj => {
  const spec = obj(owner["spec"])
  const template = obj(spec["template"])
  const templateMeta = obj(template["metadata"])
  const labels = { ...obj(templateMeta["labels"]), [options.hashLabel]: options.hash }
  return cluster.create(cluster.resource("apps", "ReplicaSet"), {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${nameOf(owner)}-${options.hash}`,
      namespace: namespaceOf(owner),
      labels,
      annotations: options.annotations,
      ownerReferences: [ownerReference(owner)]
    },
    spec: {
      replicas: options.replicas,
      selector: { ...obj(spec["selector"]), matchLabels: { ...obj(obj(spec["selector"])["matchLabels"]), [options.hashLabel]: options.hash } },
      template: { ...template, metadata: { ...templateMeta, labels } }
    }
  })
}

export interface Counts {
  readonly replicas: number
  readonly updated: number
  readonly ready: number
  readonly available: number
}

/** Pod counts of a set of ReplicaSets, `updated` being those of the one with `hashLabel` = `hash`. */
export const countPods = (replicaSets: ReadonlyArray<Obj>, hashLabel: string, hash: string): Counts => {
  const sum = (field: string, list = replicaSets) => list.reduce((n, rs) => n + (num(obj(rs["status"])[field]) ?? 0), 0)
  return {
    replicas: sum("replicas"),
    updated: sum("replicas", replicaSets.filter((rs) => labelsOf(rs)[hashLabel] === hash)),
    ready: sum("readyReplicas"),
    available: sum("availableReplicas")
  }
}

/**
 * The ReplicaSet controller, pods included: pods appear one reconcile
 * after the ReplicaSet is scaled up (status.replicas) and become ready and
 * available one reconcile later; scaling down is immediate.
 */
export const reconcileReplicaSet = (context: ControllerContext, rs: Obj): void => {
  const meta = obj(rs["metadata"])
  if (meta["deletionTimestamp"] !== undefined) return
  const target = num(obj(rs["spec"])["replicas"]) ?? 1
  const status = obj(rs["status"])
  let replicas = num(status["replicas"]) ?? 0
  let ready = num(status["readyReplicas"]) ?? 0
  let available = num(status["availableReplicas"]) ?? 0
  if (replicas !== target) {
    replicas = target
    ready = Math.min(ready, target)
    available = Math.min(available, target)
  } else if (ready < target || available < target) {
    ready = target
    available = target
  }
  const next = clone(rs)
  next["status"] = {
    replicas,
    ...omitEmpty({ fullyLabeledReplicas: replicas, readyReplicas: ready, availableReplicas: available }),
    observedGeneration: meta["generation"]
  }
  context.cluster.replace(context.cluster.resource("apps", "ReplicaSet"), namespaceOf(rs), nameOf(rs), next, "raw")
}

const DEPLOYMENT_REVISION = "deployment.kubernetes.io/revision"

const percentOf = (value: unknown, total: number, roundUp: boolean): number => {
  if (typeof value === "number") return value
  const m = /^(\d+)%$/.exec(str(value) ?? "25%")
  const share = (Number(m?.[1] ?? 25) * total) / 100
  return roundUp ? Math.ceil(share) : Math.floor(share)
}

/**
 * The Deployment controller: one ReplicaSet per pod template
 * (`<name>-<pod-template-hash>`, revision annotation, owner reference), the
 * new one scaled to spec.replicas, old ones scaled to 0 once it is
 * available, and the status kubectl rollout status reads (observedGeneration,
 * replicas, updatedReplicas, readyReplicas, availableReplicas, conditions).
 */
export const reconcileDeployment = (context: ControllerContext, deployment: Obj): void => {
  const { cluster } = context
  const meta = obj(deployment["metadata"])
  if (meta["deletionTimestamp"] !== undefined) return
  const namespace = namespaceOf(deployment)
  const name = nameOf(deployment)
  const spec = obj(deployment["spec"])
  const target = num(spec["replicas"]) ?? 1
  const template = obj(spec["template"])
  const hash = podTemplateHash(template)
  const owned = ownedReplicaSets(cluster, deployment, DEPLOYMENT_REVISION)
  const revisionOf = (rs: Obj) => Number(annotationsOf(rs)[DEPLOYMENT_REVISION] ?? 0)
  const maxRevision = Math.max(0, ...owned.map(revisionOf))
  let current = owned.find((rs) => labelsOf(rs)["pod-template-hash"] === hash)
  const maxSurge = percentOf(obj(obj(spec["strategy"])["rollingUpdate"])["maxSurge"], target, true)
  const sizing = { "deployment.kubernetes.io/desired-replicas": String(target), "deployment.kubernetes.io/max-replicas": String(target + maxSurge) }
  const paused = spec["paused"] === true
  if (!paused) {
    if (current === undefined) {
      current = createReplicaSet(cluster, deployment, { hashLabel: "pod-template-hash", hash, replicas: target, annotations: { ...sizing, [DEPLOYMENT_REVISION]: String(maxRevision + 1) } })
    } else {
      const revision = revisionOf(current) < maxRevision ? { [DEPLOYMENT_REVISION]: String(maxRevision + 1) } : {}
      current = scaleReplicaSet(cluster, current, target, { ...sizing, ...revision })
    }
    if ((num(obj(current["status"])["availableReplicas"]) ?? 0) >= target) {
      for (const old of owned) {
        if (nameOf(old) !== nameOf(current) && (num(obj(old["spec"])["replicas"]) ?? 0) > 0) scaleReplicaSet(cluster, old, 0)
      }
    }
  }
  const all = ownedReplicaSets(cluster, deployment, DEPLOYMENT_REVISION)
  const counts = countPods(all, "pod-template-hash", hash)
  const currentName = current === undefined ? `${name}-${hash}` : nameOf(current)
  const maxUnavailable = percentOf(obj(obj(spec["strategy"])["rollingUpdate"])["maxUnavailable"], target, false)
  const complete = counts.updated === target && counts.replicas === target && counts.available === target
  let conditions = setCondition(
    arr(obj(deployment["status"])["conditions"]),
    counts.available >= target - maxUnavailable
      ? { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." }
      : { type: "Available", status: "False", reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability." }
  )
  conditions = setCondition(
    conditions,
    paused
      ? { type: "Progressing", status: "Unknown", reason: "DeploymentPaused", message: "Deployment is paused" }
      : complete
        ? { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: `ReplicaSet "${currentName}" has successfully progressed.` }
        : { type: "Progressing", status: "True", reason: "ReplicaSetUpdated", message: `ReplicaSet "${currentName}" is progressing.` }
  )
  const next = clone(deployment)
  if (current !== undefined) {
    metaOf(next)["annotations"] = { ...annotationsOf(deployment), [DEPLOYMENT_REVISION]: annotationsOf(current)[DEPLOYMENT_REVISION] }
  }
  next["status"] = {
    ...omitEmpty({
      observedGeneration: meta["generation"],
      replicas: counts.replicas,
      updatedReplicas: counts.updated,
      readyReplicas: counts.ready,
      availableReplicas: counts.available,
      unavailableReplicas: Math.max(0, target - counts.available)
    }),
    conditions
  }
  cluster.replace(cluster.resource("apps", "Deployment"), namespace, name, next, "raw")
}

