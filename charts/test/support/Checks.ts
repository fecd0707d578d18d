import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { parse } from "yaml"
import type { K8sObject } from "./Helm.ts"

/** A Secret's values in plain text (data decoded, stringData as is). */
export const secretValues = (objects: ReadonlyArray<K8sObject>): Array<string> =>
  objects
    .filter((o) => o.apiVersion === "v1" && o.kind === "Secret")
    .flatMap((o) => [
      ...Object.values((o["data"] ?? {}) as Record<string, string>).map((b64) => Buffer.from(b64, "base64").toString("utf8")),
      ...Object.values((o["stringData"] ?? {}) as Record<string, string>)
    ])

/**
 * Where a Secret's value shows up outside its Secret: in plain text or in
 * base64, anywhere in any other object (ConfigMaps, env literals, args,
 * annotations, an AnalysisTemplate…). Empty when nothing leaks.
 */
export const secretLeaks = (objects: ReadonlyArray<K8sObject>): Array<string> => {
  const values = secretValues(objects).filter((v) => v.length >= 8)
  return objects
    .filter((o) => !(o.apiVersion === "v1" && o.kind === "Secret"))
    .flatMap((o) => {
      const text = JSON.stringify(o)
      return values.filter((v) => text.includes(v) || text.includes(Buffer.from(v).toString("base64"))).map(() => `${o.kind} ${o.metadata.name}`)
    })
}

/** Whether every label of `selector` is on `labels` with the same value. */
export const selects = (selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>> | undefined): boolean =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v)

/** The rule groups of every prometheus/rules-style folder: each *.yml/*.yaml file's `groups`, files in name order (as Helm's .Files.Glob ranges them). */
export const ruleGroups = (dir: string): Array<unknown> =>
  readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => ((parse(readFileSync(join(dir, f), "utf8")) as { groups?: Array<unknown> } | null)?.groups ?? []))

/** The metric name and label matchers of every vector selector in a PromQL query (`name{a="x",b=~"y"}`; quoted values may hold braces, as Argo's `{{args.x}}` do). */
export const selectors = (query: string): Array<{ readonly metric: string; readonly labels: Record<string, string> }> =>
  [...query.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(?:=~|!=|!~|=)\s*"(?:[^"\\]|\\.)*"\s*,?)*)\}/g)].map((m) => ({
    metric: m[1]!,
    labels: Object.fromEntries([...m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!=|!~|=)\s*"((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]))
  }))

/**
 * What Argo Rollouts makes of a measurement, given a metric's success and
 * failure conditions of the form `result == "x"`: Successful when the success
 * condition holds, Failed when the failure condition holds, Inconclusive
 * when neither does (Argo's rule when both conditions are set).
 */
export const argoOutcome = (successCondition: string, failureCondition: string, result: string): "Successful" | "Failed" | "Inconclusive" => {
  const equalsString = (condition: string): string => {
    const m = /^result == "([^"]*)"$/.exec(condition.trim())
    if (m === null) throw new Error(`not a result == "…" condition: ${condition}`)
    return m[1]!
  }
  if (equalsString(failureCondition) === result) return "Failed"
  if (equalsString(successCondition) === result) return "Successful"
  return "Inconclusive"
}

/** A node of a values.schema.json (the parts the key comparison reads). */
export interface SchemaNode {
  readonly type?: string | ReadonlyArray<string>
  readonly properties?: Readonly<Record<string, SchemaNode>>
  readonly additionalProperties?: boolean | SchemaNode
}

/** The dotted paths of a schema's leaves: keys whose node names no properties of its own (free-form objects, lists, scalars). */
export const schemaLeaves = (node: SchemaNode, prefix = ""): Array<string> =>
  Object.entries(node.properties ?? {}).flatMap(([key, child]) => {
    const path = prefix === "" ? key : `${prefix}.${key}`
    return child.properties !== undefined ? schemaLeaves(child, path) : [path]
  })

/** The dotted paths of a values document's leaves, descending only where the schema names properties (so free-form maps stay one key). */
export const valueLeaves = (values: Readonly<Record<string, unknown>>, node: SchemaNode, prefix = ""): Array<string> =>
  Object.entries(values).flatMap(([key, value]) => {
    const path = prefix === "" ? key : `${prefix}.${key}`
    const child = node.properties?.[key]
    return child?.properties !== undefined && typeof value === "object" && value !== null && !Array.isArray(value)
      ? valueLeaves(value as Record<string, unknown>, child, path)
      : [path]
  })
