import { Effect, Exit } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { BuildInfo } from "../src/index.ts"

const valid = {
  version: "1.0.1",
  name: "checkout",
  number: "42",
  started: "2026-12-01T07:30:01.346+0000",
  properties: { "rollwise.result": "promoted" },
  modules: [
    {
      id: "rollwise:r1:evidence",
      type: "generic",
      artifacts: [{ type: "json", name: "verdict.json", sha1: "a".repeat(40), sha256: "b".repeat(64), md5: "c".repeat(32) }]
    }
  ]
}

const error = (input: unknown) => {
  const exit = Effect.runSyncExit(BuildInfo.decode(input))
  if (Exit.isSuccess(exit)) throw new Error("decoded")
  return String(exit.cause)
}

describe("BuildInfo schema", () => {
  it("decodes the build-info Rollwise writes", () => {
    expect(Effect.runSync(BuildInfo.decode(valid))).toEqual(valid)
  })

  it("is strict: an unknown field is one error naming it", () => {
    expect(error({ ...valid, buildAgnet: { name: "x", version: "1" } })).toContain("buildAgnet")
  })

  it("names a malformed checksum and a malformed date by their path", () => {
    const badSha = { ...valid, modules: [{ ...valid.modules[0]!, artifacts: [{ ...valid.modules[0]!.artifacts[0]!, sha256: "XYZ" }] }] }
    expect(error(badSha)).toContain("modules[0].artifacts[0].sha256")
    expect(error({ ...valid, started: "2026-12-01T07:30:01Z" })).toContain("started")
  })

  it("writes dates build-info's way and reads them back to the millisecond (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
        const text = BuildInfo.formatDate(ms)
        expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/)
        expect(BuildInfo.parseDate(text)).toBe(ms)
      })
    )
  })
})
