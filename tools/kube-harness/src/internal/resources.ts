import { arr, num, obj, str, type Obj } from "./json.ts"

/** A Table column: its definition as the server sends it, and how a cell is read off an object. */
export interface Column {
  readonly name: string
  readonly type: "string" | "integer" | "date"
  readonly format?: string
  readonly description: string
  readonly priority: number
  readonly cell: (o: Obj) => unknown
}

/** One kind of resource the fake serves, with what discovery says about it. */
export interface ResourceType {
  readonly group: string
  readonly version: string
  readonly plural: string
  readonly singular: string
  readonly kind: string
  readonly namespaced: boolean
  readonly shortNames: ReadonlyArray<string>
  readonly categories: ReadonlyArray<string>
  /** has a `/status` subresource: the main resource ignores `status`, `/status` changes only it */
  readonly statusSubresource: boolean
  /** has a `/scale` subresource (autoscaling/v1 Scale): what `kubectl scale` uses */
  readonly scaleSubresource: boolean
  /** a compiled-in kind: strategic merge patch works; lists drop each item's apiVersion/kind */
  readonly builtin: boolean
  /** keeps `metadata.generation` */
  readonly generation: boolean
  /** DELETE answers with the deleted object (custom resources, Services), else with a Success Status */
  readonly returnsDeletedObject: boolean
  readonly columns: ReadonlyArray<Column>
}

export const apiVersionOf = (r: Pick<ResourceType, "group" | "version">): string => (r.group === "" ? r.version : `${r.group}/${r.version}`)

/** `5s`, `3m20s`, `2d4h`: kubectl's HumanDuration, for the AGE column. */
export const humanAge = (created: unknown, now = Date.now()): string => {
  const at = typeof created === "string" ? Date.parse(created) : NaN
  if (Number.isNaN(at)) return "<unknown>"
  const seconds = Math.max(0, Math.floor((now - at) / 1000))
  const minutes = Math.floor(seconds / 60)
  const hours = Math.floor(minutes / 60)
  const days = Math.floor(hours / 24)
  if (seconds < 120) return `${seconds}s`
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`
  if (minutes < 180) return `${minutes}m`
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`
  if (hours < 48) return `${hours}h`
  if (hours < 192) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`
  if (days < 730) return `${days}d`
  return `${Math.floor(days / 365)}y${days % 365}d`
}

const meta = (o: Obj) => obj(o["metadata"])
const spec = (o: Obj) => obj(o["spec"])
const status = (o: Obj) => obj(o["status"])
const int = (x: unknown) => num(x) ?? 0

const nameColumn: Column = {
  name: "Name",
  type: "string",
  format: "name",
  description: "Name must be unique within a namespace.",
  priority: 0,
  cell: (o) => str(meta(o)["name"]) ?? ""
}
const ageColumn: Column = {
  name: "Age",
  type: "string",
  description: "CreationTimestamp is a timestamp representing the server time when this object was created.",
  priority: 0,
  cell: (o) => humanAge(meta(o)["creationTimestamp"])
}
const column = (name: string, type: Column["type"], description: string, cell: Column["cell"], priority = 0): Column => ({
  name,
  type,
  description,
  priority,
  cell
})
const containers = (o: Obj) => arr(obj(spec(spec(o)["template"] as Obj))["containers"]).map(obj)

const deploymentColumns: ReadonlyArray<Column> = [
  nameColumn,
  column("Ready", "string", "Number of the pod with ready state", (o) => `${int(status(o)["readyReplicas"])}/${num(spec(o)["replicas"]) ?? 1}`),
  column("Up-to-date", "integer", "Total number of non-terminated pods targeted by this deployment that have the desired template spec.", (o) => int(status(o)["updatedReplicas"])),
  column("Available", "integer", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.", (o) => int(status(o)["availableReplicas"])),
  ageColumn,
  column("Containers", "string", "Names of each container in the template.", (o) => containers(o).map((c) => str(c["name"])).join(","), 1),
  column("Images", "string", "Images referenced by each container in the template.", (o) => containers(o).map((c) => str(c["image"])).join(","), 1)
]
const replicaSetColumns: ReadonlyArray<Column> = [
  nameColumn,
  column("Desired", "integer", "Number of desired pods.", (o) => num(spec(o)["replicas"]) ?? 1),
  column("Current", "integer", "Number of actual replicas.", (o) => int(status(o)["replicas"])),
  column("Ready", "integer", "The number of ready replicas for this replica set.", (o) => int(status(o)["readyReplicas"])),
  ageColumn
]
const servicePorts = (o: Obj): string => {
  const ports = arr(spec(o)["ports"]).map(obj)
  if (ports.length === 0) return "<none>"
  return ports.map((p) => `${int(p["port"])}${p["nodePort"] === undefined ? "" : `:${int(p["nodePort"])}`}/${str(p["protocol"]) ?? "TCP"}`).join(",")
}
const serviceColumns: ReadonlyArray<Column> = [
  nameColumn,
  column("Type", "string", "The type of the service.", (o) => str(spec(o)["type"]) ?? "ClusterIP"),
  column("Cluster-IP", "string", "The cluster IP of the service.", (o) => str(spec(o)["clusterIP"]) ?? "<none>"),
  column("External-IP", "string", "The external IP of the service.", (o) => arr(spec(o)["externalIPs"]).join(",") || "<none>"),
  column("Port(s)", "string", "The ports exposed by the service.", servicePorts),
  ageColumn,
  column("Selector", "string", "The selector of the service.", (o) => Object.entries(obj(spec(o)["selector"])).map(([k, v]) => `${k}=${String(v)}`).join(",") || "<none>", 1)
]
const namespaceColumns: ReadonlyArray<Column> = [
  nameColumn,
  column("Status", "string", "The status of the namespace", (o) => str(status(o)["phase"]) ?? "Active"),
  ageColumn
]
const configMapColumns: ReadonlyArray<Column> = [
  nameColumn,
  column("Data", "string", "Number of data entries.", (o) => Object.keys(obj(o["data"])).length + Object.keys(obj(o["binaryData"])).length),
  ageColumn
]
const rolloutColumns: ReadonlyArray<Column> = [
  nameColumn,
  column("Desired", "integer", "Number of desired pods", (o) => num(spec(o)["replicas"]) ?? 1),
  column("Current", "integer", "Total number of non-terminated pods targeted by this rollout", (o) => int(status(o)["replicas"])),
  column("Up-to-date", "integer", "Total number of non-terminated pods targeted by this rollout that have the desired template spec", (o) => int(status(o)["updatedReplicas"])),
  column("Available", "integer", "Total number of available pods (ready for at least minReadySeconds) targeted by this rollout", (o) => int(status(o)["availableReplicas"])),
  ageColumn
]
const canaryColumns: ReadonlyArray<Column> = [
  nameColumn,
  column("Status", "string", "", (o) => str(status(o)["phase"]) ?? ""),
  column("Weight", "string", "", (o) => String(int(status(o)["canaryWeight"]))),
  column("LastTransitionTime", "date", "", (o) => str(status(o)["lastTransitionTime"]) ?? "")
]
const analysisRunColumns: ReadonlyArray<Column> = [
  nameColumn,
  column("Status", "string", "AnalysisRun status", (o) => str(status(o)["phase"]) ?? ""),
  ageColumn
]

interface Spec {
  readonly group: string
  readonly version: string
  readonly plural: string
  readonly kind: string
  readonly namespaced?: boolean
  readonly shortNames?: ReadonlyArray<string>
  readonly categories?: ReadonlyArray<string>
  readonly statusSubresource?: boolean
  readonly scaleSubresource?: boolean
  readonly builtin?: boolean
  readonly generation?: boolean
  readonly returnsDeletedObject?: boolean
  readonly columns?: ReadonlyArray<Column>
}

const define = (s: Spec): ResourceType => ({
  group: s.group,
  version: s.version,
  plural: s.plural,
  singular: s.kind.toLowerCase(),
  kind: s.kind,
  namespaced: s.namespaced ?? true,
  shortNames: s.shortNames ?? [],
  categories: s.categories ?? [],
  statusSubresource: s.statusSubresource ?? false,
  scaleSubresource: s.scaleSubresource ?? false,
  builtin: s.builtin ?? false,
  generation: s.generation ?? true,
  returnsDeletedObject: s.returnsDeletedObject ?? !(s.builtin ?? false),
  columns: s.columns ?? [nameColumn, ageColumn]
})

/** Every resource the fake serves. */
export const RESOURCES: ReadonlyArray<ResourceType> = [
  define({ group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false, shortNames: ["ns"], statusSubresource: true, builtin: true, generation: false, returnsDeletedObject: true, columns: namespaceColumns }),
  define({ group: "", version: "v1", plural: "services", kind: "Service", shortNames: ["svc"], categories: ["all"], statusSubresource: true, builtin: true, generation: false, returnsDeletedObject: true, columns: serviceColumns }),
  define({ group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", shortNames: ["cm"], builtin: true, generation: false, columns: configMapColumns }),
  define({ group: "", version: "v1", plural: "secrets", kind: "Secret", builtin: true, generation: false }),
  define({ group: "apps", version: "v1", plural: "deployments", kind: "Deployment", shortNames: ["deploy"], categories: ["all"], statusSubresource: true, scaleSubresource: true, builtin: true, columns: deploymentColumns }),
  define({ group: "apps", version: "v1", plural: "replicasets", kind: "ReplicaSet", shortNames: ["rs"], categories: ["all"], statusSubresource: true, scaleSubresource: true, builtin: true, columns: replicaSetColumns }),
  define({ group: "networking.k8s.io", version: "v1", plural: "ingresses", kind: "Ingress", shortNames: ["ing"], statusSubresource: true, builtin: true }),
  define({ group: "gateway.networking.k8s.io", version: "v1", plural: "httproutes", kind: "HTTPRoute", categories: ["gateway-api"], statusSubresource: true }),
  define({ group: "argoproj.io", version: "v1alpha1", plural: "rollouts", kind: "Rollout", shortNames: ["ro"], statusSubresource: true, scaleSubresource: true, columns: rolloutColumns }),
  define({ group: "argoproj.io", version: "v1alpha1", plural: "analysistemplates", kind: "AnalysisTemplate", shortNames: ["at"] }),
  define({ group: "argoproj.io", version: "v1alpha1", plural: "analysisruns", kind: "AnalysisRun", shortNames: ["ar"], columns: analysisRunColumns }),
  define({ group: "flagger.app", version: "v1beta1", plural: "canaries", kind: "Canary", categories: ["all"], statusSubresource: true, columns: canaryColumns })
]

/** The resource of an object's apiVersion and kind (`apps/v1`, `Deployment`). */
export const resourceOfKind = (apiVersion: string, kind: string): ResourceType | undefined =>
  RESOURCES.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind)

export const resourceOfPath = (group: string, version: string, plural: string): ResourceType | undefined =>
  RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural)

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

/** `APIResourceList` for one group/version, with `x/status` subresources. */
export const resourceList = (group: string, version: string): Obj | undefined => {
  const resources = RESOURCES.filter((r) => r.group === group && r.version === version)
  if (resources.length === 0) return undefined
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: apiVersionOf({ group, version }),
    resources: resources.flatMap((r) => [
      {
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: VERBS,
        ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
        ...(r.categories.length > 0 ? { categories: r.categories } : {})
      },
      ...(r.statusSubresource
        ? [{ name: `${r.plural}/status`, singularName: "", namespaced: r.namespaced, kind: r.kind, verbs: ["get", "patch", "update"] }]
        : []),
      ...(r.scaleSubresource
        ? [{ name: `${r.plural}/scale`, singularName: "", namespaced: r.namespaced, group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get", "patch", "update"] }]
        : [])
    ])
  }
}

const groupEntry = (group: string): Obj => {
  const versions = [...new Set(RESOURCES.filter((r) => r.group === group).map((r) => r.version))]
  const entries = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }))
  return { name: group, versions: entries, preferredVersion: entries[0] }
}

export const apiGroupList = (): Obj => ({
  kind: "APIGroupList",
  apiVersion: "v1",
  groups: [...new Set(RESOURCES.map((r) => r.group).filter((g) => g !== ""))].map(groupEntry)
})

export const apiGroup = (group: string): Obj | undefined =>
  RESOURCES.some((r) => r.group === group && group !== "") ? { kind: "APIGroup", apiVersion: "v1", ...groupEntry(group) } : undefined
