/**
 * The part of the Artifactory Query Language the fake answers: a primary
 * domain (`items` or `builds`), `.find(criteria)` with JSON criteria
 * (`$and`, `$or`, the comparison operators `$eq $ne $match $nmatch $gt $gte
 * $lt $lte`, the short `"field": "value"` form and `@property` keys),
 * `.include(...)`, `.sort({"$asc"|"$desc": [...]})`, `.offset(n)` and
 * `.limit(n)`. Anything else is a syntax error, as Artifactory answers it.
 */

export type Criteria = Readonly<Record<string, unknown>>

export interface Query {
  readonly domain: "items" | "builds"
  readonly criteria: Criteria
  readonly include?: ReadonlyArray<string>
  readonly sort?: { readonly direction: "$asc" | "$desc"; readonly fields: ReadonlyArray<string> }
  readonly offset?: number
  readonly limit?: number
}

export class AqlSyntaxError extends Error {}

/** The index of the parenthesis closing the one at `open`, skipping JSON strings. */
const closing = (text: string, open: number): number => {
  let depth = 0
  let inString = false
  for (let i = open; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === "\\") i++
      else if (c === '"') inString = false
      continue
    }
    if (c === '"') inString = true
    else if (c === "(") depth++
    else if (c === ")") {
      depth--
      if (depth === 0) return i
    }
  }
  return -1
}

const fail = (text: string, near: string): never => {
  throw new AqlSyntaxError(`Failed to parse query: ${text}, it looks like there is syntax error near the following sub-query: ${near}`)
}

const json = (text: string, body: string): unknown => {
  try {
    return JSON.parse(body)
  } catch {
    return fail(text, body)
  }
}

/** Parse one AQL query, or throw AqlSyntaxError with Artifactory's wording. */
export const parse = (text: string): Query => {
  const source = text.trim()
  const head = /^(items|builds)\.find\(/.exec(source)
  if (head === null) return fail(source, source.slice(0, 40))
  const domain = head[1] as "items" | "builds"
  const open = head[0].length - 1
  const close = closing(source, open)
  if (close < 0) return fail(source, source.slice(open))
  const inner = source.slice(open + 1, close).trim()
  const criteria = inner === "" ? {} : json(source, inner)
  if (typeof criteria !== "object" || criteria === null || Array.isArray(criteria)) return fail(source, inner)
  let query: Query = { domain, criteria: criteria as Criteria }
  let rest = source.slice(close + 1)
  while (rest.trim() !== "") {
    const m = /^\s*\.(include|sort|offset|limit)\(/.exec(rest)
    if (m === null) return fail(source, rest.trim())
    const o = m[0].length - 1
    const c = closing(rest, o)
    if (c < 0) return fail(source, rest.trim())
    const arg = rest.slice(o + 1, c).trim()
    switch (m[1]) {
      case "include": {
        const fields = json(source, `[${arg}]`)
        if (!Array.isArray(fields) || !fields.every((f) => typeof f === "string")) return fail(source, arg)
        query = { ...query, include: fields as ReadonlyArray<string> }
        break
      }
      case "sort": {
        const s = json(source, arg) as Record<string, unknown>
        const direction = Object.keys(s ?? {})[0]
        const fields = direction === undefined ? undefined : s[direction]
        if ((direction !== "$asc" && direction !== "$desc") || !Array.isArray(fields)) return fail(source, arg)
        query = { ...query, sort: { direction, fields: fields as ReadonlyArray<string> } }
        break
      }
      default: {
        if (!/^\d+$/.test(arg)) return fail(source, arg)
        query = { ...query, [m[1]!]: Number(arg) }
      }
    }
    rest = rest.slice(c + 1)
  }
  return query
}

/** A row the query runs over: its fields by AQL name and its properties. */
export interface Row {
  readonly fields: Readonly<Record<string, string | number>>
  readonly properties: ReadonlyMap<string, ReadonlyArray<string>>
}

const wildcard = (pattern: string): RegExp =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "s")

const compare = (actual: string | number, operator: string, expected: unknown): boolean => {
  const e = typeof expected === "number" ? expected : String(expected)
  const a = typeof e === "number" ? Number(actual) : String(actual)
  switch (operator) {
    case "$eq":
      return a === e
    case "$ne":
      return a !== e
    case "$match":
      return wildcard(String(e)).test(String(a))
    case "$nmatch":
      return !wildcard(String(e)).test(String(a))
    case "$gt":
      return a > e
    case "$gte":
      return a >= e
    case "$lt":
      return a < e
    case "$lte":
      return a <= e
    default:
      throw new AqlSyntaxError(`Failed to parse query: unknown operator ${operator}`)
  }
}

const condition = (value: unknown): ReadonlyArray<readonly [string, unknown]> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? Object.entries(value) : [["$eq", value]]

const known: Record<Query["domain"], ReadonlyArray<string>> = {
  items: ["repo", "path", "name", "type", "size", "created", "modified", "updated", "created_by", "modified_by", "sha256", "actual_sha1", "actual_md5"],
  builds: ["name", "number", "started", "created", "created_by", "modified", "modified_by", "url"]
}

/** Whether a row meets the criteria of a query over `domain`. */
export const matches = (domain: Query["domain"], criteria: Criteria, row: Row): boolean =>
  Object.entries(criteria).every(([key, value]) => {
    if (key === "$and" || key === "$or") {
      if (!Array.isArray(value)) throw new AqlSyntaxError(`Failed to parse query: ${key} expects an array`)
      const parts = value.map((c) => matches(domain, c as Criteria, row))
      return key === "$and" ? parts.every(Boolean) : parts.some(Boolean)
    }
    if (key.startsWith("@")) {
      const values = row.properties.get(key.slice(1))
      return condition(value).every(([op, expected]) =>
        op === "$ne" || op === "$nmatch"
          ? (values ?? []).every((v) => compare(v, op, expected))
          : values !== undefined && values.some((v) => compare(v, op, expected))
      )
    }
    if (!known[domain].includes(key)) throw new AqlSyntaxError(`Failed to parse query: unknown field ${key} for domain ${domain}`)
    const actual = row.fields[key]
    return actual !== undefined && condition(value).every(([op, expected]) => compare(actual, op, expected))
  })

/** Run a query over rows: filter, sort, page. */
export const run = (query: Query, rows: ReadonlyArray<Row>): ReadonlyArray<Row> => {
  let out = rows.filter((r) => matches(query.domain, query.criteria, r))
  if (query.sort !== undefined) {
    const { direction, fields } = query.sort
    const sign = direction === "$asc" ? 1 : -1
    out = [...out].sort((a, b) => {
      for (const f of fields) {
        const x = a.fields[f] ?? ""
        const y = b.fields[f] ?? ""
        if (x < y) return -sign
        if (x > y) return sign
      }
      return 0
    })
  }
  const offset = query.offset ?? 0
  return out.slice(offset, query.limit === undefined ? undefined : offset + query.limit)
}
