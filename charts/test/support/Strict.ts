/**
 * A small strict schema language for the objects no schema package here
 * covers (Flagger's Canary, the Prometheus Operator's ServiceMonitor,
 * Kayenta's configuration): each shape is written from the vendor's Go or
 * Java types, and an object with a field the shape does not name is an
 * error, unlike the kubernetes-models validators.
 */
export type Shape =
  | { readonly type: "string"; readonly enum?: ReadonlyArray<string>; readonly pattern?: RegExp; readonly url?: boolean; readonly not?: RegExp }
  | { readonly type: "integer"; readonly minimum?: number }
  | { readonly type: "number" }
  | { readonly type: "boolean" }
  | { readonly type: "intOrString" }
  | { readonly type: "array"; readonly items: Shape; readonly minItems?: number }
  | { readonly type: "object"; readonly properties: Readonly<Record<string, Shape>>; readonly required?: ReadonlyArray<string> }
  | { readonly type: "map"; readonly values: Shape }
  | { readonly type: "const"; readonly value: string }

/** Shorthands for writing shapes. */
export const str = (options: Omit<Extract<Shape, { type: "string" }>, "type"> = {}): Shape => ({ type: "string", ...options })
export const int = (minimum?: number): Shape => (minimum === undefined ? { type: "integer" } : { type: "integer", minimum })
export const bool: Shape = { type: "boolean" }
export const intOrString: Shape = { type: "intOrString" }
export const array = (items: Shape, minItems?: number): Shape => (minItems === undefined ? { type: "array", items } : { type: "array", items, minItems })
export const object = (properties: Record<string, Shape>, required: ReadonlyArray<string> = []): Shape => ({ type: "object", properties, required })
export const map = (values: Shape): Shape => ({ type: "map", values })
export const constant = (value: string): Shape => ({ type: "const", value })

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x)

/** Every way `value` departs from `shape`, each with its path; empty when it conforms. */
export const check = (value: unknown, shape: Shape, path = "$"): Array<string> => {
  switch (shape.type) {
    case "const":
      return value === shape.value ? [] : [`${path} must be ${JSON.stringify(shape.value)}, not ${JSON.stringify(value)}`]
    case "string": {
      if (typeof value !== "string") return [`${path} must be a string`]
      const errors: Array<string> = []
      if (shape.enum !== undefined && !shape.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${shape.enum.map((e) => JSON.stringify(e)).join(", ")}`)
      if (shape.pattern !== undefined && !shape.pattern.test(value)) errors.push(`${path}: ${JSON.stringify(value)} does not match ${shape.pattern}`)
      if (shape.not !== undefined && shape.not.test(value)) errors.push(`${path}: ${JSON.stringify(value)} is not allowed (${shape.not})`)
      if (shape.url === true && !URL.canParse(value)) errors.push(`${path}: ${JSON.stringify(value)} is not a URL`)
      return errors
    }
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) return [`${path} must be an integer`]
      return shape.minimum !== undefined && value < shape.minimum ? [`${path} must be ≥ ${shape.minimum}`] : []
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? [] : [`${path} must be a number`]
    case "boolean":
      return typeof value === "boolean" ? [] : [`${path} must be a boolean`]
    case "intOrString":
      return (typeof value === "number" && Number.isInteger(value)) || typeof value === "string" ? [] : [`${path} must be an integer or a string`]
    case "array":
      if (!Array.isArray(value)) return [`${path} must be a list`]
      return [
        ...(shape.minItems !== undefined && value.length < shape.minItems ? [`${path} needs at least ${shape.minItems} item(s)`] : []),
        ...value.flatMap((item, i) => check(item, shape.items, `${path}[${i}]`))
      ]
    case "map":
      if (!isObj(value)) return [`${path} must be a mapping`]
      return Object.entries(value).flatMap(([k, v]) => check(v, shape.values, `${path}.${k}`))
    case "object": {
      if (!isObj(value)) return [`${path} must be an object`]
      return [
        ...(shape.required ?? []).filter((k) => value[k] === undefined).map((k) => `${path}.${k} is required`),
        ...Object.keys(value)
          .filter((k) => shape.properties[k] === undefined)
          .map((k) => `${path}.${k} is not a field of this type`),
        ...Object.entries(value).flatMap(([k, v]) => (shape.properties[k] === undefined ? [] : check(v, shape.properties[k]!, `${path}.${k}`)))
      ]
    }
  }
}
