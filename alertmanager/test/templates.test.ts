/**
 * templates/rollwise.tmpl rendered by the real amtool (`amtool template render`,
 * with Alertmanager's own notification data type): what a Slack message says.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { amtool, configPath, projectRoot } from "./support/RealAlertmanager.ts"

const fixture = join(projectRoot, "test", "fixtures", "notification.json")
const render = (text: string, data = fixture) => amtool(["template", "render", "--template.glob=templates/*.tmpl", `--template.data=${data}`, `--template.text=${text}`], projectRoot)

const scratch = mkdtempSync(join(tmpdir(), "rollwise-templates-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const RUNBOOK = "https://github.com/rollwise/rollwise/blob/main/docs/runbooks/rollout-rolled-back.md"

describe("templates", () => {
  it("defines every template alertmanager.yml names, and each renders (real amtool)", () => {
    const names = [...new Set([...readFileSync(configPath, "utf8").matchAll(/\{\{ template "([^"]+)" \. \}\}/g)].map((m) => m[1]!))]
    expect(names.sort()).toEqual(["rollwise.runbook", "rollwise.slack.color", "rollwise.slack.fallback", "rollwise.slack.text", "rollwise.slack.title"])
    for (const name of names) {
      const result = render(`{{ template "${name}" . }}`)
      expect(result.status, `${name}: ${result.stderr}`).toBe(0)
      expect(result.stdout.trim(), name).not.toBe("")
    }
    // and a name that is not defined fails, so the loop above would catch a typo
    expect(render('{{ template "rollwise.slack.headline" . }}').status).not.toBe(0)
  })

  it("puts each alert's summary, description, labels and runbook URL in the Slack text (real amtool)", () => {
    const result = render('{{ template "rollwise.slack.text" . }}')
    expect(result.status, result.stderr).toBe(0)
    expect(result.stdout).toBe(
      [
        "",
        "*rollwise: Rollwise rolled a rollout back (argo)*",
        "Rollwise (rollwise) decided to roll back within the last 15 minutes.",
        "severity `warning` · service `checkout` · job `rollwise` · rollout `checkout-2.5.0-m4x1` · kind `argo`",
        `:book: Runbook: ${RUNBOOK}`,
        "",
        "*rollwise: Rollwise rolled a rollout back (operator)* (resolved)",
        "Rollwise (rollwise) decided to roll back within the last 15 minutes.",
        "severity `warning` · service `checkout` · job `rollwise` · rollout `checkout-2.5.0-m4x1` · kind `operator`",
        `:book: Runbook: ${RUNBOOK}`,
        ""
      ].join("\n")
    )
  })

  it("titles the message with status, count, alert, service and rollout, and links the runbook (real amtool)", () => {
    expect(render('{{ template "rollwise.slack.title" . }}').stdout).toBe("[FIRING:1] RolloutRolledBack · checkout · rollout checkout-2.5.0-m4x1")
    expect(render('{{ template "rollwise.runbook" . }}').stdout).toBe(RUNBOOK)
    expect(render('{{ template "rollwise.slack.color" . }}').stdout).toBe("warning")
    expect(render('{{ template "rollwise.slack.fallback" . }}').stdout).toBe(
      `[FIRING:1] RolloutRolledBack · checkout · rollout checkout-2.5.0-m4x1 — rollwise: Rollwise rolled a rollout back (argo) — runbook ${RUNBOOK}`
    )
  })

  it("property: whatever the summary and runbook, both are in the text; without a runbook_url the text says so (real amtool)", () => {
    const text = fc.stringMatching(/^[A-Za-z0-9 ,.:()%/-]{1,60}$/).filter((s) => s.trim() !== "")
    let run = 0
    fc.assert(
      fc.property(text, fc.option(fc.webUrl(), { nil: undefined }), fc.constantFrom("critical", "warning", "info"), (summary, runbook, severity) => {
        const data = {
          receiver: "rollouts-chat",
          status: "firing",
          alerts: [
            {
              status: "firing",
              labels: { alertname: "Anything", severity, job: "checkout" },
              annotations: { summary, description: "d", ...(runbook === undefined ? {} : { runbook_url: runbook }) },
              startsAt: "2026-12-06T10:00:00Z",
              endsAt: "0001-01-01T00:00:00Z",
              generatorURL: "",
              fingerprint: "0000000000000001"
            }
          ],
          groupLabels: { alertname: "Anything" },
          commonLabels: { alertname: "Anything", severity, job: "checkout" },
          commonAnnotations: { summary, description: "d", ...(runbook === undefined ? {} : { runbook_url: runbook }) },
          externalURL: "http://alertmanager:9093"
        }
        const file = join(scratch, `data-${run++}.json`)
        writeFileSync(file, JSON.stringify(data))
        const result = render('{{ template "rollwise.slack.text" . }}', file)
        expect(result.status, result.stderr).toBe(0)
        expect(result.stdout).toContain(`*${summary}*`)
        expect(result.stdout).toContain(`severity \`${severity}\` · job \`checkout\``)
        if (runbook === undefined) expect(result.stdout).toContain("(this alert has no runbook_url annotation)")
        else expect(result.stdout).toContain(`:book: Runbook: ${runbook}`)
        expect(render('{{ template "rollwise.slack.color" . }}', file).stdout).toBe(severity === "critical" ? "danger" : "warning")
      }),
      { numRuns: 15 }
    )
  })
})

describe("JIRAlert's issue template and configuration, rendered by amtool: JIRAlert's template data is Alertmanager's", () => {
  const jiralertRender = (text: string) => amtool(["template", "render", "--template.glob=jiralert/*.tmpl", `--template.data=${fixture}`, `--template.text=${text}`], projectRoot)

  it("titles the issue by alert, service and rollout and links each firing alert's runbook (real amtool)", () => {
    expect(jiralertRender('{{ template "rollwise.jira.summary" . }}').stdout).toBe("RolloutRolledBack · checkout · rollout checkout-2.5.0-m4x1")
    const description = jiralertRender('{{ template "rollwise.jira.description" . }}')
    expect(description.status, description.stderr).toBe(0)
    expect(description.stdout).toContain("h3. rollwise: Rollwise rolled a rollout back (argo)")
    expect(description.stdout).toContain(`*Runbook:* [${RUNBOOK}]`)
    expect(description.stdout).toContain("service checkout · job rollwise · rollout checkout-2.5.0-m4x1 · kind argo")
    // the resolved alert of the group is not described again
    expect(description.stdout).not.toContain("back (operator)")
  })

  it("knows exactly the receivers alertmanager.yml sends to JIRAlert, and uses templates its file defines (real amtool)", () => {
    const jiralert = parse(readFileSync(join(projectRoot, "jiralert", "jiralert.yml"), "utf8")) as {
      defaults: Record<string, string>
      receivers: Array<{ name: string }>
      template: string
    }
    const config = parse(readFileSync(configPath, "utf8")) as { receivers: Array<{ name: string; webhook_configs?: Array<{ url: string }> }> }
    const toJiralert = config.receivers.filter((r) => (r.webhook_configs ?? []).some((w) => w.url.endsWith(":9097/alert"))).map((r) => r.name)
    expect(jiralert.receivers.map((r) => r.name)).toEqual(toJiralert)
    expect(jiralert.template).toBe("jiralert.tmpl")
    for (const key of ["summary", "description"]) expect(jiralertRender(jiralert.defaults[key]!).status, key).toBe(0)
    expect(jiralert.defaults["password"]).toBe("$(JIRA_API_TOKEN)")
  })
})

describe("the Teams workflow's card", () => {
  it("is an Adaptive Card whose text and Runbook button read the summary and runbook_url of Alertmanager's webhook JSON", () => {
    const card = JSON.parse(readFileSync(join(projectRoot, "teams", "adaptive-card.json"), "utf8")) as {
      type: string
      version: string
      body: Array<{ text?: string }>
      actions: Array<{ type: string; title: string; url: string }>
    }
    expect(card.type).toBe("AdaptiveCard")
    expect(card.body.map((b) => b.text ?? "")).toContain("@{triggerBody()?['alerts']?[0]?['annotations']?['summary']}")
    expect(card.actions).toContainEqual({ type: "Action.OpenUrl", title: "Runbook", url: "@{triggerBody()?['alerts']?[0]?['annotations']?['runbook_url']}" })
  })
})
