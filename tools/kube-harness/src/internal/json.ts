/** A JSON object as the API server stores it: plain data, copied on every read and write. */
export type Obj = Record<string, unknown>

export const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x)

/** The object at `x`, or an empty one (for reading optional nested fields). */
export const obj = (x: unknown): Obj => (isObj(x) ? x : {})

export const arr = (x: unknown): ReadonlyArray<unknown> => (Array.isArray(x) ? x : [])

export const str = (x: unknown): string | undefined => (typeof x === "string" ? x : undefined)

export const num = (x: unknown): number | undefined => (typeof x === "number" && Number.isFinite(x) ? x : undefined)

export const clone = <A>(x: A): A => (x === undefined ? x : (JSON.parse(JSON.stringify(x)) as A))

export const deepEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]))
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined)
    const kb = Object.keys(b).filter((k) => b[k] !== undefined)
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]))
  }
  return false
}

/** JSON with object keys sorted, so equal data always hashes the same. */
export const canonical = (x: unknown): string => {
  if (Array.isArray(x)) return `[${x.map(canonical).join(",")}]`
  if (isObj(x)) {
    return `{${Object.keys(x)
      .filter((k) => x[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(x[k])}`)
      .join(",")}}`
  }
  return JSON.stringify(x) ?? "null"
}

/** RFC 3339 with whole seconds, as Kubernetes writes `metav1.Time`. */
export const timestamp = (ms: number = Date.now()): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z")

/** Drop keys whose value is 0, undefined or empty, as Go's `omitempty` does for status counters. */
export const omitEmpty = (o: Obj): Obj =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== 0 && v !== "" && v !== false))
