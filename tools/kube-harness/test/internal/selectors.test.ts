import { describe, expect, it } from "vitest"
import { podTemplateHash } from "../../src/internal/hash.ts"
import { humanAge } from "../../src/internal/resources.ts"
import { durationSeconds } from "../../src/internal/rollout.ts"
import { matchesLabels, matchesSelector, parseFieldSelector, parseLabelSelector } from "../../src/internal/selectors.ts"

describe("label and field selectors", () => {
  const labels = { app: "checkout", track: "canary" }
  it.each([
    ["", true],
    ["app=checkout", true],
    ["app==checkout,track=canary", true],
    ["app=checkout,track=stable", false],
    ["track!=stable", true],
    ["track in (canary, stable)", true],
    ["track notin (canary)", false],
    ["app", true],
    ["!app", false],
    ["!missing,app in (checkout)", true]
  ])("%j matches: %s", (selector, expected) => {
    expect(matchesLabels(labels, parseLabelSelector(selector))).toBe(expected)
  })

  it("takes metadata.name and metadata.namespace field selectors and refuses other fields as the server does", () => {
    expect(parseFieldSelector("metadata.name=checkout,metadata.namespace!=kube-system")).toEqual([
      { field: "metadata.name", op: "=", value: "checkout" },
      { field: "metadata.namespace", op: "!=", value: "kube-system" }
    ])
    expect(() => parseFieldSelector("status.phase=Running")).toThrow("field label not supported: status.phase")
  })

  it("matches a LabelSelector's matchLabels and matchExpressions", () => {
    expect(matchesSelector(labels, { matchLabels: { app: "checkout" }, matchExpressions: [{ key: "track", operator: "In", values: ["canary"] }] })).toBe(true)
    expect(matchesSelector(labels, { matchExpressions: [{ key: "track", operator: "DoesNotExist" }] })).toBe(false)
  })
})

describe("small formats the controllers and kubectl rely on", () => {
  it.each([
    [10, 10],
    ["10", 10],
    ["10s", 10],
    ["1m30s", 90],
    ["500ms", 0.5],
    ["1h", 3600],
    ["ten", undefined],
    [undefined, undefined]
  ])("pause duration %j is %j seconds", (duration, seconds) => {
    expect(durationSeconds(duration)).toBe(seconds)
  })

  it("hashes pod templates stably into k8s' safe alphabet", () => {
    const template = { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "a", image: "a:1" }] } }
    const reordered = { spec: { containers: [{ image: "a:1", name: "a" }] }, metadata: { labels: { app: "a" } } }
    expect(podTemplateHash(template)).toBe(podTemplateHash(reordered))
    expect(podTemplateHash(template)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/)
    expect(podTemplateHash({ ...template, spec: { containers: [{ name: "a", image: "a:2" }] } })).not.toBe(podTemplateHash(template))
  })

  it("prints ages as kubectl does", () => {
    const now = Date.parse("2025-01-10T12:00:00Z")
    const ago = (seconds: number) => new Date(now - seconds * 1000).toISOString()
    expect([5, 119, 125, 600, 3 * 3600 + 60, 30 * 3600, 3 * 86400 + 3600, 400 * 86400].map((s) => humanAge(ago(s), now))).toEqual([
      "5s",
      "119s",
      "2m5s",
      "10m",
      "3h1m",
      "30h",
      "3d1h",
      "400d"
    ])
  })
})
