/**
 * A fake Unleash server for tests, built from Unleash's Admin API docs and
 * its error model: the feature-environment strategy endpoints
 * (GET/POST `…/environments/{env}/strategies`, PUT `…/strategies/{id}`,
 * POST `…/environments/{env}/on`), token auth in the `Authorization`
 * header as is, JSON error bodies `{id, name, message, details}` with
 * Unleash's status codes (400 ValidationError/BadDataError, 401
 * AuthenticationRequired, 403 NoAccessError, 404 NotFoundError, 409
 * NameExistsError-style conflicts, 415 ContentTypeError), and injected 429s
 * with `Retry-After`. Bound to 127.0.0.1 on a free port.
 */
import { randomUUID } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** A strategy as the fake keeps and lists it. */
export interface FakeStrategy {
  id: string
  name: string
  title: string | null
  disabled: boolean
  sortOrder: number
  constraints: Array<unknown>
  variants: Array<unknown>
  segments: Array<number>
  parameters: Record<string, string>
}

/** One feature's environments. */
export interface FakeFeature {
  readonly environments: Record<string, { enabled: boolean; strategies: Array<FakeStrategy> }>
}

/** What the fake starts with. */
export interface FakeUnleashOptions {
  /** Admin / personal access tokens that may do everything. */
  readonly tokens: ReadonlyArray<string>
  /** Tokens Unleash knows but that lack UPDATE_FEATURE_STRATEGY (client tokens, viewers): 403 on every admin call. */
  readonly forbiddenTokens?: ReadonlyArray<string>
  /** project → feature → environments (default: project `default`, feature `new-cart`, environments `development` and `production`, off, no strategies). */
  readonly projects?: Record<string, Record<string, FakeFeature>>
}

/** A request the fake answered. */
export interface FakeRequest {
  readonly method: string
  readonly path: string
  readonly authorization: string | undefined
  readonly status: number
  readonly body: unknown
}

/** The running fake. */
export interface FakeUnleash {
  readonly url: string
  readonly requests: ReadonlyArray<FakeRequest>
  readonly projects: Record<string, Record<string, FakeFeature>>
  /** Answer the next `count` requests with this status (429 with `Retry-After`, 500, 503). */
  readonly failNext: (status: number, count?: number, retryAfterSeconds?: number) => void
  readonly close: () => Promise<void>
}

const error = (name: string, message: string, details?: ReadonlyArray<{ description: string; message: string }>) => ({
  id: randomUUID(),
  name,
  message,
  details: details ?? [{ message, description: message }]
})

const defaultProjects = (): Record<string, Record<string, FakeFeature>> => ({
  default: { "new-cart": { environments: { development: { enabled: false, strategies: [] }, production: { enabled: false, strategies: [] } } } }
})

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

/** Validate a strategy body as Unleash does for flexibleRollout; undefined when valid. */
const validate = (body: unknown): { status: number; body: unknown } | undefined => {
  const invalid = (description: string) => ({
    status: 400,
    body: error("ValidationError", "Request validation failed: the payload you provided doesn't conform to the schema. Check the `details` property for a list of errors that we found.", [{ description, message: description }])
  })
  if (typeof body !== "object" || body === null || Array.isArray(body)) return invalid("The request body must be an object.")
  const b = body as Record<string, unknown>
  if (typeof b.name !== "string" || b.name === "") return invalid("The .name property is required. It was not present on the data you sent.")
  if (b.name !== "flexibleRollout" && b.name !== "default") return { status: 400, body: error("BadDataError", `Could not find strategy type with name ${b.name}`) }
  if (b.parameters !== undefined && (typeof b.parameters !== "object" || b.parameters === null || Array.isArray(b.parameters))) return invalid("The .parameters property should be object.")
  const p = (b.parameters ?? {}) as Record<string, unknown>
  for (const [k, v] of Object.entries(p)) if (typeof v !== "string") return invalid(`The .parameters.${k} property should be string. You sent ${JSON.stringify(v)}.`)
  if (b.name === "flexibleRollout") {
    const rollout = p.rollout
    if (rollout !== undefined && !(typeof rollout === "string" && /^(100|[1-9]?[0-9])$/.test(rollout))) {
      return { status: 400, body: error("BadDataError", `"rollout" must be a number between 0 and 100; you sent ${JSON.stringify(rollout)}.`) }
    }
    for (const required of ["stickiness", "groupId"]) if (typeof p[required] !== "string" || p[required] === "") return { status: 400, body: error("BadDataError", `"${required}" is required for the flexibleRollout strategy.`) }
  }
  return undefined
}

/** Start the fake on 127.0.0.1 (a free port). */
export const start = async (options: FakeUnleashOptions): Promise<FakeUnleash> => {
  const projects = options.projects ?? defaultProjects()
  const requests: Array<FakeRequest> = []
  const failures: Array<{ status: number; retryAfter: number | undefined }> = []

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const text = await readBody(req)
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      let parsed: unknown = undefined
      try {
        parsed = text === "" ? undefined : JSON.parse(text)
      } catch {
        parsed = text
      }
      requests.push({ method: req.method ?? "", path: req.url ?? "", authorization: req.headers.authorization, status, body: parsed })
      if (body === undefined) {
        res.writeHead(status, headers).end()
        return
      }
      const payload = typeof body === "string" ? body : JSON.stringify(body)
      res.writeHead(status, { "Content-Type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8", ...headers }).end(payload)
    }
    const failure = failures.shift()
    if (failure !== undefined) {
      if (failure.status === 429) return send(429, "Too many requests, please try again later.", failure.retryAfter !== undefined ? { "Retry-After": String(failure.retryAfter) } : {})
      return send(failure.status, error("InternalError", "Unleash encountered an internal error."))
    }
    const auth = req.headers.authorization
    if (auth === undefined || auth === "") {
      return send(401, error("AuthenticationRequired", "You must log in to use Unleash. Your request had no authorization header, so we could not authorize you."))
    }
    if (options.forbiddenTokens?.includes(auth) === true) {
      return send(403, { ...error("NoAccessError", "You don't have the required permissions to perform this operation. To perform this action, you need the \"UPDATE_FEATURE_STRATEGY\" permission."), permission: "UPDATE_FEATURE_STRATEGY" })
    }
    if (!options.tokens.includes(auth)) {
      // a "Bearer …" header, or a token Unleash does not know
      return send(401, error("AuthenticationRequired", "You must log in to use Unleash. The authorization header you sent did not hold a valid API token."))
    }
    const url = new URL(req.url ?? "/", "http://fake")
    const m = /^\/api\/admin\/projects\/([^/]+)\/features\/([^/]+)\/environments\/([^/]+)\/(strategies(?:\/([^/]+))?|on)$/.exec(url.pathname)
    if (m === null) return send(404, error("NotFoundError", `Could not find a route for ${req.method} ${url.pathname}`))
    const [, projectId, featureName, env, tail, strategyId] = m.map((x) => (x === undefined ? undefined : decodeURIComponent(x)))
    const project = projects[projectId!]
    if (project === undefined) return send(404, error("NotFoundError", `Could not find project with id ${projectId}`))
    const feature = project[featureName!]
    if (feature === undefined) return send(404, error("NotFoundError", `Could not find feature flag with name ${featureName}`))
    const environment = feature.environments[env!]
    if (environment === undefined) return send(404, error("NotFoundError", `Could not find environment with name ${env}`))
    if ((req.method === "POST" || req.method === "PUT") && tail !== "on" && !(req.headers["content-type"] ?? "").startsWith("application/json")) {
      return send(415, error("ContentTypeError", "We do not accept the content-type you provided. Try using application/json instead."))
    }
    let body: unknown
    try {
      body = text === "" ? undefined : JSON.parse(text)
    } catch {
      return send(400, error("BadRequestError", "Request body is not valid JSON."))
    }
    if (tail === "on") {
      if (req.method !== "POST") return send(404, error("NotFoundError", `Could not find a route for ${req.method} ${url.pathname}`))
      if (environment.strategies.length === 0) return send(409, error("InvalidOperationError", "You can not enable the environment before it has strategies."))
      environment.enabled = true
      return send(200, undefined)
    }
    if (strategyId === undefined) {
      if (req.method === "GET") return send(200, environment.strategies)
      if (req.method !== "POST") return send(404, error("NotFoundError", `Could not find a route for ${req.method} ${url.pathname}`))
      const problem = validate(body)
      if (problem !== undefined) return send(problem.status, problem.body)
      const b = body as { name: string; title?: string; disabled?: boolean; parameters?: Record<string, string> }
      const strategy: FakeStrategy = {
        id: randomUUID(),
        name: b.name,
        title: b.title ?? null,
        disabled: b.disabled ?? false,
        sortOrder: environment.strategies.length,
        constraints: [],
        variants: [],
        segments: [],
        parameters: { ...(b.parameters ?? {}) }
      }
      environment.strategies.push(strategy)
      return send(200, strategy)
    }
    if (req.method !== "PUT") return send(404, error("NotFoundError", `Could not find a route for ${req.method} ${url.pathname}`))
    const existing = environment.strategies.find((s) => s.id === strategyId)
    if (existing === undefined) return send(404, error("NotFoundError", `Could not find strategy with id ${strategyId}`))
    const problem = validate(body)
    if (problem !== undefined) return send(problem.status, problem.body)
    const b = body as { name: string; title?: string; disabled?: boolean; parameters?: Record<string, string> }
    existing.name = b.name
    existing.title = b.title ?? existing.title
    existing.disabled = b.disabled ?? existing.disabled
    existing.parameters = { ...(b.parameters ?? {}) }
    return send(200, existing)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end())
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    projects,
    failNext: (status, count = 1, retryAfterSeconds) => {
      for (let i = 0; i < count; i++) failures.push({ status, retryAfter: retryAfterSeconds })
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
