/**
 * Fakes of the services @rollwise/notify talks to, for this lib's tests and
 * the CLI's: node HTTP servers on 127.0.0.1 (a free port) that follow each
 * service's documented contract — its auth, its validation and the error
 * bodies it really sends — and record what they received. Each has
 * `start(options) → { url, origin, received, fail(next), close() }`; `fail`
 * queues a 429 with Retry-After, a 5xx, any status and body, a slow answer
 * or a dropped connection for the next requests.
 */
import { Buffer } from "node:buffer"
import { type Answer, type Fault, type FakeServer, type Received, startServer } from "./internal/fakeServer.ts"
import { verify } from "./Webhook.ts"

export type { Fault, FakeServer, Received }

/** The contract suite every SentLog implementation must pass (`SentLogContract.suite(name, layer, reopen?)`). */
export * as SentLogContract from "./internal/sentLogContract.ts"

const text = (status: number, body: string): Answer => ({ status, body, headers: { "content-type": "text/plain; charset=utf-8" } })
const json = (status: number, doc: unknown): Answer => ({ status, body: JSON.stringify(doc), headers: { "content-type": "application/json; charset=utf-8" } })
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)
const isHttpUrl = (v: unknown) => typeof v === "string" && /^https?:\/\/\S+$/.test(v) && v.length <= 3000

// ---------------------------------------------------------------- Slack

/**
 * Which Block Kit problems Slack answers `invalid_blocks` for (the limits of
 * the Block Kit reference the builder must keep under): the first found, or
 * undefined.
 */
export const slackBlockProblem = (blocks: unknown): string | undefined => {
  if (!Array.isArray(blocks)) return "blocks must be an array"
  if (blocks.length > 50) return "more than 50 blocks"
  const plain = (t: unknown, max: number) => isObject(t) && t.type === "plain_text" && typeof t.text === "string" && t.text.length > 0 && t.text.length <= max
  const textObject = (t: unknown, max: number) => isObject(t) && (t.type === "plain_text" || t.type === "mrkdwn") && typeof t.text === "string" && t.text.length > 0 && t.text.length <= max
  const richElements = (els: unknown): boolean =>
    Array.isArray(els) &&
    els.every((e) => isObject(e) && (e.type === "text" ? typeof e.text === "string" && e.text.length > 0 : e.type === "link" ? isHttpUrl(e.url) : e.type === "emoji" || e.type === "user" || e.type === "channel" || e.type === "broadcast"))
  for (const [i, b] of blocks.entries()) {
    if (!isObject(b)) return `blocks[${i}] is not an object`
    switch (b.type) {
      case "header":
        if (!plain(b.text, 150)) return `blocks[${i}].text must be plain_text of 1-150 characters`
        break
      case "section":
        if (b.text === undefined && b.fields === undefined) return `blocks[${i}] needs text or fields`
        if (b.text !== undefined && !textObject(b.text, 3000)) return `blocks[${i}].text must be a text object of 1-3000 characters`
        if (b.fields !== undefined && (!Array.isArray(b.fields) || b.fields.length > 10 || !b.fields.every((f) => textObject(f, 2000)))) return `blocks[${i}].fields: at most 10 text objects of 1-2000 characters`
        break
      case "context":
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10 || !b.elements.every((e) => textObject(e, 3000))) return `blocks[${i}].elements: 1-10 text objects`
        break
      case "actions":
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 25) return `blocks[${i}].elements: 1-25 elements`
        for (const e of b.elements) {
          if (!isObject(e) || e.type !== "button" || !plain(e.text, 75) || (e.url !== undefined && !isHttpUrl(e.url))) return `blocks[${i}]: a button needs plain_text of 1-75 characters and an http(s) url up to 3000`
        }
        break
      case "rich_text":
        if (!Array.isArray(b.elements)) return `blocks[${i}].elements must be an array`
        for (const e of b.elements) {
          if (!isObject(e)) return `blocks[${i}]: bad rich_text element`
          if (e.type === "rich_text_section" && !richElements(e.elements)) return `blocks[${i}]: bad rich_text_section`
          if (e.type === "rich_text_list" && (!Array.isArray(e.elements) || !e.elements.every((s) => isObject(s) && s.type === "rich_text_section" && richElements(s.elements))))
            return `blocks[${i}]: bad rich_text_list`
          if (e.type !== "rich_text_section" && e.type !== "rich_text_list" && e.type !== "rich_text_quote" && e.type !== "rich_text_preformatted") return `blocks[${i}]: unknown rich_text element ${String(e.type)}`
        }
        break
      case "divider":
      case "image":
        break
      default:
        return `blocks[${i}]: unknown block type ${String(b.type)}`
    }
  }
  return undefined
}

/** How the workspace behind the fake Slack webhook is. */
export interface FakeSlackOptions {
  /** The channel was archived: 410 `channel_is_archived`. */
  readonly archived?: boolean
  /** The channel was deleted: 404 `channel_not_found`. */
  readonly channelDeleted?: boolean
  /** Posting is restricted by an admin: 403 `action_prohibited`. */
  readonly prohibited?: boolean
}

/** A fake Slack incoming webhook (from Slack's incoming-webhook docs). */
export interface FakeSlack extends FakeServer {
  /** The webhook URL, `…/services/T…/B…/<token>` (the secret). */
  readonly url: string
  /** The messages accepted (200 `ok`). */
  readonly messages: ReadonlyArray<unknown>
}

/**
 * Slack's incoming-webhook contract: POST JSON to the webhook's URL; `200
 * ok` (text) when posted. Errors are plain-text codes: an unknown hook `404
 * no_service`, a wrong token `403 invalid_token`, a body that is not JSON
 * `400 invalid_payload`, no text and no blocks `400 no_text`, blocks over
 * Block Kit's limits `400 invalid_blocks`, an admin restriction `403
 * action_prohibited`, a deleted channel `404 channel_not_found`, an archived
 * one `410 channel_is_archived`.
 */
export const FakeSlack = {
  start: async (options: FakeSlackOptions = {}): Promise<FakeSlack> => {
    const token = `fakeSlackToken${Math.random().toString(36).slice(2, 14)}`
    const hook = "/services/T0001FAKE/B0001FAKE"
    const messages: Array<unknown> = []
    const server = await startServer((req) => {
      const path = req.path.split("?")[0]!
      if (req.method !== "POST" || !path.startsWith(`${hook}/`)) return text(404, "no_service")
      if (path !== `${hook}/${token}`) return text(403, "invalid_token")
      if (options.prohibited) return text(403, "action_prohibited")
      if (options.channelDeleted) return text(404, "channel_not_found")
      if (options.archived) return text(410, "channel_is_archived")
      if (!isObject(req.json)) return text(400, "invalid_payload")
      const doc = req.json
      if ((typeof doc.text !== "string" || doc.text === "") && doc.blocks === undefined && doc.attachments === undefined) return text(400, "no_text")
      if (doc.blocks !== undefined && slackBlockProblem(doc.blocks) !== undefined) return text(400, "invalid_blocks")
      messages.push(doc)
      return { status: 200, body: "ok", headers: { "content-type": "text/html" } }
    })
    return { ...server, url: `${server.origin}${hook}/${token}`, messages }
  }
}

// ---------------------------------------------------------------- Teams

/** A fake Microsoft Teams Workflows webhook (a Power Automate "When a Teams webhook request is received" trigger). */
export interface FakeTeams extends FakeServer {
  /** The workflow's URL with its `sig` (the secret). */
  readonly url: string
  /** The cards the flow would post (accepted requests' first attachment content). */
  readonly cards: ReadonlyArray<unknown>
  /**
   * What the flow run would fail with after its 202 (the workflow answers
   * before it posts the card, so these never reach the sender): a card that
   * is not an AdaptiveCard with a version, a body that is not an array.
   */
  readonly cardErrors: ReadonlyArray<string>
}

const flowError = (status: number, code: string, message: string) => json(status, { error: { code, message } })

/**
 * The Workflows trigger's contract: POST JSON to the trigger URL signed by
 * its `sig` query parameter. `202 Accepted` (empty body) once the trigger
 * takes it. No `sig`: `401 DirectApiAuthorizationRequired`; a wrong one:
 * `401 DirectApiInvalidAuthorizationSignature`; an unknown workflow: `404
 * WorkflowNotFound`; a body that is not JSON: `400 InvalidRequestContent`;
 * JSON without the template's `type: "message"` and `attachments` array:
 * `400 TriggerInputSchemaMismatch`.
 */
export const FakeTeams = {
  start: async (): Promise<FakeTeams> => {
    const workflow = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    const sig = `fakeTeamsSig${Math.random().toString(36).slice(2, 14)}`
    const path = `/powerautomate/automations/direct/workflows/${workflow}/triggers/manual/paths/invoke`
    const cards: Array<unknown> = []
    const cardErrors: Array<string> = []
    const server = await startServer((req) => {
      const url = new URL(req.path, "http://fake")
      if (req.method !== "POST" || !url.pathname.startsWith("/powerautomate/automations/direct/workflows/")) return flowError(404, "WorkflowNotFound", "The workflow could not be found.")
      if (url.pathname !== path) return flowError(404, "WorkflowNotFound", `The workflow '${url.pathname.split("/")[5] ?? ""}' could not be found.`)
      const given = url.searchParams.get("sig")
      if (given === null || given === "") return flowError(401, "DirectApiAuthorizationRequired", "The request must be authenticated only by Shared Access scheme.")
      if (given !== sig) return flowError(401, "DirectApiInvalidAuthorizationSignature", "The provided authentication token is not valid.")
      if (req.json === undefined) return flowError(400, "InvalidRequestContent", "The request content is not valid and could not be deserialized.")
      const doc = req.json
      if (!isObject(doc) || doc.type !== "message" || !Array.isArray(doc.attachments)) {
        return flowError(400, "TriggerInputSchemaMismatch", "The input body for trigger 'manual' of type 'Request' did not match its schema definition.")
      }
      for (const a of doc.attachments) {
        if (!isObject(a) || a.contentType !== "application/vnd.microsoft.card.adaptive") cardErrors.push("attachment is not an Adaptive Card")
        else if (!isObject(a.content) || a.content.type !== "AdaptiveCard" || typeof a.content.version !== "string" || !Array.isArray(a.content.body)) cardErrors.push("AdaptiveCard needs type, version and a body array")
        else cards.push(a.content)
      }
      return { status: 202, body: "" }
    })
    return { ...server, url: `${server.origin}${path}?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${sig}`, cards, cardErrors }
  }
}

// ---------------------------------------------------------------- generic webhook

/** A fake receiver of the generic webhook. */
export interface FakeWebhook extends FakeServer {
  readonly url: string
  /** Bodies accepted (signature valid when a secret is set). */
  readonly deliveries: ReadonlyArray<unknown>
}

/**
 * A receiver that does what the README asks of one: with `secret`, it
 * refuses (401 `{"error":"invalid signature"}`) a request whose
 * `X-Rollwise-Signature` is not the HMAC of `<timestamp>.<body>` or whose
 * timestamp is more than `toleranceSeconds` from its clock; otherwise 204.
 */
export const FakeWebhook = {
  start: async (options: { readonly secret?: string; readonly toleranceSeconds?: number; readonly nowSeconds?: () => number } = {}): Promise<FakeWebhook> => {
    const deliveries: Array<unknown> = []
    const server = await startServer((req) => {
      if (req.method !== "POST") return json(405, { error: "method not allowed" })
      if (options.secret !== undefined) {
        const ok = verify({
          secret: options.secret,
          timestamp: req.headers["x-rollwise-timestamp"] ?? "",
          body: req.body,
          signature: req.headers["x-rollwise-signature"] ?? "",
          nowSeconds: options.nowSeconds?.() ?? Math.floor(Date.now() / 1000),
          ...(options.toleranceSeconds !== undefined ? { toleranceSeconds: options.toleranceSeconds } : {})
        })
        if (!ok) return json(401, { error: "invalid signature" })
      }
      if (req.json === undefined) return json(400, { error: "body is not JSON" })
      deliveries.push(req.json)
      return { status: 204 }
    })
    return { ...server, url: `${server.origin}/hooks/rollwise`, deliveries }
  }
}

// ---------------------------------------------------------------- Jira

/** The Jira site behind the fake. */
export interface FakeJiraOptions {
  /** Jira Cloud's Basic auth: the account's email and its API token. */
  readonly basic?: { readonly email: string; readonly token: string }
  /** Jira Data Center's personal access token (Bearer). */
  readonly bearer?: string
  /** Projects by key, with the issue types each has (default `OPS`: Incident, Bug, Task). */
  readonly projects?: Readonly<Record<string, ReadonlyArray<string>>>
  /** The user may browse but not create issues: 403. */
  readonly readOnly?: boolean
}

/** A fake Jira REST v3. */
export interface FakeJira extends FakeServer {
  /** The site's base URL (as configured: `url:`). */
  readonly url: string
  /** Issues created, with their keys. */
  readonly issues: ReadonlyArray<{ readonly key: string; readonly fields: Record<string, unknown> }>
}

const jiraErrors = (status: number, errorMessages: ReadonlyArray<string>, errors: Readonly<Record<string, string>> = {}) => json(status, { errorMessages, errors })

const adfProblem = (node: unknown, depth = 0): string | undefined => {
  if (depth > 20) return "too deep"
  if (!isObject(node) || typeof node.type !== "string") return "a node without a type"
  if (node.type === "text") {
    if (typeof node.text !== "string" || node.text === "") return "a text node must have non-empty text"
    if (node.marks !== undefined) {
      if (!Array.isArray(node.marks)) return "marks must be an array"
      for (const m of node.marks) {
        if (!isObject(m) || !["strong", "em", "code", "link", "strike", "underline"].includes(String(m.type))) return "an unknown mark"
        if (m.type === "link" && !(isObject(m.attrs) && typeof m.attrs.href === "string")) return "a link mark needs attrs.href"
      }
    }
    return undefined
  }
  if (!["doc", "paragraph", "heading", "bulletList", "orderedList", "listItem", "hardBreak", "rule", "codeBlock", "blockquote"].includes(node.type)) return `unknown node ${node.type}`
  if (node.type === "heading" && !(isObject(node.attrs) && typeof node.attrs.level === "number" && node.attrs.level >= 1 && node.attrs.level <= 6)) return "a heading needs attrs.level 1-6"
  if (node.content !== undefined) {
    if (!Array.isArray(node.content)) return "content must be an array"
    for (const c of node.content) {
      const p = adfProblem(c, depth + 1)
      if (p !== undefined) return p
    }
  }
  return undefined
}

/**
 * Jira Cloud's create-issue contract (`POST /rest/api/3/issue`, REST v3):
 * `201 {id, key, self}`. Missing or wrong credentials: `401` with Jira's
 * plain-text "Client must be authenticated to access this resource.";
 * `403` without the create permission; a body that is not JSON: `400
 * {"errorMessages":["Unexpected character …"]}`; field problems: `400
 * {"errorMessages":[],"errors":{field: message}}` — an unknown project, an
 * issue type the project lacks, a missing summary, a summary of more than
 * 255 characters or with a line break, a description that is not an ADF
 * document; any other path: 404.
 */
export const FakeJira = {
  start: async (options: FakeJiraOptions = {}): Promise<FakeJira> => {
    const projects = options.projects ?? { OPS: ["Incident", "Bug", "Task"] }
    const issues: Array<{ key: string; fields: Record<string, unknown> }> = []
    const authorized = (header: string | undefined) => {
      if (header === undefined) return false
      if (options.bearer !== undefined && header === `Bearer ${options.bearer}`) return true
      if (options.basic !== undefined && header === `Basic ${Buffer.from(`${options.basic.email}:${options.basic.token}`).toString("base64")}`) return true
      return false
    }
    const server = await startServer((req) => {
      if (!authorized(req.headers["authorization"])) return text(401, "Client must be authenticated to access this resource.")
      if (req.path.split("?")[0] !== "/rest/api/3/issue" || req.method !== "POST") return jiraErrors(404, ["Not found"])
      if (req.json === undefined) return jiraErrors(400, ["Unexpected character: was expecting a JSON value"])
      const doc = req.json
      const fields = isObject(doc) && isObject(doc.fields) ? doc.fields : undefined
      if (fields === undefined) return jiraErrors(400, ["Issue create requires fields"])
      const project = isObject(fields.project) ? String(fields.project.key ?? "") : ""
      const types = projects[project]
      if (types === undefined) return jiraErrors(400, [], { project: "valid project is required" })
      if (options.readOnly) return jiraErrors(403, ["You do not have permission to create issues in this project."])
      const errors: Record<string, string> = {}
      const issuetype = isObject(fields.issuetype) ? String(fields.issuetype.name ?? "") : ""
      if (!types.includes(issuetype)) errors.issuetype = "Specify a valid issue type"
      if (typeof fields.summary !== "string" || fields.summary.trim() === "") errors.summary = "You must specify a summary of the issue."
      else if ([...fields.summary].length > 255) errors.summary = "Summary must be less than 255 characters."
      else if (/[\r\n]/.test(fields.summary)) errors.summary = "The summary is invalid because it contains newline characters."
      if (fields.description !== undefined) {
        const d = fields.description
        if (!isObject(d) || d.type !== "doc" || d.version !== 1 || adfProblem(d) !== undefined) errors.description = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
      }
      if (fields.labels !== undefined && (!Array.isArray(fields.labels) || !fields.labels.every((l) => typeof l === "string" && /^\S+$/.test(l)))) errors.labels = "The label must not contain spaces."
      if (Object.keys(errors).length > 0) return jiraErrors(400, [], errors)
      const id = String(10000 + issues.length)
      const key = `${project}-${issues.length + 1}`
      issues.push({ key, fields })
      return json(201, { id, key, self: `http://${req.headers["host"] ?? "127.0.0.1"}/rest/api/3/issue/${id}` })
    })
    return { ...server, url: server.origin, issues }
  }
}
