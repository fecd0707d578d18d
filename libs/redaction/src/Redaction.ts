/**
 * One function, {@link redact}, that every piece of upstream text (an error
 * body, a warning, a transport message, a hook's stderr) passes through before
 * rollwise shows it, answers it over HTTP or appends it to the evidence, which
 * cannot be deleted: a credential that reaches the evidence stays there.
 */

/** What a redacted credential is replaced with. */
export const marker = "***"

/** `scheme://userinfo@`: everything between `//` and the last `@` of the authority. */
const urlUserinfo = /(\b[A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#\s]*@/g

/**
 * A credential-bearing header and its value, as HTTP, JSON or Go's
 * `map[Authorization:[Bearer …]]` dump write it: the key, its separator, an
 * optional auth scheme, then the value up to a delimiter.
 */
const headerValue =
  /(\b(?:proxy-)?authorization|\bx-api-key|\bapi-key|\bx-auth-token|\bprivate-token)(["']?\s*[:=]\s*[["']*\s*)(?:(bearer|basic|token|apikey|negotiate)\s+)?([^\s"'\],;}]+)/gi

/** `Bearer <token>` anywhere (RFC 6750's b64token alphabet, 8 characters or more, so "a bearer of news" stays). */
const bearer = /(\bbearer\s+)([A-Za-z0-9\-._~+/]{8,}=*)/gi

/** The names of pairs whose value is a credential: `token`, `access_token`, `api_key`, `password`, `client_secret` … */
const secretKey = String.raw`[A-Za-z0-9_.-]*(?:token|secret|password|passwd|pwd|api[_-]?key|apikey|credentials?|sessionid)`

/** `key=value` (query strings, form bodies, logfmt), the value unquoted or quoted. */
const pairEquals = new RegExp(String.raw`(\b${secretKey})(\s*=\s*)(?:"([^"\n]*)"|'([^'\n]*)'|([^\s"'&,;}\])<>]+))`, "gi")

/** `"key": value` (JSON, YAML flow): a quoted key, then `:` and the value, quoted or not. */
const pairQuoted = new RegExp(String.raw`(["'])(${secretKey})\1(\s*:\s*)(?:"([^"\n]*)"|'([^'\n]*)'|([^\s"',}\]]+))`, "gi")

const replacePair = (prefix: string, quotedDouble: string | undefined, quotedSingle: string | undefined) =>
  quotedDouble !== undefined ? `${prefix}"${marker}"` : quotedSingle !== undefined ? `${prefix}'${marker}'` : `${prefix}${marker}`

/** The forms a known secret can take in an answer: as given, and percent-encoded (a query or form body). */
const forms = (secret: string): ReadonlyArray<string> => {
  let encoded = secret
  try {
    encoded = encodeURIComponent(secret)
  } catch {
    // a lone surrogate cannot be encoded; the literal form is still redacted
  }
  return encoded === secret ? [secret] : [secret, encoded]
}

const step = (text: string, secrets: ReadonlyArray<string>): string => {
  let out = text
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(marker)
  return out
    .replace(urlUserinfo, (_, scheme: string) => `${scheme}${marker}@`)
    .replace(headerValue, (_, key: string, sep: string, scheme: string | undefined) => `${key}${sep}${scheme === undefined ? "" : `${scheme} `}${marker}`)
    .replace(bearer, (_, prefix: string) => `${prefix}${marker}`)
    .replace(pairEquals, (_, key: string, sep: string, dq?: string, sq?: string) => replacePair(`${key}${sep}`, dq, sq))
    .replace(pairQuoted, (_, q: string, key: string, sep: string, dq?: string, sq?: string) => replacePair(`${q}${key}${q}${sep}`, dq, sq))
}

/**
 * `text` with every credential in it replaced by `***`:
 *
 * - URL userinfo (`https://user:pass@host` → `https://***@host`);
 * - the value of `Authorization` / `Proxy-Authorization` (after `Bearer`,
 *   `Basic`, `Token` …), `X-Api-Key`, `Api-Key`, `X-Auth-Token`,
 *   `Private-Token`, written as a header, JSON or Go's header-map dump;
 * - `Bearer <token>` anywhere (a token of 8 characters or more);
 * - the value of a `token`, `access_token`, `api_key`, `password`, `secret`,
 *   `credentials` … pair, as `key=value` (query strings, form bodies,
 *   logfmt) or `"key": "value"` (JSON);
 * - every known secret in `secrets` (the configured token, password, the
 *   Basic header value), literally and percent-encoded, wherever it stands.
 *
 * Text with none of these comes back unchanged, and `redact` is idempotent.
 * Empty secrets and secrets that are part of `***` are ignored (they cannot
 * be told from the marker). It knows no secret it is not given: a bare
 * password in prose is redacted only when passed in `secrets`.
 */
export const redact = (text: string, secrets: Iterable<string | undefined> = []): string => {
  const known = [...new Set([...secrets].filter((s): s is string => s !== undefined && s !== "" && !marker.includes(s)).flatMap(forms))].sort((a, b) => b.length - a.length)
  // one pass can expose a new match (a secret spanning a marker); the fixpoint is what makes it idempotent
  let out = text
  for (let i = 0; i < 8; i++) {
    const next = step(out, known)
    if (next === out) return out
    out = next
  }
  return out
}
