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
  const rsType = cluster.resource("apps", "ReplicaSet")
  const owned = ownedReplicaSets(cluster, deployment, DEPLOYMENT_REVISION)
  const revisionOf = (rs: Obj) => Number(annotationsOf(rs)[DEPLOYMENT_REVISION] ?? 0)
  const maxRevision = Math.max(0, ...owned.map(revisionOf))
  let current = owned.find((rs) => labelsOf(rs)["pod-template-hash"] === hash)
  const maxSurge = percentOf(obj(obj(spec["strategy"])["rollingUpdate"])["maxSurge"], target, true)
  const sizing = { "deployment.kubernetes.io/desired-replicas": String(target), "deployment.kubernetes.io/max-replicas": String(target + maxSurge) }
  const paused = spec["paused"] === true
  if (!paused) {
    if (current === undefined) {
      const templateMeta = obj(template["metadata"])
      const labels = { ...obj(templateMeta["labels"]), "pod-template-hash": hash }
      current = cluster.create(rsType, {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: {
          name: `${name}-${hash}`,
          namespace,
          labels,
          annotations: { ...sizing, [DEPLOYMENT_REVISION]: String(maxRevision + 1) },
          ownerReferences: [ownerReference(deployment)]
        },
        spec: {
          replicas: target,
          selector: { ...obj(spec["selector"]), matchLabels: { ...obj(obj(spec["selector"])["matchLabels"]), "pod-template-hash": hash } },
          template: { ...template, metadata: { ...templateMeta, labels } }
        }
      })
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

