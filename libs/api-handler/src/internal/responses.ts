import { Decode } from "@rollwise/input-schema"
import { Cause } from "effect"
import { HttpServerError, HttpServerResponse } from "effect/http"
import { HttpApiError } from "effect/http-api"

/** Error bodies echo at most this much of a message (a schema message may quote the input). */
const maxMessage = 600

const clip = (text: string): string => (text.length <= maxMessage ? text : `${text.slice(0, maxMessage)}… (${text.length - maxMessage} more characters)`)

/** A JSON error body `{_tag, message, …}` with a status. */
export const error = (status: number, tag: string, message: string, extra: Record<string, unknown> = {}): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.jsonUnsafe({ _tag: tag, message: clip(message), ...extra }, { status })

/** 400 naming the field (absent for the body as a whole), keys in the order the InputError schema encodes them. */
export const inputError = (field: string | undefined, message: string) =>
  HttpServerResponse.jsonUnsafe(field === undefined ? { _tag: "InputError", message: clip(message) } : { _tag: "InputError", field, message: clip(message) }, { status: 400 })

/** 401 with the challenge a client needs. */
export const unauthorized = (message: string) =>
  HttpServerResponse.setHeader(error(401, "Unauthorized", message), "www-authenticate", 'Bearer realm="rollwise"')

/** 413, closing the connection so an unread body is not drained. */
export const payloadTooLarge = (limitBytes: number) =>
  HttpServerResponse.setHeader(error(413, "PayloadTooLarge", `the body exceeds this server's limit of ${limitBytes} bytes`, { limitBytes }), "connection", "close")

/** What a failed request answers, and whether the failure is a bug to log. */
export interface Mapped {
  readonly response: HttpServerResponse.HttpServerResponse
  readonly bug: boolean
}

/**
 * A request body the route's schema rejected, as the 400 names it: the field
 * as a path from the body's root (`observations[3].values[0]`), or none when
 * the body as a whole is unusable (not JSON, not an object).
 */
export const payloadIssue = (message: string): { readonly field?: string; readonly message: string } => {
  const { path, detail } = Decode.describe(message)
  if (/valid JSON body/i.test(detail)) return { message: "the body is not valid JSON" }
  // the body as a whole has the wrong shape (an array, a number, null)
  if (path === "") return { message: `the body: ${detail.replace(/^expected (\w+)$/, "expected a JSON object ($1)")}` }
  return { field: path, message: `${path}: ${detail}` }
}

const schemaError = (kind: HttpApiError.HttpApiSchemaError["kind"], message: string): Mapped => {
  if (kind === "Body" || kind === "ResponseHeaders") {
    // the server produced a response its own schema rejects: a bug, never the client's fault
    return { response: error(500, "InternalError", "internal error (logged)"), bug: true }
  }
  if (kind === "Payload") {
    const issue = payloadIssue(message)
    return { response: inputError(issue.field, issue.message), bug: false }
  }
  const { path, detail } = Decode.describe(message)
  const prefix = kind === "Params" ? "path" : kind.toLowerCase()
  const field = path === "" ? prefix : `${prefix}.${path}`
  return { response: inputError(field, `${field}: ${detail}`), bug: false }
}

const serverError = (e: HttpServerError.HttpServerError, limitBytes: number): Mapped => {
  const reason = e.reason
  switch (reason._tag) {
    case "RouteNotFound":
      return { response: error(404, "NotFound", `no route ${reason.request.method} ${reason.request.url.split("?")[0]}`), bug: false }
    case "RequestParseError":
      return reason.reason === "BodyTooLarge"
        ? { response: payloadTooLarge(limitBytes), bug: false }
        : { response: inputError(undefined, "the request body could not be read"), bug: false }
    default:
      return { response: error(500, "InternalError", "internal error (logged)"), bug: true }
  }
}

/**
 * The JSON answer for a failed request. Client mistakes (no route, a body
 * the schema rejects, a body too large) are 4xx naming what to change; a
 * request the server abandoned on shutdown is a 503; anything else is a 500
 * that the caller logs as a bug.
 */
export const fromCause = (cause: Cause.Cause<unknown>, limitBytes: number): Mapped => {
  for (const reason of cause.reasons) {
    const thrown = reason._tag === "Fail" ? reason.error : reason._tag === "Die" ? reason.defect : undefined
    if (thrown === undefined) continue
    if (HttpApiError.HttpApiSchemaError.is(thrown)) return schemaError(thrown.kind, thrown.cause.message)
    if (HttpServerError.isHttpServerError(thrown)) return serverError(thrown, limitBytes)
    if (HttpServerResponse.isHttpServerResponse(thrown)) return { response: thrown, bug: false }
  }
  if (Cause.hasInterruptsOnly(cause)) return { response: error(503, "Unavailable", "the server is shutting down; retry"), bug: false }
  return { response: error(500, "InternalError", "internal error (logged)"), bug: true }
}
