/**
 * Readers for the OpenTelemetry environment variable formats. Every failure
 * is a short detail that names the entry by position, never by content: a
 * header or resource entry may hold a secret, and a malformed one may be the
 * secret itself.
 */

/** A variable's trimmed value; empty counts as unset (the OTel specification's rule). */
export const read = (env: Readonly<Record<string, string | undefined>>, name: string): string | undefined => {
  const value = env[name]?.trim()
  return value === undefined || value === "" ? undefined : value
}

/** An RFC 9110 token: what an HTTP header name may be. */
const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * A W3C Baggage-style `key=value,key2=value2` list with percent-encoded values
 * (the format of OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES).
 * Empty entries (a trailing comma) are skipped; `httpHeader` also requires
 * token keys (lower-cased) and values Node can send (no control characters,
 * nothing beyond Latin-1): a bad one would fail every export later, silently.
 */
export const keyValueList = (
  text: string,
  mode: "httpHeader" | "attribute"
): { readonly _tag: "ok"; readonly entries: Record<string, string> } | { readonly _tag: "error"; readonly detail: string } => {
  const entries: Record<string, string> = {}
  const parts = text.split(",")
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!.trim()
    if (part === "") continue
    const position = `entry ${i + 1}`
    const eq = part.indexOf("=")
    if (eq <= 0) return { _tag: "error", detail: `${position} is not key=value` }
    const key = part.slice(0, eq).trim()
    if (key === "") return { _tag: "error", detail: `${position} has an empty key` }
    if (mode === "httpHeader" && !token.test(key)) return { _tag: "error", detail: `${position} has a key that is not a valid HTTP header name` }
    let value: string
    try {
      value = decodeURIComponent(part.slice(eq + 1).trim())
    } catch {
      return { _tag: "error", detail: `${position} has a value that is not valid percent-encoding` }
    }
    // what Node's http client accepts in a header value (tab, visible ASCII, Latin-1)
    if (mode === "httpHeader" && /[^\t\u0020-\u007e\u0080-\u00ff]/.test(value)) {
      return { _tag: "error", detail: `${position} has a value with characters an HTTP header cannot carry (control characters or beyond Latin-1)` }
    }
    entries[mode === "httpHeader" ? key.toLowerCase() : key] = value
  }
  return { _tag: "ok", entries }
}

/**
 * An http(s) URL, or why not. The detail shows the scheme at most: a URL may
 * carry credentials (userinfo, an API key in the query).
 */
export const httpUrl = (text: string): { readonly _tag: "ok"; readonly url: URL } | { readonly _tag: "error"; readonly detail: string } => {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return { _tag: "error", detail: "is not a URL (expected http://host:port/…)" }
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    const scheme = /^[a-z][a-z0-9+.-]{0,20}:$/i.test(url.protocol) ? ` (got ${url.protocol})` : ""
    return { _tag: "error", detail: `must be an http:// or https:// URL${scheme}` }
  }
  return { _tag: "ok", url }
}

/** A URL for a log line: userinfo and query hidden, the rest as is. */
export const displayUrl = (text: string): string => {
  const url = new URL(text)
  const userinfo = url.username !== "" || url.password !== "" ? "***@" : ""
  return `${url.protocol}//${userinfo}${url.host}${url.pathname}${url.search !== "" ? "?…" : ""}`
}

/** A value safe to quote in an error: a short plain word, or nothing. */
export const quotable = (text: string): string | undefined => (/^[\w.,-]{1,40}$/.test(text) ? text : undefined)
