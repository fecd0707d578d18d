import type { Obj } from "./json.ts"

/**
 * A failed request as the API server reports it: an HTTP code and a
 * `Status` body (`kind: Status`, `status: Failure`, a reason, a message in
 * the server's words, and details naming the object).
 */
export class KubeError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Obj
  ) {
    super(message)
  }

  toStatus(): Obj {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      ...(this.details === undefined ? {} : { details: this.details }),
      code: this.code
    }
  }
}

/** What an error names: the resource (plural), its group, and the object's name when there is one. */
export interface Target {
  readonly group: string
  readonly plural: string
  readonly kind: string
  readonly name?: string
}

/** `deployments.apps`, or `services` for the core group. */
export const qualified = (t: Pick<Target, "group" | "plural">): string => (t.group === "" ? t.plural : `${t.plural}.${t.group}`)

const details = (t: Target, kind: string = t.plural): Obj => ({
  ...(t.name === undefined || t.name === "" ? {} : { name: t.name }),
  ...(t.group === "" ? {} : { group: t.group }),
  kind
})

export const notFound = (t: Target): KubeError =>
  new KubeError(404, "NotFound", `${qualified(t)} "${t.name ?? ""}" not found`, details(t))

export const alreadyExists = (t: Target): KubeError =>
  new KubeError(409, "AlreadyExists", `${qualified(t)} "${t.name ?? ""}" already exists`, details(t))

export const conflict = (t: Target, why = "the object has been modified; please apply your changes to the latest version and try again"): KubeError =>
  new KubeError(409, "Conflict", `Operation cannot be fulfilled on ${qualified(t)} "${t.name ?? ""}": ${why}`, details(t))

export interface Cause {
  readonly reason: string
  readonly message: string
  readonly field: string
}

/** 422: `Deployment.apps "x" is invalid: spec.selector: Required value`. */
export const invalid = (t: Target, causes: ReadonlyArray<Cause>): KubeError => {
  const what = t.group === "" ? t.kind : `${t.kind}.${t.group}`
  const list = causes.map((c) => `${c.field}: ${c.message}`)
  const summary = list.length === 1 ? list[0]! : `[${list.join(", ")}]`
  return new KubeError(422, "Invalid", `${what} "${t.name ?? ""}" is invalid: ${summary}`, {
    ...details(t, t.kind),
    causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field }))
  })
}

/** 422 for a JSON patch that does not apply, worded as the API server words it. */
export const patchRejected = (why: string): KubeError =>
  new KubeError(422, "Invalid", "the server rejected our request due to an error in our request", {
    causes: [{ reason: "UnexpectedServerResponse", message: why }]
  })

export const badRequest = (message: string): KubeError => new KubeError(400, "BadRequest", message)

export const unauthorized = (message = "Unauthorized"): KubeError => new KubeError(401, "Unauthorized", message)

export const forbidden = (t: Target, message: string): KubeError =>
  new KubeError(403, "Forbidden", message, details(t))

export const internalError = (why: string): KubeError =>
  new KubeError(500, "InternalError", `Internal error occurred: ${why}`, { causes: [{ message: why }] })

export const serviceUnavailable = (message = "the server is currently unable to handle the request"): KubeError =>
  new KubeError(503, "ServiceUnavailable", message, { retryAfterSeconds: 1 })

export const unsupportedMediaType = (contentType: string, accepted: ReadonlyArray<string>): KubeError =>
  new KubeError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
    { causes: [{ reason: "UnexpectedServerResponse", message: `unsupported media type "${contentType}"` }] }
  )

export const pathNotFound = (): KubeError =>
  new KubeError(404, "NotFound", "the server could not find the requested resource", {})

export const methodNotAllowed = (): KubeError =>
  new KubeError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {})

export const gone = (rv: string): KubeError => new KubeError(410, "Expired", `too old resource version: ${rv}`)
