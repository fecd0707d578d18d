import type { Cause } from "./errors.ts"
import { arr, canonical, deepEqual, isObj, obj, str, type Obj } from "./json.ts"
import type { ResourceType } from "./resources.ts"
import { matchesSelector } from "./selectors.ts"

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const LABEL_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/

const required = (field: string): Cause => ({ reason: "FieldValueRequired", message: "Required value", field })
const invalidValue = (field: string, value: string, why: string): Cause => ({
  reason: "FieldValueInvalid",
  message: `Invalid value: ${value}: ${why}`,
  field
})

/** The name rules of each kind: Services are RFC 1035 labels, Namespaces RFC 1123 labels, the rest subdomains. */
const nameCauses = (resource: ResourceType, name: string): ReadonlyArray<Cause> => {
  const quoted = JSON.stringify(name)
  if (resource.plural === "services") {
    return LABEL_1035.test(name) && name.length <= 63
      ? []
      : [invalidValue("metadata.name", quoted, "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")]
  }
  if (resource.plural === "namespaces") {
    return LABEL.test(name) && name.length <= 63
      ? []
      : [invalidValue("metadata.name", quoted, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")]
  }
  return SUBDOMAIN.test(name) && name.length <= 253
    ? []
    : [invalidValue("metadata.name", quoted, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")]
}

const goMap = (labels: Obj): string =>
  `map[string]string{${Object.entries(labels)
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
    .join(", ")}}`

const podTemplateCauses = (template: unknown, selector: unknown): ReadonlyArray<Cause> => {
  const causes: Array<Cause> = []
  if (!isObj(selector) || (Object.keys(obj(selector["matchLabels"])).length === 0 && arr(selector["matchExpressions"]).length === 0)) {
    causes.push(required("spec.selector"))
  }
  const labels = obj(obj(obj(template)["metadata"])["labels"])
  if (isObj(selector) && causes.length === 0 && !matchesSelector(labels, selector)) {
    causes.push(invalidValue("spec.template.metadata.labels", goMap(labels), "`selector` does not match template `labels`"))
  }
  const containers = arr(obj(obj(template)["spec"])["containers"])
  if (containers.length === 0) causes.push(required("spec.template.spec.containers"))
  containers.forEach((c, i) => {
    if (str(obj(c)["name"]) === undefined) causes.push(required(`spec.template.spec.containers[${i}].name`))
    if (str(obj(c)["image"]) === undefined) causes.push(required(`spec.template.spec.containers[${i}].image`))
  })
  return causes
}

/** Validation the real API server does for these kinds (the subset a test is likely to trip over). */
export const validate = (resource: ResourceType, o: Obj, existing: Obj | undefined): ReadonlyArray<Cause> => {
  const meta = obj(o["metadata"])
  const name = str(meta["name"]) ?? ""
  const causes: Array<Cause> = [...nameCauses(resource, name)]
  const spec = obj(o["spec"])
  if (resource.group === "apps" && (resource.plural === "deployments" || resource.plural === "replicasets")) {
    causes.push(...podTemplateCauses(spec["template"], spec["selector"]))
    if (existing !== undefined && !deepEqual(obj(existing["spec"])["selector"], spec["selector"])) {
      causes.push(invalidValue("spec.selector", canonical(spec["selector"]), "field is immutable"))
    }
  }
  if (resource.plural === "services" && resource.group === "") {
    const type = str(spec["type"]) ?? "ClusterIP"
    if (type !== "ExternalName" && spec["clusterIP"] !== "None" && arr(spec["ports"]).length === 0) causes.push(required("spec.ports"))
  }
  return causes
}

let nextClusterIp = 10

const imagePullPolicy = (image: string): string => {
  const tag = /:([^/:@]+)$/.exec(image)?.[1]
  return image.includes("@") ? "IfNotPresent" : tag === undefined || tag === "latest" ? "Always" : "IfNotPresent"
}

const defaultPodTemplate = (template: unknown): void => {
  if (!isObj(template)) return
  const spec = isObj(template["spec"]) ? template["spec"] : (template["spec"] = {})
  spec["restartPolicy"] ??= "Always"
  spec["terminationGracePeriodSeconds"] ??= 30
  spec["dnsPolicy"] ??= "ClusterFirst"
  spec["securityContext"] ??= {}
  spec["schedulerName"] ??= "default-scheduler"
  for (const c of arr(spec["containers"])) {
    if (!isObj(c)) continue
    c["imagePullPolicy"] ??= imagePullPolicy(str(c["image"]) ?? "")
    c["terminationMessagePath"] ??= "/dev/termination-log"
    c["terminationMessagePolicy"] ??= "File"
    c["resources"] ??= {}
    for (const p of arr(c["ports"])) if (isObj(p)) p["protocol"] ??= "TCP"
  }
}

/** Defaults the real API server fills in (so `kubectl get -o yaml` looks like a real cluster's). Mutates `o`. */
export const applyDefaults = (resource: ResourceType, o: Obj, existing: Obj | undefined): void => {
  const spec = isObj(o["spec"]) ? o["spec"] : undefined
  if (resource.group === "apps" && spec !== undefined) {
    spec["replicas"] ??= 1
    spec["revisionHistoryLimit"] ??= 10
    if (resource.plural === "deployments") {
      spec["progressDeadlineSeconds"] ??= 600
      spec["strategy"] ??= { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } }
    }
    defaultPodTemplate(spec["template"])
  }
  if (resource.group === "" && resource.plural === "services") {
    const s = isObj(o["spec"]) ? o["spec"] : (o["spec"] = {})
    s["type"] ??= "ClusterIP"
    s["sessionAffinity"] ??= "None"
    if (s["type"] !== "ExternalName") {
      const previous = str(obj(existing?.["spec"])["clusterIP"])
      if (s["clusterIP"] === undefined || s["clusterIP"] === "") {
        s["clusterIP"] = previous ?? `10.96.${Math.floor(nextClusterIp / 250)}.${(nextClusterIp % 250) + 1}`
        if (previous === undefined) nextClusterIp++
      }
      s["clusterIPs"] ??= [s["clusterIP"]]
      s["ipFamilies"] ??= ["IPv4"]
      s["ipFamilyPolicy"] ??= "SingleStack"
      s["internalTrafficPolicy"] ??= "Cluster"
    }
    for (const p of arr(s["ports"])) {
      if (!isObj(p)) continue
      p["protocol"] ??= "TCP"
      p["targetPort"] ??= p["port"]
    }
    o["status"] ??= { loadBalancer: {} }
  }
  if (resource.group === "" && resource.plural === "secrets") {
    // the server folds stringData into data (base64) and never stores it
    const stringData = obj(o["stringData"])
    if (Object.keys(stringData).length > 0) {
      o["data"] = { ...obj(o["data"]), ...Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(String(v)).toString("base64")])) }
    }
    delete o["stringData"]
    if (typeof o["type"] !== "string" || o["type"] === "") o["type"] = "Opaque"
  }
  if (resource.group === "" && resource.plural === "namespaces") {
    const meta = obj(o["metadata"])
    meta["labels"] = { ...obj(meta["labels"]), "kubernetes.io/metadata.name": meta["name"] }
    o["spec"] ??= { finalizers: ["kubernetes"] }
    o["status"] ??= { phase: "Active" }
  }
}
