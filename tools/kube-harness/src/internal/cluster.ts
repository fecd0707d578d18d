import { randomUUID } from "node:crypto"
import { applyDefaults, validate } from "./admission.ts"
import { alreadyExists, badRequest, conflict, gone, invalid, notFound, unsupportedMediaType, type Target } from "./errors.ts"
import { arr, clone, deepEqual, isObj, num, obj, str, timestamp, type Obj } from "./json.ts"
import { apiVersionOf, RESOURCES, type ResourceType } from "./resources.ts"
import { jsonPatch, mergePatch, strategicMergePatch } from "./patch.ts"
import { formatSelector, matchesFields, matchesLabels, type FieldRequirement, type Requirement } from "./selectors.ts"

export type EventType = "ADDED" | "MODIFIED" | "DELETED"

/** One committed write, as a watch reports it. */
export interface Change {
  readonly type: EventType
  readonly resource: ResourceType
  readonly object: Obj
  readonly previous: Obj | undefined
  readonly revision: number
}

/** What a list or watch selects. */
export interface Selection {
  readonly resource: ResourceType
  readonly namespace: string | undefined
  readonly labels: ReadonlyArray<Requirement>
  readonly fields: ReadonlyArray<FieldRequirement>
}

/** How a write treats the body: a user's write to the resource, to its /status, or a controller's (everything as given). */
export type WriteMode = "main" | "status" | "raw"

export interface WriteOptions {
  readonly dryRun?: boolean
  /** test back door: keep `status` from the body on create */
  readonly keepStatus?: boolean
}

const HISTORY_LIMIT = 50_000

export const metaOf = (o: Obj): Obj => (isObj(o["metadata"]) ? o["metadata"] : (o["metadata"] = {}))
export const nameOf = (o: Obj): string => str(obj(o["metadata"])["name"]) ?? ""
export const namespaceOf = (o: Obj): string | undefined => str(obj(o["metadata"])["namespace"])
export const targetOf = (resource: ResourceType, name?: string): Target => ({
  group: resource.group,
  plural: resource.plural,
  kind: resource.kind,
  ...(name === undefined ? {} : { name })
})

/** What `metadata.generation` tracks: everything but metadata (and status, when status is a subresource). */
const generational = (resource: ResourceType, o: Obj): Obj =>
  Object.fromEntries(Object.entries(o).filter(([k]) => k !== "metadata" && !(resource.statusSubresource && k === "status")))

const randomSuffix = (): string => {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789"
  return Array.from({ length: 5 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join("")
}

/**
 * The API server's storage and write semantics: one global resourceVersion
 * bumped by every write, uid/creationTimestamp/generation kept by the
 * server, optimistic concurrency, status subresources, finalizers, owner
 * garbage collection, and the change history watches resume from.
 */
export class Cluster {
  private revision = 100
  private readonly objects = new Map<ResourceType, Map<string, Obj>>()
  private readonly history: Array<Change> = []
  private historyStart = 100
  private readonly subscribers = new Set<(change: Change) => void>()

  constructor() {
    for (const name of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
      this.create(this.resource("", "Namespace"), { apiVersion: "v1", kind: "Namespace", metadata: { name } })
    }
  }

  resource(group: string, kind: string): ResourceType {
    const found = RESOURCES.find((r) => r.group === group && r.kind === kind)
    if (found === undefined) throw new Error(`no resource ${group}/${kind}`)
    return found
  }

  currentRevision(): string {
    return String(this.revision)
  }

  private bucket(resource: ResourceType): Map<string, Obj> {
    let b = this.objects.get(resource)
    if (b === undefined) this.objects.set(resource, (b = new Map()))
    return b
  }

  private static key(namespace: string | undefined, name: string): string {
    return `${namespace ?? ""}/${name}`
  }

  get(resource: ResourceType, namespace: string | undefined, name: string): Obj | undefined {
    return clone(this.bucket(resource).get(Cluster.key(resource.namespaced ? namespace : undefined, name)))
  }

  list(selection: Selection): Array<Obj> {
    return [...this.bucket(selection.resource).values()]
      .filter((o) => Cluster.selects(selection, o))
      .sort((a, b) => `${namespaceOf(a) ?? ""}/${nameOf(a)}`.localeCompare(`${namespaceOf(b) ?? ""}/${nameOf(b)}`))
      .map(clone)
  }

  static selects(selection: Selection, o: Obj): boolean {
    return (
      (selection.namespace === undefined || !selection.resource.namespaced || namespaceOf(o) === selection.namespace) &&
      matchesLabels(obj(obj(o["metadata"])["labels"]), selection.labels) &&
      matchesFields(o, selection.fields)
    )
  }

  subscribe(listener: (change: Change) => void): () => void {
    this.subscribers.add(listener)
    return () => this.subscribers.delete(listener)
  }

  /** Changes after `revision`, for a watch that resumes; a revision older than the history is a 410. */
  changesSince(revision: string): ReadonlyArray<Change> {
    const rv = Number(revision)
    if (!Number.isInteger(rv)) throw badRequest(`invalid resource version: ${revision}`)
    if (rv < this.historyStart) throw gone(revision)
    return this.history.filter((c) => c.revision > rv)
  }

  private commit(type: EventType, resource: ResourceType, object: Obj, previous: Obj | undefined): Obj {
    this.revision++
    metaOf(object)["resourceVersion"] = String(this.revision)
    const key = Cluster.key(namespaceOf(object), nameOf(object))
    if (type === "DELETED") this.bucket(resource).delete(key)
    else this.bucket(resource).set(key, object)
    const change: Change = { type, resource, object: clone(object), previous: clone(previous), revision: this.revision }
    this.history.push(change)
    if (this.history.length > HISTORY_LIMIT) this.historyStart = this.history.splice(0, this.history.length - HISTORY_LIMIT).at(-1)!.revision
    for (const s of [...this.subscribers]) s(change)
    return clone(object)
  }

  private checkBody(resource: ResourceType, body: Obj): void {
    const apiVersion = str(body["apiVersion"])
    const kind = str(body["kind"])
    if (apiVersion !== undefined && apiVersion !== apiVersionOf(resource)) {
      throw badRequest(`the API version in the data (${apiVersion}) does not match the expected API version (${apiVersionOf(resource)})`)
    }
    if (kind !== undefined && kind !== resource.kind) {
      throw badRequest(`the kind in the data (${kind}) does not match the expected kind (${resource.kind})`)
    }
  }

  private requireNamespace(resource: ResourceType, namespace: string | undefined): void {
    if (!resource.namespaced) return
    if (namespace === undefined || namespace === "") throw badRequest("the namespace of the object is required")
    if (this.bucket(this.resource("", "Namespace")).get(Cluster.key(undefined, namespace)) === undefined) {
      throw notFound({ group: "", plural: "namespaces", kind: "Namespace", name: namespace })
    }
  }

  private admit(resource: ResourceType, o: Obj, existing: Obj | undefined): void {
    applyDefaults(resource, o, existing)
    const causes = validate(resource, o, existing)
    if (causes.length > 0) throw invalid(targetOf(resource, nameOf(o)), causes)
  }

  /** POST: a new object; the server sets uid, resourceVersion, generation 1, creationTimestamp. */
  create(resource: ResourceType, body: Obj, options: WriteOptions & { readonly namespace?: string | undefined } = {}): Obj {
    if (!isObj(body)) throw badRequest("the body of the request is not a JSON object")
    this.checkBody(resource, body)
    const o = clone(body)
    o["apiVersion"] = apiVersionOf(resource)
    o["kind"] = resource.kind
    const meta = metaOf(o)
    const bodyNamespace = str(meta["namespace"]) || undefined
    if (resource.namespaced) {
      if (options.namespace !== undefined && bodyNamespace !== undefined && bodyNamespace !== options.namespace) {
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request")
      }
      meta["namespace"] = options.namespace ?? bodyNamespace ?? "default"
    } else delete meta["namespace"]
    if (str(meta["resourceVersion"]) !== undefined && str(meta["resourceVersion"]) !== "") {
      throw badRequest("resourceVersion should not be set on objects to be created")
    }
    if ((str(meta["name"]) ?? "") === "") {
      const generateName = str(meta["generateName"])
      if (generateName === undefined || generateName === "") {
        throw invalid(targetOf(resource, ""), [
          { reason: "FieldValueRequired", message: "Required value: name or generateName is required", field: "metadata.name" }
        ])
      }
      meta["name"] = `${generateName}${randomSuffix()}`
    }
    this.requireNamespace(resource, str(meta["namespace"]))
    const name = nameOf(o)
    if (this.bucket(resource).has(Cluster.key(namespaceOf(o), name))) throw alreadyExists(targetOf(resource, name))
    if (resource.statusSubresource && options.keepStatus !== true) delete o["status"]
    this.admit(resource, o, undefined)
    meta["uid"] = randomUUID()
    meta["creationTimestamp"] = timestamp()
    if (resource.generation) meta["generation"] = 1
    else delete meta["generation"]
    delete meta["deletionTimestamp"]
    if (options.dryRun === true) return { ...o, metadata: { ...meta, resourceVersion: "" } }
    return this.commit("ADDED", resource, o, undefined)
  }

  /**
   * PUT (mode "main" or "status") or a controller's write ("raw"). A body
   * resourceVersion that is not the stored one is a 409; a write that
   * changes nothing commits nothing (the resourceVersion stays), like the
   * real server.
   */
  replace(resource: ResourceType, namespace: string | undefined, name: string, body: Obj, mode: WriteMode, options: WriteOptions = {}): Obj {
    if (!isObj(body)) throw badRequest("the body of the request is not a JSON object")
    const key = Cluster.key(resource.namespaced ? namespace : undefined, name)
    const stored = this.bucket(resource).get(key)
    if (stored === undefined) throw notFound(targetOf(resource, name))
    if (mode !== "raw") this.checkBody(resource, body)
    const bodyMeta = obj(body["metadata"])
    const bodyName = str(bodyMeta["name"])
    if (bodyName !== undefined && bodyName !== name) {
      throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`)
    }
    const bodyNamespace = str(bodyMeta["namespace"])
    if (resource.namespaced && bodyNamespace !== undefined && bodyNamespace !== namespace) {
      throw badRequest("the namespace of the provided object does not match the namespace sent on the request")
    }
    const rv = str(bodyMeta["resourceVersion"])
    const storedMeta = obj(stored["metadata"])
    if (mode !== "raw" && rv !== undefined && rv !== "" && rv !== storedMeta["resourceVersion"]) {
      throw conflict(targetOf(resource, name))
    }
    const uid = str(bodyMeta["uid"])
    if (mode !== "raw" && uid !== undefined && uid !== "" && uid !== storedMeta["uid"]) {
      throw conflict(targetOf(resource, name), `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${String(storedMeta["uid"])}`)
    }
    let next: Obj
    if (mode === "status") {
      next = clone(stored)
      if (body["status"] === undefined) delete next["status"]
      else next["status"] = clone(body["status"])
    } else {
      next = clone(body)
      if (mode === "main" && resource.statusSubresource) {
        if (stored["status"] === undefined) delete next["status"]
        else next["status"] = clone(stored["status"])
      }
      if (mode === "raw" && !("status" in body) && stored["status"] !== undefined) next["status"] = clone(stored["status"])
      next["apiVersion"] = apiVersionOf(resource)
      next["kind"] = resource.kind
      const meta = metaOf(next)
      for (const k of ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"]) {
        if (storedMeta[k] === undefined) delete meta[k]
        else meta[k] = storedMeta[k]
      }
      meta["name"] = name
      if (resource.namespaced) meta["namespace"] = namespace
      this.admit(resource, next, stored)
    }
    const meta = metaOf(next)
    meta["resourceVersion"] = storedMeta["resourceVersion"]
    if (resource.generation) {
      const generation = num(storedMeta["generation"]) ?? 1
      meta["generation"] = deepEqual(generational(resource, stored), generational(resource, next)) ? generation : generation + 1
    } else delete meta["generation"]
    if (deepEqual(next, stored)) return clone(stored)
    if (options.dryRun === true) return next
    if (storedMeta["deletionTimestamp"] !== undefined && arr(meta["finalizers"]).length === 0) {
      const deleted = this.commit("DELETED", resource, next, stored)
      this.collectDependents(str(storedMeta["uid"]) ?? "", false)
      return deleted
    }
    return this.commit("MODIFIED", resource, next, stored)
  }

  /**
   * DELETE: immediate unless the object has finalizers (then it gets a
   * deletionTimestamp and goes when they are removed). Dependents (by
   * ownerReferences) are deleted too, or orphaned with `propagationPolicy: Orphan`.
   */
  delete(resource: ResourceType, namespace: string | undefined, name: string, options: Obj = {}, dryRun = false): Obj {
    const stored = this.bucket(resource).get(Cluster.key(resource.namespaced ? namespace : undefined, name))
    if (stored === undefined) throw notFound(targetOf(resource, name))
    const storedMeta = obj(stored["metadata"])
    const preconditions = obj(options["preconditions"])
    const uid = str(preconditions["uid"])
    if (uid !== undefined && uid !== storedMeta["uid"]) {
      throw conflict(targetOf(resource, name), `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${String(storedMeta["uid"])}`)
    }
    const rv = str(preconditions["resourceVersion"])
    if (rv !== undefined && rv !== storedMeta["resourceVersion"]) {
      throw conflict(targetOf(resource, name), `Precondition failed: ResourceVersion in precondition: ${rv}, ResourceVersion in object meta: ${String(storedMeta["resourceVersion"])}`)
    }
    if (dryRun) return clone(stored)
    if (arr(storedMeta["finalizers"]).length > 0) {
      if (storedMeta["deletionTimestamp"] !== undefined) return clone(stored)
      const next = clone(stored)
      metaOf(next)["deletionTimestamp"] = timestamp()
      metaOf(next)["deletionGracePeriodSeconds"] = 0
      return this.commit("MODIFIED", resource, next, stored)
    }
    if (resource.plural === "namespaces" && resource.group === "") {
      for (const r of RESOURCES.filter((x) => x.namespaced)) {
        for (const o of this.list({ resource: r, namespace: name, labels: [], fields: [] })) {
          if (this.get(r, name, nameOf(o)) !== undefined) this.delete(r, name, nameOf(o))
        }
      }
      const terminating = clone(stored)
      terminating["status"] = { phase: "Terminating" }
      this.commit("DELETED", resource, clone(terminating), stored)
      return terminating
    }
    const deleted = this.commit("DELETED", resource, clone(stored), stored)
    this.collectDependents(str(storedMeta["uid"]) ?? "", options["propagationPolicy"] === "Orphan")
    return deleted
  }

  private collectDependents(uid: string, orphan: boolean): void {
    for (const resource of RESOURCES) {
      for (const o of [...this.bucket(resource).values()]) {
        const refs = arr(obj(o["metadata"])["ownerReferences"]).map(obj)
        if (!refs.some((r) => r["uid"] === uid)) continue
        if (orphan) {
          const next = clone(o)
          const remaining = refs.filter((r) => r["uid"] !== uid)
          if (remaining.length === 0) delete metaOf(next)["ownerReferences"]
          else metaOf(next)["ownerReferences"] = remaining
          this.replace(resource, namespaceOf(o), nameOf(o), next, "raw")
        } else if (this.bucket(resource).has(Cluster.key(namespaceOf(o), nameOf(o)))) {
          this.delete(resource, namespaceOf(o), nameOf(o))
        }
      }
    }
  }

  /**
   * PATCH: apply a merge, JSON or strategic merge patch to the stored
   * object, then write the result as a PUT would (to /status when
   * `status`). A resourceVersion the patch sets must be the stored one.
   */
  patch(resource: ResourceType, namespace: string | undefined, name: string, type: PatchType, body: unknown, status: boolean, options: WriteOptions = {}): Obj {
    if (type === "strategic" && !resource.builtin) throw unsupportedMediaType("application/strategic-merge-patch+json", CUSTOM_PATCH_TYPES)
    const stored = this.get(resource, namespace, name)
    if (stored === undefined) throw notFound(targetOf(resource, name))
    const patched = patchDocument(type, stored, body)
    const storedMeta = obj(stored["metadata"])
    const rv = str(obj(patched["metadata"])["resourceVersion"])
    if (rv !== undefined && rv !== "" && rv !== storedMeta["resourceVersion"]) throw conflict(targetOf(resource, name))
    const meta = metaOf(patched)
    meta["resourceVersion"] = storedMeta["resourceVersion"]
    meta["name"] = name
    if (resource.namespaced) meta["namespace"] = namespace
    patched["apiVersion"] = apiVersionOf(resource)
    patched["kind"] = resource.kind
    return this.replace(resource, namespace, name, patched, status ? "status" : "main", options)
  }

  /** GET …/scale: the autoscaling/v1 Scale view of a Deployment, ReplicaSet or Rollout. */
  readScale(resource: ResourceType, namespace: string | undefined, name: string): Obj {
    const stored = this.get(resource, namespace, name)
    if (stored === undefined) throw notFound(targetOf(resource, name))
    return scaleOf(stored)
  }

  /** PUT or PATCH …/scale: only spec.replicas of the object changes. */
  writeScale(resource: ResourceType, namespace: string | undefined, name: string, update: (scale: Obj) => Obj, options: WriteOptions = {}): Obj {
    const stored = this.get(resource, namespace, name)
    if (stored === undefined) throw notFound(targetOf(resource, name))
    const scale = update(scaleOf(stored))
    const rv = str(obj(scale["metadata"])["resourceVersion"])
    if (rv !== undefined && rv !== "" && rv !== obj(stored["metadata"])["resourceVersion"]) throw conflict(targetOf(resource, name))
    const replicas = num(obj(scale["spec"])["replicas"])
    if (replicas === undefined || replicas < 0 || !Number.isInteger(replicas)) {
      throw invalid({ group: "autoscaling", plural: "scales", kind: "Scale", name }, [
        { reason: "FieldValueInvalid", message: `Invalid value: ${String(obj(scale["spec"])["replicas"])}: must be greater than or equal to 0`, field: "spec.replicas" }
      ])
    }
    const next = clone(stored)
    obj(next["spec"])["replicas"] = replicas
    if (!isObj(next["spec"])) next["spec"] = { replicas }
    return scaleOf(this.replace(resource, namespace, name, next, "main", options))
  }
}

const scaleOf = (o: Obj): Obj => {
  const meta = obj(o["metadata"])
  const status = obj(o["status"])
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: meta["name"],
      ...(meta["namespace"] === undefined ? {} : { namespace: meta["namespace"] }),
      uid: meta["uid"],
      resourceVersion: meta["resourceVersion"],
      creationTimestamp: meta["creationTimestamp"]
    },
    spec: { replicas: num(obj(o["spec"])["replicas"]) ?? 1 },
    status: { replicas: num(status["replicas"]) ?? 0, selector: str(status["selector"]) ?? formatSelector(obj(o["spec"])["selector"]) }
  }
}

/** Apply a patch of `type` to a copy of `doc`; the result must be an object. */
export const patchDocument = (type: PatchType, doc: Obj, body: unknown): Obj => {
  let patched: unknown
  switch (type) {
    case "merge":
      if (!isObj(body)) throw badRequest("json: cannot unmarshal array into Go value of type map[string]interface {}")
      patched = mergePatch(doc, body)
      break
    case "json":
      patched = jsonPatch(doc, body)
      break
    case "strategic":
      if (!isObj(body)) throw badRequest("json: cannot unmarshal array into Go value of type map[string]interface {}")
      patched = strategicMergePatch(doc, body)
      break
  }
  if (!isObj(patched)) throw badRequest("the patched object is not a JSON object")
  return patched
}

export type PatchType = "merge" | "json" | "strategic"

/** The patch media types the server takes for custom resources (built-ins add strategic merge). */
export const CUSTOM_PATCH_TYPES = ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"]
export const BUILTIN_PATCH_TYPES = [...CUSTOM_PATCH_TYPES, "application/strategic-merge-patch+json"]
