/**
 * A Jira incident per event through REST v3 (`POST /rest/api/3/issue`):
 * summary, labels and an Atlassian Document Format description with the
 * verdict, the reasons and the links. ADF text nodes are literal, so
 * someone else's text cannot become markup; the summary is one line of at
 * most 255 characters, as Jira requires.
 */
import { Effect, Redacted } from "effect"
import type { JiraChannel } from "./Config.ts"
import { type DeliveryError, defaultTransport, type Sent, type Transport } from "./Delivery.ts"
import * as Http from "./internal/http.ts"
import { capped, headline, line, links, riskText, subject, truncate, verdictText, when } from "./internal/text.ts"
import { reasonsOf, type RolloutEvent } from "./RolloutEvent.ts"

const verb: Readonly<Record<RolloutEvent["kind"], string>> = { rollback: "rolled back", abort: "aborted", "approval-needed": "needs approval", promotion: "promoted" }

/** What the issue is filed under (the channel's config). */
export type Target = Pick<JiraChannel, "project" | "issueType" | "labels" | "priority">

type Mark = { readonly type: "strong" } | { readonly type: "link"; readonly attrs: { readonly href: string } }
const text = (value: string, marks: ReadonlyArray<Mark> = []) => ({ type: "text", text: value === "" ? "(empty)" : value, ...(marks.length > 0 ? { marks } : {}) })
const paragraph = (...content: ReadonlyArray<ReturnType<typeof text>>) => ({ type: "paragraph", content })
const heading = (level: number, value: string) => ({ type: "heading", attrs: { level }, content: [text(value)] })
const bullets = (items: ReadonlyArray<ReturnType<typeof text>>) => ({ type: "bulletList", content: items.map((t) => ({ type: "listItem", content: [paragraph(t)] })) })
const fact = (label: string, value: string) => paragraph(text(`${label}: `, [{ type: "strong" }]), text(truncate(line(value), 1000)))

/** The issue's description as an ADF document (version 1). */
export const description = (event: RolloutEvent) => {
  const verdict = verdictText(event)
  const risk = riskText(event)
  const reasons = capped(reasonsOf(event), 50)
  const refs = links(event)
  return {
    version: 1,
    type: "doc",
    content: [
      heading(2, `${headline[event.kind]}: ${subject(event)}`),
      fact("Rollout", event.rolloutId),
      fact("Service", event.service),
      fact("Release", event.release),
      fact("Target", event.target),
      ...(verdict !== undefined ? [fact("Verdict", verdict)] : []),
      ...(risk !== undefined ? [fact("Risk", risk)] : []),
      ...(reasons.length > 0 ? [heading(3, "Reasons"), bullets(reasons.map((r) => text(truncate(r, 2000))))] : []),
      ...(refs.length > 0 ? [heading(3, "Links"), bullets(refs.map((l) => text(l.label, [{ type: "link", attrs: { href: l.url } }])))] : []),
      paragraph(text(`Filed by Rollwise at ${when(event)}.`))
    ]
  }
}

/** `Rollwise: checkout 1.4.2 rolled back on k8s:checkout`: one line, at most 255 characters. */
export const summary = (event: RolloutEvent): string => truncate(`Rollwise: ${line(event.service)} ${line(event.release)} ${verb[event.kind]} on ${line(event.target)}`, 255)

/** The create-issue body (pure: golden-tested in test/fixtures/rollback.jira.json). */
export const payload = (event: RolloutEvent, target: Target) => ({
  fields: {
    project: { key: target.project },
    issuetype: { name: target.issueType },
    summary: summary(event),
    description: description(event),
    labels: [...new Set([...target.labels, `rollwise-${event.kind}`])],
    ...(target.priority !== undefined ? { priority: { name: target.priority } } : {})
  }
})

/** Jira's answer: 201 `{id, key, self}` (the key is kept), or `{"errorMessages": [...], "errors": {field: message}}`. */
export const read = (answer: Http.Answer): Http.Verdict => {
  let doc: { key?: unknown; errorMessages?: unknown; errors?: unknown } | undefined
  try {
    doc = JSON.parse(answer.text) as typeof doc
  } catch {
    doc = undefined
  }
  if (answer.status === 201 || answer.status === 200) {
    return typeof doc?.key === "string" ? { ok: true, detail: `created ${doc.key}` } : { ok: false, detail: "Jira answered without an issue key" }
  }
  const messages = [
    ...(Array.isArray(doc?.errorMessages) ? doc.errorMessages.filter((m): m is string => typeof m === "string") : []),
    ...(typeof doc?.errors === "object" && doc.errors !== null ? Object.entries(doc.errors).map(([k, v]) => `${k}: ${String(v)}`) : [])
  ]
  return { ok: false, detail: `Jira says ${messages.length > 0 ? Http.excerpt(messages.join("; ")) : Http.excerpt(answer.text)}` }
}

/** Resolved credentials: Jira Cloud's email + API token (Basic), or a Data Center personal access token (Bearer). */
export type Credentials = { readonly email: string; readonly token: Redacted.Redacted<string> } | { readonly bearer: Redacted.Redacted<string> }

/** The Authorization header value and every form of the secret in it. */
export const authorization = (credentials: Credentials): { readonly header: string; readonly secrets: ReadonlyArray<string> } => {
  if ("bearer" in credentials) {
    const token = Redacted.value(credentials.bearer)
    return { header: `Bearer ${token}`, secrets: [token] }
  }
  const token = Redacted.value(credentials.token)
  const basic = Buffer.from(`${credentials.email}:${token}`).toString("base64")
  return { header: `Basic ${basic}`, secrets: [token, basic] }
}

/** Create the incident (retries per `transport`); the created key is the Sent detail (`created OPS-42`). */
export const send = (
  options: { readonly url: string; readonly target: Target; readonly credentials: Credentials; readonly transport?: Transport },
  event: RolloutEvent
): Effect.Effect<Sent, DeliveryError> => {
  const auth = authorization(options.credentials)
  const transport = options.transport ?? defaultTransport
  return Http.deliver({
    request: {
      url: `${options.url.replace(/\/+$/, "")}/rest/api/3/issue`,
      headers: { Authorization: auth.header, Accept: "application/json", "Content-Type": "application/json", "User-Agent": "rollwise-notify" },
      body: JSON.stringify(payload(event, options.target))
    },
    read,
    policy: transport.retry,
    timeoutMs: transport.timeoutMs,
    secrets: auth.secrets
  })
}
