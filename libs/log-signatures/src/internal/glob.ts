import { WILDCARD } from "./mask.ts"

/**
 * Whether `text` equals `pattern` with each `<*>` standing for any run of
 * characters (possibly empty). Greedy-leftmost matching of the literal pieces
 * is exact for this kind of wildcard, so it runs in linear time.
 */
export const glob = (pattern: string, text: string): boolean => {
  let star = pattern.indexOf(WILDCARD)
  if (star < 0) return pattern === text
  // the first piece anchors at the start
  if (!text.startsWith(star === 0 ? "" : pattern.slice(0, star))) return false
  let at = star
  let from = star + WILDCARD.length
  for (;;) {
    star = pattern.indexOf(WILDCARD, from)
    if (star < 0) {
      // the last piece anchors at the end, after everything matched so far
      const lastLength = pattern.length - from
      return text.length - lastLength >= at && text.endsWith(lastLength === 0 ? "" : pattern.slice(from))
    }
    if (star > from) {
      const piece = pattern.slice(from, star)
      const found = text.indexOf(piece, at)
      if (found < 0) return false
      at = found + piece.length
    }
    from = star + WILDCARD.length
  }
}

/**
 * The most specific token fitting both a template's token and a line's: the
 * shared `key=` / `key:` prefix followed by `<*>` (`table=<*>`), or `<*>`.
 */
export const generalise = (a: string, b: string): string => {
  if (a === b) return a
  const n = Math.min(a.length, b.length)
  let i = 0
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++
  // cut back to just after the last `=` or `:` of an alphabetic key in the shared prefix
  let cut = -1
  for (let j = 0; j < i; j++) {
    const c = a.charCodeAt(j)
    if (c === 61 || c === 58) {
      cut = j
      break
    }
    const keyChar = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46 ||
      (j === 0 && (c === 40 || c === 91))
    if (!keyChar) break
  }
  return cut > 0 ? a.slice(0, cut + 1) + WILDCARD : WILDCARD
}
