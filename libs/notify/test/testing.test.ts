import { describe, expect, it } from "vitest"
import { FakeJira, FakeSlack, FakeTeams, slackBlockProblem } from "../src/testing.ts"

const post = (url: string, body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
  fetch(url, { method: "POST", body, headers }).then(async (r) => ({ status: r.status, text: await r.text() }))

describe("the fakes are no kinder than the services (each from its vendor's docs)", () => {
  it("fake Slack: invalid_payload for non-JSON, no_text for an empty message, invalid_blocks over Block Kit's limits", async () => {
    const slack = await FakeSlack.start()
    try {
      expect(await post(slack.url, "text=hi")).toEqual({ status: 400, text: "invalid_payload" })
      expect(await post(slack.url, "{}")).toEqual({ status: 400, text: "no_text" })
      const longHeader = { blocks: [{ type: "header", text: { type: "plain_text", text: "x".repeat(151) } }] }
      expect(await post(slack.url, JSON.stringify(longHeader))).toEqual({ status: 400, text: "invalid_blocks" })
      expect(await post(slack.url, JSON.stringify({ text: "hello" }))).toEqual({ status: 200, text: "ok" })
      expect(slackBlockProblem([{ type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "x" }, url: "javascript:x" }] }])).toContain("button")
    } finally {
      await slack.close()
    }
  })

  it("fake Teams: 400 InvalidRequestContent for non-JSON, TriggerInputSchemaMismatch without attachments; a bad card is accepted (202) but fails the flow run", async () => {
    const teams = await FakeTeams.start()
    try {
      expect((await post(teams.url, "not json")).text).toContain("InvalidRequestContent")
      expect((await post(teams.url, JSON.stringify({ text: "hi" }))).text).toContain("TriggerInputSchemaMismatch")
      const bad = { type: "message", attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", content: { type: "AdaptiveCard" } }] }
      expect((await post(teams.url, JSON.stringify(bad))).status).toBe(202)
      expect(teams.cardErrors).toEqual(["AdaptiveCard needs type, version and a body array"])
    } finally {
      await teams.close()
    }
  })

  it("fake Jira: 401 without credentials, 400 errors map for a summary with a line break and a description that is not ADF", async () => {
    const jira = await FakeJira.start({ bearer: "pat" })
    try {
      expect(await post(`${jira.url}/rest/api/3/issue`, "{}")).toEqual({ status: 401, text: "Client must be authenticated to access this resource." })
      const body = { fields: { project: { key: "OPS" }, issuetype: { name: "Incident" }, summary: "a\nb", description: "plain text" } }
      const answer = await post(`${jira.url}/rest/api/3/issue`, JSON.stringify(body), { "content-type": "application/json", authorization: "Bearer pat" })
      expect(answer.status).toBe(400)
      expect(JSON.parse(answer.text)).toEqual({
        errorMessages: [],
        errors: { summary: "The summary is invalid because it contains newline characters.", description: "Operation value must be an Atlassian Document (see the Atlassian Document Format)" }
      })
    } finally {
      await jira.close()
    }
  })
})
