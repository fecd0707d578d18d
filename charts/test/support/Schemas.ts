import { AnalysisTemplate } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate"
import { Rollout } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout"
import { Deployment } from "kubernetes-models/apps/v1/Deployment"
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler"
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress"
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy"
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget"
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole"
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding"
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role"
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding"
import { ConfigMap } from "kubernetes-models/v1/ConfigMap"
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim"
import { Secret } from "kubernetes-models/v1/Secret"
import { Service } from "kubernetes-models/v1/Service"
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount"
import type { K8sObject } from "./Helm.ts"
import { check } from "./Strict.ts"
import { serviceMonitor } from "./VendorSchemas.ts"

interface Validatable {
  validate(): void
}
type ModelClass = new (data: never) => Validatable

/**
 * Kinds with a published JSON schema: the kubernetes-models (Kubernetes 1.32
 * OpenAPI) and @kubernetes-models/argo-rollouts (the Argo Rollouts CRDs).
 * Their validators check types, required fields and enums, not unknown fields.
 */
const models: Readonly<Record<string, ModelClass>> = {
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "networking.k8s.io/v1/Ingress": Ingress,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "rbac.authorization.k8s.io/v1/Role": Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding,
  "rbac.authorization.k8s.io/v1/ClusterRole": ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": ClusterRoleBinding,
  "v1/ConfigMap": ConfigMap,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "argoproj.io/v1alpha1/Rollout": Rollout,
  "argoproj.io/v1alpha1/AnalysisTemplate": AnalysisTemplate
}

type Obj = Record<string, unknown>
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x)
const isStringMap = (x: unknown): boolean => isObj(x) && Object.values(x).every((v) => typeof v === "string")
const duration = /^(([0-9]+)(y|w|d|h|m|s|ms))+$/

const checkSelector = (selector: unknown, where: string, errors: Array<string>) => {
  if (!isObj(selector) || (!isStringMap(selector["matchLabels"]) && !Array.isArray(selector["matchExpressions"]))) {
    errors.push(`${where} must be a label selector with matchLabels or matchExpressions`)
  } else if (isObj(selector["matchLabels"]) && Object.keys(selector["matchLabels"]).length === 0) {
    errors.push(`${where}.matchLabels is empty: it would select every pod`)
  }
}

const checkEndpoint = (endpoint: unknown, where: string, errors: Array<string>): void => {
  if (!isObj(endpoint)) {
    errors.push(`${where} must be an object`)
    return
  }
  if (typeof endpoint["port"] !== "string" && endpoint["targetPort"] === undefined) errors.push(`${where} needs a port name (or targetPort)`)
  if (endpoint["path"] !== undefined && !(typeof endpoint["path"] === "string" && endpoint["path"].startsWith("/"))) errors.push(`${where}.path must start with /`)
  for (const key of ["interval", "scrapeTimeout"]) {
    if (endpoint[key] !== undefined && !(typeof endpoint[key] === "string" && duration.test(endpoint[key]))) errors.push(`${where}.${key} must be a Prometheus duration`)
  }
  const relabelings = endpoint["relabelings"]
  if (relabelings !== undefined) {
    if (!Array.isArray(relabelings)) errors.push(`${where}.relabelings must be a list`)
    else
      relabelings.forEach((r, i) => {
        const actions = ["replace", "keep", "drop", "keepequal", "dropequal", "hashmod", "labelmap", "labeldrop", "labelkeep", "lowercase", "uppercase"]
        if (!isObj(r) || (r["action"] !== undefined && !actions.includes(String(r["action"])))) errors.push(`${where}.relabelings[${i}] has an unknown action`)
      })
  }
}

const ruleKeys = new Set(["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"])

/**
 * The Prometheus Operator's kinds (no schema package here): the
 * ServiceMonitor against the strict shape of support/VendorSchemas.ts, the
 * PodMonitor and PrometheusRule by hand — the fields the Operator requires
 * and the shapes it reads, nothing more.
 */
const handChecks: Readonly<Record<string, (o: K8sObject) => Array<string>>> = {
  // strict: every field checked against the Operator's Go types (support/VendorSchemas.ts), unknown ones refused
  "monitoring.coreos.com/v1/ServiceMonitor": (o) => {
    const errors = check(o, serviceMonitor)
    const spec = o["spec"]
    if (isObj(spec)) checkSelector(spec["selector"], "spec.selector", errors)
    return errors
  },
  "monitoring.coreos.com/v1/PodMonitor": (o) => {
    const errors: Array<string> = []
    const spec = o["spec"]
    if (!isObj(spec)) return ["spec is required"]
    checkSelector(spec["selector"], "spec.selector", errors)
    const endpoints = spec["podMetricsEndpoints"]
    if (!Array.isArray(endpoints) || endpoints.length === 0) errors.push("spec.podMetricsEndpoints must list at least one endpoint")
    else endpoints.forEach((e, i) => checkEndpoint(e, `spec.podMetricsEndpoints[${i}]`, errors))
    const targetLabels = spec["podTargetLabels"]
    if (targetLabels !== undefined && !(Array.isArray(targetLabels) && targetLabels.every((l) => typeof l === "string"))) errors.push("spec.podTargetLabels must be a list of label names")
    return errors
  },
  "monitoring.coreos.com/v1/PrometheusRule": (o) => {
    const errors: Array<string> = []
    const spec = o["spec"]
    if (!isObj(spec) || !Array.isArray(spec["groups"]) || spec["groups"].length === 0) return ["spec.groups must list at least one group"]
    const names = new Set<string>()
    spec["groups"].forEach((group: unknown, g) => {
      if (!isObj(group) || typeof group["name"] !== "string" || group["name"] === "") return errors.push(`spec.groups[${g}] needs a name`)
      if (names.has(group["name"])) errors.push(`spec.groups[${g}]: group name ${group["name"]} is used twice`)
      names.add(group["name"])
      const rules = group["rules"]
      if (!Array.isArray(rules) || rules.length === 0) return errors.push(`group ${group["name"]} has no rules`)
      rules.forEach((rule: unknown, r) => {
        const where = `group ${group["name"]} rule ${r}`
        if (!isObj(rule)) return errors.push(`${where} must be an object`)
        const unknown = Object.keys(rule).filter((k) => !ruleKeys.has(k))
        if (unknown.length > 0) errors.push(`${where} has unknown fields ${unknown.join(", ")}`)
        if ((typeof rule["record"] === "string") === (typeof rule["alert"] === "string")) errors.push(`${where} needs exactly one of record and alert`)
        if (typeof rule["expr"] !== "string" || rule["expr"].trim() === "") errors.push(`${where} needs an expr`)
        if (rule["for"] !== undefined && !(typeof rule["for"] === "string" && duration.test(rule["for"]))) errors.push(`${where}: for must be a duration`)
        for (const key of ["labels", "annotations"]) if (rule[key] !== undefined && !isStringMap(rule[key])) errors.push(`${where}: ${key} must map names to strings`)
        return undefined
      })
      return undefined
    })
    return errors
  }
}

/** How an object was checked. */
export type Checked = "schema" | "by hand"

/**
 * Check a rendered object against its schema, or by hand for the Prometheus
 * Operator kinds; throws, naming the object, when it is invalid or of a kind
 * the tests do not know (a new kind needs a deliberate decision here).
 */
export const validateObject = (o: K8sObject): Checked => {
  const key = `${o.apiVersion}/${o.kind}`
  const what = `${o.kind} ${o.metadata.name}`
  const Model = models[key]
  if (Model !== undefined) {
    try {
      new Model(o as never).validate()
    } catch (cause) {
      throw new Error(`${what} does not match the ${key} schema: ${cause instanceof Error ? cause.message : String(cause)}`)
    }
    return "schema"
  }
  const check = handChecks[key]
  if (check === undefined) throw new Error(`${what}: no schema and no hand check for ${key}`)
  const errors = check(o)
  if (errors.length > 0) throw new Error(`${what}: ${errors.join("; ")}`)
  return "by hand"
}
