import { badRequest, patchRejected } from "./errors.ts"
import { clone, deepEqual, isObj, type Obj } from "./json.ts"

/** JSON merge patch (RFC 7386): objects merge key by key, `null` deletes, anything else replaces. */
export const mergePatch = (target: unknown, patch: unknown): unknown => {
  if (!isObj(patch)) return clone(patch)
  const result: Obj = isObj(target) ? { ...target } : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key]
    else result[key] = mergePatch(result[key], value)
  }
  return result
}

interface Operation {
  readonly op: string
  readonly path: string
  readonly from?: string
  readonly value?: unknown
}

const parsePointer = (pointer: string): ReadonlyArray<string> => {
  if (pointer === "") return []
  if (!pointer.startsWith("/")) throw patchRejected(`JSON pointer "${pointer}" does not start with a slash`)
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"))
}

const arrayIndex = (token: string, length: number, forAdd: boolean, path: string): number => {
  if (forAdd && token === "-") return length
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw patchRejected(`Unable to access invalid index: ${token} in ${path}`)
  const i = Number(token)
  if (i > length || (!forAdd && i === length)) throw patchRejected(`Unable to access invalid index: ${i} in ${path}`)
  return i
}

/** The container that holds the last token of `path`, and that token. */
const locate = (doc: unknown, path: string, op: string): { parent: unknown; key: string } => {
  const tokens = parsePointer(path)
  if (tokens.length === 0) return { parent: undefined, key: "" }
  let node: unknown = doc
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[arrayIndex(token, node.length, false, path)]
    else if (isObj(node) && token in node) node = node[token]
    else throw patchRejected(`${op} operation does not apply: doc is missing path: "${path}": missing value`)
  }
  if (!Array.isArray(node) && !isObj(node)) {
    throw patchRejected(`${op} operation does not apply: doc is missing path: "${path}": missing value`)
  }
  return { parent: node, key: tokens[tokens.length - 1]! }
}

const read = (doc: unknown, path: string, op: string): unknown => {
  const { parent, key } = locate(doc, path, op)
  if (parent === undefined) return doc
  if (Array.isArray(parent)) return parent[arrayIndex(key, parent.length, false, path)]
  const o = parent as Obj
  if (!(key in o)) throw patchRejected(`${op} operation does not apply: doc is missing key: ${path}: missing value`)
  return o[key]
}

const add = (doc: unknown, path: string, value: unknown): unknown => {
  const { parent, key } = locate(doc, path, "add")
  if (parent === undefined) return clone(value)
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, true, path), 0, clone(value))
  else (parent as Obj)[key] = clone(value)
  return doc
}

const remove = (doc: unknown, path: string, op = "remove"): unknown => {
  const { parent, key } = locate(doc, path, op)
  if (parent === undefined) throw patchRejected(`${op} operation does not apply: cannot remove the whole document`)
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, false, path), 1)
  else {
    const o = parent as Obj
    if (!(key in o)) throw patchRejected(`${op} operation does not apply: doc is missing key: ${path}: missing value`)
    delete o[key]
  }
  return doc
}

/** JSON patch (RFC 6902): add, remove, replace, move, copy, test. A failed operation is a 422, as on the real server. */
export const jsonPatch = (target: unknown, patch: unknown): unknown => {
  if (!Array.isArray(patch)) throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
  let doc = clone(target)
  for (const raw of patch) {
    if (!isObj(raw) || typeof raw["op"] !== "string" || typeof raw["path"] !== "string") {
      throw badRequest(`invalid JSON patch operation: ${JSON.stringify(raw)}`)
    }
    const op = raw as unknown as Operation
    switch (op.op) {
      case "add":
        doc = add(doc, op.path, op.value)
        break
      case "remove":
        doc = remove(doc, op.path)
        break
      case "replace":
        read(doc, op.path, "replace")
        doc = remove(doc, op.path, "replace")
        doc = add(doc, op.path, op.value)
        break
      case "move": {
        const value = read(doc, op.from ?? "", "move")
        doc = remove(doc, op.from ?? "", "move")
        doc = add(doc, op.path, value)
        break
      }
      case "copy":
        doc = add(doc, op.path, read(doc, op.from ?? "", "copy"))
        break
      case "test": {
        let actual: unknown
        try {
          actual = read(doc, op.path, "test")
        } catch {
          actual = undefined
        }
        if (!deepEqual(actual, op.value ?? null)) throw patchRejected(`testing value ${op.path} failed: test failed`)
        break
      }
      default:
        throw badRequest(`Unexpected kind: ${op.op}`)
    }
  }
  return doc
}

/**
 * The merge key of a list field, as Kubernetes' Go types declare it
 * (`patchMergeKey`): containers, env and volumes by name, container ports by
 * containerPort, Service ports by port, conditions by type. Lists without
 * one (args, command, tolerations) are replaced, like the real server does.
 */
const mergeKeyOf = (field: string, items: ReadonlyArray<unknown>): string | undefined => {
  const objects = items.filter(isObj)
  if (objects.length === 0 || objects.length !== items.length) return undefined
  const every = (key: string) => objects.every((o) => key in o || o["$patch"] !== undefined)
  switch (field) {
    case "containers":
    case "initContainers":
    case "ephemeralContainers":
    case "env":
    case "volumes":
    case "imagePullSecrets":
      return "name"
    case "volumeMounts":
    case "volumeDevices":
      return every("mountPath") ? "mountPath" : "devicePath"
    case "ports":
      return every("containerPort") ? "containerPort" : "port"
    case "conditions":
      return "type"
    case "ownerReferences":
      return "uid"
    case "hostAliases":
      return "ip"
    case "args":
    case "command":
    case "tolerations":
    case "finalizers":
      return undefined
    default:
      return every("name") ? "name" : undefined
  }
}

const withoutDirectives = (o: Obj): Obj =>
  Object.fromEntries(Object.entries(o).filter(([k]) => !k.startsWith("$")))

const mergeList = (base: unknown, patch: ReadonlyArray<unknown>, key: string): Array<unknown> => {
  if (patch.some((p) => isObj(p) && p["$patch"] === "replace")) {
    return patch.filter((p) => !(isObj(p) && p["$patch"] === "replace")).map((p) => (isObj(p) ? withoutDirectives(p) : p))
  }
  const result: Array<unknown> = Array.isArray(base) ? [...base] : []
  for (const item of patch) {
    if (!isObj(item)) continue
    const index = result.findIndex((b) => isObj(b) && deepEqual(b[key], item[key]))
    if (item["$patch"] === "delete") {
      if (index >= 0) result.splice(index, 1)
    } else if (index >= 0) result[index] = strategicMergePatch(result[index], item)
    else result.push(strategicMergePatch(undefined, item))
  }
  return result
}

const orderBy = (list: ReadonlyArray<unknown>, order: ReadonlyArray<unknown>, key: string | undefined): Array<unknown> => {
  const position = (x: unknown): number => {
    const i = order.findIndex((o) => (key === undefined ? deepEqual(o, x) : isObj(o) && isObj(x) && deepEqual(o[key], x[key])))
    return i < 0 ? order.length : i
  }
  return list
    .map((x, i) => ({ x, i }))
    .sort((a, b) => position(a.x) - position(b.x) || a.i - b.i)
    .map(({ x }) => x)
}

/**
 * Strategic merge patch, enough for `kubectl apply`/`patch` on built-in
 * kinds: merge-patch semantics, lists with a merge key merged element by
 * element, and the directives kubectl sends (`$patch: delete|replace`,
 * `$setElementOrder/…`, `$deleteFromPrimitiveList/…`, `$retainKeys`).
 */
export const strategicMergePatch = (target: unknown, patch: unknown): unknown => {
  if (!isObj(patch)) return clone(patch)
  if (patch["$patch"] === "replace") return clone(withoutDirectives(patch))
  if (patch["$patch"] === "delete") return undefined
  const result: Obj = isObj(target) ? { ...target } : {}
  const orders: Array<[string, ReadonlyArray<unknown>]> = []
  for (const [key, value] of Object.entries(patch)) {
    if (key === "$patch" || key === "$retainKeys") continue
    if (key.startsWith("$setElementOrder/")) {
      orders.push([key.slice("$setElementOrder/".length), Array.isArray(value) ? value : []])
      continue
    }
    if (key.startsWith("$deleteFromPrimitiveList/")) {
      const field = key.slice("$deleteFromPrimitiveList/".length)
      const current = result[field]
      if (Array.isArray(current) && Array.isArray(value)) result[field] = current.filter((x) => !value.some((v) => deepEqual(v, x)))
      continue
    }
    if (value === null) delete result[key]
    else if (Array.isArray(value)) {
      const mergeKey = mergeKeyOf(key, value)
      result[key] = mergeKey === undefined ? clone(value) : mergeList(result[key], value, mergeKey)
    } else if (isObj(value)) {
      const merged = strategicMergePatch(result[key], value)
      if (merged === undefined) delete result[key]
      else result[key] = merged
    } else result[key] = value
  }
  for (const [field, order] of orders) {
    const list = result[field]
    if (Array.isArray(list)) result[field] = orderBy(list, order, mergeKeyOf(field, order))
  }
  const retain = patch["$retainKeys"]
  if (Array.isArray(retain)) {
    for (const key of Object.keys(result)) if (!retain.includes(key) && !(key in patch)) delete result[key]
  }
  return result
}
