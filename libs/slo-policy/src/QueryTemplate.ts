import * as DurationText from "./DurationText.ts"
import type { SloSpec } from "./SloSpec.ts"

/**
 * Query templates: `{{name}}` placeholders filled with values that can never
 * break out of where they stand, for every query language whose strings
 * follow Go's quoting (PromQL, LogQL, TraceQL). Inside a double- or
 * single-quoted string a value is escaped by Go's string rules; inside a
 * backtick raw string, a value with a backtick is refused; outside any string
 * only a bare name or a duration may stand. A string that is the pattern of a
 * `=~` or `!~` matcher gets the value's regex metacharacters escaped first
 * (Go's `regexp.QuoteMeta`), so a value matches itself and nothing else.
 * Languages with other quoting (Elasticsearch's query string) escape in their
 * own adapter but take their values from {@link placeholders}.
 */

/** A template could not be filled safely. */
export class TemplateError extends Error {}

const hex = (c: number) => `\\x${c.toString(16).padStart(2, "0")}`

/**
 * Escape a value for a PromQL string literal quoted with `quote`: backslash,
 * the quote itself, and control characters become escape sequences, so the
 * literal's content reads back exactly as `value`.
 */
export const escapeString = (value: string, quote: '"' | "'" = '"'): string => {
  let out = ""
  for (const ch of value) {
    const c = ch.codePointAt(0)!
    if (ch === "\\") out += "\\\\"
    else if (ch === quote) out += `\\${quote}`
    else if (ch === "\n") out += "\\n"
    else if (ch === "\r") out += "\\r"
    else if (ch === "\t") out += "\\t"
    else if (c < 0x20 || c === 0x7f) out += hex(c)
    else out += ch
  }
  return out
}

/**
 * Read a PromQL double- or single-quoted literal's content back (Go's
 * unquoting), for checking that escaping round-trips. Throws on malformed
 * escapes.
 */
export const unescapeString = (content: string): string => {
  let out = ""
  for (let i = 0; i < content.length; i++) {
    const ch = content[i]!
    if (ch !== "\\") {
      out += ch
      continue
    }
    const next = content[++i]
    switch (next) {
      case "\\":
      case '"':
      case "'":
        out += next
        break
      case "n":
        out += "\n"
        break
      case "r":
        out += "\r"
        break
      case "t":
        out += "\t"
        break
      case "x":
        out += String.fromCharCode(parseInt(content.slice(i + 1, i + 3), 16))
        i += 2
        break
      default:
        throw new TemplateError(`bad escape \\${next ?? ""}`)
    }
  }
  return out
}

/**
 * Escape RE2's metacharacters (`\ . + * ? ( ) | [ ] { } ^ $`, as Go's
 * `regexp.QuoteMeta`): the pattern then matches `value` literally.
 */
export const escapeRegex = (value: string): string => value.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&")

/** The text before a string literal ends in a regex matcher operator. */
const regexMatcher = /[=!]~\s*$/

const bare = /^[A-Za-z_:][A-Za-z0-9_:]*$|^\d+(\.\d+)?$|^(\d+[smhdwy])+$|^\d+ms$/

/**
 * Fill `{{name}}` placeholders. Unknown placeholders are an error (a typo
 * must not reach Prometheus as literal braces).
 */
export const render = (template: string, values: Readonly<Record<string, string>>): string => {
  let out = ""
  let quote: '"' | "'" | "`" | undefined
  let regex = false
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!
    if (ch === "{" && template[i + 1] === "{") {
      const close = template.indexOf("}}", i + 2)
      if (close === -1) throw new TemplateError(`unclosed {{ at offset ${i}`)
      const name = template.slice(i + 2, close).trim()
      const value = values[name]
      if (value === undefined) throw new TemplateError(`unknown placeholder {{${name}}} (known: ${Object.keys(values).sort().join(", ")})`)
      const literal = regex ? escapeRegex(value) : value
      if (quote === '"' || quote === "'") out += escapeString(literal, quote)
      else if (quote === "`") {
        if (value.includes("`")) throw new TemplateError(`{{${name}}} contains a backtick and stands in a raw string`)
        out += literal
      } else {
        if (!bare.test(value)) throw new TemplateError(`{{${name}}} stands outside a string, so it must be a plain name, number or duration, not ${JSON.stringify(value)}`)
        out += value
      }
      i = close + 1
      continue
    }
    if (quote === undefined && (ch === '"' || ch === "'" || ch === "`")) {
      regex = regexMatcher.test(out)
      quote = ch
      out += ch
      continue
    }
    out += ch
    if (quote === undefined) continue
    if (ch === "\\" && quote !== "`") {
      out += template[++i] ?? ""
    } else if (ch === quote) {
      quote = undefined
    }
  }
  return out
}

/** The label value of a track: the spec's `baseline` names (default `stable` and `canary`); in offset mode both tracks are the candidate's. */
export const trackLabel = (spec: Pick<SloSpec, "baseline">, track: "baseline" | "candidate"): string => {
  const baseline = spec.baseline ?? { by: "label" as const }
  if (baseline.by === "label") return track === "baseline" ? (baseline.baseline ?? "stable") : (baseline.candidate ?? "canary")
  return baseline.candidate ?? "canary"
}

/**
 * The placeholder values for one query: {{service}}, {{namespace}},
 * {{window}} (the window's length as a duration), {{step}} (the range
 * queries' step, default 10s), {{track}} (the track's label value), and the
 * spec's own variables (which cannot override those).
 */
export const placeholders = (
  spec: Pick<SloSpec, "service" | "namespace" | "step" | "baseline" | "variables">,
  track: "baseline" | "candidate",
  windowSeconds: number
): Record<string, string> => ({
  ...(spec.variables ?? {}),
  service: spec.service,
  namespace: spec.namespace ?? "default",
  window: DurationText.format(Math.round(windowSeconds)),
  step: DurationText.format(DurationText.parseSeconds(spec.step ?? "10s") ?? 10),
  track: trackLabel(spec, track)
})

/** How far back a track's data lies: one `offset` (default 1w) for the baseline in offset mode, else 0 (ms). */
export const shiftMs = (spec: Pick<SloSpec, "baseline">, track: "baseline" | "candidate"): number => {
  const b = spec.baseline
  if (track !== "baseline" || b === undefined || b.by !== "offset") return 0
  return (DurationText.parseSeconds(b.offset ?? "1w") ?? 604_800) * 1000
}
