/**
 * API Gateway events as Web `Request`s and Web `Response`s as Lambda proxy
 * results. Only the fields the API needs are typed, so a real event (with its
 * `requestContext`, stage variables and so on) fits as it is.
 */

/** A REST API (payload format 1.0) proxy event. */
export interface RestEvent {
  readonly httpMethod: string
  /** The resource path without the stage, e.g. `/v1/risk`. */
  readonly path: string
  readonly headers?: Readonly<Record<string, string | undefined>> | null | undefined
  /** Every value of a repeated header; wins over `headers` where both name one. */
  readonly multiValueHeaders?: Readonly<Record<string, ReadonlyArray<string> | undefined>> | null | undefined
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null | undefined
  readonly multiValueQueryStringParameters?: Readonly<Record<string, ReadonlyArray<string> | undefined>> | null | undefined
  readonly body?: string | null | undefined
  readonly isBase64Encoded?: boolean | undefined
}

/** An HTTP API (payload format 2.0) event. */
export interface HttpApiEvent {
  readonly version?: string | undefined
  /** The path as the client sent it; it starts with `/<stage>` unless the stage is `$default`. */
  readonly rawPath: string
  readonly rawQueryString?: string | undefined
  /** Header names in lower case; repeated headers joined with commas. */
  readonly headers?: Readonly<Record<string, string | undefined>> | null | undefined
  readonly cookies?: ReadonlyArray<string> | undefined
  readonly requestContext: { readonly http: { readonly method: string }; readonly stage?: string | undefined }
  readonly body?: string | null | undefined
  readonly isBase64Encoded?: boolean | undefined
}

/** Either payload format. */
export type Event = RestEvent | HttpApiEvent

/** What API Gateway expects back (both formats accept it). Bodies are always text (JSON or Prometheus exposition). */
export interface Result {
  readonly statusCode: number
  readonly headers: Record<string, string>
  readonly body: string
  readonly isBase64Encoded: false
}

const isHttpApi = (event: Event): event is HttpApiEvent =>
  typeof (event as HttpApiEvent).rawPath === "string" && typeof (event as HttpApiEvent).requestContext?.http?.method === "string"

/** The event is neither payload format; the handler answers 400 without running the API. */
export class EventError extends Error {
  override readonly name = "EventError"
}

const queryOf = (event: RestEvent): string => {
  const params = new URLSearchParams()
  const multi = event.multiValueQueryStringParameters ?? {}
  for (const [name, values] of Object.entries(multi)) for (const value of values ?? []) params.append(name, value)
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined && !(name in multi)) params.append(name, value)
  }
  return params.toString()
}

/** An HTTP API path without its stage prefix, so `/prod/v1/risk` routes like `/v1/risk`. */
const withoutStage = (path: string, stage: string | undefined): string =>
  stage === undefined || stage === "" || stage === "$default" ? path : path === `/${stage}` ? "/" : path.startsWith(`/${stage}/`) ? path.slice(stage.length + 1) : path

/**
 * The Web `Request` an event describes: method, path (an HTTP API's stage
 * prefix removed), query, headers and body, base64 bodies decoded to their
 * bytes. GET and HEAD carry no body. Throws {@link EventError} for an event
 * that has neither a v1 `httpMethod`/`path` nor a v2 `requestContext.http.method`/`rawPath`.
 */
export const toRequest = (event: Event): Request => {
  const headers = new Headers()
  let method: string
  let path: string
  let query: string
  if (isHttpApi(event)) {
    method = event.requestContext.http.method
    path = withoutStage(event.rawPath, event.requestContext.stage)
    query = event.rawQueryString ?? ""
    for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers.set(name, value)
    if (event.cookies !== undefined && event.cookies.length > 0) headers.set("cookie", event.cookies.join("; "))
  } else if (typeof (event as RestEvent | undefined)?.httpMethod === "string" && typeof (event as RestEvent).path === "string") {
    method = event.httpMethod
    path = event.path
    query = queryOf(event)
    for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers.set(name, value)
    for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
      if (values === undefined || values.length === 0) continue
      headers.delete(name)
      for (const value of values) headers.append(name, value)
    }
  } else {
    throw new EventError("not an API Gateway proxy event: expected httpMethod and path (REST API) or requestContext.http.method and rawPath (HTTP API)")
  }
  const upper = method.toUpperCase()
  const raw = event.body
  const body = upper === "GET" || upper === "HEAD" || raw === undefined || raw === null ? undefined : event.isBase64Encoded === true ? Buffer.from(raw, "base64") : raw
  const url = `http://lambda.internal${path.startsWith("/") ? path : `/${path}`}${query === "" ? "" : `?${query}`}`
  return new Request(url, { method: upper, headers, ...(body === undefined ? {} : { body }) })
}

/** The proxy result of a Web `Response`: status, headers (repeated ones joined with commas), the body as text. */
export const toResult = async (response: Response): Promise<Result> => {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    headers[name] = value
  })
  return { statusCode: response.status, headers, body: await response.text(), isBase64Encoded: false }
}
