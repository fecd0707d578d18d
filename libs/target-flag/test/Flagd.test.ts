import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Bucketing, Flagd, type FlagDocument } from "../src/index.ts"

const doc = (key: string, percentage: number, on = "on", off = "off", version = 3): FlagDocument.FlagDocument => ({
  apiVersion: "rollwise/v1",
  kind: "Flag",
  key,
  version,
  percentage,
  on,
  off,
  salt: "rollout-7",
  rollout: "rollout-7",
  updatedAt: 1_800_000_000_000
})

/**
 * The checks of flagd's flags.json and targeting.json (schema v0) that this
 * export can violate, written by hand from the schema: a `flags` map of
 * flags with `state` ENABLED|DISABLED, `variants` all of one JSON type,
 * `defaultVariant` a string naming a variant or null, `metadata` values
 * string|number|boolean, and a `fractional` rule of at least two
 * `[string, number]` buckets with integer non-negative weights (the current
 * schema refuses decimal weights) whose variants exist.
 */
const schemaProblems = (file: unknown): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)
  if (!isObject(file)) return ["not an object"]
  for (const k of Object.keys(file)) if (!["$schema", "flags", "$evaluators", "metadata"].includes(k)) problems.push(`unknown top-level key ${k}`)
  if (file.$schema !== "https://flagd.dev/schema/v0/flags.json") problems.push("$schema")
  if (!isObject(file.flags)) return [...problems, "flags is not an object"]
  for (const [key, flag] of Object.entries(file.flags)) {
    if (key.length < 1) problems.push("empty flag key")
    if (!isObject(flag)) {
      problems.push(`${key}: not an object`)
      continue
    }
    if (flag.state !== "ENABLED" && flag.state !== "DISABLED") problems.push(`${key}.state`)
    if (!isObject(flag.variants) || Object.keys(flag.variants).length === 0) problems.push(`${key}.variants`)
    else {
      const types = new Set(Object.values(flag.variants).map((v) => typeof v))
      if (types.size !== 1 || !["boolean", "string", "number", "object"].includes([...types][0]!)) problems.push(`${key}.variants: mixed or bad types`)
    }
    const variants = isObject(flag.variants) ? Object.keys(flag.variants) : []
    if (flag.defaultVariant !== null && (typeof flag.defaultVariant !== "string" || !variants.includes(flag.defaultVariant))) problems.push(`${key}.defaultVariant`)
    if (flag.metadata !== undefined) {
      if (!isObject(flag.metadata)) problems.push(`${key}.metadata`)
      else for (const [m, v] of Object.entries(flag.metadata)) if (!["string", "number", "boolean"].includes(typeof v)) problems.push(`${key}.metadata.${m}`)
    }
    if (flag.targeting !== undefined) {
      if (!isObject(flag.targeting)) problems.push(`${key}.targeting`)
      else if (Object.keys(flag.targeting).length > 0) {
        const f = flag.targeting.fractional
        if (Object.keys(flag.targeting).length !== 1 || !Array.isArray(f) || f.length < 2) problems.push(`${key}.targeting.fractional`)
        else
          for (const b of f as Array<unknown>) {
            if (!Array.isArray(b) || b.length !== 2 || typeof b[0] !== "string" || typeof b[1] !== "number") problems.push(`${key}.fractional bucket shape`)
            else {
              if (!Number.isInteger(b[1]) || b[1] < 0) problems.push(`${key}.fractional weight ${b[1]}`)
              if (!variants.includes(b[0])) problems.push(`${key}.fractional variant ${b[0]}`)
            }
          }
      }
    }
  }
  return problems
}

/** murmur3 x86 32-bit (seed 0) of the UTF-8 bytes: flagd's fractional hash, written from the algorithm's description. */
const murmur3 = (text: string): number => {
  const bytes = new TextEncoder().encode(text)
  let h = 0
  const c1 = 0xcc9e2d51
  const c2 = 0x1b873593
  const blocks = bytes.length >> 2
  for (let i = 0; i < blocks; i++) {
    let k = bytes[4 * i]! | (bytes[4 * i + 1]! << 8) | (bytes[4 * i + 2]! << 16) | (bytes[4 * i + 3]! << 24)
    k = Math.imul(k, c1)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, c2)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  const tail = blocks * 4
  const rest = bytes.length & 3
  if (rest > 0) {
    let k = 0
    if (rest === 3) k ^= bytes[tail + 2]! << 16
    if (rest >= 2) k ^= bytes[tail + 1]! << 8
    k ^= bytes[tail]!
    k = Math.imul(k, c1)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, c2)
    h ^= k
  }
  h ^= bytes.length
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** flagd's fractional evaluation as its docs describe it: bucket = |int32(murmur3(flagKey + targetingKey))| / MaxInt32 × total weight, first bucket whose running weight exceeds it. */
const flagdVariant = (flagKey: string, flag: Flagd.FlagdFlag, targetingKey: string): string => {
  if (flag.targeting === undefined) return flag.defaultVariant
  const buckets = flag.targeting.fractional
  const total = buckets.reduce((s, [, w]) => s + w, 0)
  const point = (Math.abs(murmur3(flagKey + targetingKey) | 0) / 2147483647) * total
  let end = 0
  for (const [variant, weight] of buckets) {
    end += weight
    if (point < end) return variant
  }
  return buckets.at(-1)![0]
}

describe("Flagd export (pure; flagd's schema checks and hashing written by hand from its docs)", () => {
  it("the export of a boolean flag at 25 % and a string flag at 12.5 % (what the README shows)", () => {
    const file = Flagd.toFlagd([doc("new-cart", 25), doc("checkout-flow", 12.5, "v2", "v1", 8)])
    expect(file).toEqual({
      $schema: "https://flagd.dev/schema/v0/flags.json",
      flags: {
        "checkout-flow": {
          state: "ENABLED",
          variants: { v2: "v2", v1: "v1" },
          defaultVariant: "v1",
          metadata: { rollwiseVersion: 8, percentage: 12.5, rollout: "rollout-7" },
          targeting: { fractional: [["v2", 125000], ["v1", 875000]] }
        },
        "new-cart": {
          state: "ENABLED",
          variants: { on: true, off: false },
          defaultVariant: "off",
          metadata: { rollwiseVersion: 3, percentage: 25, rollout: "rollout-7" },
          targeting: { fractional: [["on", 25], ["off", 75]] }
        }
      }
    })
    expect(Object.keys(file.flags)).toEqual(["checkout-flow", "new-cart"])
    expect(schemaProblems(JSON.parse(JSON.stringify(file)))).toEqual([])
  })

  it("every export passes the flagd schema checks, and its weights give exactly the percentage (fast-check)", () => {
    const variantName = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/)
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9._-]{0,20}$/), fc.integer({ min: 0, max: 1_000_000 }), variantName, variantName), { selector: (t) => t[0], maxLength: 6 }),
        fc.constantFrom<Flagd.Options["variants"]>("auto", "string"),
        (flags, variants) => {
          const docs = flags.filter(([, , on, off]) => on !== off).map(([key, w, on, off]) => doc(key, w / 10_000, on, off))
          const file = Flagd.toFlagd(docs, { variants })
          expect(schemaProblems(JSON.parse(JSON.stringify(file)))).toEqual([])
          for (const d of docs) {
            const flag = file.flags[d.key]!
            if (flag.targeting === undefined) expect(flag.defaultVariant).toBe(d.percentage >= 100 ? d.on : d.off)
            else {
              const [[on, wOn], [off, wOff]] = flag.targeting.fractional as [Flagd.FractionalBucket, Flagd.FractionalBucket]
              expect([on, off]).toEqual([d.on, d.off])
              expect((100 * wOn) / (wOn + wOff)).toBeCloseTo(d.percentage, 10)
            }
          }
        }
      )
    )
  })

  it("0 % and 100 % need no targeting: everyone gets the default variant", () => {
    expect(Flagd.toFlagdFlag(doc("a", 0))).toMatchObject({ defaultVariant: "off" })
    expect(Flagd.toFlagdFlag(doc("a", 0)).targeting).toBeUndefined()
    expect(Flagd.toFlagdFlag(doc("a", 100))).toMatchObject({ defaultVariant: "on" })
    expect(Flagd.toFlagdFlag(doc("a", 100, "true", "false")).variants).toEqual({ true: true, false: false })
    expect(Flagd.toFlagdFlag(doc("a", 50), { variants: "string" }).variants).toEqual({ on: "on", off: "off" })
  })

  it("the schema checks catch what flagd refuses (decimal weight, unknown variant, mixed variant types)", () => {
    const bad = {
      $schema: "https://flagd.dev/schema/v0/flags.json",
      flags: {
        a: { state: "ON", variants: { on: true, off: "no" }, defaultVariant: "maybe", targeting: { fractional: [["on", 25.5], ["other", 74.5]] } }
      }
    }
    expect(schemaProblems(bad)).toEqual(["a.state", "a.variants: mixed or bad types", "a.defaultVariant", "a.fractional weight 25.5", "a.fractional weight 74.5", "a.fractional variant other"])
  })

  it("flagd puts a share of the same size but different users in it than Rollwise's bucketing (why a flag is evaluated by one of them only)", () => {
    const d = doc("new-cart", 20)
    const flag = Flagd.toFlagdFlag(d)
    const n = 20_000
    let flagdIn = 0
    let rollwiseIn = 0
    let both = 0
    for (let i = 0; i < n; i++) {
      const user = `user-${i}`
      const f = flagdVariant(d.key, flag, user) === "on"
      const r = Bucketing.inShare(d, user)
      if (f) flagdIn++
      if (r) rollwiseIn++
      if (f && r) both++
    }
    expect(Math.abs(flagdIn / n - 0.2)).toBeLessThan(0.02)
    expect(Math.abs(rollwiseIn / n - 0.2)).toBeLessThan(0.02)
    // independent hashes: about 20 % of flagd's share is also in Rollwise's, not all of it
    expect(both / flagdIn).toBeGreaterThan(0.15)
    expect(both / flagdIn).toBeLessThan(0.25)
  })

  it("murmur3 as written matches the published reference vectors", () => {
    expect(murmur3("")).toBe(0)
    expect(murmur3("a")).toBe(0x3c2569b2)
    expect(murmur3("Hello, world!")).toBe(0xc0363e43)
    expect(murmur3("The quick brown fox jumps over the lazy dog")).toBe(0x2e4ff723)
  })
})
