import { it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import fc from "fast-check"
import { readFileSync } from "node:fs"
import { describe, expect } from "vitest"
import { Slack } from "../src/index.ts"
import type { RolloutEvent } from "../src/RolloutEvent.ts"
import { FakeSlack, slackBlockProblem } from "../src/testing.ts"
import { collect, fast, hostile, rollback, withFake } from "./support.ts"

const golden = (name: string) => JSON.parse(readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8")) as unknown

/** Every text Slack parses as mrkdwn: `mrkdwn` objects and the top-level fallback. */
const mrkdwnTexts = (message: Slack.Message) => [message.text, ...collect(message, "mrkdwn", "text")]

const text = fc.oneof(fc.string(), fc.constantFrom(...hostile), fc.array(fc.constantFrom(...hostile, "x", " ", "&", "<", ">")).map((a) => a.join("")))
const event = fc.record({ service: text, release: text, target: text, rolloutId: text.filter((s) => s !== ""), reasons: fc.array(text, { maxLength: 30 }), plotName: text }).map(
  (r): RolloutEvent => ({
    ...rollback,
    service: r.service,
    release: r.release,
    target: r.target,
    rolloutId: r.rolloutId,
    verdict: { action: "rollback", reasons: r.reasons },
    plots: [{ name: r.plotName, url: "https://x.example/p.svg" }]
  })
)

describe("Slack.payload", () => {
  it("renders a rollback as the golden Block Kit message (test/fixtures/rollback.slack.json)", () => {
    expect(Slack.payload(rollback)).toEqual(golden("rollback.slack.json"))
  })

  it("property: someone else's text cannot ping @channel or open markup: mrkdwn has no raw < or >, every & starts an entity", () => {
    fc.assert(
      fc.property(event, (e) => {
        for (const t of mrkdwnTexts(Slack.payload(e))) {
          expect(t).not.toMatch(/[<>]/)
          expect(t.replace(/&(amp|lt|gt);/g, "")).not.toContain("&")
        }
      })
    )
  })

  it("property: the payload is JSON that round-trips and stays within Block Kit's limits (what Slack answers invalid_blocks for)", () => {
    fc.assert(
      fc.property(event, (e) => {
        const p = Slack.payload(e)
        expect(JSON.parse(JSON.stringify(p))).toEqual(p)
        expect(slackBlockProblem(p.blocks)).toBeUndefined()
      })
    )
  })

  it("escape turns the three characters Slack names into entities, & first", () => {
    expect(Slack.escape("<!channel> & <@U1>")).toBe("&lt;!channel&gt; &amp; &lt;@U1&gt;")
  })

  it("links only http(s) URLs: a non-URL evidence reference is not a button", () => {
    const p = Slack.payload({ ...rollback, evidenceUrl: "javascript:alert(1)", plots: [] })
    expect(collect(p, "button", "url")).toEqual([])
  })
})

describe("Slack.send (fake Slack, from its incoming-webhook docs)", () => {
  it.live("posts the message: 200 ok, one request, the body Slack received is the payload", () =>
    withFake(FakeSlack.start, (fake) =>
      Effect.gen(function* () {
        const sent = yield* Slack.send({ webhook: Redacted.make(fake.url), transport: fast }, rollback)
        expect(sent.attempts).toBe(1)
        expect(fake.messages).toEqual([Slack.payload(rollback)])
        expect(fake.received[0]!.headers["content-type"]).toContain("application/json")
      })
    )
  )

  it.live("a wrong token is 403 invalid_token: failed at once, not retried, the URL and token not in the detail", () =>
    withFake(FakeSlack.start, (fake) =>
      Effect.gen(function* () {
        const wrong = fake.url.replace(/[^/]+$/, "notTheRightToken123")
        const error = yield* Effect.flip(Slack.send({ webhook: Redacted.make(wrong), transport: fast }, rollback))
        expect(error.reason).toBe("Forbidden")
        expect(error.attempts).toBe(1)
        expect(error.detail).toContain("invalid_token")
        expect(error.detail).not.toContain("notTheRightToken123")
        expect(fake.received).toHaveLength(1)
      })
    )
  )

  it.live("an archived channel is 410 channel_is_archived (Gone), not retried", () =>
    withFake(
      () => FakeSlack.start({ archived: true }),
      (fake) =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(Slack.send({ webhook: Redacted.make(fake.url), transport: fast }, rollback))
          expect([error.reason, error.status, error.attempts]).toEqual(["Gone", 410, 1])
          expect(error.detail).toContain("channel_is_archived")
        })
    )
  )

  it.live("an unknown hook is 404 no_service; a deleted channel 404 channel_not_found; an admin restriction 403 action_prohibited", () =>
    Effect.gen(function* () {
      const a = yield* withFake(FakeSlack.start, (fake) => Effect.flip(Slack.send({ webhook: Redacted.make(`${fake.origin}/services/T9/B9/xxxxxxxxxx`), transport: fast }, rollback)))
      expect([a.reason, a.detail]).toEqual(["NotFound", "404: Slack says no_service"])
      const b = yield* withFake(() => FakeSlack.start({ channelDeleted: true }), (fake) => Effect.flip(Slack.send({ webhook: Redacted.make(fake.url), transport: fast }, rollback)))
      expect(b.detail).toBe("404: Slack says channel_not_found")
      const c = yield* withFake(() => FakeSlack.start({ prohibited: true }), (fake) => Effect.flip(Slack.send({ webhook: Redacted.make(fake.url), transport: fast }, rollback)))
      expect([c.reason, c.detail]).toEqual(["Forbidden", "403: Slack says action_prohibited"])
    })
  )

  it.live("400 invalid_payload is not retried", () =>
    withFake(FakeSlack.start, (fake) =>
      Effect.gen(function* () {
        fake.fail({ status: 400, body: "invalid_payload" })
        const error = yield* Effect.flip(Slack.send({ webhook: Redacted.make(fake.url), transport: fast }, rollback))
        expect([error.reason, error.attempts, fake.received.length]).toEqual(["BadRequest", 1, 1])
      })
    )
  )

  it.live("429 with Retry-After: 1 waits at least a second, then posts (2 attempts)", () =>
    withFake(FakeSlack.start, (fake) =>
      Effect.gen(function* () {
        fake.fail({ status: 429, body: "rate_limited", retryAfter: 1 })
        const sent = yield* Slack.send({ webhook: Redacted.make(fake.url), transport: fast }, rollback)
        expect(sent.attempts).toBe(2)
        expect(fake.received[1]!.at - fake.received[0]!.at).toBeGreaterThanOrEqual(990)
        expect(fake.messages).toHaveLength(1)
      })
    )
  )

  it.live("500, then a dropped connection, then success: 3 attempts, sent", () =>
    withFake(FakeSlack.start, (fake) =>
      Effect.gen(function* () {
        fake.fail([{ status: 500, body: "rollup_error" }, { reset: true }])
        const sent = yield* Slack.send({ webhook: Redacted.make(fake.url), transport: fast }, rollback)
        expect(sent.attempts).toBe(3)
        expect(fake.messages).toHaveLength(1)
      })
    )
  )

  it.live("5xx on every attempt fails after 3 attempts, saying so", () =>
    withFake(FakeSlack.start, (fake) =>
      Effect.gen(function* () {
        fake.fail([{ status: 503, body: "" }, { status: 503, body: "" }, { status: 503, body: "" }])
        const error = yield* Effect.flip(Slack.send({ webhook: Redacted.make(fake.url), transport: fast }, rollback))
        expect([error.reason, error.attempts]).toEqual(["Unavailable", 3])
        expect(error.detail).toContain("after 3 attempts")
      })
    )
  )

  it.live("a slow answer beyond the timeout is a Timeout, retried", () =>
    withFake(FakeSlack.start, (fake) =>
      Effect.gen(function* () {
        fake.fail({ delayMs: 1_500 })
        const sent = yield* Slack.send({ webhook: Redacted.make(fake.url), transport: { ...fast, timeoutMs: 300 } }, rollback)
        expect(sent.attempts).toBe(2)
      })
    )
  )

  it.live("a 403 body echoing the webhook URL never shows it (nor its token)", () =>
    withFake(FakeSlack.start, (fake) =>
      Effect.gen(function* () {
        const token = fake.url.split("/").at(-1)!
        fake.fail({ status: 403, body: `invalid_token: ${fake.url} (token ${token})` })
        const error = yield* Effect.flip(Slack.send({ webhook: Redacted.make(fake.url), transport: fast }, rollback))
        expect(error.detail).not.toContain(fake.url)
        expect(error.detail).not.toContain(token)
        expect(error.message).not.toContain(token)
        expect(error.detail).toContain("***")
      })
    )
  )
})
