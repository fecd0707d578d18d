import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { argoOutcome, ruleGroups, type SchemaNode, schemaLeaves, secretLeaks, selectors, selects, valueLeaves } from "./support/Checks.ts"
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
  spec: {
    containers: Array<{ name: string; image: string; livenessProbe: { httpGet: { path: string; port: string } }; readinessProbe: { httpGet: { path: string; port: string } } }>
  }
}
interface Rollout extends K8sObject {
  spec: {
    replicas: number
    selector: { matchLabels: Labels }
    template: PodTemplate
    strategy: {
      canary: {
        canaryService?: string
        stableService?: string
        trafficRouting?: { nginx?: { stableIngress: string } }
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
interface Ingress extends K8sObject {
  spec: {
    ingressClassName: string
    rules: Array<{ host: string; http: { paths: Array<{ path: string; pathType: string; backend: { service: { name: string; port: { name: string } } } }> } }>
  }
}
interface Deployment extends K8sObject {
  metadata: { name: string; labels: Labels }
  spec: { replicas: number; selector: { matchLabels: Labels }; template: PodTemplate }
}

const name = "shop-canary-service"
const variants: Record<string, ReadonlyArray<string>> = {
  canary: [],
  "canary-tuned": [fixture("canary-service-tuned.yaml")],
  "canary-nginx": [fixture("canary-service-nginx.yaml")],
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
    expect(kinds("canary")).toEqual([`argoproj.io/v1alpha1 AnalysisTemplate ${name}-rollwise`, `argoproj.io/v1alpha1 Rollout ${name}`, `v1 Service ${name}`])
    expect(kinds("canary-nginx")).toEqual([
      `argoproj.io/v1alpha1 AnalysisTemplate ${name}-rollwise`,
      `argoproj.io/v1alpha1 Rollout ${name}`,
      `networking.k8s.io/v1 Ingress ${name}`,
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

  it("labels the pods track=canary|stable while an update runs (canaryMetadata/stableMetadata), in every mode", () => {
    for (const variant of ["canary", "canary-tuned", "canary-nginx"]) {
      const canary = rolloutOf(render(variant)).spec.strategy.canary
      expect(canary.canaryMetadata.labels, variant).toEqual({ track: "canary" })
      expect(canary.stableMetadata.labels, variant).toEqual({ track: "stable" })
    }
  })

  it("by default sends users to both versions: no stable/canary Service for Argo to pin, one Service over all pods", () => {
    // argo-rollouts rollout/service.go reconcileStableAndCanaryService: a stableService always selects only the
    // stable ReplicaSet, so without trafficRouting the canary would get none of that Service's users
    const objects = render("canary")
    const rollout = rolloutOf(objects)
    const canary = rollout.spec.strategy.canary
    expect([canary.stableService, canary.canaryService, canary.trafficRouting]).toEqual([undefined, undefined, undefined])
    const svc = one<Service>(objects, "v1", "Service", name)
    expect(svc.spec.ports).toEqual([{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }])
    // the pods of both ReplicaSets as Argo labels them during an update: both are behind the Service
    const pod = (track: string, hash: string) => ({ ...rollout.spec.template.metadata.labels, track, "rollouts-pod-template-hash": hash })
    expect([selects(svc.spec.selector, pod("stable", "6d4f8b7c9")), selects(svc.spec.selector, pod("canary", "5c8f7d6b4"))]).toEqual([true, true])
    expect(Object.keys(svc.spec.selector)).not.toContain("track")
    expect(selects(rollout.spec.selector.matchLabels, rollout.spec.template.metadata.labels)).toBe(true)
  })

  it("with trafficRouting nginx splits the Ingress' traffic: stable Ingress → stableService, canaryService for the canary Ingress", () => {
    const objects = render("canary-nginx")
    const rollout = rolloutOf(objects)
    const canary = rollout.spec.strategy.canary
    expect(canary.stableService).toBe(name)
    expect(canary.canaryService).toBe(`${name}-canary`)
    const ingress = one<Ingress>(objects, "networking.k8s.io/v1", "Ingress", canary.trafficRouting!.nginx!.stableIngress)
    expect(ingress.spec.ingressClassName).toBe("nginx")
    expect(ingress.spec.rules).toEqual([
      { host: "checkout.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: canary.stableService, port: { name: "http" } } } }] } }
    ])
    expect(ingress.metadata).toMatchObject({ annotations: { "nginx.ingress.kubernetes.io/proxy-body-size": "1m" } })
    for (const svcName of [canary.stableService!, canary.canaryService!]) {
      const svc = one<Service>(objects, "v1", "Service", svcName)
      expect(selects(svc.spec.selector, rollout.spec.template.metadata.labels), svcName).toBe(true)
      expect(svc.spec.ports.map((p) => p.name)).toContain(ingress.spec.rules[0]!.http.paths[0]!.backend.service.port.name)
    }
    const noHost = templateRaw(canaryServiceChart, { set: { "trafficRouting.provider": "nginx" } })
    expect(noHost.status).not.toBe(0)
    expect(noHost.stderr).toContain("trafficRouting.provider nginx: set trafficRouting.nginx.host")
  })

  it("probes liveness and readiness on their own paths", () => {
    const probes = (variant: string) => {
      const c = rolloutOf(render(variant)).spec.template.spec.containers[0]!
      return [c.livenessProbe.httpGet, c.readinessProbe.httpGet]
    }
    expect(probes("canary")).toEqual([
      { path: "/healthz", port: "http" },
      { path: "/readyz", port: "http" }
    ])
    expect(probes("canary-tuned")).toEqual([
      { path: "/livez", port: "http" },
      { path: "/ready", port: "http" }
    ])
  })
})

describe("canary-service chart: values.schema.json", () => {
  it("makes helm lint --strict and helm template refuse a misplaced key, naming it", () => {
    for (const result of [lint(canaryServiceChart, { values: [fixture("canary-service-typo.yaml")] }), templateRaw(canaryServiceChart, { values: [fixture("canary-service-typo.yaml")] })]) {
      expect(result.status).not.toBe(0)
      expect(result.stdout + result.stderr).toContain("trafficRouting: Additional property host is not allowed")
    }
    // the keys of chart 0.1 that moved
    for (const [key, refused] of [
      ["rollwise.apiToken.secretName", "rollwise: Additional property apiToken is not allowed"],
      ["healthPath", "(root): Additional property healthPath is not allowed"]
    ] as const) {
      const result = lint(canaryServiceChart, { set: { [key]: "x" } })
      expect(result.status, key).not.toBe(0)
      expect(result.stdout).toContain(refused)
    }
  })

  it("refuses a traffic router it does not render", () => {
    const result = templateRaw(canaryServiceChart, { set: { "trafficRouting.provider": "istio" } })
    expect(result.status).not.toBe(0)
    expect(result.stderr).toContain("trafficRouting.provider: trafficRouting.provider must be one of the following")
  })

  it("documents every key of values.yaml in the schema, and no key the chart does not have", () => {
    const schema = JSON.parse(readFileSync(join(canaryServiceChart, "values.schema.json"), "utf8")) as SchemaNode
    const values = parse(readFileSync(join(canaryServiceChart, "values.yaml"), "utf8")) as Record<string, unknown>
    expect(schemaLeaves(schema).filter((k) => k !== "global").sort()).toEqual(valueLeaves(values, schema).sort())
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
      { key: "Authorization", value: "Bearer {{args.hook-token}}" },
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

  it("reads Rollwise's hook token from the Secret named in values, as an argument the controller resolves", () => {
    // argo-rollouts analysis_types.go: WebMetricHeader is {key, value} only; Argument.ValueFrom.SecretKeyRef is how a Secret gets in
    for (const [variant, ref] of [
      ["canary", { name: "rollwise-hook-token", key: "hook-token" }],
      ["canary-tuned", { name: "rollwise-token", key: "hook" }]
    ] as const) {
      const template = analysisOf(render(variant))
      expect(template.spec.args.find((a) => a.name === "hook-token")).toEqual({ name: "hook-token", valueFrom: { secretKeyRef: ref } })
      for (const header of template.spec.metrics.flatMap((m) => m.provider.web?.headers ?? [])) expect(Object.keys(header).sort()).toEqual(["key", "value"])
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

describe("canary-service chart: the hook token", () => {
  const token = "demo-token-51c0ffee"

  it("is only referenced by default: the Secret must exist", () => {
    expect(ofKind(render("canary"), "v1", "Secret")).toEqual([])
  })

  it("goes only into the Secret, base64-encoded, when a demo token is given", () => {
    const { objects, text } = template(canaryServiceChart, { set: { "rollwise.hookToken.value": token } })
    expect(text).not.toContain(token)
    const secret = one<K8sObject & { data: Record<string, string> }>(objects, "v1", "Secret", "rollwise-hook-token")
    expect(secret.data).toEqual({ "hook-token": Buffer.from(token).toString("base64") })
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
    expect(canary).toContain("hook token in Secret shop/rollwise-hook-token")
    expect(canary).toContain(`Service ${name} reaches both versions`)
    expect(renderNotes(canaryServiceChart, { values: variants["canary-nginx"]! })).toContain(`the NGINX Ingress ${name} (checkout.example.com) is split`)
    const bluegreen = renderNotes(canaryServiceChart, { values: variants["bluegreen"]! })
    expect(bluegreen).toContain("Flip with `--set activeColor=green`")
  })
})
