import { it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import fc from "fast-check"
import { readFileSync } from "node:fs"
import { describe, expect } from "vitest"
import { Jira } from "../src/index.ts"
import type { RolloutEvent } from "../src/RolloutEvent.ts"
import { FakeJira } from "../src/testing.ts"
import { collect, fast, hostile, rollback, withFake } from "./support.ts"

const golden = JSON.parse(readFileSync(new URL("fixtures/rollback.jira.json", import.meta.url), "utf8")) as unknown
const target: Jira.Target = { project: "OPS", issueType: "Incident", labels: ["rollwise"] }
const basic = { email: "rollwise-bot@acme.example", token: "ATATT3xFfGF0-jira-api-token" }
const credentials: Jira.Credentials = { email: basic.email, token: Redacted.make(basic.token) }
const text = fc.oneof(fc.string(), fc.constantFrom(...hostile), fc.string({ minLength: 200, maxLength: 400 }))

describe("Jira.payload", () => {
  it("renders a rollback as the golden create-issue body with an ADF description (test/fixtures/rollback.jira.json)", () => {
    expect(Jira.payload(rollback, target)).toEqual(golden)
  })

  it("property: the summary is one line of at most 255 characters, every ADF text node is non-empty, the body is JSON", () => {
    fc.assert(
      fc.property(text, text, text, fc.array(text, { maxLength: 10 }), (service, release, targetName, reasons) => {
        const e: RolloutEvent = { ...rollback, service, release, target: targetName, verdict: { action: "rollback", reasons } }
        const p = Jira.payload(e, target)
        expect([...p.fields.summary].length).toBeLessThanOrEqual(255)
        expect(p.fields.summary).not.toMatch(/[\r\n]/)
        for (const t of collect(p.fields.description, "text", "text")) expect(t.length).toBeGreaterThan(0)
        expect(JSON.parse(JSON.stringify(p))).toEqual(p)
      })
    )
  })

  it("Basic auth is base64(email:token) and both forms are secrets to redact; Bearer carries the PAT", () => {
    const a = Jira.authorization(credentials)
    expect(a.header).toBe(`Basic ${Buffer.from(`${basic.email}:${basic.token}`).toString("base64")}`)
    expect(a.secrets).toContain(basic.token)
    expect(Jira.authorization({ bearer: Redacted.make("pat-123456789") }).header).toBe("Bearer pat-123456789")
  })
})

describe("Jira.send (fake Jira, from the REST v3 create-issue reference)", () => {
  it.live("creates the incident: 201, the key kept as the detail, the fields as sent", () =>
    withFake(
      () => FakeJira.start({ basic }),
      (fake) =>
        Effect.gen(function* () {
          const sent = yield* Jira.send({ url: fake.url, target, credentials, transport: fast }, rollback)
          expect(sent).toEqual({ attempts: 1, detail: "created OPS-1" })
          expect(fake.issues[0]!.fields).toEqual(Jira.payload(rollback, target).fields)
        })
    )
  )

  it.live("a Data Center personal access token (Bearer) works too", () =>
    withFake(
      () => FakeJira.start({ bearer: "dc-pat-0123456789" }),
      (fake) =>
        Effect.gen(function* () {
          const sent = yield* Jira.send({ url: fake.url, target, credentials: { bearer: Redacted.make("dc-pat-0123456789") }, transport: fast }, rollback)
          expect(sent.detail).toBe("created OPS-1")
        })
    )
  )

  it.live("a wrong API token is 401: failed, not retried, neither the token nor the Basic value in the detail", () =>
    withFake(
      () => FakeJira.start({ basic }),
      (fake) =>
        Effect.gen(function* () {
          const wrong: Jira.Credentials = { email: basic.email, token: Redacted.make("wrong-token-abcdef") }
          fake.fail({ status: 401, body: `Client must be authenticated. Authorization: ${Jira.authorization(wrong).header} token=wrong-token-abcdef` })
          const error = yield* Effect.flip(Jira.send({ url: fake.url, target, credentials: wrong, transport: fast }, rollback))
          expect([error.reason, error.attempts]).toEqual(["Unauthorized", 1])
          expect(error.detail).not.toContain("wrong-token-abcdef")
          expect(error.detail).not.toContain(Jira.authorization(wrong).secrets[1]!)
        })
    )
  )

  it.live("a real 401 from wrong credentials reads as Jira's own message", () =>
    withFake(
      () => FakeJira.start({ basic }),
      (fake) =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(Jira.send({ url: fake.url, target, credentials: { email: basic.email, token: Redacted.make("nope-nope-nope") }, transport: fast }, rollback))
          expect(error.detail).toBe("401: Jira says Client must be authenticated to access this resource.")
        })
    )
  )

  it.live("no create permission is 403 with Jira's errorMessages", () =>
    withFake(
      () => FakeJira.start({ basic, readOnly: true }),
      (fake) =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(Jira.send({ url: fake.url, target, credentials, transport: fast }, rollback))
          expect([error.reason, error.detail]).toEqual(["Forbidden", "403: Jira says You do not have permission to create issues in this project."])
        })
    )
  )

  it.live("400 with the errors map: an unknown project, an issue type the project lacks — not retried", () =>
    withFake(
      () => FakeJira.start({ basic, projects: { OPS: ["Bug", "Task"] } }),
      (fake) =>
        Effect.gen(function* () {
          const a = yield* Effect.flip(Jira.send({ url: fake.url, target: { ...target, project: "NOPE" }, credentials, transport: fast }, rollback))
          expect([a.reason, a.attempts, a.detail]).toEqual(["BadRequest", 1, "400: Jira says project: valid project is required"])
          const b = yield* Effect.flip(Jira.send({ url: fake.url, target, credentials, transport: fast }, rollback))
          expect(b.detail).toBe("400: Jira says issuetype: Specify a valid issue type")
          const c = yield* Jira.send({ url: fake.url, target: { ...target, issueType: "Bug" }, credentials, transport: fast }, rollback)
          expect(c.detail).toBe("created OPS-1")
        })
    )
  )

  it.live("429 with Retry-After, then 500, then created: 3 attempts, one issue", () =>
    withFake(
      () => FakeJira.start({ basic }),
      (fake) =>
        Effect.gen(function* () {
          fake.fail([{ status: 429, retryAfter: 1, contentType: "application/json", body: JSON.stringify({ errorMessages: ["Rate limit exceeded."], errors: {} }) }, { status: 500, body: "" }])
          const sent = yield* Jira.send({ url: fake.url, target, credentials, transport: fast }, rollback)
          expect(sent.attempts).toBe(3)
          expect(fake.received[1]!.at - fake.received[0]!.at).toBeGreaterThanOrEqual(990)
          expect(fake.issues).toHaveLength(1)
        })
    )
  )

  it.live("hostile service names and reasons still make an issue Jira accepts", () =>
    withFake(
      () => FakeJira.start({ basic }),
      (fake) =>
        Effect.gen(function* () {
          const e: RolloutEvent = { ...rollback, service: `checkout\n${"x".repeat(300)}`, verdict: { action: "rollback", reasons: ["", ...hostile] } }
          const sent = yield* Jira.send({ url: fake.url, target, credentials, transport: fast }, e)
          expect(sent.detail).toBe("created OPS-1")
        })
    )
  )
})
