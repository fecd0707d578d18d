import { it } from "@effect/vitest"
import { Effect } from "effect"
import { describe, expect } from "vitest"
import { parse } from "yaml"
import { Config } from "../src/index.ts"

/** The README's example, as it sits in policy.yaml. */
const policy = `
apiVersion: rollwise/v1
kind: GatePolicy
approval:
  threshold: 70
notifications:
  retry:
    attempts: 3
    maxWaitSeconds: 30
  channels:
    - name: releases
      type: slack
      webhook: { env: ROLLWISE_SLACK_WEBHOOK }
    - name: ops-teams
      type: teams
      webhook: { file: /var/run/secrets/rollwise/teams-webhook }
      on: [rollback, abort, approval-needed]
    - name: audit
      type: webhook
      url: { env: ROLLWISE_AUDIT_URL }
      secret: { env: ROLLWISE_AUDIT_HMAC }
      on: [rollback, abort, approval-needed, promotion]
    - name: incidents
      type: jira
      url: https://acme.atlassian.net
      project: OPS
      auth:
        email: rollwise-bot@acme.example
        token: { env: ROLLWISE_JIRA_TOKEN }
`

const decodeError = (section: unknown) => Effect.flip(Config.decode(section)).pipe(Effect.map((e) => e.message))

describe("Config.decode (the notifications: section of policy.yaml)", () => {
  it.effect("decodes the README's example with its defaults (Jira: Incident, rollback and abort; others: every kind)", () =>
    Effect.gen(function* () {
      const config = yield* Config.fromPolicy(parse(policy))
      expect(config.retry).toEqual({ attempts: 3, maxWaitSeconds: 30, backoffSeconds: 1 })
      expect(config.timeoutSeconds).toBe(10)
      expect(config.channels.map((c) => [c.name, c.on])).toEqual([
        ["releases", ["rollback", "abort", "approval-needed", "promotion"]],
        ["ops-teams", ["rollback", "abort", "approval-needed"]],
        ["audit", ["rollback", "abort", "approval-needed", "promotion"]],
        ["incidents", ["rollback", "abort"]]
      ])
      expect(config.channels[3]).toMatchObject({ type: "jira", issueType: "Incident", labels: ["rollwise"] })
    })
  )

  it.effect("a policy without notifications: has none", () =>
    Effect.gen(function* () {
      expect(yield* Config.fromPolicy({ apiVersion: "rollwise/v1", kind: "GatePolicy" })).toEqual(Config.none)
    })
  )

  it.effect("a secret written in the file is refused, naming the field and never repeating it: secrets are references only", () =>
    Effect.gen(function* () {
      const url = "https://hooks.slack.com/services/T0/B0/abcdefSECRET"
      const cases: ReadonlyArray<[unknown, string]> = [
        [{ channels: [{ name: "releases", type: "slack", webhook: url }] }, "notifications.channels[0].webhook"],
        [{ channels: [{ name: "releases", type: "slack", webhook: { env: url } }] }, "notifications.channels[0].webhook"],
        [{ channels: [{ name: "t", type: "teams", webhook: { value: url } }] }, "notifications.channels[0].webhook"],
        [{ channels: [{ name: "w", type: "webhook", url: { env: "U" }, secret: "abcdefSECRET" }] }, "notifications.channels[0].secret"],
        [{ channels: [{ name: "j", type: "jira", url: "https://acme.atlassian.net", project: "OPS", auth: { email: "a@b", token: "abcdefSECRET" } }] }, "notifications.channels[0].auth.token"],
        [{ channels: [{ name: "s", type: "slak", webhook: url }] }, "notifications.channels[0].type"]
      ]
      for (const [section, path] of cases) {
        const message = yield* decodeError(section)
        expect(message).toContain(path)
        expect(message).not.toContain("abcdefSECRET")
      }
    })
  )

  it.effect("an unknown field, an unknown event kind, a relative secret file: one error naming the field", () =>
    Effect.gen(function* () {
      expect(yield* decodeError({ channels: [{ name: "a", type: "slack", webhook: { env: "X" }, channel: "#releases" }] })).toContain("notifications.channels[0].channel")
      expect(yield* decodeError({ channels: [{ name: "a", type: "slack", webhook: { env: "X" }, on: ["rollbacks"] }] })).toContain("notifications.channels[0].on[0]")
      expect(yield* decodeError({ channels: [{ name: "a", type: "teams", webhook: { file: "secrets/teams" } }] })).toContain("notifications.channels[0].webhook")
      expect(yield* decodeError({ channels: [{ name: "a", type: "pagerduty" }] })).toBe("policy.yaml: notifications.channels[0].type: expected one of slack, teams, webhook, jira")
    })
  )

  it.effect("Jira: a URL with credentials in it and a lower-case project key are refused", () =>
    Effect.gen(function* () {
      const jira = { name: "j", type: "jira", project: "OPS", auth: { bearer: { env: "PAT" } } }
      expect(yield* decodeError({ channels: [{ ...jira, url: "https://bot:token@acme.atlassian.net" }] })).toContain("notifications.channels[0].url")
      expect(yield* decodeError({ channels: [{ ...jira, url: "https://acme.atlassian.net", project: "ops" }] })).toContain("notifications.channels[0].project")
    })
  )

  it.effect("channel names are unique (they are part of the dedupe key)", () =>
    Effect.gen(function* () {
      const message = yield* decodeError({ channels: [{ name: "a", type: "slack", webhook: { env: "X" } }, { name: "a", type: "teams", webhook: { env: "Y" } }] })
      expect(message).toContain("notifications.channels[1].name")
      expect(message).toContain("unique")
    })
  )
})
