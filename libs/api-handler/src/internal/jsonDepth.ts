/**
 * The deepest nesting of arrays and objects in a JSON text, counted without
 * parsing it (strings and their escapes are skipped). Bodies nested deeper
 * than a schema could ever need are refused before anything recurses over
 * them: `JSON.parse` copes, but stringifying or formatting such a value
 * overflows the stack.
 */
export const maxDepth = (text: string): number => {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92 /* \ */) i++
      else if (c === 34 /* " */) inString = false
    } else if (c === 34) {
      inString = true
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      depth++
      if (depth > max) max = depth
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--
    }
  }
  return max
}
