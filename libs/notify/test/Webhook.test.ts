import { it } from "@effect/vitest"
import { Effect, Fiber, Redacted } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { readFileSync } from "node:fs"
import { describe, expect } from "vitest"
import { Webhook } from "../src/index.ts"
import { FakeWebhook } from "../src/testing.ts"
import { fast, rollback, withFake } from "./support.ts"

const golden = JSON.parse(readFileSync(new URL("fixtures/rollback.webhook.json", import.meta.url), "utf8")) as unknown

describe("Webhook.payload", () => {
  it("is the documented rollwise.notify/v1 body (test/fixtures/rollback.webhook.json)", () => {
    expect(Webhook.payload(rollback)).toEqual(golden)
    expect(Webhook.payload(rollback).id).toBe("r-20261206-checkout-7/rollback")
  })

  it("property: verify accepts its own signature and refuses another body, another secret, another or stale timestamp", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), fc.string({ minLength: 1 }), fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }), (secret, body, other, now) => {
        const ts = String(now)
        const signature = Webhook.sign(secret, ts, body)
        expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/)
        expect(Webhook.verify({ secret, timestamp: ts, body, signature, nowSeconds: now })).toBe(true)
        expect(Webhook.verify({ secret, timestamp: ts, body: body + other, signature, nowSeconds: now })).toBe(false)
        expect(Webhook.verify({ secret: secret + other, timestamp: ts, body, signature, nowSeconds: now })).toBe(false)
        expect(Webhook.verify({ secret, timestamp: String(now + 1), body, signature, nowSeconds: now })).toBe(false)
        expect(Webhook.verify({ secret, timestamp: ts, body, signature, nowSeconds: now + 301 })).toBe(false)
      })
    )
  })
})

describe("Webhook.send (fake receiver that checks signatures as the README asks)", () => {
  it.live("signs the body: the receiver verifies it and gets the v1 JSON with the delivery headers", () =>
    withFake(
      () => FakeWebhook.start({ secret: "s3cret-hmac-key" }),
      (fake) =>
        Effect.gen(function* () {
          const sent = yield* Webhook.send({ url: Redacted.make(fake.url), secret: Redacted.make("s3cret-hmac-key"), transport: fast }, rollback)
          expect(sent.attempts).toBe(1)
          expect(fake.deliveries).toEqual([Webhook.payload(rollback)])
          const h = fake.received[0]!.headers
          expect(h["x-rollwise-event"]).toBe("rollback")
          expect(h["x-rollwise-delivery"]).toBe("r-20261206-checkout-7/rollback")
          expect(h["x-rollwise-signature"]).toBe(Webhook.sign("s3cret-hmac-key", h["x-rollwise-timestamp"]!, fake.received[0]!.body))
        })
    )
  )

  it.live("a wrong secret is refused with 401: failed, not retried, the secret not in the detail", () =>
    withFake(
      () => FakeWebhook.start({ secret: "the-real-key" }),
      (fake) =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(Webhook.send({ url: Redacted.make(fake.url), secret: Redacted.make("a-wrong-key-123"), transport: fast }, rollback))
          expect([error.reason, error.attempts]).toEqual(["Unauthorized", 1])
          expect(error.detail).toContain("invalid signature")
          expect(error.detail).not.toContain("a-wrong-key-123")
        })
    )
  )

  it.live("503 then 204: retried with the same timestamp and signature (one delivery)", () =>
    withFake(
      () => FakeWebhook.start({ secret: "k" }),
      (fake) =>
        Effect.gen(function* () {
          fake.fail({ status: 503, body: "maintenance" })
          const sent = yield* Webhook.send({ url: Redacted.make(fake.url), secret: Redacted.make("k"), transport: fast }, rollback)
          expect(sent.attempts).toBe(2)
          const [a, b] = fake.received
          expect(b!.headers["x-rollwise-signature"]).toBe(a!.headers["x-rollwise-signature"])
          expect(b!.headers["x-rollwise-timestamp"]).toBe(a!.headers["x-rollwise-timestamp"])
        })
    )
  )

  it.effect("the timestamp is the Effect Clock's (TestClock at 1 700 000 000 s)", () =>
    withFake(
      () => FakeWebhook.start({ secret: "k", nowSeconds: () => 1_700_000_000 }),
      (fake) =>
        Effect.gen(function* () {
          yield* TestClock.setTime(1_700_000_000_000)
          const fiber = yield* Effect.forkChild(Webhook.send({ url: Redacted.make(fake.url), secret: Redacted.make("k"), transport: fast }, rollback))
          const sent = yield* Fiber.join(fiber)
          expect(sent.attempts).toBe(1)
          expect(fake.received[0]!.headers["x-rollwise-timestamp"]).toBe("1700000000")
        })
    )
  )

  it.live("without a secret there is no signature header, and the receiver takes it", () =>
    withFake(FakeWebhook.start, (fake) =>
      Effect.gen(function* () {
        yield* Webhook.send({ url: Redacted.make(fake.url), transport: fast }, rollback)
        expect(fake.received[0]!.headers["x-rollwise-signature"]).toBeUndefined()
        expect(fake.deliveries).toHaveLength(1)
      })
    )
  )
})
