import { PlainText } from "@rollwise/input-schema"
import type { RolloutEvent } from "../RolloutEvent.ts"

/** Headline per kind, in the words the CLI's timeline uses. */
export const headline: Readonly<Record<RolloutEvent["kind"], string>> = {
  rollback: "Rolled back",
  abort: "Aborted",
  "approval-needed": "Approval needed",
  promotion: "Promoted"
}

/** `text` cut to `max` characters (code points), with an ellipsis when cut. */
export const truncate = (text: string, max: number): string => {
  const chars = [...text]
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join("")}…`
}

/** Someone else's text on one line: control characters shown escaped, never acted on. */
export const line = (text: string): string => PlainText.inert(text)

/** `checkout 1.4.2 on k8s:checkout`. */
export const subject = (event: RolloutEvent): string => `${line(event.service)} ${line(event.release)} on ${line(event.target)}`

/** `rollback (score 0.82)`. */
export const verdictText = (event: RolloutEvent): string | undefined =>
  event.verdict === undefined ? undefined : `${event.verdict.action}${event.verdict.score !== undefined ? ` (score ${round(event.verdict.score)})` : ""}`

/** `72 / 100`. */
export const riskText = (event: RolloutEvent): string | undefined => (event.riskScore === undefined ? undefined : `${round(event.riskScore)} / 100`)

const round = (n: number): string => String(Math.round(n * 100) / 100)

/** ISO time of the event. */
export const when = (event: RolloutEvent): string => (Number.isFinite(event.at) && Math.abs(event.at) < 8.64e15 ? new Date(event.at).toISOString() : String(event.at))

/** Whether `url` is an absolute http(s) URL a chat client can open. */
export const isLink = (url: string): boolean => {
  if (!/^https?:\/\//i.test(url)) return false
  try {
    new URL(url)
    return true
  } catch {
    return false
  }
}

/** The event's links: the evidence first, then the plots; only http(s) URLs. */
export const links = (event: RolloutEvent): ReadonlyArray<{ readonly label: string; readonly url: string }> => [
  ...(event.evidenceUrl !== undefined && isLink(event.evidenceUrl) ? [{ label: "Evidence", url: event.evidenceUrl }] : []),
  ...(event.plots ?? []).filter((p) => isLink(p.url)).map((p) => ({ label: `Plot: ${line(p.name)}`, url: p.url }))
]

/** At most `max` reasons, then one line saying how many more there are. */
export const capped = (reasons: ReadonlyArray<string>, max: number): ReadonlyArray<string> =>
  reasons.length <= max ? reasons : [...reasons.slice(0, max), `… and ${reasons.length - max} more`]
