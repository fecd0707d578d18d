import { singleQuotes } from "../PowerShell.ts"

/** A value parsed back from a generated script. */
export type Parsed = string | number | boolean | ReadonlyArray<string | Readonly<Record<string, string | number | boolean>>>

const isQuote = (c: string | undefined) => c !== undefined && singleQuotes.includes(c)

/**
 * A small tokenizer for the PowerShell literals the generator writes: a
 * single-quoted string ends at a quote character not followed by another
 * (a pair is one literal quote, as PowerShell reads it), integers,
 * `$true`/`$false`, `@(...)` of strings or of `@{ k = v; ... }` records.
 * Returns the value and where it ended; throws on anything else.
 */
export const parseValue = (src: string, at: number): { value: Parsed; end: number } => {
  const c = src[at]
  if (isQuote(c)) {
    let out = ""
    let i = at + 1
    for (;;) {
      if (i >= src.length) throw new Error("unterminated string")
      const ch = src[i]!
      if (isQuote(ch)) {
        if (isQuote(src[i + 1])) {
          out += src[i + 1]
          i += 2
          continue
        }
        return { value: out, end: i + 1 }
      }
      out += ch
      i++
    }
  }
  if (src.startsWith("$true", at)) return { value: true, end: at + 5 }
  if (src.startsWith("$false", at)) return { value: false, end: at + 6 }
  const number = /^-?\d+/.exec(src.slice(at, at + 32))
  if (number !== null) return { value: Number(number[0]), end: at + number[0].length }
  if (src.startsWith("@(", at)) {
    const items: Array<string | Record<string, string | number | boolean>> = []
    let i = at + 2
    while (src[i] !== ")") {
      if (src.startsWith("@{ ", i)) {
        const record: Record<string, string | number | boolean> = {}
        i += 3
        for (;;) {
          const key = /^([A-Za-z][A-Za-z0-9]*) = /.exec(src.slice(i, i + 80))
          if (key === null) throw new Error(`bad record at ${i}`)
          const v = parseValue(src, i + key[0].length)
          if (typeof v.value === "object") throw new Error("nested arrays are not generated")
          record[key[1]!] = v.value
          i = v.end
          if (src.startsWith("; ", i)) i += 2
          else if (src.startsWith(" }", i)) {
            i += 2
            break
          } else throw new Error(`bad record at ${i}`)
        }
        items.push(record)
      } else {
        const v = parseValue(src, i)
        if (typeof v.value !== "string") throw new Error("arrays hold strings or records")
        items.push(v.value)
        i = v.end
      }
      if (src.startsWith(", ", i)) i += 2
      else if (src[i] !== ")") throw new Error(`bad array at ${i}`)
    }
    return { value: items, end: i + 1 }
  }
  throw new Error(`not a literal at ${at}: ${JSON.stringify(src.slice(at, at + 20))}`)
}

/**
 * Read a generated script's operation (its `# rollwise OP` header) and the
 * variables bound after it (`$Name = literal`, one per statement), up to
 * the first line that is not an assignment. What a recorded host answers
 * from, and how tests check no value escaped its literal.
 */
export const parseScript = (text: string): { op: string; vars: Record<string, Parsed> } => {
  const header = /^# rollwise ([A-Za-z]+)\n/.exec(text)
  if (header === null) throw new Error("not a rollwise script (no '# rollwise OP' header)")
  const vars: Record<string, Parsed> = {}
  let i = header[0].length
  for (;;) {
    const name = /^\$([A-Za-z][A-Za-z0-9]*) = /.exec(text.slice(i, i + 80))
    if (name === null) break
    const v = parseValue(text, i + name[0].length)
    if (text[v.end] !== "\n") throw new Error(`statement after $${name[1]} does not end its line: ${JSON.stringify(text.slice(v.end, v.end + 20))}`)
    vars[name[1]!] = v.value
    i = v.end + 1
  }
  return { op: header[1]!, vars }
}
