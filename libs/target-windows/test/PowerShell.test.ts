import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { PowerShell } from "../src/index.ts"
import { parseValue } from "../src/testing.ts"
import { hostile } from "./support.ts"

describe("PowerShell.quote (pure)", () => {
  it("reads back as exactly the value: no quote, backtick, $(), newline or Unicode quote leaves the literal", () => {
    fc.assert(
      fc.property(hostile, (value) => {
        const text = PowerShell.quote(value)
        const { value: back, end } = parseValue(text, 0)
        expect(back).toBe(value)
        // the literal is the whole text: nothing after the closing quote
        expect(end).toBe(text.length)
      }),
      { numRuns: 2000 }
    )
  })

  it("followed by code, the code stays code (the literal ends where the tokenizer says)", () => {
    fc.assert(
      fc.property(hostile, (value) => {
        const text = `${PowerShell.quote(value)}; Remove-Item C:\\`
        expect(text.slice(parseValue(text, 0).end)).toBe("; Remove-Item C:\\")
      })
    )
  })

  it("doubles each of the five quote characters PowerShell treats as a single quote", () => {
    expect(PowerShell.quote("it's")).toBe("'it''s'")
    expect(PowerShell.quote("\u2018x\u2019\u201A\u201B")).toBe("'\u2018\u2018x\u2019\u2019\u201A\u201A\u201B\u201B'")
    expect(PowerShell.quote("$(Stop-Computer) `n")).toBe("'$(Stop-Computer) `n'")
  })

  it("refuses NUL", () => {
    expect(() => PowerShell.quote("a\u0000b")).toThrow(PowerShell.UnquotableError)
  })

  it("binds integers, booleans and arrays of strings or records; refuses fractions and odd keys", () => {
    expect(PowerShell.literal(25)).toBe("25")
    expect(PowerShell.literal(true)).toBe("$true")
    expect(PowerShell.literal(["a'b", "c"])).toBe("@('a''b', 'c')")
    expect(PowerShell.literal([{ address: "web1", weight: 10 }])).toBe("@(@{ address = 'web1'; weight = 10 })")
    expect(() => PowerShell.literal(0.5)).toThrow(PowerShell.UnquotableError)
    expect(() => PowerShell.literal([{ "a b": 1 }])).toThrow(PowerShell.UnquotableError)
  })
})

describe("PowerShell -EncodedCommand (pure)", () => {
  it("round-trips any script through base64 UTF-16LE, and the command line is base64 only after the flags", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (script) => {
        expect(PowerShell.decode(PowerShell.encode(script))).toBe(script)
        const line = PowerShell.commandLine(script)
        expect(line).toMatch(/^powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand [A-Za-z0-9+/=]*$/)
      })
    )
  })

  it("encodes as powershell.exe expects (UTF-16LE, as Microsoft's own example)", () => {
    // Microsoft's about_PowerShell_exe example: "dir 'c:\program files' " encodes to this
    expect(PowerShell.encode("dir 'c:\\program files' ")).toBe("ZABpAHIAIAAnAGMAOgBcAHAAcgBvAGcAcgBhAG0AIABmAGkAbABlAHMAJwAgAA==")
  })
})
