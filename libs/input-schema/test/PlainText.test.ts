import { fc, test } from "@fast-check/vitest"
import { Exit, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { PlainText } from "../src/index.ts"

const active = [
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)),
  ...Array.from({ length: 0x21 }, (_, i) => String.fromCharCode(0x7f + i)),
  "\u2028",
  "\u2029",
  ...["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
]
const plain = Schema.String.check(PlainText.isPlainText)

describe("PlainText: what a terminal acts on, one rule for the API, the CLI and its output", () => {
  it("every C0 and C1 control, DEL, line separator and bidi override is active; letters, emoji and CJK are not", () => {
    for (const c of active) expect(PlainText.hasControl(`a${c}b`), JSON.stringify(c)).toBe(true)
    for (const text of ["alice", "Zoë Ødegård", "デプロイ", "🚀 ship it", "a - b / c"]) expect(PlainText.hasControl(text), text).toBe(false)
  })

  it("inert shows each active character as an escape a person can read", () => {
    expect(PlainText.inert("line\nforged\x1b[31mred\u202eevil\t")).toBe("line\\nforged\\x1b[31mred\\u202eevil\\t")
  })

  test.prop([fc.string({ unit: "binary" })])("inert output never holds an active character, and is the text itself when none was there", (text) => {
    const shown = PlainText.inert(text)
    expect(PlainText.hasControl(shown)).toBe(false)
    if (!PlainText.hasControl(text)) expect(shown).toBe(text)
  })

  test.prop([fc.string({ unit: "binary" })])("the schema check accepts exactly what hasControl does not flag", (text) => {
    expect(Exit.isSuccess(Schema.decodeUnknownExit(plain)(text))).toBe(!PlainText.hasControl(text))
  })
})
