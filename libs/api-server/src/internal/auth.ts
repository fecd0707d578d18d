import { createHash, timingSafeEqual } from "node:crypto"
import { Redacted } from "effect"

const digest = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest()

/**
 * A bearer-token check that takes the same time whatever the guess: both
 * tokens are hashed to 32 bytes first, so `timingSafeEqual` always compares
 * equal-length buffers and the comparison leaks neither the token's bytes nor
 * its length.
 */
export const tokenChecker = (token: Redacted.Redacted<string>): ((candidate: Redacted.Redacted<string> | undefined) => boolean) => {
  const expected = digest(Redacted.value(token))
  return (candidate) => {
    const given = digest(candidate === undefined ? "" : Redacted.value(candidate))
    // always compare, even for a missing token, so both paths cost the same
    const same = timingSafeEqual(given, expected)
    return candidate !== undefined && same
  }
}

/**
 * Whether a bind address only accepts connections from this machine: the
 * IPv4 loopback net 127.0.0.0/8, `::1` (also IPv4-mapped), or `localhost`.
 */
export const isLoopback = (host: string): boolean => {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1")
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true
  const v4 = h.startsWith("::ffff:") ? h.slice("::ffff:".length) : h
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4)
}

/** Characters a path token may hold: RFC 3986's unreserved set, so `/hooks/<token>/…` needs no escaping anywhere. */
const urlSafe = /^[A-Za-z0-9._~-]+$/

/**
 * Why an integration token cannot be used, or undefined when it can. It is
 * sent in paths (`/hooks/<token>/…`), so it must be URL-safe; and it must
 * not be the operator token, which would then open every route from a URL
 * that callers such as Kayenta write to their logs. `source` names where it
 * came from, for the message; the token itself is never in it.
 */
export const hookTokenProblem = (hook: Redacted.Redacted<string>, operator: Redacted.Redacted<string> | undefined, source: string): string | undefined => {
  const text = Redacted.value(hook)
  if (text.trim() === "") return `the integration token (${source}) is empty; set a real one or leave it unset`
  if (!urlSafe.test(text)) return `the integration token (${source}) may hold only letters, digits and - . _ ~ (it is sent in paths as /hooks/<token>/…); e.g. openssl rand -hex 32`
  if (operator !== undefined && Redacted.value(operator) === text) return `the integration token (${source}) must differ from the operator token (ROLLWISE_API_TOKEN): it only opens the decision routes and may travel in URLs`
  return undefined
}
