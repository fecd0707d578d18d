/**
 * Fake receivers on 127.0.0.1 that answer Alertmanager the way the real
 * services do, and record what they accepted:
 *
 * - **Slack incoming webhook** (`POST /services/<team>/<bot>/<token>`): only the
 *   paths it issued exist (`404 no_service` otherwise, `403 invalid_token` for a
 *   wrong token), the body must be JSON (`400 invalid_payload`) with `text`,
 *   `attachments` or `blocks` (`400 no_text`); success is `200 ok` in text/plain.
 * - **Microsoft Entra ID token endpoint** (`POST /<tenant>/oauth2/v2.0/token`):
 *   OAuth 2.0 client credentials, the client authenticated by HTTP Basic or in
 *   the form body (Entra accepts both); a wrong secret is `401 invalid_client`,
 *   a scope other than Power Automate's `400 invalid_scope`.
 * - **Power Automate "When an HTTP request is received"** (the Teams workflow,
 *   authentication restricted to the tenant): needs a bearer token this fake's
 *   token endpoint issued (`401` otherwise), a JSON body (`400`), answers
 *   `202 Accepted` with no body.
 * - **JIRAlert** (`POST /alert`, Alertmanager's webhook API): the body must decode
 *   (`400`), its `receiver` must be one JIRAlert is configured for (`404`,
 *   `{"Error":true,"Status":404,"Message":"receiver missing: …"}`); success is 200.
 */
import { randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** One request a fake accepted, with its decoded JSON body. */
export interface Received {
  readonly path: string
  readonly headers: IncomingMessage["headers"]
  readonly body: unknown
}

export interface FakeReceiversOptions {
  /** Slack channels to issue webhook URLs for, e.g. ["rollouts-oncall", "rollouts"]. */
  readonly slackChannels: ReadonlyArray<string>
  /** The app registration's client id and secret the token endpoint accepts. */
  readonly teamsClientId: string
  readonly teamsClientSecret: string
  /** The receivers JIRAlert knows (its config's `receivers[].name`). */
  readonly jiralertReceivers: ReadonlyArray<string>
}

export interface FakeReceivers {
  readonly baseUrl: string
  /** The incoming-webhook URL issued for a channel (a secret: it goes in a file). */
  slackWebhookUrl(channel: string): string
  readonly tokenUrl: string
  readonly tenant: string
  readonly teamsWorkflowUrl: string
  readonly jiralertUrl: string
  /** What each fake accepted, in arrival order. */
  readonly slack: Map<string, Array<Received>>
  readonly teams: Array<Received>
  readonly jira: Array<Received>
  /** Every request any fake answered with an error, for diagnosing a failing test. */
  readonly rejected: Array<{ readonly path: string; readonly status: number; readonly reason: string }>
  /** Resolves once `predicate` holds (checked after every request), or rejects after `timeoutMs`. */
  waitFor(what: string, predicate: () => boolean, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

/** The audience Power Automate's OAuth-protected HTTP triggers require (public cloud). */
export const POWER_AUTOMATE_SCOPE = "https://service.flow.microsoft.com//.default"

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

const parseJson = (text: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return { ok: false }
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value)

/** Start every fake on one free port of 127.0.0.1. */
export const startFakeReceivers = async (options: FakeReceiversOptions): Promise<FakeReceivers> => {
  const tenant = "00000000-0000-4000-8000-000000007e57"
  const workflowPath = "/powerautomate/automations/direct/workflows/0c5e1e4a/triggers/manual/paths/invoke"
  const slackPaths = new Map(options.slackChannels.map((channel, i) => [channel, `/services/T0ROLLWISE/B${String(i).padStart(8, "0")}/${randomBytes(12).toString("hex")}`]))
  const issuedTokens = new Set<string>()
  const slack = new Map(options.slackChannels.map((channel) => [channel, [] as Array<Received>]))
  const teams: Array<Received> = []
  const jira: Array<Received> = []
  const rejected: FakeReceivers["rejected"] = []
  const waiters = new Set<() => void>()
  const notify = () => {
    for (const waiter of waiters) waiter()
  }

  const reply = (response: ServerResponse, path: string, status: number, contentType: string, body: string, reason?: string) => {
    response.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) })
    response.end(body)
    if (status >= 400) {
      rejected.push({ path, status, reason: reason ?? body })
      notify()
    }
  }

  const slackHandler = (request: IncomingMessage, response: ServerResponse, path: string, text: string) => {
    const channel = [...slackPaths].find(([, issued]) => issued === path)?.[0]
    if (channel === undefined) {
      // same team and bot, another token: Slack says invalid_token; anything else: no_service
      const sameHook = [...slackPaths.values()].some((issued) => issued.split("/").slice(0, 4).join("/") === path.split("/").slice(0, 4).join("/"))
      return sameHook ? reply(response, path, 403, "text/plain", "invalid_token") : reply(response, path, 404, "text/plain", "no_service")
    }
    const parsed = parseJson(text)
    if (!parsed.ok || !isRecord(parsed.value)) return reply(response, path, 400, "text/plain", "invalid_payload")
    const body = parsed.value
    const hasText = typeof body["text"] === "string" && body["text"] !== ""
    const hasAttachments = Array.isArray(body["attachments"]) && body["attachments"].length > 0
    const hasBlocks = Array.isArray(body["blocks"]) && body["blocks"].length > 0
    if (!hasText && !hasAttachments && !hasBlocks) return reply(response, path, 400, "text/plain", "no_text")
    slack.get(channel)!.push({ path, headers: request.headers, body })
    reply(response, path, 200, "text/plain", "ok")
    notify()
  }

  const tokenHandler = (request: IncomingMessage, response: ServerResponse, path: string, text: string) => {
    const aadError = (status: number, error: string, description: string) =>
      reply(response, path, status, "application/json; charset=utf-8", JSON.stringify({ error, error_description: description, error_codes: [status === 401 ? 7000215 : 70011] }), error)
    if (!(request.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
      return aadError(400, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'grant_type'.")
    }
    const form = new URLSearchParams(text)
    let clientId = form.get("client_id")
    let clientSecret = form.get("client_secret")
    const authorization = request.headers["authorization"]
    if (authorization?.startsWith("Basic ")) {
      const decoded = Buffer.from(authorization.slice("Basic ".length), "base64").toString("utf8")
      const colon = decoded.indexOf(":")
      clientId = decodeURIComponent(decoded.slice(0, colon))
      clientSecret = decodeURIComponent(decoded.slice(colon + 1))
    }
    if (form.get("grant_type") !== "client_credentials") return aadError(400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.")
    if (clientId !== options.teamsClientId || clientSecret !== options.teamsClientSecret) {
      return aadError(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
    }
    if (form.get("scope") !== POWER_AUTOMATE_SCOPE) return aadError(400, "invalid_scope", "AADSTS70011: The provided value for the input parameter 'scope' is not valid.")
    const token = randomBytes(24).toString("base64url")
    issuedTokens.add(token)
    reply(response, path, 200, "application/json; charset=utf-8", JSON.stringify({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: token }))
  }

  const workflowHandler = (request: IncomingMessage, response: ServerResponse, path: string, text: string) => {
    const authorization = request.headers["authorization"] ?? ""
    const token = authorization.startsWith("Bearer ") ? authorization.slice("Bearer ".length) : ""
    if (!issuedTokens.has(token)) {
      return reply(
        response,
        path,
        401,
        "application/json; charset=utf-8",
        JSON.stringify({ error: { code: "DirectApiAuthorizationRequired", message: "The request must be authenticated only by Shared Access scheme or Bearer scheme." } })
      )
    }
    const parsed = parseJson(text)
    if (!parsed.ok) {
      return reply(response, path, 400, "application/json; charset=utf-8", JSON.stringify({ error: { code: "InvalidRequestContent", message: "The request content is not valid JSON." } }))
    }
    teams.push({ path, headers: request.headers, body: parsed.value })
    reply(response, path, 202, "text/plain", "")
    notify()
  }

  const jiralertHandler = (request: IncomingMessage, response: ServerResponse, path: string, text: string) => {
    const jiralertError = (status: number, message: string) => reply(response, path, status, "text/plain; charset=utf-8", JSON.stringify({ Error: true, Status: status, Message: message }), message)
    const parsed = parseJson(text)
    if (!parsed.ok || !isRecord(parsed.value)) return jiralertError(400, "invalid character in JSON body")
    const receiver = parsed.value["receiver"]
    if (typeof receiver !== "string" || !options.jiralertReceivers.includes(receiver)) return jiralertError(404, `receiver missing: ${String(receiver)}`)
    jira.push({ path, headers: request.headers, body: parsed.value })
    reply(response, path, 200, "text/plain", "")
    notify()
  }

  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0]!
    void readBody(request).then((text) => {
      if (request.method !== "POST") return reply(response, path, 405, "text/plain", "method not allowed")
      if (path.startsWith("/services/")) return slackHandler(request, response, path, text)
      if (path === `/${tenant}/oauth2/v2.0/token`) return tokenHandler(request, response, path, text)
      if (path === workflowPath) return workflowHandler(request, response, path, text)
      if (path === "/alert") return jiralertHandler(request, response, path, text)
      reply(response, path, 404, "text/plain", "not found")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    baseUrl,
    slackWebhookUrl: (channel) => {
      const path = slackPaths.get(channel)
      if (path === undefined) throw new Error(`no Slack webhook issued for channel ${channel}`)
      return `${baseUrl}${path}`
    },
    tokenUrl: `${baseUrl}/${tenant}/oauth2/v2.0/token`,
    tenant,
    teamsWorkflowUrl: `${baseUrl}${workflowPath}?api-version=1`,
    jiralertUrl: `${baseUrl}/alert`,
    slack,
    teams,
    jira,
    rejected,
    waitFor: (what, predicate, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        if (predicate()) return resolve()
        const check = () => {
          if (!predicate()) return
          clearTimeout(timer)
          waiters.delete(check)
          resolve()
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; rejected requests: ${JSON.stringify(rejected)}`))
        }, timeoutMs)
        waiters.add(check)
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
