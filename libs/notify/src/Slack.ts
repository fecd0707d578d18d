/**
 * Slack through an incoming webhook: a Block Kit message (header, the
 * rollout's facts, the reasons as a list, buttons to the evidence and the
 * plots) with a text fallback for notifications. Text that came from
 * someone else is never parsed as Slack markup: it sits in `plain_text` and
 * `rich_text` elements (literal by Slack's spec), or in `mrkdwn` with `&`,
 * `<`, `>` escaped — so a service called `<!channel>` cannot ping a channel.
 */
import { Effect, Redacted } from "effect"
import { type DeliveryError, defaultTransport, type Sent, type Transport } from "./Delivery.ts"
import * as Http from "./internal/http.ts"
import { capped, headline, line, links, riskText, truncate, verdictText, when } from "./internal/text.ts"
import { reasonsOf, type RolloutEvent } from "./RolloutEvent.ts"

/** Slack's mrkdwn escaping: the three characters Slack's docs say to escape (`&` first). */
export const escape = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

const emoji: Readonly<Record<RolloutEvent["kind"], string>> = {
  rollback: ":rotating_light:",
  abort: ":octagonal_sign:",
  "approval-needed": ":raised_hand:",
  promotion: ":white_check_mark:"
}

/** Slack's Block Kit limits the builder keeps under (a message over them is refused with `invalid_blocks`). */
export const limits = { headerText: 150, fieldText: 2000, fields: 10, buttonText: 75, buttonUrl: 3000, actions: 25, fallbackText: 3000, reasons: 20, reasonText: 1000 } as const

const field = (label: string, value: string) => ({ type: "mrkdwn" as const, text: truncate(`*${label}*\n${escape(truncate(line(value), 500))}`, limits.fieldText) })
const literal = (text: string) => ({ type: "text" as const, text: text === "" ? "(empty)" : truncate(text, limits.reasonText) })

/** The Block Kit message for an event (pure: golden-tested in test/fixtures/rollback.slack.json). */
export const payload = (event: RolloutEvent) => {
  const verdict = verdictText(event)
  const risk = riskText(event)
  const reasons = capped(reasonsOf(event), limits.reasons)
  const buttons = links(event)
    .filter((l) => l.url.length <= limits.buttonUrl)
    .slice(0, limits.actions)
  const fallback = `${headline[event.kind]}: ${line(event.service)} ${line(event.release)} on ${line(event.target)}${verdict !== undefined ? `, verdict ${verdict}` : ""}`
  return {
    text: escape(truncate(fallback, limits.fallbackText)),
    blocks: [
      { type: "header", text: { type: "plain_text", text: truncate(`${emoji[event.kind]} ${headline[event.kind]}: ${line(event.service)} ${line(event.release)}`, limits.headerText), emoji: true } },
      {
        type: "section",
        fields: [
          field("Service", event.service),
          field("Release", event.release),
          field("Target", event.target),
          ...(verdict !== undefined ? [field("Verdict", verdict)] : []),
          ...(risk !== undefined ? [field("Risk", risk)] : [])
        ]
      },
      ...(reasons.length > 0
        ? [
            {
              type: "rich_text",
              elements: [
                { type: "rich_text_section", elements: [{ type: "text", text: "Reasons", style: { bold: true } }] },
                { type: "rich_text_list", style: "bullet", elements: reasons.map((r) => ({ type: "rich_text_section", elements: [literal(r)] })) }
              ]
            }
          ]
        : []),
      ...(buttons.length > 0
        ? [
            {
              type: "actions",
              elements: buttons.map((b, i) => ({ type: "button", action_id: `rollwise-link-${i}`, text: { type: "plain_text", text: truncate(b.label, limits.buttonText), emoji: false }, url: b.url }))
            }
          ]
        : []),
      { type: "context", elements: [{ type: "mrkdwn", text: escape(`Rollwise · rollout ${line(truncate(event.rolloutId, 200))} · ${when(event)}`) }] }
    ]
  }
}

/** The message Slack receives. */
export type Message = ReturnType<typeof payload>

/** Slack's answer: `200 ok`, or a plain-text error code (`invalid_payload`, `invalid_token`, `channel_not_found`, `channel_is_archived`, …). */
export const read = (answer: Http.Answer): Http.Verdict =>
  answer.status === 200 && answer.text.trim() === "ok" ? { ok: true } : { ok: false, detail: `Slack says ${Http.excerpt(answer.text)}` }

/** Post the event's message to the webhook (retries per `transport`); every detail redacted of the URL. */
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

/** The webhook URL and its path's last segment (the token part, which Slack may echo alone). */
export const secretsOf = (url: string): ReadonlyArray<string> => {
  const last = url.split(/[/?#]/).filter((s) => s.length >= 8).at(-1)
  return last !== undefined ? [url, last] : [url]
}
