/**
 * Pre-masking of obvious variables, token by token (a token is a maximal run
 * of non-whitespace). One fixed set of rules for every input — no per-dataset
 * tuning. A token is replaced by `<*>` when it is, after stripping wrapping
 * punctuation, a number, a hex value, an IPv4/IPv6 address (with port), a
 * UUID, a duration, a URL or a path; a token that merely CONTAINS digits
 * (`blk_-123`, `node-246`, `appattempt_1445_0020`) is masked too, because an
 * identifier with digits in it is a variable far more often than not.
 */

/** The variable marker in patterns. */
export const WILDCARD = "<*>"

const isDigit = (c: number): boolean => c >= 48 && c <= 57

/**
 * The masked form of one token: `<*>` for a variable; the token itself
 * otherwise. Wrapping punctuation that is not part of the value is kept
 * (`(HWID=1973)` → `(HWID=<*>)`, `[10.0.0.1]` → `[<*>]`), so literal
 * structure survives.
 */
export const maskToken = (token: string): string => {
  const n = token.length
  let digits = false
  let slash = false
  for (let i = 0; i < n; i++) {
    const c = token.charCodeAt(i)
    if (isDigit(c)) {
      digits = true
      break
    }
    if (c === 47) slash = true
  }
  if (!digits) {
    if (slash && isPathOrUrl(token)) return WILDCARD
    return token
  }
  // Keep an alphabetic key before `=` or `:` (key=value, key:value), mask the value.
  const eq = keyEnd(token)
  if (eq > 0) {
    const value = token.slice(eq + 1)
    return token.slice(0, eq + 1) + (value.length === 0 ? "" : maskValue(value))
  }
  return maskValue(token)
}

/** The index of `=` / `:` after a purely alphabetic key (`HWID=`, `port:`), or -1. */
const keyEnd = (token: string): number => {
  let i = 0
  const n = token.length
  // allow leading punctuation such as `(` or `[`
  while (i < n && isOpen(token.charCodeAt(i))) i++
  const start = i
  while (i < n) {
    const c = token.charCodeAt(i)
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46) i++
    else break
  }
  if (i === start || i >= n - 1) return -1
  const c = token.charCodeAt(i)
  return c === 61 || c === 58 ? i : -1
}

const isOpen = (c: number): boolean => c === 40 || c === 91 || c === 123 || c === 60 || c === 34 || c === 39

const isClose = (c: number): boolean =>
  c === 41 || c === 93 || c === 125 || c === 62 || c === 34 || c === 39 || c === 44 || c === 59 || c === 46 || c === 58 ||
  c === 33 || c === 63

/** Masks a value that contains a digit, keeping the wrapping punctuation. */
const maskValue = (token: string): string => {
  let start = 0
  let end = token.length
  while (start < end && isOpen(token.charCodeAt(start))) start++
  while (end > start && isClose(token.charCodeAt(end - 1))) end--
  if (start >= end) return token
  return token.slice(0, start) + WILDCARD + token.slice(end)
}

/** `/a/b`, `./x/y`, `C:/x` style paths and `scheme://…` URLs. */
const isPathOrUrl = (token: string): boolean => {
  const scheme = token.indexOf("://")
  if (scheme > 0) return true
  let slashes = 0
  for (let i = 0; i < token.length; i++) if (token.charCodeAt(i) === 47) slashes++
  return slashes >= 2 && token.length > 2
}
