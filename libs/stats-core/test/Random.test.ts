import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import { Random } from "../src/index.ts"

describe("Random.fnv1a", () => {
  // the published FNV-1a 32-bit test vectors (Fowler–Noll–Vo reference, "fnv1a32" column)
  it.each([
    ["", 0x811c9dc5],
    ["a", 0xe40c292c],
    ["foobar", 0xbf9cf968]
  ])("fnv1a(%j) = the reference value", (text, expected) => {
    expect(Random.fnv1a(text)).toBe(expected)
  })

  it("hashes UTF-8 bytes, as Kubernetes' pod-template-hash does", () => {
    // "é" is 0xC3 0xA9 in UTF-8: the hash of those two bytes, not of the UTF-16 unit 0xE9
    let h = 0x811c9dc5
    for (const byte of [0xc3, 0xa9]) h = Math.imul(h ^ byte, 0x01000193) >>> 0
    expect(Random.fnv1a("é")).toBe(h)
  })

  test.prop([fc.string({ unit: "binary" })])("hashes exactly the bytes TextEncoder gives, lone surrogates included", (text) => {
    let h = 0x811c9dc5
    for (const byte of new TextEncoder().encode(text)) h = Math.imul(h ^ byte, 0x01000193) >>> 0
    expect(Random.fnv1a(text)).toBe(h)
  })

  test.prop([fc.string()])("is an unsigned 32-bit integer, the same every time", (text) => {
    const h = Random.fnv1a(text)
    expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true)
    expect(Random.fnv1a(text)).toBe(h)
  })
})
