/**
 * alertmanager.yml checked by the real amtool (Debian's prometheus-alertmanager
 * 0.25): `amtool check-config` with the secret files it references provided as
 * fixtures, and `amtool config routes test` for every alert in
 * prometheus/rules and a table of label sets, negative cases included.
 */
import { existsSync, readFileSync } from "node:fs"
import { basename, join } from "node:path"
import * as fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { amtool, configPath, fixtureSecretsDir, projectRoot, referencedFiles, SECRETS_DIR, stage, type Staged } from "./support/RealAlertmanager.ts"

/** Where each severity goes: the routing table of README.md. */
const receiverFor = (labels: Readonly<Record<string, string>>): string => {
  switch (labels["severity"]) {
    case "critical":
      return "rollouts-page"
    case "warning":
      return "rollouts-ticket"
    default:
      return "rollouts-chat"
  }
}

const labelArgs = (labels: Readonly<Record<string, string>>) => Object.entries(labels).map(([name, value]) => `${name}=${value}`)

let staged: Staged
beforeAll(() => {
  staged = stage()
})
afterAll(() => staged.remove())

const routesTest = (labels: Readonly<Record<string, string>>, verify?: string) =>
  amtool(["config", "routes", "test", `--config.file=${staged.configFile}`, ...(verify === undefined ? [] : [`--verify.receivers=${verify}`]), ...labelArgs(labels)], staged.dir)

/** The receivers amtool resolves for a label set (comma-separated when a route continues). */
const receiversOf = (labels: Readonly<Record<string, string>>): ReadonlyArray<string> => {
  const result = routesTest(labels)
  expect(result.status, result.stderr).toBe(0)
  return result.stdout.trim().split(",").map((name) => name.trim())
}

describe("alertmanager.yml", () => {
  it("passes amtool check-config with its templates and the secret files it references (real amtool)", () => {
    const result = amtool(["check-config", staged.configFile], staged.dir)
    expect(result.status, result.stdout + result.stderr).toBe(0)
    expect(result.stdout).toContain("SUCCESS")
    expect(result.stdout).toContain("3 inhibit rules")
    expect(result.stdout).toContain("3 receivers")
    expect(result.stdout).toContain("1 templates")
  })

  it("is refused by amtool check-config when a route names a receiver that does not exist (real amtool)", () => {
    const broken = stage({
      edit: (config) => {
        const route = config["route"] as { routes: Array<Record<string, unknown>> }
        route.routes[0]!["receiver"] = "rollouts-pager"
      }
    })
    try {
      const result = amtool(["check-config", broken.configFile], broken.dir)
      expect(result.status).not.toBe(0)
      expect(result.stdout + result.stderr).toMatch(/undefined receiver "rollouts-pager"/)
    } finally {
      broken.remove()
    }
  })

  it("references every secret as a file under /etc/alertmanager/secrets/, each with a fixture, and has none inline", () => {
    const text = readFileSync(configPath, "utf8")
    const files = referencedFiles(parse(text))
    expect(files.map((f) => f.key).sort()).toEqual(["api_url_file", "api_url_file", "api_url_file", "client_secret_file"])
    for (const { path } of files) {
      expect(path.startsWith(SECRETS_DIR), path).toBe(true)
      expect(existsSync(join(fixtureSecretsDir, basename(path))), `fixture for ${path}`).toBe(true)
    }
    // the inline forms of the same secrets
    expect(text).not.toMatch(/^\s*(api_url|slack_api_url|client_secret|credentials|password|bearer_token):/m)
    expect(text).not.toContain("hooks.slack.com")
  })
})

describe("routes", () => {
  const table: ReadonlyArray<{ readonly labels: Readonly<Record<string, string>>; readonly receiver: string }> = [
    { labels: { alertname: "RollwiseMetricSourceDown", severity: "critical", job: "rollwise", instance: "rollwise-0:8080" }, receiver: "rollouts-page" },
    { labels: { alertname: "HighErrorRate", severity: "critical", job: "checkout", track: "canary" }, receiver: "rollouts-page" },
    { labels: { alertname: "ErrorBudgetBurnFast", severity: "critical", job: "checkout" }, receiver: "rollouts-page" },
    { labels: { alertname: "RolloutRolledBack", severity: "warning", job: "rollwise", kind: "argo" }, receiver: "rollouts-ticket" },
    { labels: { alertname: "RolloutStuck", severity: "warning", job: "rollwise", kind: "analysis" }, receiver: "rollouts-ticket" },
    { labels: { alertname: "RolloutAnalysisWithoutData", severity: "warning", job: "rollwise" }, receiver: "rollouts-ticket" },
    { labels: { alertname: "CanaryErrorRatioAboveStable", severity: "warning", job: "checkout", track: "canary" }, receiver: "rollouts-ticket" },
    { labels: { alertname: "HighLatencyP95", severity: "warning", job: "checkout", track: "stable" }, receiver: "rollouts-ticket" },
    { labels: { alertname: "ErrorBudgetBurnSlow", severity: "warning", job: "checkout" }, receiver: "rollouts-ticket" },
    // negative cases: nothing pages or opens a ticket without the exact severity
    { labels: { alertname: "Watchdog", severity: "none" }, receiver: "rollouts-chat" },
    { labels: { alertname: "SomethingWithoutSeverity", job: "checkout" }, receiver: "rollouts-chat" },
    { labels: { alertname: "HighErrorRate", severity: "Critical", job: "checkout" }, receiver: "rollouts-chat" }
  ]

  it.each(table)("$labels.alertname severity=$labels.severity → $receiver (real amtool)", ({ labels, receiver }) => {
    expect(receiversOf(labels)).toEqual([receiver])
    expect(routesTest(labels, receiver).status).toBe(0)
  })

  it("amtool's --verify.receivers fails when a warning is expected to page, so the check bites (real amtool)", () => {
    const result = routesTest({ alertname: "RolloutStuck", severity: "warning", job: "rollwise" }, "rollouts-page")
    expect(result.status).toBe(1)
    expect(result.stdout + result.stderr).toContain("Expected receivers did not match resolved receivers")
  })

  it("routes every alert of prometheus/rules by its severity to a page or a ticket (real amtool)", () => {
    const rules = parse(readFileSync(join(projectRoot, "..", "prometheus", "rules", "rollwise.rules.yml"), "utf8")) as {
      groups: Array<{ rules: Array<{ alert?: string; labels?: Record<string, string> }> }>
    }
    const alerts = rules.groups.flatMap((group) => group.rules).filter((rule) => rule.alert !== undefined)
    expect(alerts.length).toBeGreaterThanOrEqual(9)
    for (const rule of alerts) {
      const labels = { alertname: rule.alert!, ...rule.labels }
      const receivers = receiversOf(labels)
      expect(receivers, rule.alert).toEqual([receiverFor(labels)])
      expect(["rollouts-page", "rollouts-ticket"], rule.alert).toContain(receivers[0])
    }
  })

  it("property: any label set goes where its severity says, whatever its other labels (real amtool)", () => {
    const labelValue = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/)
    fc.assert(
      fc.property(
        fc.record(
          {
            alertname: fc.constantFrom("HighErrorRate", "RolloutRolledBack", "RolloutStuck", "Custom"),
            severity: fc.oneof(fc.constantFrom("critical", "warning", "info", "none", "page"), labelValue),
            job: labelValue,
            service: labelValue,
            rollout: labelValue,
            track: fc.constantFrom("stable", "canary")
          },
          { requiredKeys: ["alertname"] }
        ),
        (labels) => {
          expect(receiversOf(labels)).toEqual([receiverFor(labels)])
        }
      ),
      { numRuns: 25 }
    )
  })
})

describe("inhibition", () => {
  it("every inhibited alert's runbook names what inhibits it", () => {
    const config = parse(readFileSync(configPath, "utf8")) as { inhibit_rules: Array<{ source_matchers: Array<string>; target_matchers: Array<string>; equal: Array<string> }> }
    const alertnames = (matchers: ReadonlyArray<string>) => {
      const matcher = matchers.find((m) => m.startsWith("alertname"))!
      const value = /^alertname=~?"(.*)"$/.exec(matcher)![1]!
      return value.split("|")
    }
    const runbookFile = (alertname: string) => join(projectRoot, "..", "docs", "runbooks", `${alertname.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase()}.md`)
    expect(config.inhibit_rules).toHaveLength(3)
    for (const rule of config.inhibit_rules) {
      const [source] = alertnames(rule.source_matchers)
      for (const target of alertnames(rule.target_matchers)) {
        const row = readFileSync(runbookFile(target), "utf8")
          .split("\n")
          .find((line) => line.startsWith("| inhibited by |"))
        expect(row, `${target}'s runbook has an "inhibited by" row`).toBeDefined()
        expect(row, target).toContain(`[${source}]`)
        for (const label of rule.equal) expect(row, target).toContain(`\`${label}\``)
      }
    }
  })
})
