import { fc, test } from "@fast-check/vitest"
import { Random } from "@rollwise/stats-core"
import { describe, expect, it } from "vitest"
import * as Miner from "../src/Miner.ts"
import { line, lines, structured } from "./support/arbitraries.ts"

/** Any configuration, small limits included, so forced merges and shared `<*>` children happen. */
const options = fc.record(
  {
    similarity: fc.double({ min: 0, max: 1, noNaN: true }),
    depth: fc.integer({ min: 0, max: 4 }),
    maxChildren: fc.integer({ min: 1, max: 4 }),
    maxClusters: fc.integer({ min: 1, max: 4 })
  },
  { requiredKeys: [] }
)

describe("Miner", () => {
  it("groups lines of one event and masks their variables", () => {
    const { assignments, templates } = Miner.mine([
      "Connection from 10.0.0.1 closed after 120ms",
      "Connection from 10.0.0.7 closed after 3ms",
      "Login succeeded for alice",
      "Login succeeded for bob",
      "Connection from 192.168.1.20 closed after 77ms"
    ])
    expect(Array.from(assignments)).toEqual([0, 0, 1, 1, 0])
    expect(templates).toEqual([
      { id: 0, pattern: "Connection from <*> closed after <*>", count: 3, example: "Connection from 10.0.0.1 closed after 120ms" },
      { id: 1, pattern: "Login succeeded for <*>", count: 2, example: "Login succeeded for alice" }
    ])
  })

  it("masks numbers, hex, IPs, UUIDs, durations, paths and URLs but keeps keys and wrapping punctuation", () => {
    const { templates } = Miner.mine([
      "id=42 at 0x7f3a from [10.1.2.3:8080] took 1.5s req 123e4567-e89b-12d3-a456-426614174000 file /var/log/x.log url https://a.example/b (HWID=1973)"
    ])
    expect(templates[0]!.pattern).toBe("id=<*> at <*> from [<*>] took <*> req <*> file <*> url <*> (HWID=<*>)")
  })

  it("keeps the key of a key=value token whose values differ", () => {
    const { templates } = Miner.mine(["slow query table=orders user=alice", "slow query table=carts user=bob", "slow query table=carts mode:fast"])
    expect(templates.map((t) => [t.pattern, t.count])).toEqual([["slow query table=<*> <*>", 3]])
    expect(Miner.mine(["WARN pool mode=eager", "WARN pool mode=lazy"]).templates[0]!.pattern).toBe("WARN pool mode=<*>")
  })

  it("keeps words without digits literal and separates events of different lengths", () => {
    const { assignments } = Miner.mine(["cache hit", "cache hit for key", "cache hit"])
    expect(Array.from(assignments)).toEqual([0, 1, 0])
  })

  it("gives empty and whitespace-only lines one template of their own", () => {
    const { assignments, templates } = Miner.mine(["", "  ", "\t", "x"])
    expect(Array.from(assignments)).toEqual([0, 0, 0, 1])
    expect(templates[0]).toEqual({ id: 0, pattern: "", count: 3, example: "" })
  })

  it("handles a 200,000-character line and one with 20,000 tokens", () => {
    const long = "x".repeat(200_000)
    const many = Array.from({ length: 20_000 }, (_, i) => `t${i % 7 === 0 ? i : "w"}`).join(" ")
    const { templates } = Miner.mine([long, many, many])
    expect(templates.map((t) => t.count)).toEqual([1, 2])
    expect(Miner.matches(templates[1]!.pattern, many)).toBe(true)
  })

  it("bounds the work when nothing repeats: a full leaf merges into its most similar template", () => {
    // 20,000 distinct lines of five random words: without the bound every line would scan every template.
    const random = Random.mulberry32(7)
    const letter = () => String.fromCharCode(97 + Math.floor(random() * 26))
    const word = () => Array.from({ length: 6 }, letter).join("")
    const xs = Array.from({ length: 20_000 }, () => [word(), word(), word(), word(), word()].join(" "))
    const { assignments, templates } = Miner.mine(xs, { maxClusters: 50 })
    expect(templates.length).toBeLessThanOrEqual(101 * 50)
    xs.forEach((x, i) => expect(Miner.matches(templates[assignments[i]!]!.pattern, x)).toBe(true))
  })

  it("add returns the template a line joined, online", () => {
    const miner = Miner.make()
    expect(miner.add("disk sda1 is 91% full")).toBe(0)
    expect(miner.add("disk sdb2 is 97% full")).toBe(0)
    expect(miner.add("worker started")).toBe(1)
    expect(miner.templates().map((t) => [t.pattern, t.count])).toEqual([["disk <*> is <*> full", 2], ["worker started", 1]])
    expect(miner.match("disk sdc3 is 10% full")).toBe(0)
    expect(miner.match("something never seen")).toBe(-1)
  })

  test.prop([lines, options])("is deterministic for the same input", (xs, o) => {
    const a = Miner.mine(xs, o)
    const b = Miner.mine([...xs], { ...o })
    expect(b.templates).toEqual(a.templates)
    expect(Array.from(b.assignments)).toEqual(Array.from(a.assignments))
  })

  test.prop([lines, options])("every line gets exactly one template, whose final pattern matches it; counts sum to the lines", (xs, o) => {
    const { assignments, templates } = Miner.mine(xs, o)
    expect(assignments.length).toBe(xs.length)
    templates.forEach((t, i) => expect(t.id).toBe(i))
    xs.forEach((x, i) => {
      const t = templates[assignments[i]!]!
      expect(Miner.matches(t.pattern, x)).toBe(true)
    })
    expect(templates.reduce((a, t) => a + t.count, 0)).toBe(xs.length)
    for (const t of templates) {
      expect(t.count).toBeGreaterThan(0)
      expect(xs[assignments.indexOf(t.id)]).toBe(t.example)
    }
  })

  test.prop([lines, options])("the online miner's final templates match every line added", (xs, o) => {
    const miner = Miner.make(o)
    const ids = xs.map((x) => miner.add(x))
    const templates = miner.templates()
    xs.forEach((x, i) => expect(Miner.matches(templates[ids[i]!]!.pattern, x)).toBe(true))
    expect(templates.reduce((a, t) => a + t.count, 0)).toBe(xs.length)
  })

  test.prop([lines, fc.nat(), fc.nat({ max: 5 }), options])("a line repeated verbatim never makes a new template", (xs, at, times, o) => {
    fc.pre(xs.length > 0)
    const repeated = xs[at % xs.length]!
    const miner = Miner.make(o)
    for (const x of xs) miner.add(x)
    const before = miner.templates().map((t) => t.pattern)
    for (let i = 0; i < times + 1; i++) miner.add(repeated)
    expect(miner.templates().map((t) => t.pattern)).toEqual(before)
    // and in a batch, equal lines share their template
    const { assignments } = Miner.mine([...xs, repeated], o)
    expect(assignments[xs.length]).toBe(assignments[at % xs.length])
  })

  test.prop([line])("never throws and a one-line batch's pattern matches the line", (x) => {
    const { templates } = Miner.mine([x])
    expect(Miner.matches(templates[0]!.pattern, x)).toBe(true)
  })
})

describe("matches", () => {
  it("reads <*> as any run of characters and literals as equal tokens", () => {
    expect(Miner.matches("User <*> logged in", "User  alice\tlogged in")).toBe(true)
    expect(Miner.matches("User <*> logged in", "User alice logged out")).toBe(false)
    expect(Miner.matches("a <*> c", "a b b b c")).toBe(true)
    expect(Miner.matches("(HWID=<*>)", "(HWID=12)")).toBe(true)
    expect(Miner.matches("(HWID=<*>)", "(HWID=12")).toBe(false)
    expect(Miner.matches("<*>", "anything at all")).toBe(true)
    expect(Miner.matches("", "   ")).toBe(true)
    expect(Miner.matches("x", "")).toBe(false)
    expect(Miner.matches("ab<*>ba", "aba")).toBe(false)
  })

  test.prop([structured])("a line matches itself read as a pattern when it has no <*>", (x) => {
    fc.pre(!x.includes("<*>"))
    expect(Miner.matches(x, x)).toBe(true)
  })
})
