import { it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect } from "vitest"
import { Config, Notifier, Secrets, SentLog, Slack, Teams, Webhook } from "../src/index.ts"
import { FakeJira, FakeSlack, FakeTeams, FakeWebhook } from "../src/testing.ts"
import { fast, rollback, until, withFake } from "./support.ts"

interface Fakes {
  readonly slack: FakeSlack
  readonly teams: FakeTeams
  readonly webhook: FakeWebhook
  readonly jira: FakeJira
}

const jiraAuth = { email: "rollwise-bot@acme.example", token: "ATATT-jira-token-000111" }

const startAll = async (): Promise<Fakes & { close: () => Promise<void> }> => {
  const [slack, teams, webhook, jira] = await Promise.all([FakeSlack.start(), FakeTeams.start(), FakeWebhook.start({ secret: "hmac-key-42" }), FakeJira.start({ basic: jiraAuth })])
  return { slack, teams, webhook, jira, close: async () => void (await Promise.all([slack.close(), teams.close(), webhook.close(), jira.close()])) }
}

/** The `notifications:` section as a user writes it (decoded like policy.yaml's). */
const section = (fakes: Fakes) => ({
  channels: [
    { name: "releases", type: "slack", webhook: { env: "SLACK_WEBHOOK" } },
    { name: "ops-teams", type: "teams", webhook: { env: "TEAMS_WEBHOOK" }, on: ["rollback", "abort"] },
    { name: "audit", type: "webhook", url: { env: "AUDIT_URL" }, secret: { file: "/run/secrets/audit-hmac" } },
    { name: "incidents", type: "jira", url: fakes.jira.url, project: "OPS", auth: { email: jiraAuth.email, token: { env: "JIRA_TOKEN" } } }
  ]
})

const secretsFor = (fakes: Fakes) =>
  Secrets.layerMemory({
    env: { SLACK_WEBHOOK: fakes.slack.url, TEAMS_WEBHOOK: fakes.teams.url, AUDIT_URL: fakes.webhook.url, JIRA_TOKEN: jiraAuth.token },
    files: { "/run/secrets/audit-hmac": "hmac-key-42\n" }
  })

/** A Notifier over all four fakes with an in-memory sent log, and the log. */
const notifierFor = (fakes: Fakes, log?: SentLog.SentLog["Service"]) =>
  Effect.gen(function* () {
    const config = yield* Config.decode(section(fakes))
    const memory = yield* SentLog.makeMemory
    const notifier = yield* Notifier.make(config, { transport: fast }).pipe(Effect.provide(Layer.merge(secretsFor(fakes), Layer.succeed(SentLog.SentLog, log ?? memory.service))))
    return { notifier, entries: memory.entries }
  })

const byChannel = <D extends { readonly channel: string }>(ds: ReadonlyArray<D>): Record<string, D> => Object.fromEntries(ds.map((d) => [d.channel, d]))

describe("Notifier (fake Slack, Teams, webhook receiver and Jira, each from its vendor's contract)", () => {
  it.live("a rollback goes to every channel whose on: matches, in parallel; each accepted it", () =>
    withFake(startAll, (fakes) =>
      Effect.gen(function* () {
        const { notifier, entries } = yield* notifierFor(fakes)
        const deliveries = yield* notifier.notify(rollback)
        expect(byChannel(deliveries)).toEqual({
          releases: { channel: "releases", type: "slack", kind: "rollback", rolloutId: rollback.rolloutId, status: "sent", attempts: 1 },
          "ops-teams": { channel: "ops-teams", type: "teams", kind: "rollback", rolloutId: rollback.rolloutId, status: "sent", attempts: 1 },
          audit: { channel: "audit", type: "webhook", kind: "rollback", rolloutId: rollback.rolloutId, status: "sent", attempts: 1 },
          incidents: { channel: "incidents", type: "jira", kind: "rollback", rolloutId: rollback.rolloutId, status: "sent", attempts: 1, detail: "created OPS-1" }
        })
        expect(fakes.slack.messages).toEqual([Slack.payload(rollback)])
        expect(fakes.teams.cards).toEqual([Teams.card(rollback)])
        expect(fakes.webhook.deliveries).toEqual([Webhook.payload(rollback)])
        expect(fakes.jira.issues.map((i) => i.fields.summary)).toEqual(["Rollwise: checkout 1.4.2 rolled back on k8s:checkout"])
        expect([...(yield* entries).keys()].sort()).toEqual([
          `${rollback.rolloutId}/rollback/audit`,
          `${rollback.rolloutId}/rollback/incidents`,
          `${rollback.rolloutId}/rollback/ops-teams`,
          `${rollback.rolloutId}/rollback/releases`
        ])
      })
    )
  )

  it.live("a promotion skips the channels not listening for it (Teams: rollback, abort; Jira by default: rollback, abort)", () =>
    withFake(startAll, (fakes) =>
      Effect.gen(function* () {
        const { notifier } = yield* notifierFor(fakes)
        const deliveries = yield* notifier.notify({ ...rollback, kind: "promotion", verdict: { action: "promote", reasons: [] } })
        expect(deliveries.map((d) => d.channel).sort()).toEqual(["audit", "releases"])
        expect(fakes.teams.received.length + fakes.jira.received.length).toBe(0)
      })
    )
  )

  it.live("dedupe: the same event again is skipped-duplicate on every channel and sends no request", () =>
    withFake(startAll, (fakes) =>
      Effect.gen(function* () {
        const { notifier } = yield* notifierFor(fakes)
        yield* notifier.notify(rollback)
        const before = [fakes.slack, fakes.teams, fakes.webhook, fakes.jira].map((f) => f.received.length)
        const again = yield* notifier.notify(rollback)
        expect(again.map((d) => [d.status, d.attempts])).toEqual(again.map(() => ["skipped-duplicate", 0]))
        expect([fakes.slack, fakes.teams, fakes.webhook, fakes.jira].map((f) => f.received.length)).toEqual(before)
        // another kind of the same rollout is not a duplicate
        const abort = yield* notifier.notify({ ...rollback, kind: "abort" })
        expect(abort.every((d) => d.status === "sent")).toBe(true)
      })
    )
  )

  it.live("dedupe survives a restart: a new Notifier over the same sent log (a resumed rollout) skips what was sent", () =>
    withFake(startAll, (fakes) =>
      Effect.gen(function* () {
        const log = yield* SentLog.makeMemory
        const first = yield* notifierFor(fakes, log.service)
        yield* first.notifier.notify(rollback)
        const resumed = yield* notifierFor(fakes, log.service)
        const again = yield* resumed.notifier.notify(rollback)
        expect(again.every((d) => d.status === "skipped-duplicate")).toBe(true)
        expect(fakes.jira.issues).toHaveLength(1)
      })
    )
  )

  it.live("one channel failing (archived Slack channel) does not stop the others; the failure is recorded, not sent-logged, and sent again next time", () =>
    withFake(startAll, (fakes) =>
      Effect.gen(function* () {
        const { notifier, entries } = yield* notifierFor(fakes)
        fakes.slack.fail({ status: 410, body: "channel_is_archived" })
        const deliveries = byChannel(yield* notifier.notify(rollback))
        expect(deliveries.releases).toEqual({ channel: "releases", type: "slack", kind: "rollback", rolloutId: rollback.rolloutId, status: "failed", attempts: 1, detail: "Gone: 410: Slack says channel_is_archived" })
        expect([deliveries["ops-teams"]!.status, deliveries.audit!.status, deliveries.incidents!.status]).toEqual(["sent", "sent", "sent"])
        expect((yield* entries).has(`${rollback.rolloutId}/rollback/releases`)).toBe(false)
        const retry = byChannel(yield* notifier.notify(rollback))
        expect(retry.releases!.status).toBe("sent")
        expect(retry.incidents!.status).toBe("skipped-duplicate")
      })
    )
  )

  it.live("secrets never reach a delivery: a Slack 403 echoing the webhook URL, a Jira 401 echoing the token", () =>
    withFake(startAll, (fakes) =>
      Effect.gen(function* () {
        const { notifier } = yield* notifierFor(fakes)
        fakes.slack.fail({ status: 403, body: `invalid_token for ${fakes.slack.url}` })
        fakes.jira.fail({ status: 401, contentType: "application/json", body: JSON.stringify({ errorMessages: [`bad token ${jiraAuth.token}`], errors: {} }) })
        const text = JSON.stringify(yield* notifier.notify(rollback))
        expect(text).toContain("invalid_token")
        expect(text).toContain("bad token ***")
        for (const secret of [fakes.slack.url, fakes.slack.url.split("/").at(-1)!, jiraAuth.token, fakes.teams.url, "hmac-key-42"]) expect(text).not.toContain(secret)
      })
    )
  )

  it.live("a secret that cannot be read is a failed delivery naming the reference (no request sent)", () =>
    withFake(startAll, (fakes) =>
      Effect.gen(function* () {
        const config = yield* Config.decode(section(fakes))
        const memory = yield* SentLog.makeMemory
        const notifier = yield* Notifier.make(config, { transport: fast }).pipe(
          Effect.provide(Layer.merge(Secrets.layerMemory({ env: { TEAMS_WEBHOOK: fakes.teams.url, AUDIT_URL: fakes.webhook.url, JIRA_TOKEN: "x" } }), Layer.succeed(SentLog.SentLog, memory.service)))
        )
        const deliveries = byChannel(yield* notifier.notify(rollback))
        expect(deliveries.releases).toMatchObject({ status: "failed", attempts: 0, detail: "secret: Missing: environment variable SLACK_WEBHOOK is not set" })
        expect(deliveries.audit).toMatchObject({ status: "failed", attempts: 0, detail: "secret: Missing: file /run/secrets/audit-hmac does not exist" })
        expect(fakes.slack.received.length + fakes.webhook.received.length).toBe(0)
      })
    )
  )

  it.live("a sent log that cannot answer does not silence the notification; one that cannot record says a resume may resend", () =>
    withFake(startAll, (fakes) =>
      Effect.gen(function* () {
        const broken = SentLog.SentLog.of({
          seen: () => Effect.fail(new SentLog.SentLogError({ reason: "Unavailable", detail: "evidence store down" })),
          record: () => Effect.fail(new SentLog.SentLogError({ reason: "Unavailable", detail: "evidence store down" }))
        })
        const { notifier } = yield* notifierFor(fakes, broken)
        const d = byChannel(yield* notifier.notify(rollback))
        expect(d.releases!.status).toBe("sent")
        expect(d.releases!.detail).toBe("sent, but not recorded in the sent log (evidence store down): a resumed rollout may send it again")
        expect(d.incidents!.detail).toMatch(/^created OPS-1; sent, but not recorded/)
      })
    )
  )

  it.live("two notifies of the same event at once send it once (the second is skipped while the first is in flight)", () =>
    withFake(startAll, (fakes) =>
      Effect.gen(function* () {
        const { notifier } = yield* notifierFor(fakes)
        fakes.slack.fail({ delayMs: 300 })
        const [a, b] = yield* Effect.all([notifier.notify(rollback), notifier.notify(rollback)], { concurrency: 2 })
        const slack = [...a!, ...b!].filter((d) => d.channel === "releases").map((d) => d.status).sort()
        expect(slack).toEqual(["sent", "skipped-duplicate"])
        expect(fakes.slack.messages).toHaveLength(1)
      })
    )
  )

  it.effect("a Retry-After of 30 s is waited on the Effect Clock (TestClock), then the retry is sent", () =>
    withFake(FakeSlack.start, (slack) =>
      Effect.gen(function* () {
        const config = yield* Config.decode({ channels: [{ name: "releases", type: "slack", webhook: { env: "W" } }] })
        const memory = yield* SentLog.makeMemory
        const notifier = yield* Notifier.make(config).pipe(Effect.provide(Layer.merge(Secrets.layerMemory({ env: { W: slack.url } }), Layer.succeed(SentLog.SentLog, memory.service))))
        slack.fail({ status: 429, body: "rate_limited", retryAfter: 30 })
        const fiber = yield* Effect.forkChild(notifier.notify(rollback))
        expect(yield* until(() => slack.received.length === 1)).toBe(true)
        yield* TestClock.adjust("29 seconds")
        expect(yield* until(() => slack.received.length > 1, 200)).toBe(false)
        yield* TestClock.adjust("1 second")
        expect(yield* until(() => slack.received.length === 2)).toBe(true)
        const [delivery] = yield* Fiber.join(fiber)
        expect(delivery).toMatchObject({ status: "sent", attempts: 2 })
      })
    )
  )

  it.effect("without a Retry-After the waits are the backoff doubled (1 s, then 2 s) on the Effect Clock; 3 attempts in all", () =>
    withFake(FakeSlack.start, (slack) =>
      Effect.gen(function* () {
        const config = yield* Config.decode({ channels: [{ name: "releases", type: "slack", webhook: { env: "W" } }] })
        const notifier = yield* Notifier.make(config).pipe(Effect.provide(Layer.merge(Secrets.layerMemory({ env: { W: slack.url } }), SentLog.layerMemory)))
        slack.fail([{ status: 500, body: "rollup_error" }, { status: 502, body: "" }, { status: 503, body: "" }])
        const fiber = yield* Effect.forkChild(notifier.notify(rollback))
        expect(yield* until(() => slack.received.length === 1)).toBe(true)
        yield* TestClock.adjust("999 millis")
        expect(yield* until(() => slack.received.length > 1, 200)).toBe(false)
        yield* TestClock.adjust("1 millis")
        expect(yield* until(() => slack.received.length === 2)).toBe(true)
        yield* TestClock.adjust("1999 millis")
        expect(yield* until(() => slack.received.length > 2, 200)).toBe(false)
        yield* TestClock.adjust("1 millis")
        expect(yield* until(() => slack.received.length === 3)).toBe(true)
        const [delivery] = yield* Fiber.join(fiber)
        expect(delivery).toMatchObject({ status: "failed", attempts: 3, detail: "Unavailable: 503: Slack says empty body (after 3 attempts)" })
      })
    )
  )

  it.live("a Retry-After beyond the cap (120 s > 30 s) is not waited for: failed after one attempt, saying why", () =>
    withFake(FakeSlack.start, (slack) =>
      Effect.gen(function* () {
        const config = yield* Config.decode({ channels: [{ name: "releases", type: "slack", webhook: { env: "W" } }] })
        const notifier = yield* Notifier.make(config).pipe(Effect.provide(Layer.merge(Secrets.layerMemory({ env: { W: slack.url } }), SentLog.layerMemory)))
        slack.fail({ status: 429, body: "rate_limited", retryAfter: 120 })
        const [delivery] = yield* notifier.notify(rollback)
        expect(delivery).toMatchObject({ status: "failed", attempts: 1, detail: "RateLimited: 429: Slack says rate_limited (Retry-After 120 s is beyond the 30 s cap: not retried)" })
      })
    )
  )

  it.effect("no channels, or layerNone: no deliveries", () =>
    Effect.gen(function* () {
      const none = yield* Effect.gen(function* () {
        const n = yield* Notifier.Notifier
        return yield* n.notify(rollback)
      }).pipe(Effect.provide(Notifier.layerNone))
      expect(none).toEqual([])
      const empty = yield* Notifier.make(Config.none).pipe(Effect.provide(Layer.merge(Secrets.layerMemory({}), SentLog.layerMemory)))
      expect(yield* empty.notify(rollback)).toEqual([])
    })
  )
})
