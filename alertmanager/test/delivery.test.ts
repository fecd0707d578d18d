/**
 * End to end with the real Alertmanager (/usr/bin/prometheus-alertmanager):
 * alertmanager.yml as committed, with only the receivers' URLs pointed at fake
 * receivers on 127.0.0.1 (Slack's incoming webhooks, Entra ID's token endpoint
 * and the Teams workflow, JIRAlert) and the group waits shortened. Alerts are
 * posted to its /api/v2/alerts; the tests assert what each fake received.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { POWER_AUTOMATE_SCOPE, startFakeReceivers, type FakeReceivers, type Received } from "./support/FakeReceivers.ts"
import { fixtureSecretsDir, projectRoot, stage, startAlertmanager, type RunningAlertmanager, type Staged } from "./support/RealAlertmanager.ts"

const RUNBOOKS = "https://github.com/rollwise/rollwise/blob/main/docs/runbooks/"
const CLIENT_ID = "5d7e0c1a-0000-4000-8000-00000000a11e"
const clientSecret = readFileSync(join(fixtureSecretsDir, "teams-workflow-client-secret"), "utf8").trim()

interface Route {
  receiver?: string
  group_wait?: string
  group_interval?: string
  routes?: Array<Route>
}
interface Receiver {
  name: string
  webhook_configs?: Array<{ url: string; http_config?: { oauth2?: { client_id: string; token_url: string; scopes: Array<string> } } }>
}

let fakes: FakeReceivers
let staged: Staged
let alertmanager: RunningAlertmanager

beforeAll(async () => {
  fakes = await startFakeReceivers({
    slackChannels: ["rollouts-oncall", "rollouts"],
    teamsClientId: CLIENT_ID,
    teamsClientSecret: clientSecret,
    // the receivers jiralert/jiralert.yml configures: JIRAlert answers 404 for any other
    jiralertReceivers: (parse(readFileSync(join(projectRoot, "jiralert", "jiralert.yml"), "utf8")) as { receivers: Array<{ name: string }> }).receivers.map((r) => r.name)
  })
  staged = stage({
    secrets: {
      "slack-oncall-webhook-url": `${fakes.slackWebhookUrl("rollouts-oncall")}\n`,
      "slack-rollouts-webhook-url": `${fakes.slackWebhookUrl("rollouts")}\n`,
      "teams-workflow-client-secret": readFileSync(join(fixtureSecretsDir, "teams-workflow-client-secret"), "utf8")
    },
    edit: (config) => {
      // short waits so a test sees its notification in seconds; the routing itself is as committed
      const shorten = (route: Route) => {
        route.group_wait = "1s"
        route.group_interval = "2s"
        route.routes?.forEach(shorten)
      }
      shorten(config["route"] as Route)
      for (const receiver of config["receivers"] as Array<Receiver>) {
        for (const webhook of receiver.webhook_configs ?? []) {
          const oauth2 = webhook.http_config?.oauth2
          if (oauth2 !== undefined) {
            expect(oauth2.scopes).toEqual([POWER_AUTOMATE_SCOPE])
            webhook.url = fakes.teamsWorkflowUrl
            oauth2.token_url = fakes.tokenUrl
            oauth2.client_id = CLIENT_ID
          } else {
            webhook.url = fakes.jiralertUrl
          }
        }
      }
    }
  })
  alertmanager = await startAlertmanager(staged)
}, 60_000)

afterAll(async () => {
  await alertmanager?.stop()
  await fakes?.close()
  staged?.remove()
})

interface PostedAlert {
  readonly labels: Record<string, string>
  readonly annotations: Record<string, string>
  readonly endsAt?: string
}

const post = async (alerts: ReadonlyArray<PostedAlert>) => {
  const response = await fetch(`${alertmanager.url}/api/v2/alerts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(alerts.map((a) => ({ ...a, generatorURL: "http://prometheus:9090/graph" })))
  })
  expect(response.status, await response.text()).toBe(200)
}

const alert = (name: string, runbook: string, summary: string, labels: Record<string, string>): PostedAlert => ({
  labels: { alertname: name, ...labels },
  annotations: { summary, description: `${summary}: the description`, runbook_url: `${RUNBOOKS}${runbook}.md` }
})

/** A Slack message (Alertmanager 0.25 posts one attachment) as the fake received it. */
const slackAttachment = (received: Received) => {
  const body = received.body as { attachments: Array<{ title: string; title_link: string; text: string; color: string; fallback: string; actions?: Array<{ text: string; url: string }> }> }
  expect(body.attachments).toHaveLength(1)
  return body.attachments[0]!
}

/** Alertmanager's webhook payload, version 4 (what JIRAlert and the Teams workflow read). */
interface WebhookPayload {
  version: string
  receiver: string
  status: string
  groupKey: string
  groupLabels: Record<string, string>
  commonLabels: Record<string, string>
  commonAnnotations: Record<string, string>
  externalURL: string
  alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string>; fingerprint: string }>
}

const slackTo = (channel: string, alertname: string) => (fakes.slack.get(channel) ?? []).filter((r) => slackAttachment(r).title.includes(alertname))
const webhookTo = (list: Array<Received>, alertname: string) => list.map((r) => r.body as WebhookPayload).filter((p) => p.commonLabels["alertname"] === alertname)

describe("delivery: fake Slack, Teams workflow with Entra ID, JIRAlert", () => {
  it("a page reaches Slack #rollouts-oncall and the Teams workflow with the runbook link and summary (real Alertmanager)", async () => {
    const summary = "rollwise-0:8080: Rollwise cannot query its metric source"
    await post([alert("RollwiseMetricSourceDown", "rollwise-metric-source-down", summary, { severity: "critical", job: "rollwise", instance: "rollwise-0:8080" })])

    await fakes.waitFor("the page on Slack and Teams", () => slackTo("rollouts-oncall", "RollwiseMetricSourceDown").length > 0 && webhookTo(fakes.teams, "RollwiseMetricSourceDown").length > 0)

    const slack = slackAttachment(slackTo("rollouts-oncall", "RollwiseMetricSourceDown")[0]!)
    const runbook = `${RUNBOOKS}rollwise-metric-source-down.md`
    expect(slack.title).toBe("[FIRING:1] RollwiseMetricSourceDown · rollwise")
    expect(slack.title_link).toBe(runbook)
    expect(slack.color).toBe("danger")
    expect(slack.text).toContain(`*${summary}*`)
    expect(slack.text).toContain(`:book: Runbook: ${runbook}`)
    expect(slack.text).toContain("severity `critical` · job `rollwise` · instance `rollwise-0:8080`")
    expect(slack.actions).toEqual([expect.objectContaining({ text: "Runbook", url: runbook })])

    const teams = webhookTo(fakes.teams, "RollwiseMetricSourceDown")[0]!
    expect(teams.version).toBe("4")
    expect(teams.receiver).toBe("rollouts-page")
    expect(teams.status).toBe("firing")
    expect(teams.externalURL).toBe(alertmanager.url)
    expect(teams.commonAnnotations["runbook_url"]).toBe(runbook)
    expect(teams.alerts).toHaveLength(1)
    expect(teams.alerts[0]!.annotations).toMatchObject({ summary, runbook_url: runbook })
    expect(teams.alerts[0]!.labels).toMatchObject({ alertname: "RollwiseMetricSourceDown", severity: "critical", instance: "rollwise-0:8080" })
    // the workflow only accepted it with a token from the (fake) Entra ID token endpoint
    const teamsRequest = fakes.teams.find((r) => (r.body as WebhookPayload).commonLabels["alertname"] === "RollwiseMetricSourceDown")!
    expect(teamsRequest.headers["authorization"]).toMatch(/^Bearer [\w-]+$/)
  })

  it("a ticket reaches JIRAlert (Jira) and Slack #rollouts, grouped by alertname, service and rollout (real Alertmanager)", async () => {
    const summary = "rollwise: Rollwise rolled a rollout back (argo)"
    const labels = { severity: "warning", job: "rollwise", kind: "argo", service: "checkout", rollout: "checkout-2.5.0-m4x1" }
    await post([alert("RolloutRolledBack", "rollout-rolled-back", summary, labels)])

    await fakes.waitFor("the ticket on JIRAlert and Slack", () => webhookTo(fakes.jira, "RolloutRolledBack").length > 0 && slackTo("rollouts", "RolloutRolledBack").length > 0)

    const runbook = `${RUNBOOKS}rollout-rolled-back.md`
    const jira = webhookTo(fakes.jira, "RolloutRolledBack")[0]!
    expect(jira.receiver).toBe("rollouts-ticket")
    expect(jira.groupLabels).toEqual({ alertname: "RolloutRolledBack", job: "rollwise", service: "checkout", rollout: "checkout-2.5.0-m4x1" })
    expect(jira.alerts[0]!.annotations).toMatchObject({ summary, runbook_url: runbook })

    const slack = slackAttachment(slackTo("rollouts", "RolloutRolledBack")[0]!)
    expect(slack.title).toBe("[FIRING:1] RolloutRolledBack · checkout · rollout checkout-2.5.0-m4x1")
    expect(slack.color).toBe("warning")
    expect(slack.text).toContain(`*${summary}*`)
    expect(slack.text).toContain("rollout `checkout-2.5.0-m4x1`")
    expect(slack.text).toContain(`:book: Runbook: ${runbook}`)
    expect(slack.fallback).toContain(runbook)
  })

  it("a page never opens a Jira ticket, a ticket never reaches Teams or #rollouts-oncall (real Alertmanager)", async () => {
    await fakes.waitFor("both earlier deliveries", () => fakes.jira.length > 0 && fakes.teams.length > 0)
    for (const payload of fakes.jira.map((r) => r.body as WebhookPayload)) expect(payload.commonLabels["severity"]).toBe("warning")
    for (const payload of fakes.teams.map((r) => r.body as WebhookPayload)) expect(payload.commonLabels["severity"]).toBe("critical")
    expect(slackTo("rollouts-oncall", "RolloutRolledBack")).toEqual([])
  })

  it("the canary comparison inhibits the canary track's HighErrorRate for the same job; stable's still pages (real Alertmanager)", async () => {
    const job = "payments"
    // the source first, and delivered: by then Alertmanager's inhibitor has it too (both read the same alert stream)
    await post([alert("CanaryErrorRatioAboveStable", "canary-error-ratio-above-stable", "payments: the canary fails 4% of requests, more than stable", { severity: "warning", job, track: "canary" })])
    await fakes.waitFor("the canary comparison's ticket", () => webhookTo(fakes.jira, "CanaryErrorRatioAboveStable").length > 0)
    await post([
      alert("HighErrorRate", "high-error-rate", "payments (canary): 4% of requests fail", { severity: "critical", job, track: "canary" }),
      alert("HighErrorRate", "high-error-rate", "payments (stable): 2% of requests fail", { severity: "critical", job, track: "stable" }),
      // another job's canary is not inhibited by payments' comparison
      alert("HighErrorRate", "high-error-rate", "search (canary): 3% of requests fail", { severity: "critical", job: "search", track: "canary" })
    ])

    // Alertmanager's own view: the canary alert is inhibited by the comparison
    let listed: Array<{ labels: Record<string, string>; status: { state: string; inhibitedBy: Array<string> } }> = []
    await expect
      .poll(
        async () => {
          const response = await fetch(`${alertmanager.url}/api/v2/alerts?filter=alertname%3D%22HighErrorRate%22`)
          listed = (await response.json()) as typeof listed
          return listed.map((a) => `${a.labels["job"]}/${a.labels["track"]}:${a.status.state}`).sort()
        },
        { timeout: 60_000, interval: 250 }
      )
      .toEqual(["payments/canary:suppressed", "payments/stable:active", "search/canary:active"])
    expect(listed.find((a) => a.labels["job"] === job && a.labels["track"] === "canary")!.status.inhibitedBy).toHaveLength(1)

    await fakes.waitFor("HighErrorRate pages for payments and search", () => {
      const texts = slackTo("rollouts-oncall", "HighErrorRate").map((r) => slackAttachment(r).text)
      return texts.some((t) => t.includes("payments (stable)")) && texts.some((t) => t.includes("search (canary)"))
    })
    const paymentsPages = slackTo("rollouts-oncall", "HighErrorRate · payments").map((r) => slackAttachment(r).text)
    expect(paymentsPages.length).toBeGreaterThan(0)
    for (const text of paymentsPages) {
      expect(text).toContain("*payments (stable): 2% of requests fail*")
      expect(text).not.toContain("payments (canary)")
    }
  })

  it("a resolved alert is announced as resolved, send_resolved (real Alertmanager)", async () => {
    const summary = "rollwise: 80% of Rollwise's analysis queries find no data"
    const firing = alert("RolloutAnalysisWithoutData", "rollout-analysis-without-data", summary, { severity: "warning", job: "rollwise-eu" })
    await post([firing])
    await fakes.waitFor("the firing notification", () => slackTo("rollouts", "RolloutAnalysisWithoutData").length > 0)
    await post([{ ...firing, endsAt: new Date(Date.now() - 1000).toISOString() }])
    await fakes.waitFor(
      "the resolved notification on Slack and JIRAlert",
      () =>
        slackTo("rollouts", "RolloutAnalysisWithoutData").some((r) => slackAttachment(r).title.startsWith("[RESOLVED]")) &&
        webhookTo(fakes.jira, "RolloutAnalysisWithoutData").some((p) => p.status === "resolved")
    )
    const resolved = slackTo("rollouts", "RolloutAnalysisWithoutData").map(slackAttachment).find((a) => a.title.startsWith("[RESOLVED]"))!
    expect(resolved.color).toBe("good")
    expect(resolved.text).toContain(`*${summary}* (resolved)`)
    const jiraResolved = webhookTo(fakes.jira, "RolloutAnalysisWithoutData").find((p) => p.status === "resolved")!
    expect(jiraResolved.alerts[0]!.status).toBe("resolved")
    expect(jiraResolved.alerts[0]!.annotations["runbook_url"]).toBe(`${RUNBOOKS}rollout-analysis-without-data.md`)
  })

  it("serves its configuration and writes its log without the secrets (real Alertmanager)", async () => {
    const response = await fetch(`${alertmanager.url}/api/v2/status`)
    const status = (await response.json()) as { config: { original: string } }
    expect(status.config.original).toContain("client_secret_file")
    expect(status.config.original).toContain("api_url_file")
    const secrets = [clientSecret, new URL(fakes.slackWebhookUrl("rollouts-oncall")).pathname, new URL(fakes.slackWebhookUrl("rollouts")).pathname]
    for (const secret of secrets) {
      expect(status.config.original).not.toContain(secret)
      expect(alertmanager.log()).not.toContain(secret)
    }
    expect(fakes.rejected).toEqual([])
  })
})

describe("delivery with wrong credentials: fake Slack, Teams workflow with Entra ID", () => {
  it("Entra ID refuses the client secret, Slack the token: nothing is delivered, and the log shows neither secret (real Alertmanager)", async () => {
    const wrongFakes = await startFakeReceivers({ slackChannels: ["rollouts-oncall"], teamsClientId: CLIENT_ID, teamsClientSecret: clientSecret, jiralertReceivers: [] })
    const issued = fakes.slackWebhookUrl("rollouts-oncall").replace(fakes.baseUrl, wrongFakes.baseUrl)
    // the same team and bot, another token
    const revoked = `${wrongFakes.slackWebhookUrl("rollouts-oncall").split("/").slice(0, -1).join("/")}/${"0".repeat(24)}`
    const wrongSecret = "a-rotated-secret-nobody-updated"
    const wrong = stage({
      secrets: { "slack-oncall-webhook-url": revoked, "slack-rollouts-webhook-url": issued, "teams-workflow-client-secret": wrongSecret },
      edit: (config) => {
        const route = config["route"] as Route
        // a short group_interval also ends each notification attempt sooner (after Alertmanager's 10 s minimum)
        for (const r of [route, ...(route.routes ?? [])]) {
          r.group_wait = "1s"
          r.group_interval = "2s"
        }
        for (const receiver of config["receivers"] as Array<Receiver>) {
          for (const webhook of receiver.webhook_configs ?? []) {
            const oauth2 = webhook.http_config?.oauth2
            webhook.url = oauth2 === undefined ? wrongFakes.jiralertUrl : wrongFakes.teamsWorkflowUrl
            if (oauth2 !== undefined) {
              oauth2.token_url = wrongFakes.tokenUrl
              oauth2.client_id = CLIENT_ID
            }
          }
        }
      }
    })
    const running = await startAlertmanager(wrong)
    try {
      const response = await fetch(`${running.url}/api/v2/alerts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify([alert("RollwiseMetricSourceDown", "rollwise-metric-source-down", "down", { severity: "critical", job: "rollwise", instance: "rollwise-0:8080" })])
      })
      expect(response.status).toBe(200)
      await wrongFakes.waitFor("Entra ID's 401 and Slack's 403", () => {
        const reasons = wrongFakes.rejected.map((r) => `${r.status} ${r.reason}`)
        return reasons.includes("401 invalid_client") && reasons.includes("403 invalid_token")
      })
      expect(wrongFakes.teams).toEqual([])
      expect(wrongFakes.slack.get("rollouts-oncall")).toEqual([])
      // Alertmanager counts the failures …
      const failed = async (integration: string) => {
        const metrics = await (await fetch(`${running.url}/metrics`)).text()
        const line = metrics.split("\n").find((l) => l.startsWith(`alertmanager_notifications_failed_total{integration="${integration}"}`))
        return Number(line?.split(" ")[1] ?? 0)
      }
      await expect.poll(() => failed("slack"), { timeout: 60_000 }).toBeGreaterThan(0)
      await expect.poll(() => failed("webhook"), { timeout: 60_000 }).toBeGreaterThan(0)
      // … without the secrets: Alertmanager redacts Slack's URL; the client secret is never logged
      expect(running.log()).not.toContain(wrongSecret)
      expect(running.log()).not.toContain(new URL(revoked).pathname)
    } finally {
      await running.stop()
      await wrongFakes.close()
      wrong.remove()
    }
  }, 120_000)
})
