/**
 * Microsoft Teams through a Workflows webhook ("When a Teams webhook request
 * is received" → "Post card in a chat or channel"): a message with one
 * Adaptive Card 1.4 attachment. Text that came from someone else goes only
 * into `TextRun`s of `RichTextBlock`s, which Adaptive Cards render
 * literally (no markdown), and links only into `Action.OpenUrl`.
 */
import { Effect, Redacted } from "effect"
import { type DeliveryError, defaultTransport, type Sent, type Transport } from "./Delivery.ts"
import * as Http from "./internal/http.ts"
import { capped, headline, line, links, riskText, truncate, verdictText, when } from "./internal/text.ts"
import { reasonsOf, type RolloutEvent } from "./RolloutEvent.ts"

const color: Readonly<Record<RolloutEvent["kind"], string>> = { rollback: "Attention", abort: "Attention", "approval-needed": "Warning", promotion: "Good" }

/** The labels the card writes in TextBlocks (markdown-rendered): only these, never someone else's text. */
export const labels: ReadonlySet<string> = new Set([...Object.values(headline), "Reasons"])

const run = (text: string, style: Record<string, unknown> = {}) => ({ type: "TextRun", text: text === "" ? "(empty)" : text, ...style })
const fact = (label: string, value: string) => ({ type: "RichTextBlock", inlines: [run(`${label}: `, { weight: "Bolder" }), run(truncate(line(value), 500))] })

/** The Adaptive Card for an event (pure: golden-tested in test/fixtures/rollback.teams.json). */
export const card = (event: RolloutEvent) => {
  const verdict = verdictText(event)
  const risk = riskText(event)
  const reasons = capped(reasonsOf(event), 20)
  return {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    msteams: { width: "Full" },
    body: [
      { type: "TextBlock", text: headline[event.kind], size: "Large", weight: "Bolder", color: color[event.kind], wrap: true },
      fact("Service", event.service),
      fact("Release", event.release),
      fact("Target", event.target),
      ...(verdict !== undefined ? [fact("Verdict", verdict)] : []),
      ...(risk !== undefined ? [fact("Risk", risk)] : []),
      ...(reasons.length > 0
        ? [{ type: "TextBlock", text: "Reasons", weight: "Bolder", wrap: true, spacing: "Medium" }, ...reasons.map((r) => ({ type: "RichTextBlock", inlines: [run("• "), run(truncate(r, 1000))] }))]
        : []),
      { type: "RichTextBlock", spacing: "Medium", inlines: [run(`Rollwise · rollout ${line(truncate(event.rolloutId, 200))} · ${when(event)}`, { isSubtle: true, size: "Small" })] }
    ],
    actions: links(event)
      .slice(0, 6)
      .map((l) => ({ type: "Action.OpenUrl", title: truncate(l.label, 75), url: l.url }))
  }
}

/** The message the workflow receives: `{type: "message", attachments: [Adaptive Card]}`. */
export const payload = (event: RolloutEvent) => ({
  type: "message",
  attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card(event) }]
})

/** The workflow's answer: 202 Accepted (empty body) when taken; `{"error":{"code","message"}}` otherwise. */
export const read = (answer: Http.Answer): Http.Verdict => {
  if (answer.status >= 200 && answer.status < 300) return { ok: true }
  try {
    const doc = JSON.parse(answer.text) as { error?: { code?: unknown; message?: unknown } }
    if (typeof doc.error?.code === "string") return { ok: false, detail: `Teams workflow says ${doc.error.code}: ${Http.excerpt(String(doc.error.message ?? ""))}` }
  } catch {
    // not JSON: a gateway's page
  }
  return { ok: false, detail: `Teams workflow says ${Http.excerpt(answer.text)}` }
}

/** Post the event's card to the workflow (retries per `transport`); every detail redacted of the URL and its `sig`. */
export const send = (options: { readonly webhook: Redacted.Redacted<string>; readonly transport?: Transport }, event: RolloutEvent): Effect.Effect<Sent, DeliveryError> => {
  const url = Redacted.value(options.webhook)
  const transport = options.transport ?? defaultTransport
  return Http.deliver({
    request: { url, headers: { "Content-Type": "application/json; charset=utf-8", "User-Agent": "rollwise-notify" }, body: JSON.stringify(payload(event)) },
    read,
    policy: transport.retry,
    timeoutMs: transport.timeoutMs,
    secrets: secretsOf(url)
  })
}

/** The URL and its `sig` query parameter (the credential, which an error may echo alone). */
export const secretsOf = (url: string): ReadonlyArray<string> => {
  try {
    const sig = new URL(url).searchParams.get("sig")
    return sig !== null && sig !== "" ? [url, sig] : [url]
  } catch {
    return [url]
  }
}
