import fc from "fast-check"
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard"
import { describe, expect, it } from "vitest"
import { all, type Generated } from "../src/Dashboards.ts"
import { app, cadvisor, rollwiseSeries, windowsExporter } from "../src/Metrics.ts"
import { rulesDir } from "../src/Paths.ts"
import { check, expressions, metricNames, recordingRules, substitute } from "../src/PromqlCheck.ts"

const generated = all()
const options = { rulesDir }

/** A deep copy of the dashboards with one panel query's expression rewritten. */
const mutated = (dashboard: string, panelTitle: string, rewrite: (expr: string) => string): Array<Generated> =>
  generated.map((g) => {
    if (g.name !== dashboard) return g
    const copy = JSON.parse(JSON.stringify(g.dashboard)) as Dashboard
    const panels = copy.panels as unknown as Array<{ title?: string; targets?: Array<{ expr: string }> }>
    const panel = panels.find((p) => p.title === panelTitle)
    if (panel?.targets?.[0] === undefined) throw new Error(`no panel "${panelTitle}" with a query in ${dashboard}`)
    panel.targets[0].expr = rewrite(panel.targets[0].expr)
    return { name: g.name, dashboard: copy }
  })

describe("PromQL check over the committed dashboards (real promtool)", () => {
  it("parses every panel, annotation and variable expression and finds only metrics and recording rules that exist", () => {
    const list = generated.flatMap((g) => expressions(g.name, g.dashboard))
    expect(list.length).toBeGreaterThan(60)
    expect(list.filter((e) => e.where.startsWith("annotation")).length, "the decision annotations").toBe(6)
    expect(list.filter((e) => e.where.startsWith("variable")).length, "namespace and service selectors").toBeGreaterThanOrEqual(7)
    expect(check(generated, options)).toEqual([])
  })

  it("fails on a misspelt metric, naming the dashboard, the panel and the name", () => {
    const problems = check(
      mutated("release-compare", "Request rate by track", (e) => e.replace("http_requests_total", "http_request_total")),
      options
    )
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain('release-compare: panel "Request rate by track" query A: unknown metric "http_request_total"')
  })

  it("fails on a misspelt recording rule", () => {
    const problems = check(mutated("slos", "Rate", (e) => e.replace("job_track:http_requests:rate5m", "job_track:http_requests:rate_5m")), options)
    expect(problems).toEqual([expect.stringContaining('slos: panel "Rate" query A: unknown metric "job_track:http_requests:rate_5m"')])
  })

  it("fails on what only Prometheus' parser catches: an unclosed parenthesis, an unknown function", () => {
    const unclosed = check(mutated("windows-iis", "Worker processes", (e) => e.replace(/\)$/, "")), options)
    expect(unclosed).toEqual([expect.stringMatching(/^windows-iis: panel "Worker processes" query A: promtool: could not parse expression: .*unclosed left parenthesis/)])
    const fn = check(mutated("release-compare", "p95 latency by track", (e) => e.replace("histogram_quantile", "histogram_quantil")), options)
    expect(fn).toEqual([expect.stringContaining('promtool: could not parse expression: 1:1: parse error: unknown function with name "histogram_quantil"')])
  })

  it("fails on a template variable nobody defines", () => {
    const problems = check(mutated("slos", "Errors", (e) => e.replace("$service", "$servce")), options)
    expect(problems).toEqual([expect.stringContaining('slos: panel "Errors" query A: unknown variable $servce')])
  })

  it("reads the recording rules from prometheus/rules", () => {
    const rules = recordingRules(rulesDir)
    expect(rules.has("rollwise:slo_error_budget:ratio")).toBe(true)
    expect(rules.has("job:http_requests:error_ratio_rate3d")).toBe(true)
    expect(rules.size).toBe(24)
  })
})

describe("metricNames: what counts as a metric name", () => {
  it("takes selectors and bare names, not functions, keywords, labels, strings, durations or numbers", () => {
    expect(metricNames('sum by (job, le) (rate(foo_bucket{job="a{b}", x=~"y|z"}[5m] offset 1h)) / on (job) group_left (le) bar > bool 1e-3')).toEqual(["foo_bucket", "bar"])
    expect(metricNames('{__name__="up", job="x"} or vector(0) and Inf')).toEqual(["up"])
    expect(metricNames("histogram_quantile(0.95, sum without (pod) (rate(a:b:c[1m:30s])))")).toEqual(["a:b:c"])
    expect(metricNames("time() - max(windows_iis_current_application_pool_start_time)")).toEqual(["windows_iis_current_application_pool_start_time"])
  })

  const known = [...rollwiseSeries(), ...app, ...windowsExporter, ...cadvisor, ...recordingRules(rulesDir)]
  const ident = fc.stringMatching(/^[a-z_][a-z0-9_]{0,12}$/)
  const value = fc.string({ maxLength: 12 }).map((s) => s.replace(/["\\]/g, ""))
  const matcher = fc.tuple(ident, fc.constantFrom("=", "!=", "=~", "!~"), value).map(([l, op, v]) => `${l}${op}"${v}"`)
  const selector = fc.tuple(fc.constantFrom(...known), fc.array(matcher, { maxLength: 3 }), fc.constantFrom("", "[5m]", "[1h:1m]")).map(([m, ls, range]) => ({
    metric: m,
    text: `${m}${ls.length > 0 ? `{${ls.join(", ")}}` : ""}${range}`
  }))
  const wrap = (inner: string, kind: number, label: string) =>
    [
      inner,
      `rate(${inner})`,
      `sum by (${label}) (${inner})`,
      `histogram_quantile(0.9, ${inner})`,
      `label_replace(${inner}, "${label}", "$1", "${label}", "(.*)")`,
      `max without (${label}) (${inner}) > bool 0.5`
    ][kind % 6]!

  it("finds exactly the selected metrics whatever the labels, matchers, strings and functions around them (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(selector, fc.nat(), ident), { minLength: 1, maxLength: 3 }), fc.constantFrom(" + ", " / on (job) ", " and ", " or "), (parts, op) => {
        const expr = parts.map(([s, kind, label]) => wrap(s.text, kind, label)).join(op)
        expect(metricNames(expr).sort()).toEqual([...new Set(parts.map(([s]) => s.metric))].sort())
      }),
      { numRuns: 300 }
    )
  })

  it("substitutes every variable a dashboard uses and leaves none behind", () => {
    for (const e of generated.flatMap((g) => expressions(g.name, g.dashboard))) {
      const s = substitute(e.expr)
      expect(s.unknown, e.where).toEqual([])
      expect(s.expr, e.where).not.toContain("$")
    }
  })
})
