import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Api, Flagger } from "@rollwise/api-contract"
import { afterAll, describe, expect, it } from "vitest"
import { parseAllDocuments } from "yaml"
import { argoOutcome, selects } from "./support/Checks.ts"
import { chartsRoot, cleanup, integrationsDir, type K8sObject, lint, one, repoRoot, rollwiseChart, template } from "./support/Helm.ts"
import { validateObject } from "./support/Schemas.ts"
import { check } from "./support/Strict.ts"
import { flaggerCanary, hookTypes, kayentaJudgeUrl, kayentaRemoteJudgeConfig } from "./support/VendorSchemas.ts"

afterAll(cleanup)

/**
 * docs/integrations/: every YAML file a user applies is parsed and checked
 * against the tool's own schema (Argo Rollouts and Kubernetes kinds with
 * kubernetes-models, Flagger's Canary, the ServiceMonitor and Kayenta's
 * configuration with the strict shapes in support/VendorSchemas.ts, each
 * naming its upstream file), every Rollwise URL in it and in the guides
 * against the API's routes (libs/api-contract/src/Api.ts) and port 8080.
 */

// ---------------------------------------------------------------------------
// The files

/** What envsubst (Flagger) or Spring (Kayenta) puts where the files say ${ROLLWISE_HOOK_TOKEN}. */
const hookToken = "Hk7rT2xQ9mW4vB8nL3pZ6yC1dF5gJ0sA"
const placeholder = "${ROLLWISE_HOOK_TOKEN}"

const files = readdirSync(integrationsDir).sort()
const yamlFiles = files.filter((f) => /\.ya?ml$/.test(f))
const markdownFiles = files.filter((f) => f.endsWith(".md"))
const read = (f: string) => readFileSync(join(integrationsDir, f), "utf8")

/** A file's documents, with the hook token substituted as the guide says to apply it. */
const documents = (f: string): Array<Record<string, unknown>> =>
  parseAllDocuments(read(f).split(placeholder).join(hookToken)).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${f}: ${doc.errors[0]!.message}`)
    return doc.toJS() as Record<string, unknown>
  })

const isK8s = (d: Record<string, unknown>): d is K8sObject => typeof d["apiVersion"] === "string" && typeof d["kind"] === "string"
const allObjects = yamlFiles.flatMap((f) => documents(f).filter(isK8s).map((o) => ({ file: f, o })))
const objectOf = <A = K8sObject>(apiVersion: string, kind: string): A => one<A>(allObjects.map((x) => x.o), apiVersion, kind)

// ---------------------------------------------------------------------------
// Routes

/** The routes an integration ("hook") token opens, as the server is being built to accept it. */
const hookRoutes = new Set(["POST /v1/argo/metric", ...Flagger.hooks.map((h) => `POST /v1/flagger/${h}`), "POST /judge", "GET /metrics"])

const segments = (path: string) => path.split("/").filter((s) => s !== "")
const isPlaceholder = (segment: string) => /^__.+__$/.test(segment)

/** The API route (`METHOD path`) a request path names, reading `:param` route segments and `<…>` placeholders as wildcards. */
const routeOf = (path: string, method?: string): string | undefined => {
  const have = segments(path)
  const found = Api.routes.filter((r) => {
    const want = segments(r.path)
    return (method === undefined || r.method === method) && want.length === have.length && want.every((w, i) => w.startsWith(":") || isPlaceholder(have[i]!) || w === have[i])
  })
  return found.length === 0 ? undefined : `${found[0]!.method} ${found[0]!.path}`
}

/** What a Rollwise URL is: a base URL, or a route reached with or without the /hooks/<token>/ prefix; or why it is wrong. */
const classify = (raw: string, method?: string): { readonly ok: true; readonly route?: string; readonly hook: boolean } | { readonly ok: false; readonly why: string } => {
  const url = new URL(raw)
  if (url.port !== "8080") return { ok: false, why: `port ${url.port === "" ? "(default)" : url.port}, not 8080` }
  const path = url.pathname
  const hooked = /^\/hooks\/([^/]+)(\/.*)?$/.exec(path)
  const rest = hooked === null ? path : (hooked[2] ?? "")
  if (rest === "" || rest === "/") return { ok: true, hook: hooked !== null }
  const route = routeOf(rest, method)
  if (route === undefined) return { ok: false, why: `${rest} is no route of the API` }
  if (hooked !== null && !hookRoutes.has(route)) {
    return { ok: false, why: `${route} does not take the hook token` }
  }
  return { ok: true, route, hook: hooked !== null }
}

/** Rollwise URLs in a text: its hosts begin with "rollwise", or they are on port 8080; `<placeholders>` become wildcards. */
const rollwiseUrls = (text: string): Array<string> =>
  (text.replace(/<([A-Za-z][A-Za-z -]{0,30})>/g, (_, p: string) => `__${p.replace(/[ -]/g, "_")}__`).match(/https?:\/\/[^\s`"'()<>\]|,;]+/g) ?? [])
    .map((u) => u.replace(/[.:…]+$/, "").split(placeholder).join(hookToken))
    .filter((u) => {
      const url = new URL(u)
      return url.hostname.startsWith("rollwise") || url.hostname.startsWith("__") || url.port === "8080"
    })

describe("docs/integrations: every YAML file is the tool's own valid object", () => {
  it("holds the files the guides name, each shown verbatim in a guide that links it", () => {
    expect(yamlFiles).toEqual([
      "argo-rollouts-analysistemplate.yaml",
      "argo-rollouts-rollout.yaml",
      "flagger-canary.yaml",
      "kayenta-remote-judge.yaml",
      "prometheus-operator-servicemonitor.yaml",
      "rollwise-values.yaml"
    ])
    expect(markdownFiles).toEqual(["README.md", "argo-rollouts.md", "flagger.md", "kayenta.md", "prometheus-operator.md"])
    for (const f of yamlFiles) {
      const showing = markdownFiles.filter((md) => read(md).includes("```yaml\n" + read(f) + "```"))
      expect(showing, `${f} is shown whole in exactly one guide`).toHaveLength(1)
      expect(read(showing[0]!), `${showing[0]} links ${f}`).toContain(`](${f})`)
    }
    for (const md of markdownFiles.filter((m) => m !== "README.md")) expect(read("README.md"), `the index links ${md}`).toContain(`](${md})`)
  })

  it("uses no placeholder but ${ROLLWISE_HOOK_TOKEN} (envsubst is told to substitute only that one)", () => {
    for (const f of yamlFiles) expect([...read(f).matchAll(/\$\{[^}]*\}/g)].map((m) => m[0]).filter((p) => p !== placeholder), f).toEqual([])
    // and no token of any kind written into a file
    for (const f of yamlFiles) expect(read(f), f).not.toMatch(/Bearer [A-Za-z0-9]{20,}/)
  })

  it("validates each Kubernetes object against its schema, and knows every document", () => {
    const kinds: Array<string> = []
    for (const f of yamlFiles) {
      for (const d of documents(f)) {
        if (f === "rollwise-values.yaml" || (!isK8s(d) && "kayenta" in d)) continue
        expect(isK8s(d), `${f}: a document without apiVersion and kind`).toBe(true)
        const o = d as K8sObject
        kinds.push(`${o.apiVersion}/${o.kind}`)
        if (o.apiVersion === "flagger.app/v1beta1") expect(check(o, flaggerCanary), `${f}: ${o.kind} ${o.metadata.name}`).toEqual([])
        else validateObject(o)
      }
    }
    expect(kinds.sort()).toEqual([
      "argoproj.io/v1alpha1/AnalysisTemplate",
      "argoproj.io/v1alpha1/Rollout",
      "flagger.app/v1beta1/Canary",
      "monitoring.coreos.com/v1/ServiceMonitor",
      "v1/Service"
    ])
  })

  it("rejects what the strict shapes are there to catch (checked on changed copies of the files)", () => {
    // fluxcd/flagger canary.go CanaryWebhook has no headers; HookType is an enum
    const canary = structuredClone(objectOf<K8sObject>("flagger.app/v1beta1", "Canary")) as K8sObject & { spec: { analysis: { webhooks: Array<Record<string, unknown>> } } }
    canary.spec.analysis.webhooks[0]!["headers"] = { Authorization: "Bearer x" }
    canary.spec.analysis.webhooks[1]!["type"] = "confirm-traffic"
    expect(check(canary, flaggerCanary)).toEqual([
      '$.spec.analysis.webhooks[0].headers is not a field of this type',
      '$.spec.analysis.webhooks[1].type: "confirm-traffic" is not one of "", "confirm-rollout", "pre-rollout", "rollout", "confirm-promotion", "post-rollout", "event", "rollback", "confirm-traffic-increase"'
    ])
    // prometheus-operator SafeAuthorization: credentials is a SecretKeySelector, not a literal
    const sm = structuredClone(objectOf<K8sObject>("monitoring.coreos.com/v1", "ServiceMonitor")) as K8sObject & { spec: { endpoints: Array<Record<string, unknown>> } }
    sm.spec.endpoints[0]!["authorization"] = { type: "Bearer", credentials: "abc", bearerToken: "abc" }
    expect(() => validateObject(sm)).toThrow(/bearerToken is not a field.*credentials must be an object/)
    // kayenta RemoteService has baseUrl only
    expect(check({ kayenta: { "remote-judge": { enabled: true, endpoint: { baseUrl: "http://x:8080", headers: {} } } } }, kayentaRemoteJudgeConfig)).toEqual([
      "$.kayenta.remote-judge.endpoint.headers is not a field of this type"
    ])
  })

  it("the rollwise values lint strictly and render objects that all validate", () => {
    const values = [join(integrationsDir, "rollwise-values.yaml")]
    const result = lint(rollwiseChart, { values })
    expect(result.status, result.stdout + result.stderr).toBe(0)
    const { objects } = template(rollwiseChart, { values, release: "rollwise", namespace: "rollwise" })
    expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(["NetworkPolicy", "ServiceMonitor", "Secret", "Deployment", "Service"]))
    for (const o of objects) validateObject(o)
  })
})

describe("docs/integrations: Argo Rollouts (argo-rollouts-*.yaml)", () => {
  interface Arg {
    name: string
    value?: string
    valueFrom?: { secretKeyRef?: { name: string; key: string }; podTemplateHashValue?: string }
  }
  interface Metric {
    successCondition: string
    failureCondition: string
    provider: { web: { method: string; url: string; headers: Array<{ key: string; value: string }>; jsonBody: Record<string, string>; jsonPath: string } }
  }
  const analysis = () => objectOf<K8sObject & { metadata: { name: string; namespace: string }; spec: { args: Array<Arg>; metrics: Array<Metric> } }>("argoproj.io/v1alpha1", "AnalysisTemplate")
  const rollout = () =>
    objectOf<
      K8sObject & {
        metadata: { namespace: string }
        spec: {
          template: { metadata: { labels: Record<string, string> } }
          strategy: {
            canary: {
              stableService?: string
              canaryService?: string
              trafficRouting?: unknown
              canaryMetadata: { labels: Record<string, string> }
              stableMetadata: { labels: Record<string, string> }
              steps: Array<{ analysis?: { templates: Array<{ templateName: string }>; args: Array<Arg> } }>
            }
          }
        }
      }
    >("argoproj.io/v1alpha1", "Rollout")

  it("POSTs the Argo metric body to /v1/argo/metric on port 8080 and reads {$.decision}", () => {
    const web = analysis().spec.metrics[0]!.provider.web
    expect(web.method).toBe("POST")
    expect(classify(web.url, "POST")).toEqual({ ok: true, route: "POST /v1/argo/metric", hook: false })
    expect(Object.keys(web.jsonBody).sort()).toEqual(["canaryHash", "namespace", "service", "slo", "stableHash"])
    expect(web.jsonBody["namespace"]).toBe(analysis().metadata.namespace)
    expect(web.jsonPath).toBe("{$.decision}")
  })

  it("sends the hook token as a header built from a secretKeyRef argument (Argo's headers are key/value only)", () => {
    // argo-rollouts pkg/apis/rollouts/v1alpha1/analysis_types.go: WebMetricHeader{Key, Value}; Argument.ValueFrom.SecretKeyRef
    const t = analysis()
    const auth = t.spec.metrics[0]!.provider.web.headers.find((h) => h.key === "Authorization")!
    expect(Object.keys(auth).sort()).toEqual(["key", "value"])
    const arg = /^Bearer \{\{args\.([a-z-]+)\}\}$/.exec(auth.value)![1]!
    expect(t.spec.args.find((a) => a.name === arg)).toEqual({ name: arg, valueFrom: { secretKeyRef: { name: "rollwise-hook-token", key: "hook-token" } } })
  })

  it("reads promote as Successful, slow as Inconclusive and rollback as Failed", () => {
    const m = analysis().spec.metrics[0]!
    expect(["promote", "slow", "rollback"].map((d) => argoOutcome(m.successCondition, m.failureCondition, d))).toEqual(["Successful", "Inconclusive", "Failed"])
  })

  it("runs the template from a Rollout whose canary gets users: no pinned stableService without trafficRouting", () => {
    const r = rollout()
    const canary = r.spec.strategy.canary
    expect(canary.trafficRouting === undefined && canary.stableService !== undefined, "a stableService without trafficRouting starves the canary").toBe(false)
    const step = canary.steps.find((s) => s.analysis !== undefined)!.analysis!
    expect(step.templates).toEqual([{ templateName: analysis().metadata.name }])
    const open = analysis().spec.args.filter((a) => a.value === undefined && a.valueFrom === undefined).map((a) => a.name)
    expect(step.args.map((a) => a.name).sort()).toEqual(open.sort())
    expect(step.args.filter((a) => a.valueFrom?.podTemplateHashValue !== undefined).map((a) => a.valueFrom!.podTemplateHashValue)).toEqual(["Latest", "Stable"])
    expect([canary.canaryMetadata.labels["track"], canary.stableMetadata.labels["track"]]).toEqual(["canary", "stable"])
    const svc = objectOf<K8sObject & { spec: { selector: Record<string, string> } }>("v1", "Service")
    for (const track of ["canary", "stable"]) expect(selects(svc.spec.selector, { ...r.spec.template.metadata.labels, track, "rollouts-pod-template-hash": track }), track).toBe(true)
  })
})

describe("docs/integrations: Flagger (flagger-canary.yaml)", () => {
  const webhooks = () =>
    (objectOf<K8sObject & { spec: { analysis: { webhooks: Array<{ name: string; type: string; url: string; metadata?: Record<string, string> }> } } }>("flagger.app/v1beta1", "Canary")).spec.analysis
      .webhooks

  it("calls /hooks/<hook token>/v1/flagger/<its own type> on port 8080 for every webhook", () => {
    expect(webhooks().length).toBeGreaterThan(0)
    for (const w of webhooks()) {
      expect(hookTypes).toContain(w.type)
      expect(classify(w.url, "POST"), w.name).toEqual({ ok: true, route: `POST /v1/flagger/${w.type}`, hook: true })
      expect(new URL(w.url).pathname.startsWith(`/hooks/${hookToken}/`), w.name).toBe(true)
    }
  })

  it("wires the hooks that judge, each naming its SLO", () => {
    expect(webhooks().map((w) => w.type)).toEqual(["rollout", "confirm-traffic-increase", "confirm-promotion", "rollback"])
    for (const w of webhooks()) expect(w.metadata?.["slo"], w.name).toBe("checkout")
  })
})

describe("docs/integrations: Kayenta (kayenta-remote-judge.yaml)", () => {
  const config = () => documents("kayenta-remote-judge.yaml")[0]!

  it("matches RemoteJudgeConfigurationProperties: enabled and endpoint.baseUrl, nothing else", () => {
    expect(check(config(), kayentaRemoteJudgeConfig)).toEqual([])
  })

  it("makes Kayenta post to /hooks/<hook token>/judge on port 8080", () => {
    const baseUrl = ((config()["kayenta"] as Record<string, Record<string, Record<string, string>>>)["remote-judge"]!["endpoint"]!)["baseUrl"]!
    const judge = kayentaJudgeUrl(baseUrl)
    expect(judge).toBe(`http://rollwise.rollwise.svc.cluster.local:8080/hooks/${hookToken}/judge`)
    expect(classify(judge, "POST")).toEqual({ ok: true, route: "POST /judge", hook: true })
    // Retrofit 1 keeps the base URL's path and drops one trailing slash either way
    expect(kayentaJudgeUrl(`${baseUrl}/`)).toBe(judge)
  })
})

describe("docs/integrations: Prometheus Operator (prometheus-operator-servicemonitor.yaml)", () => {
  it("is the chart's own ServiceMonitor: same selector, port, path and the hook-token key of a Secret in its namespace", () => {
    const doc = objectOf<K8sObject & { metadata: { namespace: string }; spec: Record<string, unknown> }>("monitoring.coreos.com/v1", "ServiceMonitor")
    const { objects } = template(rollwiseChart, { values: [join(integrationsDir, "rollwise-values.yaml")], release: "rollwise", namespace: "rollwise" })
    const chart = one<K8sObject & { metadata: { namespace: string }; spec: Record<string, unknown> }>(objects, "monitoring.coreos.com/v1", "ServiceMonitor")
    expect(doc.metadata.namespace).toBe(chart.metadata.namespace)
    expect(doc.spec["selector"]).toEqual(chart.spec["selector"])
    const endpoint = (o: { spec: Record<string, unknown> }) => (o.spec["endpoints"] as Array<Record<string, unknown>>)[0]!
    for (const key of ["port", "path", "authorization"]) expect(endpoint(doc)[key], key).toEqual(endpoint(chart)[key])
    const credentials = (endpoint(doc)["authorization"] as { credentials: { name: string; key: string } }).credentials
    const secret = one<K8sObject & { metadata: { namespace: string }; data: Record<string, string> }>(objects, "v1", "Secret", credentials.name)
    expect(secret.metadata.namespace, "the Operator reads the Secret from the ServiceMonitor's namespace").toBe(doc.metadata.namespace)
    expect(Object.keys(secret.data)).toContain(credentials.key)
    expect(credentials.key).toBe("hook-token")
  })
})

describe("Rollwise URLs in the guides and READMEs: an existing route, port 8080", () => {
  const texts: Array<[string, string]> = [
    ...files.map((f): [string, string] => [`docs/integrations/${f}`, read(f)]),
    ["README.md", readFileSync(join(repoRoot, "README.md"), "utf8")],
    ["charts/README.md", readFileSync(join(chartsRoot, "README.md"), "utf8")],
    ["charts/examples/canary-service/values.yaml", readFileSync(join(chartsRoot, "examples", "canary-service", "values.yaml"), "utf8")]
  ]

  it.each(texts)("%s", (_, text) => {
    const urls = rollwiseUrls(text)
    const wrong = urls.flatMap((u) => {
      const c = classify(u)
      return c.ok ? [] : [`${u}: ${c.why}`]
    })
    expect(wrong).toEqual([])
  })

  it("finds the URLs it checks, and refuses port 80, unknown routes and operator routes behind /hooks/", () => {
    expect(texts.flatMap(([, t]) => rollwiseUrls(t)).length).toBeGreaterThan(20)
    expect(rollwiseUrls("url: http://rollwise.rollwise/v1/flagger/rollout and `http://rollwise.shop:8080/hooks/<hook token>/judge`")).toEqual([
      "http://rollwise.rollwise/v1/flagger/rollout",
      "http://rollwise.shop:8080/hooks/__hook_token__/judge"
    ])
    expect(classify("http://rollwise.rollwise/v1/flagger/rollout")).toEqual({ ok: false, why: "port (default), not 8080" })
    expect(classify("http://rollwise.rollwise.svc.cluster.local:8080/v1/flagger/deploy")).toEqual({ ok: false, why: "/v1/flagger/deploy is no route of the API" })
    expect(classify(`http://rollwise:8080/hooks/${hookToken}/v1/rollouts/x/promote`)).toEqual({ ok: false, why: "POST /v1/rollouts/:id/promote does not take the hook token" })
    expect(classify(`http://rollwise:8080/hooks/${hookToken}/metrics`)).toEqual({ ok: true, route: "GET /metrics", hook: true })
  })
})
