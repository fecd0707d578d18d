import { it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import fc from "fast-check"
import { readFileSync } from "node:fs"
import { describe, expect } from "vitest"
import { Teams } from "../src/index.ts"
import type { RolloutEvent } from "../src/RolloutEvent.ts"
import { FakeTeams } from "../src/testing.ts"
import { collect, fast, hostile, rollback, withFake } from "./support.ts"

const golden = JSON.parse(readFileSync(new URL("fixtures/rollback.teams.json", import.meta.url), "utf8")) as unknown
const text = fc.oneof(fc.string(), fc.constantFrom(...hostile))

describe("Teams.payload", () => {
  it("renders a rollback as the golden Adaptive Card message (test/fixtures/rollback.teams.json)", () => {
    expect(Teams.payload(rollback)).toEqual(golden)
  })

  it("property: someone else's text only ever sits in literal TextRuns: every markdown-rendered TextBlock is one of our labels; the message is JSON", () => {
    fc.assert(
      fc.property(text, text, fc.array(text, { maxLength: 25 }), (service, release, reasons) => {
        const e: RolloutEvent = { ...rollback, service, release, verdict: { action: "rollback", reasons } }
        const p = Teams.payload(e)
        expect(JSON.parse(JSON.stringify(p))).toEqual(p)
        for (const t of collect(p, "TextBlock", "text")) expect(Teams.labels.has(t)).toBe(true)
        for (const t of collect(p, "TextRun", "text")) expect(t.length).toBeGreaterThan(0)
        expect(p.attachments[0]!.content.version).toBe("1.4")
      })
    )
  })
})

describe("Teams.send (fake Teams Workflows webhook, from the Power Automate request trigger's contract)", () => {
  it.live("posts the card: 202 Accepted, the flow gets a valid Adaptive Card", () =>
    withFake(FakeTeams.start, (fake) =>
      Effect.gen(function* () {
        const sent = yield* Teams.send({ webhook: Redacted.make(fake.url), transport: fast }, rollback)
        expect(sent.attempts).toBe(1)
        expect(fake.cards).toEqual([Teams.card(rollback)])
        expect(fake.cardErrors).toEqual([])
      })
    )
  )

  it.live("a wrong sig is 401 DirectApiInvalidAuthorizationSignature: failed, not retried, the sig not in the detail", () =>
    withFake(FakeTeams.start, (fake) =>
      Effect.gen(function* () {
        const wrong = fake.url.replace(/sig=[^&]+/, "sig=wrongSignature0001")
        const error = yield* Effect.flip(Teams.send({ webhook: Redacted.make(wrong), transport: fast }, rollback))
        expect([error.reason, error.attempts, fake.received.length]).toEqual(["Unauthorized", 1, 1])
        expect(error.detail).toContain("DirectApiInvalidAuthorizationSignature")
        expect(error.detail).not.toContain("wrongSignature0001")
      })
    )
  )

  it.live("no sig at all is 401 DirectApiAuthorizationRequired", () =>
    withFake(FakeTeams.start, (fake) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(Teams.send({ webhook: Redacted.make(fake.url.replace(/&sig=[^&]+/, "")), transport: fast }, rollback))
        expect(error.detail).toContain("DirectApiAuthorizationRequired")
      })
    )
  )

  it.live("400 TriggerInputSchemaMismatch is not retried", () =>
    withFake(FakeTeams.start, (fake) =>
      Effect.gen(function* () {
        fake.fail({ status: 400, contentType: "application/json", body: JSON.stringify({ error: { code: "TriggerInputSchemaMismatch", message: "did not match its schema definition" } }) })
        const error = yield* Effect.flip(Teams.send({ webhook: Redacted.make(fake.url), transport: fast }, rollback))
        expect([error.reason, error.attempts]).toEqual(["BadRequest", 1])
        expect(error.detail).toBe("400: Teams workflow says TriggerInputSchemaMismatch: did not match its schema definition")
      })
    )
  )

  it.live("429 with Retry-After then 502 then 202: 3 attempts, the first wait at least the Retry-After", () =>
    withFake(FakeTeams.start, (fake) =>
      Effect.gen(function* () {
        fake.fail([{ status: 429, retryAfter: 1, body: "" }, { status: 502, body: "Bad Gateway" }])
        const sent = yield* Teams.send({ webhook: Redacted.make(fake.url), transport: fast }, rollback)
        expect(sent.attempts).toBe(3)
        expect(fake.received[1]!.at - fake.received[0]!.at).toBeGreaterThanOrEqual(990)
        expect(fake.cards).toHaveLength(1)
      })
    )
  )

  it.live("an error body echoing the workflow URL shows neither the URL nor its sig", () =>
    withFake(FakeTeams.start, (fake) =>
      Effect.gen(function* () {
        const sig = new URL(fake.url).searchParams.get("sig")!
        fake.fail({ status: 403, body: JSON.stringify({ error: { code: "Forbidden", message: `denied for ${fake.url} sig=${sig}` } }) })
        const error = yield* Effect.flip(Teams.send({ webhook: Redacted.make(fake.url), transport: fast }, rollback))
        expect(error.detail).not.toContain(sig)
        expect(error.detail).not.toContain(fake.url)
      })
    )
  )
})
