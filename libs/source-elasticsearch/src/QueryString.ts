/**
 * Templates in Elasticsearch's / OpenSearch's `query_string` syntax (Lucene's
 * classic query parser): `{{name}}` placeholders filled with values that can
 * never change the query's structure. The values come from
 * `QueryTemplate.placeholders` (@rollwise/slo-policy); the quoting rules are
 * this language's own, not Go's:
 *
 * - inside a double-quoted phrase, `\` and `"` are backslash-escaped;
 * - outside quotes, every reserved character (`+ - = & | > < ! ( ) { } [ ] ^
 *   " ~ * ? : \ /`) and all whitespace is backslash-escaped, and a value that
 *   is exactly an operator word (`AND`, `OR`, `NOT`, `TO`) gets its first
 *   letter escaped so it stays a term;
 * - outside quotes a value containing `<` or `>` is refused: Elasticsearch
 *   reads `field:>5` as a range even when the `>` is escaped (the docs: "`<`
 *   and `>` can't be escaped at all"), so such a value must stand in quotes;
 *   an empty value is refused there too (it would leave `field:` dangling).
 *
 * Index names (`index: logs-{{service}}-*`) are filled by
 * {@link renderIndex}, which accepts only plain name characters in values.
 */

/** A template could not be filled safely; the message is one line naming the placeholder. */
export class TemplateError extends Error {}

/** Characters Lucene's query parser treats as syntax outside quotes. */
const reserved = new Set(["+", "-", "=", "&", "|", ">", "<", "!", "(", ")", "{", "}", "[", "]", "^", '"', "~", "*", "?", ":", "\\", "/"])

const operatorWords = new Set(["AND", "OR", "NOT", "TO"])

/** Escape `value` to stand inside a double-quoted phrase: only `\` and `"` are special there. */
export const escapePhrase = (value: string): string => value.replace(/[\\"]/g, "\\$&")

/**
 * Escape `value` to stand as (part of) a bare term: every reserved character
 * and whitespace backslash-escaped. Throws {@link TemplateError} for `<`, `>`
 * (not escapable) and the empty string.
 */
export const escapeTerm = (value: string, name = "value"): string => {
  if (value === "") throw new TemplateError(`{{${name}}} is empty and stands outside quotes; put it in double quotes or give it a value`)
  if (/[<>]/.test(value)) {
    throw new TemplateError(`{{${name}}} contains < or >, which query_string cannot escape outside quotes (it would become a range); put the placeholder in double quotes`)
  }
  if (operatorWords.has(value)) return `\\${value}`
  let out = ""
  for (const ch of value) out += reserved.has(ch) || /\s/u.test(ch) ? `\\${ch}` : ch
  return out
}

/**
 * Fill `{{name}}` placeholders in a query_string template. A value inside a
 * double-quoted phrase is escaped with {@link escapePhrase}, anywhere else with
 * {@link escapeTerm}. A backslash in the template escapes the next character
 * (so `\"` does not open a phrase). An unknown placeholder is an error (a typo
 * must not reach Elasticsearch as literal braces).
 */
export const render = (template: string, values: Readonly<Record<string, string>>): string => {
  let out = ""
  let quoted = false
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!
    if (ch === "{" && template[i + 1] === "{") {
      const close = template.indexOf("}}", i + 2)
      if (close === -1) throw new TemplateError(`unclosed {{ at offset ${i}`)
      const name = template.slice(i + 2, close).trim()
      const value = values[name]
      if (value === undefined) throw new TemplateError(`unknown placeholder {{${name}}} (known: ${Object.keys(values).sort().join(", ")})`)
      out += quoted ? escapePhrase(value) : escapeTerm(value, name)
      i = close + 1
      continue
    }
    if (ch === "\\") {
      out += ch + (template[i + 1] ?? "")
      i++
      continue
    }
    if (ch === '"') quoted = !quoted
    out += ch
  }
  if (quoted) throw new TemplateError("the template has an unclosed double quote")
  return out
}

/** What a placeholder value inside an index name may hold: a plain name part. */
const indexValue = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/**
 * Fill `{{name}}` placeholders in an index name or pattern
 * (`logs-{{service}}-*`, `a,b`). A value must be a plain name part (letters,
 * digits, `.`, `_`, `-`; no `*` or `,` that would widen the search). The
 * rendered text must be an index expression: comma-separated names or
 * patterns (`*` allowed, a leading `-` excludes), none empty or starting with
 * `_` (that would reach an API endpoint such as `_all` or `_search`) or `+`,
 * and nothing of `/ ? # \ " < > |` or whitespace.
 */
export const renderIndex = (template: string, values: Readonly<Record<string, string>>): string => {
  const rendered = template.replace(/\{\{([^}]*)\}\}/g, (_, raw: string) => {
    const name = raw.trim()
    const value = values[name]
    if (value === undefined) throw new TemplateError(`unknown placeholder {{${name}}} in index (known: ${Object.keys(values).sort().join(", ")})`)
    if (!indexValue.test(value)) throw new TemplateError(`{{${name}}} is ${JSON.stringify(value)}, which cannot stand in an index name (letters, digits, ".", "_", "-" only)`)
    return value
  })
  const problem = checkIndex(rendered)
  if (problem !== undefined) throw new TemplateError(problem)
  return rendered
}

/** Why `index` is not an index expression this source sends, or undefined when it is. */
export const checkIndex = (index: string): string | undefined => {
  if (/[/?#\\"<>|\s]/u.test(index)) return `index ${JSON.stringify(index)} contains a character index names cannot hold (/ ? # \\ " < > | or whitespace)`
  if (index.includes("{{") || index.includes("}}")) return `index ${JSON.stringify(index)} has an unfilled placeholder`
  for (const part of index.split(",")) {
    const name = part.startsWith("-") ? part.slice(1) : part
    if (name === "") return `index ${JSON.stringify(index)} has an empty name in its list`
    if (name.startsWith("_") || name.startsWith("+")) return `index ${JSON.stringify(index)}: ${JSON.stringify(name)} starts with ${name[0]}, which would reach an API endpoint or mean something else`
  }
  return undefined
}
