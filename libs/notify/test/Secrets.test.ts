import { it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect } from "vitest"
import { Secrets } from "../src/index.ts"

const resolve = (ref: Parameters<Secrets.Secrets["Service"]["resolve"]>[0]) => Effect.flatMap(Secrets.Secrets, (s) => s.resolve(ref))

describe("Secrets (this process's environment and real files)", () => {
  it.effect("reads an environment variable and a file (one trailing newline dropped); values print redacted", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "notify-secrets-"))
      writeFileSync(join(dir, "token"), "file-secret-value\n")
      process.env.ROLLWISE_NOTIFY_TEST_SECRET = "env-secret-value"
      try {
        const a = yield* resolve({ env: "ROLLWISE_NOTIFY_TEST_SECRET" })
        const b = yield* resolve({ file: join(dir, "token") })
        expect([Redacted.value(a), Redacted.value(b)]).toEqual(["env-secret-value", "file-secret-value"])
        expect(String(a)).not.toContain("env-secret-value")
      } finally {
        delete process.env.ROLLWISE_NOTIFY_TEST_SECRET
      }
    }).pipe(Effect.provide(Secrets.layer))
  )

  it.effect("a missing variable, a missing file, an empty file: errors naming the reference", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "notify-secrets-"))
      writeFileSync(join(dir, "empty"), "\n")
      expect((yield* Effect.flip(resolve({ env: "ROLLWISE_NOTIFY_SURELY_UNSET" }))).message).toBe("Missing: environment variable ROLLWISE_NOTIFY_SURELY_UNSET is not set")
      expect((yield* Effect.flip(resolve({ file: join(dir, "nope") }))).message).toBe(`Missing: file ${join(dir, "nope")} does not exist`)
      expect((yield* Effect.flip(resolve({ file: join(dir, "empty") }))).reason).toBe("Empty")
      expect((yield* Effect.flip(resolve({ file: dir }))).reason).toBe("Unreadable")
    }).pipe(Effect.provide(Secrets.layer))
  )

  it.effect("layerMemory answers from its maps", () =>
    Effect.gen(function* () {
      expect(Redacted.value(yield* resolve({ env: "A" }))).toBe("1")
      expect(Redacted.value(yield* resolve({ file: "/s/b" }))).toBe("2")
      expect((yield* Effect.flip(resolve({ file: "/s/c" }))).reason).toBe("Missing")
    }).pipe(Effect.provide(Secrets.layerMemory({ env: { A: "1" }, files: { "/s/b": "2\n" } })))
  )
})
