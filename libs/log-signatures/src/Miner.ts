/**
 * Online, deterministic log template mining in the style of Drain (He et al.,
 * ICWS 2017): each line is split on whitespace, obvious variables are masked
 * (`<*>`), and the line walks a fixed-depth parse tree — first by its token
 * count, then by its first tokens — to a leaf holding a few templates; it
 * joins the most similar one (share of equal literal tokens ≥ a threshold,
 * the differing positions becoming `<*>`) or starts a new one.
 *
 * One configuration serves every input; the defaults are the ones measured on
 * the Loghub-2k benchmark (see the README). The same lines in the same order
 * always give the same templates and ids.
 */
import { generalise, glob } from "./internal/glob.ts"
import { maskToken, WILDCARD } from "./internal/mask.ts"

/** A template's id: its index in {@link Miner.templates}, in order of creation. */
export type TemplateId = number

/** A mined template. */
export interface Template {
  /** Index in the miner's template list (creation order), stable for the miner's life. */
  readonly id: TemplateId
  /** The tokens joined by one space, with `<*>` for variables (see {@link matches}). */
  readonly pattern: string
  /** How many lines joined this template. */
  readonly count: number
  /** The first line that joined it, verbatim. */
  readonly example: string
}

/** Options of {@link make} and {@link mine}; the defaults suit every log tried so far. */
export interface Options {
  /** Share of the line's tokens that must equal the template's literal tokens (masked ones don't count) to join it; default 0.5. */
  readonly similarity?: number
  /** How many leading tokens route a line in the tree below the token count; default 2. */
  readonly depth?: number
  /** Children per tree node before new tokens share the `<*>` child; default 100. */
  readonly maxChildren?: number
  /**
   * Templates per leaf; default 200. A line that fits none in a full leaf
   * joins the most similar one (which generalises), so the work per line stays
   * bounded even when nothing repeats.
   */
  readonly maxClusters?: number
}

/** An online miner: `add` lines one at a time, read `templates()` at any point. */
export interface Miner {
  /** Mines one line and returns the id of the template it joined (or started). Never throws. */
  readonly add: (line: string) => TemplateId
  /**
   * The id of the most specific template so far, in the tree leaf the line
   * leads to, that `line` fits (see {@link matches}), without learning from
   * it; -1 when none does. After all
   * lines were added this is the same for equal lines, which `add` — whose
   * answer reflects the templates at the time — does not promise.
   */
  readonly match: (line: string) => TemplateId
  /** The templates so far, indexed by id. A template can still generalise after a line joined it. */
  readonly templates: () => ReadonlyArray<Template>
}

interface Cluster {
  readonly id: number
  readonly tokens: Array<string>
  /** Per token: LITERAL, ANY (`<*>`) or PARTIAL (contains `<*>`, e.g. `(HWID=<*>)`). */
  readonly kinds: Uint8Array
  count: number
  readonly example: string
}

const LITERAL = 0
const ANY = 1
const PARTIAL = 2

const kindOf = (token: string): number => (token === WILDCARD ? ANY : token.includes(WILDCARD) ? PARTIAL : LITERAL)

interface Node {
  readonly children: Map<string, Node>
  readonly clusters: Array<Cluster>
}

const newNode = (): Node => ({ children: new Map(), clusters: [] })

/** Splits on any run of whitespace, dropping empty tokens at the ends. */
export const tokenize = (line: string): Array<string> => {
  const out: Array<string> = []
  const n = line.length
  let start = -1
  for (let i = 0; i < n; i++) {
    const c = line.charCodeAt(i)
    const space = c === 32 || (c >= 9 && c <= 13) || (c > 127 && isUnicodeSpace(c))
    if (space) {
      if (start >= 0) {
        out.push(line.slice(start, i))
        start = -1
      }
    } else if (start < 0) start = i
  }
  if (start >= 0) out.push(line.slice(start))
  return out
}

const isUnicodeSpace = (c: number): boolean =>
  c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
  c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff

/** Creates an empty miner. */
export const make = (options: Options = {}): Miner => {
  const similarity = finiteOr(options.similarity, 0.5)
  const depth = Math.max(0, Math.floor(finiteOr(options.depth, 2)))
  const maxChildren = Math.max(1, Math.floor(finiteOr(options.maxChildren, 100)))
  const maxClusters = Math.max(1, Math.floor(finiteOr(options.maxClusters, 200)))
  const root = newNode()
  const clusters: Array<Cluster> = []
  // Masked line → the cluster it joined: a template only generalises, so it still fits; repeats skip the tree.
  const seen = new Map<string, Cluster>()

  /** The leaf for these tokens: token count, then the first `depth` tokens (a variable goes to `<*>`). */
  const route = (tokens: ReadonlyArray<string>, create: boolean): Node | undefined => {
    const n = tokens.length
    let node: Node | undefined = child(root, String(n), true, create)
    const steps = Math.min(depth, n)
    for (let i = 0; i < steps && node !== undefined; i++) {
      const t = tokens[i]!
      node = child(node, t.includes(WILDCARD) ? WILDCARD : t, false, create)
    }
    return node
  }

  const matchTokens = (tokens: ReadonlyArray<string>): TemplateId => {
    const node = route(tokens, false)
    if (node === undefined) return -1
    const n = tokens.length
    let best = -1
    let bestLiterals = -1
    for (const c of node.clusters) {
      const ct = c.tokens
      const kinds = c.kinds
      let literals = 0
      let i = 0
      for (; i < n; i++) {
        const k = kinds[i]!
        if (k === ANY) continue
        const x = ct[i]!
        const t = tokens[i]!
        if (k === LITERAL) {
          if (x !== t) break
          literals++
        } else if (x !== t && !glob(x, t)) break
      }
      if (i === n && literals > bestLiterals) {
        best = c.id
        bestLiterals = literals
      }
    }
    return best
  }

  const addTokens = (tokens: Array<string>, key: string, text: string): TemplateId => {
    const known = seen.get(key)
    if (known !== undefined) {
      known.count++
      return known.id
    }
    if (seen.size >= MEMO_LIMIT) seen.clear()
    const n = tokens.length
    const node = route(tokens, true)!
    // Best cluster in the leaf: a template that already fits wins outright.
    let best: Cluster | undefined
    let bestSim = -1
    let bestWild = -1
    for (const c of node.clusters) {
      let equal = 0
      let wild = 0
      const ct = c.tokens
      const kinds = c.kinds
      for (let i = 0; i < n; i++) {
        const k = kinds[i]!
        if (k === LITERAL) {
          if (ct[i] === tokens[i]) equal++
        } else if (k === ANY || ct[i] === tokens[i] || glob(ct[i]!, tokens[i]!)) wild++
      }
      if (equal + wild === n) {
        c.count++
        seen.set(key, c)
        return c.id
      }
      const sim = n === 0 ? 1 : equal / n
      if (sim > bestSim || (sim === bestSim && wild > bestWild)) {
        best = c
        bestSim = sim
        bestWild = wild
      }
    }
    // A full leaf merges into its most similar template whatever the threshold: bounded work per line.
    if (best !== undefined && (bestSim >= similarity || node.clusters.length >= maxClusters)) {
      const ct = best.tokens
      const kinds = best.kinds
      for (let i = 0; i < n; i++) {
        const k = kinds[i]!
        const x = ct[i]!
        const t = tokens[i]!
        if (k === ANY || x === t || (k === PARTIAL && glob(x, t))) continue
        const g = generalise(x, t)
        ct[i] = g
        kinds[i] = kindOf(g)
      }
      best.count++
      seen.set(key, best)
      return best.id
    }
    const kinds = new Uint8Array(n)
    for (let i = 0; i < n; i++) kinds[i] = kindOf(tokens[i]!)
    const cluster: Cluster = { id: clusters.length, tokens: tokens.slice(), kinds, count: 1, example: text }
    clusters.push(cluster)
    node.clusters.push(cluster)
    seen.set(key, cluster)
    return cluster.id
  }

  const add = (line: string): TemplateId => {
    const text = typeof line === "string" ? line : String(line)
    const tokens = mask(text)
    return addTokens(tokens, tokens.join(" "), text)
  }

  const match = (line: string): TemplateId => matchTokens(mask(typeof line === "string" ? line : String(line)))

  /** The child for `key`, created while the node has room; otherwise the shared `<*>` child. */
  function child(node: Node, key: string, unlimited: boolean, create: boolean): Node | undefined {
    const found = node.children.get(key)
    if (found !== undefined) return found
    const wildcard = node.children.get(WILDCARD)
    if (!create) return unlimited ? undefined : wildcard
    if (!unlimited && key !== WILDCARD && node.children.size >= maxChildren - (wildcard === undefined ? 1 : 0)) {
      if (wildcard !== undefined) return wildcard
      const created = newNode()
      node.children.set(WILDCARD, created)
      return created
    }
    const created = newNode()
    node.children.set(key, created)
    return created
  }

  const templates = (): ReadonlyArray<Template> =>
    clusters.map((c) => ({ id: c.id, pattern: c.tokens.join(" "), count: c.count, example: c.example }))

  const internals: Internals = { addTokens, matchTokens }
  const miner: Miner = { add, match, templates }
  internal.set(miner, internals)
  return miner
}

/** Masked lines remembered for the fast path before the memory is cleared (bounds a long-lived miner's memory). */
const MEMO_LIMIT = 100_000

interface Internals {
  readonly addTokens: (tokens: Array<string>, key: string, text: string) => TemplateId
  readonly matchTokens: (tokens: ReadonlyArray<string>) => TemplateId
}

/** The token-level entry points {@link mine} uses to mask each line once. */
const internal = new WeakMap<Miner, Internals>()

/** The masked tokens of a line. */
const mask = (line: string): Array<string> => {
  const tokens = tokenize(line)
  for (let i = 0; i < tokens.length; i++) tokens[i] = maskToken(tokens[i]!)
  return tokens
}

const finiteOr = (value: number | undefined, fallback: number): number =>
  value !== undefined && Number.isFinite(value) ? value : fallback

/** The outcome of {@link mine}. */
export interface Mined {
  /** The final templates, indexed by id. */
  readonly templates: ReadonlyArray<Template>
  /** The template id of each input line, in input order. */
  readonly assignments: Int32Array
}

/**
 * Mines a batch of lines with a fresh miner, then assigns every line to the
 * most specific FINAL template it fits ({@link Miner.match}), so equal lines
 * always share a template and each line's pattern matches it. Templates that
 * end up with no line are dropped; ids are renumbered 0, 1, … in creation
 * order, each `count` and `example` taken from the final assignment. The same
 * lines always give the same result.
 */
export const mine = (lines: ReadonlyArray<string>, options: Options = {}): Mined => {
  const miner = make(options)
  const { addTokens, matchTokens } = internal.get(miner)!
  const n = lines.length
  // One masking per line; the final assignment is computed once per distinct masked line.
  const keys = new Array<string>(n)
  const shapes = new Map<string, Array<string>>()
  for (let i = 0; i < n; i++) {
    const line = lines[i]
    const text = typeof line === "string" ? line : String(line)
    const tokens = mask(text)
    const key = tokens.join(" ")
    keys[i] = key
    if (!shapes.has(key)) shapes.set(key, tokens)
    addTokens(tokens, key, text)
  }
  const final = new Map<string, number>()
  for (const [key, tokens] of shapes) final.set(key, matchTokens(tokens))
  const raw = miner.templates()
  const first = new Int32Array(raw.length).fill(-1)
  const counts = new Int32Array(raw.length)
  const assignments = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const id = final.get(keys[i]!)!
    assignments[i] = id
    counts[id]!++
    if (first[id] === -1) first[id] = i
  }
  const renumber = new Int32Array(raw.length)
  const templates: Array<Template> = []
  for (const t of raw) {
    if (counts[t.id] === 0) continue
    renumber[t.id] = templates.length
    templates.push({ id: templates.length, pattern: t.pattern, count: counts[t.id]!, example: String(lines[first[t.id]!]) })
  }
  for (let i = 0; i < n; i++) assignments[i] = renumber[assignments[i]!]!
  return { templates, assignments }
}

/**
 * Whether `line` fits `pattern`: the line's tokens (split on whitespace,
 * joined by one space) must equal the pattern with each `<*>` standing for any
 * run of characters (a whole token, part of one as in `(HWID=<*>)`, or several
 * tokens). Linear-time glob matching; never throws.
 */
export const matches = (pattern: string, line: string): boolean => {
  const p = tokenize(pattern).join(" ")
  const s = tokenize(line).join(" ")
  return glob(p, s)
}
