import { badRequest } from "./errors.ts"
import { obj, str, type Obj } from "./json.ts"

/** One requirement of a label selector: `a=b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`. */
export interface Requirement {
  readonly key: string
  readonly op: "=" | "!=" | "in" | "notin" | "exists" | "!"
  readonly values: ReadonlyArray<string>
}

const splitTopLevel = (s: string): ReadonlyArray<string> => {
  const parts: Array<string> = []
  let depth = 0
  let current = ""
  for (const c of s) {
    if (c === "(") depth++
    if (c === ")") depth--
    if (c === "," && depth === 0) {
      parts.push(current)
      current = ""
    } else current += c
  }
  parts.push(current)
  return parts.map((p) => p.trim()).filter((p) => p !== "")
}

/** Parse `labelSelector` as the API server does; a malformed one is a 400. */
export const parseLabelSelector = (s: string | null | undefined): ReadonlyArray<Requirement> => {
  if (s === null || s === undefined || s.trim() === "") return []
  return splitTopLevel(s).map((part): Requirement => {
    const set = /^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part)
    if (set !== null) {
      const values = set[3]!.split(",").map((v) => v.trim()).filter((v) => v !== "")
      return { key: set[1]!, op: set[2] as "in" | "notin", values }
    }
    const ne = /^([^\s!=]+)\s*!=\s*(\S*)$/.exec(part)
    if (ne !== null) return { key: ne[1]!, op: "!=", values: [ne[2]!] }
    const eq = /^([^\s!=]+)\s*==?\s*(\S*)$/.exec(part)
    if (eq !== null) return { key: eq[1]!, op: "=", values: [eq[2]!] }
    const not = /^!\s*([^\s!=]+)$/.exec(part)
    if (not !== null) return { key: not[1]!, op: "!", values: [] }
    if (/^[^\s!=()]+$/.test(part)) return { key: part, op: "exists", values: [] }
    throw badRequest(`unable to parse requirement: found '${part}', expected: identifier`)
  })
}

export const matchesLabels = (labels: Obj, requirements: ReadonlyArray<Requirement>): boolean =>
  requirements.every((r) => {
    const value = str(labels[r.key])
    switch (r.op) {
      case "=":
        return value === r.values[0]
      case "!=":
        return value !== r.values[0]
      case "in":
        return value !== undefined && r.values.includes(value)
      case "notin":
        return value === undefined || !r.values.includes(value)
      case "exists":
        return value !== undefined
      case "!":
        return value === undefined
    }
  })

/** A field selector requirement; only `metadata.name` and `metadata.namespace` exist for every resource. */
export interface FieldRequirement {
  readonly field: "metadata.name" | "metadata.namespace"
  readonly op: "=" | "!="
  readonly value: string
}

export const parseFieldSelector = (s: string | null | undefined): ReadonlyArray<FieldRequirement> => {
  if (s === null || s === undefined || s.trim() === "") return []
  return s.split(",").map((part): FieldRequirement => {
    const m = /^\s*([^!=\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part)
    if (m === null) throw badRequest(`invalid selector: '${s}'; can't understand '${part}'`)
    const field = m[1]!
    if (field !== "metadata.name" && field !== "metadata.namespace") throw badRequest(`field label not supported: ${field}`)
    return { field, op: m[2] === "!=" ? "!=" : "=", value: m[3]! }
  })
}

export const matchesFields = (o: Obj, requirements: ReadonlyArray<FieldRequirement>): boolean => {
  const meta = obj(o["metadata"])
  return requirements.every((r) => {
    const value = str(meta[r.field === "metadata.name" ? "name" : "namespace"]) ?? ""
    return r.op === "=" ? value === r.value : value !== r.value
  })
}

/** Whether `labels` satisfy a `metav1.LabelSelector` (`matchLabels`, `matchExpressions`). */
export const matchesSelector = (labels: Obj, selector: unknown): boolean => {
  const s = obj(selector)
  const matchLabels = obj(s["matchLabels"])
  if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) return false
  const expressions = Array.isArray(s["matchExpressions"]) ? (s["matchExpressions"] as ReadonlyArray<unknown>) : []
  return expressions.every((e) => {
    const x = obj(e)
    const key = str(x["key"]) ?? ""
    const values = (Array.isArray(x["values"]) ? x["values"] : []).map(String)
    const value = str(labels[key])
    switch (x["operator"]) {
      case "In":
        return value !== undefined && values.includes(value)
      case "NotIn":
        return value === undefined || !values.includes(value)
      case "Exists":
        return value !== undefined
      case "DoesNotExist":
        return value === undefined
      default:
        return false
    }
  })
}

/** `app=checkout,track=stable` for a selector's matchLabels (what Rollouts write to `status.selector`). */
export const formatSelector = (selector: unknown): string =>
  Object.entries(obj(obj(selector)["matchLabels"]))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(",")
