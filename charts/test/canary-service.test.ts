import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { argoOutcome, ruleGroups, secretLeaks, selectors, selects } from "./support/Checks.ts"
import { canaryServiceChart, cleanup, fixture, type K8sObject, lint, ofKind, one, renderNotes, repoRoot, template, templateRaw } from "./support/Helm.ts"
import { validateObject } from "./support/Schemas.ts"

afterAll(cleanup)

// what the tests read off the objects, after validateObject checked them against their schemas
type Labels = Record<string, string>
interface AnalysisArg {
  name: string
  value?: string
  valueFrom?: { podTemplateHashValue?: string; secretKeyRef?: { name: string; key: string } }
}
interface Step {
  setWeight?: number
  pause?: { duration?: string | number }
  analysis?: { templates: Array<{ templateName: string }>; args?: Array<AnalysisArg> }
}
interface PodTemplate {
  metadata: { labels: Labels }
  spec: { containers: Array<{ name: string; image: string }> }
}
interface Rollout extends K8sObject {
  spec: {
    replicas: number
    selector: { matchLabels: Labels }
    template: PodTemplate
    strategy: {
      canary: {
        canaryService: string
        stableService: string
        canaryMetadata: { labels: Labels }
        stableMetadata: { labels: Labels }
        steps: Array<Step>
      }
    }
  }
}
interface Metric {
  name: string
  interval: string
  count: number
  failureLimit: number
  inconclusiveLimit: number
  successCondition: string
  failureCondition: string
  provider: {
    prometheus?: { address: string; query: string }
    web?: {
      method: string
      url: string
      timeoutSeconds: number
      headers: Array<{ key: string; value: string }>
      jsonBody: Record<string, unknown>
      jsonPath: string
    }
  }
}
interface AnalysisTemplate extends K8sObject {
  spec: { args: Array<AnalysisArg>; metrics: Array<Metric> }
}
interface Service extends K8sObject {
  metadata: { name: string; labels: Labels }
  spec: { selector: Labels; ports: Array<{ name: string; port: number; targetPort: string | number }> }
}
interface Deployment extends K8sObject {
  metadata: { name: string; labels: Labels }
  spec: { replicas: number; selector: { matchLabels: Labels }; template: PodTemplate }
}

const name = "shop-canary-service"
const variants: Record<string, ReadonlyArray<string>> = {
  canary: [],
  "canary-tuned": [fixture("canary-service-tuned.yaml")],
  bluegreen: [fixture("canary-service-bluegreen.yaml")]
}
const rendered = new Map<string, Array<K8sObject>>()
const render = (variant: string): Array<K8sObject> => {
  let objects = rendered.get(variant)
  if (objects === undefined) {
    objects = template(canaryServiceChart, { values: variants[variant]! }).objects
    rendered.set(variant, objects)
  }
  return objects
}
const rolloutOf = (objects: ReadonlyArray<K8sObject>) => one<Rollout>(objects, "argoproj.io/v1alpha1", "Rollout", name)
const analysisOf = (objects: ReadonlyArray<K8sObject>) => one<AnalysisTemplate>(objects, "argoproj.io/v1alpha1", "AnalysisTemplate", `${name}-rollwise`)
const metric = (objects: ReadonlyArray<K8sObject>, metricName: string) => {
  const found = analysisOf(objects).spec.metrics.find((m) => m.name === metricName)
  if (found === undefined) throw new Error(`no metric ${metricName}`)
  return found
}
/** A step as one word: "10", "pause 2m", "pause", "analysis". */
const stepWord = (s: Step): string =>
  s.setWeight !== undefined ? String(s.setWeight) : s.pause !== undefined ? (s.pause.duration !== undefined ? `pause ${s.pause.duration}` : "pause") : s.analysis !== undefined ? "analysis" : JSON.stringify(s)

describe("canary-service chart: lint and schemas", () => {
  it.each(Object.entries(variants))("helm lint --strict passes with %s values", (_, values) => {
    const result = lint(canaryServiceChart, { values })
    expect(result.status, result.stdout + result.stderr).toBe(0)
    expect(result.stdout).toContain("1 chart(s) linted, 0 chart(s) failed")
  })

  it.each(Object.keys(variants))("every object rendered with %s values is a known kind and valid", (variant) => {
    const objects = render(variant)
    for (const o of objects) validateObject(o)
    const ids = objects.map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.name}`)
    expect(new Set(ids).size, "no two objects share kind and name").toBe(ids.length)
  })

  it("renders a Rollout, its AnalysisTemplate and two Services for a canary; plain Deployments for blue/green", () => {
    const kinds = (variant: string) => render(variant).map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.name}`).sort()
    expect(kinds("canary")).toEqual([
      `argoproj.io/v1alpha1 AnalysisTemplate ${name}-rollwise`,
      `argoproj.io/v1alpha1 Rollout ${name}`,
      `v1 Service ${name}`,
      `v1 Service ${name}-canary`
    ])
    expect(kinds("bluegreen")).toEqual([`apps/v1 Deployment ${name}-blue`, `apps/v1 Deployment ${name}-green`, `v1 Service ${name}`, `v1 Service ${name}-preview`])
  })
})

describe("canary-service chart: the canary Rollout", () => {
  it("steps 10 → pause → analysis → 25 → pause → 50 → pause → 100, pauses from values", () => {
    expect(rolloutOf(render("canary")).spec.strategy.canary.steps.map(stepWord)).toEqual(["10", "pause 2m", "analysis", "25", "pause 2m", "50", "pause 3m", "100"])
    // "" is a pause until someone (or Rollwise's Argo target) promotes
    expect(rolloutOf(render("canary-tuned")).spec.strategy.canary.steps.map(stepWord)).toEqual(["10", "pause 5m", "analysis", "25", "pause", "50", "pause 90s", "100"])
  })

  it("runs the chart's AnalysisTemplate with the service name and the Latest/Stable pod-template hashes", () => {
    for (const [variant, serviceName] of [
      ["canary", name],
      ["canary-tuned", "checkout"]
    ] as const) {
      const objects = render(variant)
      const analysis = rolloutOf(objects).spec.strategy.canary.steps.find((s) => s.analysis !== undefined)!.analysis!
      expect(analysis.templates).toEqual([{ templateName: analysisOf(objects).metadata.name }])
      expect(analysis.args).toEqual([
        { name: "service-name", value: serviceName },
        { name: "canary-hash", valueFrom: { podTemplateHashValue: "Latest" } },
        { name: "stable-hash", valueFrom: { podTemplateHashValue: "Stable" } }
      ])
      // every argument the template leaves open, the Rollout fills; nothing else
      const open = analysisOf(objects)
        .spec.args.filter((a) => a.value === undefined && a.valueFrom === undefined)
        .map((a) => a.name)
      expect(analysis.args!.map((a) => a.name).sort()).toEqual(open.sort())
    }
  })

  it("names a canary and a stable Service that select the Rollout's pods, which carry the `track` label", () => {
    const objects = render("canary")
    const canary = rolloutOf(objects).spec.strategy.canary
    const pods = rolloutOf(objects).spec.template.metadata.labels
    for (const svc of [canary.stableService, canary.canaryService]) {
      const s = one<Service>(objects, "v1", "Service", svc)
      expect(selects(s.spec.selector, pods)).toBe(true)
      expect(s.spec.ports).toEqual([{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }])
    }
    expect(canary.stableService).toBe(name)
    expect(canary.canaryService).toBe(`${name}-canary`)
    expect(canary.canaryMetadata.labels).toEqual({ track: "canary" })
    expect(canary.stableMetadata.labels).toEqual({ track: "stable" })
    expect(selects(rolloutOf(objects).spec.selector.matchLabels, pods)).toBe(true)
  })
})

describe("canary-service chart: the AnalysisTemplate", () => {
  it("has three metrics, each paced by the analysis values", () => {
    for (const [variant, pace] of [
      ["canary", { interval: "1m", count: 5, failureLimit: 1, inconclusiveLimit: 2 }],
      ["canary-tuned", { interval: "30s", count: 8, failureLimit: 2, inconclusiveLimit: 3 }]
    ] as const) {
      const metrics = analysisOf(render(variant)).spec.metrics
      expect(metrics.map((m) => m.name)).toEqual(["error-rate", "p95-latency", "rollwise"])
      for (const m of metrics) expect(m).toMatchObject(pace)
    }
  })

  it("asks Rollwise with a POST to <rollwise.url>/v1/argo/metric and reads {$.decision}", () => {
    const web = metric(render("canary"), "rollwise").provider.web!
    expect(web.method).toBe("POST")
    expect(web.url).toBe("http://rollwise.rollwise.svc.cluster.local:8080/v1/argo/metric")
    expect(web.jsonPath).toBe("{$.decision}")
    expect(web.timeoutSeconds).toBe(10)
    expect(web.jsonBody).toEqual({
      service: "{{args.service-name}}",
      namespace: "shop",
      canaryHash: "{{args.canary-hash}}",
      stableHash: "{{args.stable-hash}}",
      slo: "checkout"
    })
    expect(web.headers).toEqual([
      { key: "Authorization", value: "Bearer {{args.api-token}}" },
      { key: "Content-Type", value: "application/json" }
    ])
    const tuned = metric(render("canary-tuned"), "rollwise").provider.web!
    expect(tuned.url, "a trailing slash on rollwise.url is not doubled").toBe("http://rollwise.platform.svc.cluster.local:8080/v1/argo/metric")
    expect(tuned.jsonBody["slo"]).toBe("checkout-latency")
    expect(tuned.timeoutSeconds).toBe(20)
  })

  it("passes on promote, fails on rollback, and leaves slow inconclusive", () => {
    const m = metric(render("canary"), "rollwise")
    expect(m.successCondition).toBe('result == "promote"')
    expect(m.failureCondition).toBe('result == "rollback"')
    const outcome = (decision: string) => argoOutcome(m.successCondition, m.failureCondition, decision)
    expect({ promote: outcome("promote"), slow: outcome("slow"), rollback: outcome("rollback") }).toEqual({
      promote: "Successful",
      slow: "Inconclusive",
      rollback: "Failed"
    })
  })

  it("reads the API token from the Secret named in values, as an argument the controller resolves", () => {
    for (const [variant, ref] of [
      ["canary", { name: "rollwise-api-token", key: "token" }],
      ["canary-tuned", { name: "rollwise-token", key: "api-token" }]
    ] as const) {
      expect(analysisOf(render(variant)).spec.args.find((a) => a.name === "api-token")).toEqual({ name: "api-token", valueFrom: { secretKeyRef: ref } })
    }
  })

  it("judges the canary's error ratio and p95 from Prometheus with thresholds from values; no data is never a pass", () => {
    for (const [variant, address, maxError, maxP95] of [
      ["canary", "http://prometheus-operated.monitoring.svc.cluster.local:9090", "0.01", "0.3"],
      ["canary-tuned", "http://prometheus.monitoring:9090", "0.005", "0.25"]
    ] as const) {
      const objects = render(variant)
      const errors = metric(objects, "error-rate")
      const latency = metric(objects, "p95-latency")
      expect(errors.provider.prometheus!.address).toBe(address)
      expect(latency.provider.prometheus!.address).toBe(address)
      expect(errors.successCondition).toBe(`len(result) > 0 && result[0] <= ${maxError}`)
      expect(errors.failureCondition).toBe(`len(result) > 0 && result[0] > ${maxError}`)
      expect(latency.successCondition).toBe(`len(result) > 0 && result[0] <= ${maxP95}`)
      expect(latency.failureCondition).toBe(`len(result) > 0 && result[0] > ${maxP95}`)
    }
  })

  it("queries the series and labels examples/slo-live.yaml and prometheus/rules use: job and track", () => {
    const objects = render("canary")
    const queries = [metric(objects, "error-rate"), metric(objects, "p95-latency")].map((m) => m.provider.prometheus!.query)
    const chart = queries.flatMap(selectors)
    expect(new Set(chart.map((s) => s.metric))).toEqual(new Set(["http_requests_total", "http_request_duration_seconds_bucket"]))
    for (const s of chart) expect(s.labels).toMatchObject({ job: "{{args.service-name}}", track: "canary" })
    expect(queries[0]).toContain('status=~"5.."')

    const sloLive = parse(readFileSync(join(repoRoot, "examples", "slo-live.yaml"), "utf8")) as { metrics: Array<Record<string, string>> }
    const live = sloLive.metrics.flatMap((m) => [m["query"], m["errorsQuery"], m["totalQuery"]].filter((q): q is string => q !== undefined)).flatMap(selectors)
    const labelNames = (all: ReadonlyArray<{ metric: string; labels: Record<string, string> }>, metricName: string) =>
      new Set(all.filter((s) => s.metric === metricName).flatMap((s) => Object.keys(s.labels)))
    for (const metricName of ["http_requests_total", "http_request_duration_seconds_bucket"]) {
      expect(labelNames(chart, metricName), metricName).toEqual(labelNames(live, metricName))
    }
    // the rules' canary alert tells the tracks apart by the same values the Rollout's pods carry
    const rules = JSON.stringify(ruleGroups(join(repoRoot, "prometheus", "rules")))
    const canary = rolloutOf(objects).spec.strategy.canary
    expect(rules).toContain(`track=\\"${canary.canaryMetadata.labels["track"]}\\"`)
    expect(rules).toContain(`track=\\"${canary.stableMetadata.labels["track"]}\\"`)
  })

  it("scrapes the pods with a PodMonitor whose job is the analysed service name and that keeps `track`", () => {
    const objects = render("canary-tuned")
    const pm = one<K8sObject & { spec: { selector: { matchLabels: Labels }; podTargetLabels: Array<string>; podMetricsEndpoints: Array<{ port: string; relabelings: Array<Record<string, string>> }> } }>(
      objects,
      "monitoring.coreos.com/v1",
      "PodMonitor",
      name
    )
    expect(selects(pm.spec.selector.matchLabels, rolloutOf(objects).spec.template.metadata.labels)).toBe(true)
    expect(pm.spec.podTargetLabels).toContain("track")
    expect(pm.spec.podMetricsEndpoints[0]!.port).toBe("http")
    const serviceName = rolloutOf(objects)
      .spec.strategy.canary.steps.flatMap((s) => s.analysis?.args ?? [])
      .find((a) => a.name === "service-name")!.value
    expect(pm.spec.podMetricsEndpoints[0]!.relabelings).toContainEqual({ action: "replace", targetLabel: "job", replacement: serviceName })
    expect(ofKind(render("canary"), "monitoring.coreos.com/v1", "PodMonitor"), "off by default").toEqual([])
  })
})

describe("canary-service chart: the API token", () => {
  const token = "demo-token-51c0ffee"

  it("is only referenced by default: the Secret must exist", () => {
    expect(ofKind(render("canary"), "v1", "Secret")).toEqual([])
  })

  it("goes only into the Secret, base64-encoded, when a demo token is given", () => {
    const { objects, text } = template(canaryServiceChart, { set: { "rollwise.apiToken.value": token } })
    expect(text).not.toContain(token)
    const secret = one<K8sObject & { data: Record<string, string> }>(objects, "v1", "Secret", "rollwise-api-token")
    expect(secret.data).toEqual({ token: Buffer.from(token).toString("base64") })
    expect(secretLeaks(objects)).toEqual([])
    for (const o of objects) validateObject(o)
  })
})

describe("canary-service chart: blue/green", () => {
  it("runs two Deployments, blue and green, each selecting only its colour", () => {
    const objects = render("bluegreen")
    for (const [color, tag] of [
      ["blue", "1.0.0"],
      ["green", "1.1.0"]
    ] as const) {
      const d = one<Deployment>(objects, "apps/v1", "Deployment", `${name}-${color}`)
      expect(d.metadata.labels["color"]).toBe(color)
      expect(d.spec.selector.matchLabels["color"]).toBe(color)
      expect(d.spec.template.metadata.labels["color"]).toBe(color)
      expect(d.spec.replicas).toBe(4)
      expect(d.spec.template.spec.containers[0]!.image).toBe(`ghcr.io/rollwise/example-checkout:${tag}`)
    }
    expect(ofKind(objects, "argoproj.io/v1alpha1", "Rollout")).toEqual([])
    expect(ofKind(objects, "argoproj.io/v1alpha1", "AnalysisTemplate")).toEqual([])
  })

  it("sends the Service to the active colour and the preview Service to the idle one", () => {
    const objects = render("bluegreen")
    const pods = (color: string) => one<Deployment>(objects, "apps/v1", "Deployment", `${name}-${color}`).spec.template.metadata.labels
    const active = one<Service>(objects, "v1", "Service", name)
    const preview = one<Service>(objects, "v1", "Service", `${name}-preview`)
    expect(active.spec.selector["color"]).toBe("blue")
    expect(preview.spec.selector["color"]).toBe("green")
    expect([selects(active.spec.selector, pods("blue")), selects(active.spec.selector, pods("green"))]).toEqual([true, false])
    expect([selects(preview.spec.selector, pods("blue")), selects(preview.spec.selector, pods("green"))]).toEqual([false, true])
  })

  it("flips by changing activeColor, which changes the Services' selectors and nothing else", () => {
    const blue = render("bluegreen")
    const green = template(canaryServiceChart, { values: variants["bluegreen"]!, set: { activeColor: "green" } }).objects
    const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`
    expect(green.map(key).sort()).toEqual(blue.map(key).sort())
    const withoutColor = (o: K8sObject) => {
      if (o.kind !== "Service") return o
      const copy = structuredClone(o) as Service
      delete copy.spec.selector["color"]
      return copy
    }
    for (const before of blue) {
      const after = green.find((o) => key(o) === key(before))!
      expect(withoutColor(after), key(before)).toEqual(withoutColor(before))
    }
    expect(one<Service>(green, "v1", "Service", name).spec.selector["color"]).toBe("green")
    expect(one<Service>(green, "v1", "Service", `${name}-preview`).spec.selector["color"]).toBe("blue")
  })
})

describe("canary-service chart: bad values fail with a clear message", () => {
  it.each([
    ["strategy: bogus", { values: [fixture("canary-service-bogus.yaml")] }, 'strategy must be "canary" or "bluegreen", not "bogus"'],
    ["activeColor: purple", { values: [fixture("canary-service-bluegreen.yaml")], set: { activeColor: "purple" } }, 'activeColor must be "blue" or "green", not "purple"'],
    ["a pause of 2x", { set: { "canary.pauses.afterWeight10": "2x" } }, 'canary.pauses.afterWeight10 must be an Argo duration like "90s", "2m" or "1h"'],
    ["a count of 0", { setJson: { "analysis.count": 0 } }, "analysis.count must be a whole number ≥ 1, not 0"],
    ["no SLO", { set: { "rollwise.slo": "" } }, "rollwise.slo must name an SLO the Rollwise server knows"]
  ] as const)("%s", (_, options, message) => {
    // (helm lint renders in lint mode, where `fail` is only logged: template and install are where it stops)
    const result = templateRaw(canaryServiceChart, options)
    expect(result.status).not.toBe(0)
    expect(result.stderr).toContain(message)
  })
})

describe("canary-service chart: NOTES.txt", () => {
  it("says where the analysis asks and how to flip", () => {
    const canary = renderNotes(canaryServiceChart)
    expect(canary).toContain(`AnalysisTemplate ${name}-rollwise`)
    expect(canary).toContain("http://rollwise.rollwise.svc.cluster.local:8080/v1/argo/metric")
    const bluegreen = renderNotes(canaryServiceChart, { values: variants["bluegreen"]! })
    expect(bluegreen).toContain("Flip with `--set activeColor=green`")
  })
})
