import { readFileSync } from "node:fs"
import { FakeSlack, FakeWebhook } from "@rollwise/notify/testing"
import { EvidenceStore } from "@rollwise/rollout-engine"
import { Effect, Exit } from "effect"
import { parse } from "yaml"
import { afterEach, describe, expect, it } from "vitest"
import { Notifications, Runner } from "../src/index.ts"

const example = (name: string) => readFileSync(new URL(`../../../examples/${name}`, import.meta.url), "utf8")
const decision = JSON.parse(example("strategy.json")) as unknown
const slo = parse(example("slo.yaml")) as unknown
const sources = { decision: "strategy.json", slo: "slo.yaml", policy: "policy.yaml" }
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

const policyWith = (notifications: unknown) => ({ apiVersion: "rollwise/v1", kind: "GatePolicy", notifications })

const setup = (scenario: Runner.Scenario, policy: unknown): Runner.Setup => ({
  decision,
  slo,
  policy,
  target: "simulated",
  metrics: { simulate: scenario, seed: 7, speed: 2000 },
  hookTimeoutSeconds: 60,
  approvalTimeoutSeconds: 3600,
  onApprovalTimeout: "rollback"
})

const rollout = (id: string) => ({ rolloutId: id, service: "checkout", version: "2.5.0", target: "simulated:checkout", startedAt: Date.parse("2026-12-01T09:00:00Z") })

/** Run to the end against `store`; the final state. */
const run = (store: EvidenceStore.EvidenceStore["Service"], s: Runner.Setup, id: string, env: Record<string, string>, mode: "start" | "resume" = "start", recorded?: ReadonlyArray<EvidenceStore.Event>) =>
  Runner.run({ rollout: rollout(id), setup: s, mode, sources, env, recorded }).pipe(Effect.provideService(EvidenceStore.EvidenceStore, store))

describe("notifications of a rollout (fake Slack and webhook, from their docs; in-memory store)", () => {
  it("a rollback posts to Slack once with the verdict's reasons, and the delivery is in the evidence", async () => {
    const slack = await FakeSlack.start()
    closers.push(slack.close)
    const policy = policyWith({ channels: [{ name: "oncall", type: "slack", webhook: { env: "SLACK_WEBHOOK" } }] })
    const { final, events } = await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* EvidenceStore.makeMemory
        const final = yield* run(store, setup("latency-regression", policy), "notify-1", { SLACK_WEBHOOK: slack.url })
        return { final, events: (yield* store.get("notify-1")).events }
      })
    )
    expect(final.phase).toBe("rolled_back")
    expect(slack.messages).toHaveLength(1)
    const text = JSON.stringify(slack.messages[0])
    expect(text).toContain("checkout")
    expect(text).toContain("2.5.0")
    expect(text).toMatch(/latency/)
    const delivered = Notifications.deliveriesOf(events)
    expect(delivered).toEqual([expect.objectContaining({ channel: "oncall", type: "slack", kind: "rollback", rolloutId: "notify-1", status: "sent" })])
    // the webhook URL is the credential: it never reaches the evidence
    expect(JSON.stringify(events)).not.toContain(slack.url.split("/").at(-1))
  }, 60_000)

  it("a failing channel is recorded as failed and changes nothing: the other channel is sent, the rollout ends as it would", async () => {
    const slack = await FakeSlack.start({ archived: true })
    const hook = await FakeWebhook.start()
    closers.push(slack.close, hook.close)
    const policy = policyWith({
      channels: [
        { name: "chat", type: "slack", webhook: { env: "SLACK_WEBHOOK" } },
        { name: "ops", type: "webhook", url: { env: "OPS_HOOK" }, on: ["promotion", "rollback"] }
      ]
    })
    const { final, events } = await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* EvidenceStore.makeMemory
        const final = yield* run(store, setup("healthy", policy), "notify-2", { SLACK_WEBHOOK: slack.url, OPS_HOOK: hook.url })
        return { final, events: (yield* store.get("notify-2")).events }
      })
    )
    expect(final.phase).toBe("promoted")
    expect(hook.deliveries).toHaveLength(1)
    const byChannel = Object.fromEntries(Notifications.deliveriesOf(events).map((d) => [d.channel, d]))
    expect(byChannel["ops"]).toMatchObject({ kind: "promotion", status: "sent" })
    expect(byChannel["chat"]).toMatchObject({ kind: "promotion", status: "failed" })
    expect(byChannel["chat"]!.detail).toContain("channel_is_archived")
  }, 60_000)

  it("a resumed rollout does not notify twice, and sends what a kill cut off", async () => {
    const slack = await FakeSlack.start()
    closers.push(slack.close)
    const policy = policyWith({ channels: [{ name: "oncall", type: "slack", webhook: { env: "SLACK_WEBHOOK" } }] })
    const env = { SLACK_WEBHOOK: slack.url }
    await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* EvidenceStore.makeMemory
        yield* run(store, setup("latency-regression", policy), "notify-3", env)
        expect(slack.messages).toHaveLength(1)
        // resuming the finished rollout replays its record: the rollback was notified, so nothing is sent again
        const { events } = yield* store.get("notify-3")
        yield* run(store, setup("latency-regression", policy), "notify-3", env, "resume", events)
        expect(slack.messages).toHaveLength(1)

        // a copy of the record without its Notified event: as if killed between the rollback and the message
        const other = yield* EvidenceStore.makeMemory
        yield* other.create(rollout("notify-4"))
        for (const e of events.filter((e) => e.type !== Notifications.eventType)) yield* other.append("notify-4", { type: e.type, at: e.at, data: e.data })
        const copied = (yield* other.get("notify-4")).events
        yield* run(other, setup("latency-regression", policy), "notify-4", env, "resume", copied)
        expect(slack.messages).toHaveLength(2)
        expect(Notifications.deliveriesOf((yield* other.get("notify-4")).events)).toEqual([expect.objectContaining({ kind: "rollback", status: "sent" })])
      })
    )
  }, 60_000)

  it("a notifications section that holds a secret in place is refused before anything runs, without echoing it", async () => {
    const policy = policyWith({ channels: [{ name: "oncall", type: "slack", webhook: "https://hooks.slack.com/services/T1/B2/s3cr3tt0k3n" }] })
    const exit = await Effect.runPromiseExit(Runner.prepare(setup("healthy", policy), sources))
    expect(Exit.isFailure(exit)).toBe(true)
    const message = Exit.isFailure(exit) ? String((exit.cause.reasons[0] as { error?: { message: string } }).error?.message) : ""
    expect(message).toMatch(/^policy\.yaml: /)
    expect(message).toContain("webhook")
    expect(message).not.toContain("s3cr3tt0k3n")
  })
})
