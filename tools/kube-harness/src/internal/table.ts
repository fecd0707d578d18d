import { obj, type Obj } from "./json.ts"
import type { ResourceType } from "./resources.ts"

/** Whether the client asked for a `meta.k8s.io/v1` Table (kubectl get does, for its human-readable output). */
export const wantsTable = (accept: string | undefined): boolean =>
  (accept ?? "")
    .split(",")
    .some((part) => /(^|;)\s*as=Table(\s*;|$)/.test(part) && /(^|;)\s*g=meta\.k8s\.io(\s*;|$)/.test(part) && /(^|;)\s*v=v1(beta1)?(\s*;|$)/.test(part))

/** What each row carries: `includeObject=None|Metadata|Object` (Metadata by default, as on the real server). */
const rowObject = (o: Obj, include: string | null): Obj | undefined => {
  if (include === "None") return undefined
  if (include === "Object") return o
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: obj(o["metadata"]) }
}

/** A Table of objects: the resource's columns (NAME … AGE), one row per object. */
export const toTable = (resource: ResourceType, objects: ReadonlyArray<Obj>, resourceVersion: string, include: string | null): Obj => ({
  kind: "Table",
  apiVersion: "meta.k8s.io/v1",
  metadata: { resourceVersion },
  columnDefinitions: resource.columns.map((c) => ({
    name: c.name,
    type: c.type,
    format: c.format ?? "",
    description: c.description,
    priority: c.priority
  })),
  rows: objects.map((o) => {
    const object = rowObject(o, include)
    return { cells: resource.columns.map((c) => c.cell(o)), ...(object === undefined ? {} : { object }) }
  })
})
