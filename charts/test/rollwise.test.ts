import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { ruleGroups, type SchemaNode, schemaLeaves, secretLeaks, selects, valueLeaves } from "./support/Checks.ts"
import { cleanup, fixture, integrationsDir, type K8sObject, lint, ofKind, one, renderNotes, repoRoot, rollwiseChart, template, templateRaw } from "./support/Helm.ts"
import { validateObject } from "./support/Schemas.ts"

afterAll(cleanup)

// what the tests read off the objects, after validateObject checked them against their schemas
type Labels = Record<string, string>
interface EnvVar {
  name: string
  value?: string
  valueFrom?: { secretKeyRef?: { name: string; key: string } }
}
interface Container {
  name: string
  image: string
  args?: Array<string>
  env?: Array<EnvVar>
  ports?: Array<{ name?: string; containerPort: number }>
  livenessProbe?: { httpGet?: { path: string; port: string | number } }
  readinessProbe?: { httpGet?: { path: string; port: string | number } }
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> }
  securityContext?: Record<string, unknown>
  volumeMounts?: Array<{ name: string; mountPath: string }>
}
interface Deployment extends K8sObject {
  spec: {
    replicas?: number
    strategy?: { type: string }
    selector: { matchLabels: Labels }
    template: {
      metadata: { labels: Labels; annotations?: Record<string, string> }
      spec: {
        serviceAccountName: string
        securityContext: Record<string, unknown>
        containers: Array<Container>
        volumes: Array<{ name: string; emptyDir?: object; persistentVolumeClaim?: { claimName: string }; configMap?: { name: string } }>
      }
    }
  }
}
interface Service extends K8sObject {
  metadata: { name: string; labels: Labels }
  spec: { selector: Labels; ports: Array<{ name: string; port: number; targetPort: string | number }> }
}
interface PolicyRule {
  apiGroups: Array<string>
  resources: Array<string>
  verbs: Array<string>
}
interface Role extends K8sObject {
  metadata: { name: string; namespace?: string }
  rules: Array<PolicyRule>
}
interface Binding extends K8sObject {
  metadata: { name: string; namespace?: string }
  roleRef: { apiGroup: string; kind: string; name: string }
  subjects: Array<{ kind: string; name: string; namespace: string }>
}
interface Monitor extends K8sObject {
  metadata: { name: string; namespace: string; labels: Labels }
  spec: {
    selector: { matchLabels: Labels }
    endpoints: Array<{ port: string; path: string; interval?: string; authorization?: { type: string; credentials: { name: string; key: string } } }>
  }
}
interface NetworkPolicy extends K8sObject {
  spec: {
    podSelector: { matchLabels: Labels }
    policyTypes: Array<string>
    ingress: Array<{ from: Array<Record<string, unknown>>; ports: Array<{ port: string | number; protocol: string }> }>
  }
}
type SecretObject = K8sObject & { metadata: { name: string; namespace: string }; data: Record<string, string> }
const decoded = (secret: SecretObject, key: string) => Buffer.from(secret.data[key]!, "base64").toString("utf8")

const release = { release: "rollwise", namespace: "rollwise" } as const
const appVersion = (parse(readFileSync(join(rollwiseChart, "Chart.yaml"), "utf8")) as { appVersion: string }).appVersion

/** The values variants every check runs on: defaults and each fixture. */
const variants: Record<string, ReadonlyArray<string>> = {
  default: [],
  monitoring: [fixture("rollwise-monitoring.yaml")],
  persistent: [fixture("rollwise-persistent.yaml")],
  "cluster-wide": [fixture("rollwise-cluster-wide.yaml")],
  configured: [fixture("rollwise-configured.yaml")],
  "fixed-replicas": [fixture("rollwise-fixed-replicas.yaml")],
  postgres: [fixture("rollwise-postgres.yaml")],
  // the values docs/integrations/ tells users to install with
  integrations: [join(integrationsDir, "rollwise-values.yaml")]
}
const rendered = new Map<string, Array<K8sObject>>()
const render = (variant: string): Array<K8sObject> => {
  let objects = rendered.get(variant)
  if (objects === undefined) {
    objects = template(rollwiseChart, { ...release, values: variants[variant]! }).objects
    rendered.set(variant, objects)
  }
  return objects
}
const deploymentOf = (objects: ReadonlyArray<K8sObject>) => one<Deployment>(objects, "apps/v1", "Deployment", "rollwise")
const containerOf = (objects: ReadonlyArray<K8sObject>) => deploymentOf(objects).spec.template.spec.containers[0]!
const env = (c: Container, name: string) => c.env?.find((e) => e.name === name)

/** The access a Kubernetes DeployTarget needs, and all the chart may grant. */
const deployTargetRules: Array<PolicyRule> = [
  { apiGroups: ["argoproj.io"], resources: ["rollouts"], verbs: ["get", "list", "watch", "patch"] },
  { apiGroups: ["argoproj.io"], resources: ["rollouts/status"], verbs: ["patch"] },
  { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "watch", "patch"] },
  { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["get", "list", "watch"] },
  { apiGroups: [""], resources: ["services"], verbs: ["get", "list", "watch", "patch"] },
  { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ["get", "patch"] },
  { apiGroups: ["gateway.networking.k8s.io"], resources: ["httproutes"], verbs: ["get", "patch", "update"] },
  { apiGroups: ["flagger.app"], resources: ["canaries"], verbs: ["get", "list", "watch"] }
]

describe("rollwise chart: lint and schemas", () => {
  it.each(Object.entries(variants))("helm lint --strict passes with %s values", (_, values) => {
    const result = lint(rollwiseChart, { values })
    expect(result.status, result.stdout + result.stderr).toBe(0)
    expect(result.stdout).toContain("1 chart(s) linted, 0 chart(s) failed")
  })

  it.each(Object.keys(variants))("every object rendered with %s values is a known kind and valid", (variant) => {
    const objects = render(variant)
    const checked = objects.map((o) => [`${o.apiVersion}/${o.kind}`, validateObject(o)] as const)
    expect(checked.length).toBeGreaterThan(5)
    const ids = objects.map((o) => `${o.apiVersion}/${o.kind}/${String((o.metadata as { namespace?: string }).namespace ?? "")}/${o.metadata.name}`)
    expect(new Set(ids).size, "no two objects share kind, namespace and name").toBe(ids.length)
  })

  it("renders the API's objects with default values, and no Prometheus Operator objects", () => {
    const kinds = render("default").map((o) => `${o.apiVersion} ${o.kind}`).sort()
    expect(kinds).toEqual([
      "apps/v1 Deployment",
      "autoscaling/v2 HorizontalPodAutoscaler",
      "policy/v1 PodDisruptionBudget",
      "rbac.authorization.k8s.io/v1 Role",
      "rbac.authorization.k8s.io/v1 RoleBinding",
      "v1 Secret",
      "v1 Service",
      "v1 ServiceAccount"
    ])
  })
})

describe("rollwise chart: the Deployment", () => {
  it("runs `rollwise serve` from the chart's image on port 8080", () => {
    const c = containerOf(render("default"))
    expect(c.image).toBe(`ghcr.io/rollwise/rollwise:${appVersion}`)
    // judgements on a worker thread by default, so the probes never wait on one
    expect(c.args).toEqual(["serve", "--host", "0.0.0.0", "--port", "8080", "--analysis-workers", "1"])
    expect(c.ports).toEqual([{ name: "http", containerPort: 8080, protocol: "TCP" }])
    const tagged = template(rollwiseChart, { ...release, set: { "image.tag": "0.2.0-rc.1" } }).objects
    expect(containerOf(tagged).image).toBe("ghcr.io/rollwise/rollwise:0.2.0-rc.1")
  })

  it("passes --analysis-workers and --drive from config, and refuses drive values that cannot work", () => {
    const set = { "config.prometheusUrl": "http://prometheus:9090" }
    const setJson: Record<string, unknown> = { "config.analysisWorkers": 2, "config.drive": ["k8s", "simulated"], "evidence.persistence.enabled": true, "autoscaling.enabled": false, replicaCount: 1 }
    const c = containerOf(template(rollwiseChart, { ...release, set, setJson }).objects)
    expect(c.args).toEqual(["serve", "--host", "0.0.0.0", "--port", "8080", "--analysis-workers", "2", "--drive", "k8s", "--drive", "simulated"])
    const refused = (change: Record<string, unknown>, message: string, stringChange: Record<string, string> = {}) => {
      const result = templateRaw(rollwiseChart, { ...release, set: { ...set, ...stringChange }, setJson: { ...setJson, ...change } })
      expect(result.status).not.toBe(0)
      expect(result.stderr).toContain(message)
    }
    refused({ "config.drive": ["windows"] }, 'config.drive: "windows" is not a target the server drives (simulated, k8s)')
    refused({ "evidence.persistence.enabled": false }, "set evidence.persistence.enabled=true (with one pod)")
    refused({}, "k8s rollouts are measured through Prometheus: set config.prometheusUrl", { "config.prometheusUrl": "" })
    refused({ "config.analysisWorkers": 65 }, "config.analysisWorkers (65) must be from 0 to 64")
  })

  it("probes GET /healthz (liveness) and GET /readyz (readiness) on the http port", () => {
    const c = containerOf(render("default"))
    expect(c.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "http" })
    expect(c.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "http" })
  })

  it.each(Object.keys(variants))("runs as non-root on a read-only root filesystem without capabilities (%s)", (variant) => {
    const d = deploymentOf(render(variant))
    const c = d.spec.template.spec.containers[0]!
    expect(d.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } })
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" }
    })
    expect(c.resources?.requests?.["cpu"], "the autoscaler's percentage needs a CPU request").toBeDefined()
    expect(c.resources?.limits?.["memory"]).toBeDefined()
  })

  it("takes ROLLWISE_API_TOKEN and ROLLWISE_HOOK_TOKEN from the Secret the chart creates, by reference only", () => {
    const objects = render("default")
    const c = containerOf(objects)
    expect(env(c, "ROLLWISE_API_TOKEN")).toEqual({ name: "ROLLWISE_API_TOKEN", valueFrom: { secretKeyRef: { name: "rollwise-tokens", key: "api-token" } } })
    expect(env(c, "ROLLWISE_HOOK_TOKEN")).toEqual({ name: "ROLLWISE_HOOK_TOKEN", valueFrom: { secretKeyRef: { name: "rollwise-tokens", key: "hook-token" } } })
    const secret = one<SecretObject>(objects, "v1", "Secret", "rollwise-tokens")
    expect(Object.keys(secret.data).sort()).toEqual(["api-token", "hook-token"])
    expect(decoded(secret, "api-token"), "a generated token: 40 random characters").toMatch(/^[A-Za-z0-9]{40}$/)
    expect(decoded(secret, "hook-token"), "a generated token: 40 random characters").toMatch(/^[A-Za-z0-9]{40}$/)
    expect(decoded(secret, "hook-token"), "two tokens, not one twice").not.toBe(decoded(secret, "api-token"))
  })

  it("takes both tokens from an existing Secret, and then creates none", () => {
    const objects = render("configured")
    const c = containerOf(objects)
    expect(env(c, "ROLLWISE_API_TOKEN")?.valueFrom).toEqual({ secretKeyRef: { name: "rollwise-auth", key: "api-token" } })
    expect(env(c, "ROLLWISE_HOOK_TOKEN")?.valueFrom).toEqual({ secretKeyRef: { name: "rollwise-auth", key: "hook-token" } })
    expect(ofKind(objects, "v1", "Secret")).toEqual([])
  })

  it("puts given tokens into the Secret, and refuses the same token for both", () => {
    const objects = template(rollwiseChart, { ...release, set: { "auth.apiToken": "operator-token-1234", "auth.hookToken": "hook-token-5678" } }).objects
    const secret = one<SecretObject>(objects, "v1", "Secret", "rollwise-tokens")
    expect([decoded(secret, "api-token"), decoded(secret, "hook-token")]).toEqual(["operator-token-1234", "hook-token-5678"])
    const same = templateRaw(rollwiseChart, { ...release, set: { "auth.apiToken": "same-token-1234", "auth.hookToken": "same-token-1234" } })
    expect(same.status).not.toBe(0)
    expect(same.stderr).toContain("auth.apiToken and auth.hookToken must differ")
  })

  it("opens POST /judge without a token only when kayenta.publicJudge is set (ROLLWISE_PUBLIC_JUDGE)", () => {
    expect(env(containerOf(render("default")), "ROLLWISE_PUBLIC_JUDGE")).toBeUndefined()
    expect(env(containerOf(render("integrations")), "ROLLWISE_PUBLIC_JUDGE")).toBeUndefined()
    expect(env(containerOf(render("fixed-replicas")), "ROLLWISE_PUBLIC_JUDGE")).toEqual({ name: "ROLLWISE_PUBLIC_JUDGE", value: "true" })
  })

  it("keeps ROLLWISE_EVIDENCE_DB on an emptyDir by default", () => {
    const d = deploymentOf(render("default"))
    const c = d.spec.template.spec.containers[0]!
    expect(env(c, "ROLLWISE_EVIDENCE_DB")?.value).toBe("/var/lib/rollwise/evidence.db")
    const mount = c.volumeMounts?.find((m) => m.mountPath === "/var/lib/rollwise")
    expect(mount).toBeDefined()
    const volume = d.spec.template.spec.volumes.find((v) => v.name === mount!.name)
    expect(volume?.emptyDir).toBeDefined()
    expect(c.volumeMounts?.map((m) => m.mountPath), "the only writable paths").toEqual(["/var/lib/rollwise", "/tmp"])
  })

  it("keeps ROLLWISE_EVIDENCE_DB on a PersistentVolumeClaim with one pod, recreated on upgrade", () => {
    const objects = render("persistent")
    const d = deploymentOf(objects)
    const pvc = one<K8sObject & { spec: { accessModes: Array<string>; storageClassName: string; resources: { requests: { storage: string } } } }>(
      objects,
      "v1",
      "PersistentVolumeClaim"
    )
    expect(pvc.metadata.name).toBe("rollwise-evidence")
    expect(pvc.spec).toEqual({ accessModes: ["ReadWriteOnce"], storageClassName: "standard", resources: { requests: { storage: "5Gi" } } })
    const volume = d.spec.template.spec.volumes.find((v) => v.name === "evidence")
    expect(volume?.persistentVolumeClaim).toEqual({ claimName: "rollwise-evidence" })
    expect(d.spec.replicas).toBe(1)
    expect(d.spec.strategy).toEqual({ type: "Recreate" })
    expect(ofKind(objects, "autoscaling/v2", "HorizontalPodAutoscaler")).toEqual([])
  })

  it("Postgres mode: ROLLWISE_EVIDENCE_DB from the operator's Secret, no evidence volume, autoscaled replicas that drive rollouts", () => {
    const objects = render("postgres")
    const d = deploymentOf(objects)
    const c = containerOf(objects)
    expect(env(c, "ROLLWISE_EVIDENCE_DB")).toEqual({ name: "ROLLWISE_EVIDENCE_DB", valueFrom: { secretKeyRef: { name: "rollwise-db", key: "url" } } })
    expect(c.args).toEqual(["serve", "--host", "0.0.0.0", "--port", "8080", "--analysis-workers", "1", "--drive", "simulated"])
    expect(d.spec.template.spec.volumes.map((v) => v.name)).toEqual(["tmp"])
    expect(c.volumeMounts?.map((m) => m.mountPath), "the only writable path").toEqual(["/tmp"])
    // several pods, rolled one by one: no Recreate, an autoscaler and a disruption budget
    expect(d.spec.strategy).toBeUndefined()
    expect(d.spec.replicas).toBeUndefined()
    expect(one<K8sObject & { spec: { minReplicas: number } }>(objects, "autoscaling/v2", "HorizontalPodAutoscaler").spec.minReplicas).toBe(2)
    expect(ofKind(objects, "policy/v1", "PodDisruptionBudget")).toHaveLength(1)
    expect(ofKind(objects, "v1", "PersistentVolumeClaim")).toEqual([])
    // the chart never creates or reads the database Secret: the URL and its password stay out of the release
    expect(ofKind(objects, "v1", "Secret").map((x) => x.metadata.name)).not.toContain("rollwise-db")
    const fixed = template(rollwiseChart, { ...release, values: [fixture("rollwise-postgres.yaml")], setJson: { "autoscaling.enabled": false, replicaCount: 3 }, set: { "evidence.postgres.urlKey": "database-url" } }).objects
    expect(deploymentOf(fixed).spec.replicas).toBe(3)
    expect(env(containerOf(fixed), "ROLLWISE_EVIDENCE_DB")?.valueFrom?.secretKeyRef).toEqual({ name: "rollwise-db", key: "database-url" })
    expect(renderNotes(rollwiseChart, { ...release, values: [fixture("rollwise-postgres.yaml")] })).toContain("Evidence is kept in the PostgreSQL database named by Secret rollwise-db (key url), shared by every pod.")
  })

  it("refuses Postgres mode without its Secret, with a PVC, or an unknown store; drives more than one pod only in Postgres mode", () => {
    const refused = (values: ReadonlyArray<string>, setJson: Record<string, unknown>, message: string) => {
      const result = templateRaw(rollwiseChart, { ...release, values, setJson })
      expect(result.status, message).not.toBe(0)
      expect(result.stderr).toContain(message)
    }
    refused([], { "evidence.store": "postgres" }, "evidence.store=postgres: name the Secret that holds the database URL (postgres://user:password@host:5432/dbname) in evidence.postgres.existingSecret")
    refused([fixture("rollwise-postgres.yaml")], { "evidence.persistence.enabled": true, "autoscaling.enabled": false, replicaCount: 1 }, "with evidence.store=postgres the database keeps the evidence: set evidence.persistence.enabled=false")
    refused([], { "evidence.store": "mysql" }, "evidence.store")
    refused([], { "evidence.postgres.password": "x" }, "Additional property password is not allowed")
    // SQLite: driving needs the file on a PVC, and a PVC one pod; more pods need Postgres
    refused([], { "config.drive": ["simulated"] }, "or evidence.store=postgres (any number of pods)")
    refused([fixture("rollwise-bad-persistence.yaml")], {}, "or use evidence.store=postgres for more pods")
  })

  it("refuses a PVC under an autoscaled Deployment, saying what to change", () => {
    const result = templateRaw(rollwiseChart, { ...release, values: [fixture("rollwise-bad-persistence.yaml")] })
    expect(result.status).not.toBe(0)
    expect(result.stderr).toContain("evidence.persistence.enabled keeps the evidence in one SQLite file, which one pod writes: set autoscaling.enabled=false and replicaCount=1")
  })

  it("mounts the SLO specs from a ConfigMap and passes the Prometheus URL and extra env", () => {
    const objects = render("configured")
    const d = deploymentOf(objects)
    const c = d.spec.template.spec.containers[0]!
    const cm = one<K8sObject & { data: Record<string, string> }>(objects, "v1", "ConfigMap", "rollwise-slo")
    expect(Object.keys(cm.data)).toEqual(["checkout.yaml"])
    expect(parse(cm.data["checkout.yaml"]!)).toMatchObject({ apiVersion: "rollwise/v1", kind: "SloSpec", service: "checkout", window: "2m" })
    expect(env(c, "ROLLWISE_SLO_DIR")?.value).toBe("/etc/rollwise/slo")
    expect(c.volumeMounts).toContainEqual({ name: "slo", mountPath: "/etc/rollwise/slo", readOnly: true })
    expect(d.spec.template.spec.volumes).toContainEqual({ name: "slo", configMap: { name: "rollwise-slo" } })
    expect(d.spec.template.metadata.annotations?.["checksum/slo"]).toMatch(/^[0-9a-f]{64}$/)
    expect(env(c, "ROLLWISE_PROMETHEUS_URL")?.value).toBe("http://prometheus-operated.monitoring.svc:9090")
    expect(env(c, "TZ")?.value).toBe("Europe/Berlin")
    expect(env(containerOf(render("default")), "ROLLWISE_SLO_DIR"), "no SLOs, no directory").toBeUndefined()
  })
})

describe("rollwise chart: Service, autoscaling, disruption budget", () => {
  it("exposes port 8080 named http, selecting the API's pods", () => {
    const objects = render("default")
    const svc = one<Service>(objects, "v1", "Service", "rollwise")
    expect(svc.spec.ports).toEqual([{ name: "http", port: 8080, targetPort: "http", protocol: "TCP" }])
    expect(selects(svc.spec.selector, deploymentOf(objects).spec.template.metadata.labels)).toBe(true)
  })

  it("autoscales the Deployment on CPU from 2 pods, and leaves replicas to the autoscaler", () => {
    const objects = render("default")
    const hpa = one<K8sObject & { spec: Record<string, unknown> }>(objects, "autoscaling/v2", "HorizontalPodAutoscaler", "rollwise")
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "rollwise" },
      minReplicas: 2,
      maxReplicas: 5,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }]
    })
    expect(deploymentOf(objects).spec.replicas).toBeUndefined()
  })

  it("lets a drain evict one pod at a time when there are two or more (autoscaled or fixed)", () => {
    for (const [variant, maxUnavailable] of [
      ["default", 1],
      ["fixed-replicas", "50%"]
    ] as const) {
      const objects = render(variant)
      const pdb = one<K8sObject & { spec: Record<string, unknown> & { selector: { matchLabels: Labels } } }>(objects, "policy/v1", "PodDisruptionBudget")
      expect(pdb.spec["maxUnavailable"], variant).toBe(maxUnavailable)
      expect(pdb.spec["minAvailable"], "minAvailable 1 with one pod would block every drain").toBeUndefined()
      expect(selects(pdb.spec.selector.matchLabels, deploymentOf(objects).spec.template.metadata.labels)).toBe(true)
    }
  })

  it("renders no PodDisruptionBudget for a single pod, fixed or autoscaled from one", () => {
    expect(deploymentOf(render("persistent")).spec.replicas).toBe(1)
    expect(ofKind(render("persistent"), "policy/v1", "PodDisruptionBudget")).toEqual([])
    const fromOne = template(rollwiseChart, { ...release, setJson: { "autoscaling.minReplicas": 1 } }).objects
    expect(ofKind(fromOne, "policy/v1", "PodDisruptionBudget")).toEqual([])
    const off = template(rollwiseChart, { ...release, setJson: { "podDisruptionBudget.enabled": false } }).objects
    expect(ofKind(off, "policy/v1", "PodDisruptionBudget")).toEqual([])
  })
})

describe("rollwise chart: NetworkPolicy", () => {
  it("is off by default", () => {
    expect(ofKind(render("default"), "networking.k8s.io/v1", "NetworkPolicy")).toEqual([])
  })

  it("lets only the listed namespaces reach the http port of the API's pods", () => {
    const objects = render("integrations")
    const policy = one<NetworkPolicy>(objects, "networking.k8s.io/v1", "NetworkPolicy", "rollwise")
    expect(selects(policy.spec.podSelector.matchLabels, deploymentOf(objects).spec.template.metadata.labels)).toBe(true)
    expect(policy.spec.policyTypes).toEqual(["Ingress"])
    expect(policy.spec.ingress).toEqual([
      {
        from: ["argo-rollouts", "flagger-system", "monitoring", "spinnaker", "ci"].map((ns) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } })),
        ports: [{ port: "http", protocol: "TCP" }]
      }
    ])
    expect(containerOf(objects).ports?.map((p) => p.name)).toContain("http")
  })

  it("adds the release namespace and extra peers when asked", () => {
    const policy = one<NetworkPolicy>(render("fixed-replicas"), "networking.k8s.io/v1", "NetworkPolicy")
    expect(policy.spec.ingress[0]!.from).toEqual([
      { podSelector: {} },
      { namespaceSelector: { matchLabels: { team: "payments" } }, podSelector: { matchLabels: { app: "ci-runner" } } }
    ])
  })

  it("refuses to render a policy that would let no caller in", () => {
    const result = templateRaw(rollwiseChart, { ...release, setJson: { "networkPolicy.enabled": true } })
    expect(result.status).not.toBe(0)
    expect(result.stderr).toContain("list the namespaces that call Rollwise in networkPolicy.allowedNamespaces")
  })
})

describe("rollwise chart: values.schema.json", () => {
  it("makes helm lint --strict and helm template refuse a misspelt key, naming it", () => {
    for (const result of [lint(rollwiseChart, { values: [fixture("rollwise-typo.yaml")] }), templateRaw(rollwiseChart, { ...release, values: [fixture("rollwise-typo.yaml")] })]) {
      expect(result.status).not.toBe(0)
      expect(result.stdout + result.stderr).toContain("Additional property enable is not allowed")
    }
    const topLevel = lint(rollwiseChart, { set: { replicaCout: "2" } })
    expect(topLevel.status).not.toBe(0)
    expect(topLevel.stdout + topLevel.stderr).toContain("Additional property replicaCout is not allowed")
  })

  it("refuses values of the wrong type or outside their set", () => {
    for (const [setJson, message] of [
      [{ "service.port": "8080" }, "service.port: Invalid type"],
      [{ "image.pullPolicy": "Sometimes" }, "image.pullPolicy"],
      [{ "kayenta.publicJudge": "yes" }, "kayenta.publicJudge: Invalid type"],
      [{ "networkPolicy.allowedNamespaces": "monitoring" }, "networkPolicy.allowedNamespaces: Invalid type"]
    ] as const) {
      const result = templateRaw(rollwiseChart, { ...release, setJson })
      expect(result.status, JSON.stringify(setJson)).not.toBe(0)
      expect(result.stderr).toContain(message)
    }
  })

  it("refuses the keys of chart 0.1 that moved (apiToken → auth, minAvailable → maxUnavailable)", () => {
    for (const [key, value, refused] of [
      ["apiToken.value", "x", "(root): Additional property apiToken is not allowed"],
      ["podDisruptionBudget.minAvailable", "1", "podDisruptionBudget: Additional property minAvailable is not allowed"]
    ] as const) {
      const result = templateRaw(rollwiseChart, { ...release, set: { [key]: value } })
      expect(result.status, key).not.toBe(0)
      expect(result.stderr).toContain(refused)
    }
  })

  it("documents every key of values.yaml in the schema, and no key the chart does not have", () => {
    const schema = JSON.parse(readFileSync(join(rollwiseChart, "values.schema.json"), "utf8")) as SchemaNode
    const values = parse(readFileSync(join(rollwiseChart, "values.yaml"), "utf8")) as Record<string, unknown>
    expect(schemaLeaves(schema).filter((k) => k !== "global").sort()).toEqual(valueLeaves(values, schema).sort())
  })
})

describe("rollwise chart: RBAC", () => {
  it("grants a namespaced Role exactly what a Kubernetes DeployTarget needs, bound to the API's ServiceAccount", () => {
    const objects = render("default")
    const role = one<Role>(objects, "rbac.authorization.k8s.io/v1", "Role")
    expect(role.metadata.namespace).toBe("rollwise")
    expect(role.rules).toEqual(deployTargetRules)
    const binding = one<Binding>(objects, "rbac.authorization.k8s.io/v1", "RoleBinding")
    expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name })
    const sa = one(objects, "v1", "ServiceAccount")
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: sa.metadata.name, namespace: "rollwise" }])
    expect(deploymentOf(objects).spec.template.spec.serviceAccountName).toBe(sa.metadata.name)
    expect(ofKind(objects, "rbac.authorization.k8s.io/v1", "ClusterRole")).toEqual([])
  })

  it("grants the same rules cluster-wide only when asked", () => {
    const objects = render("cluster-wide")
    const role = one<Role>(objects, "rbac.authorization.k8s.io/v1", "ClusterRole")
    expect(role.rules).toEqual(deployTargetRules)
    const binding = one<Binding>(objects, "rbac.authorization.k8s.io/v1", "ClusterRoleBinding")
    expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name })
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "rollwise", namespace: "rollwise" }])
    expect(ofKind(objects, "rbac.authorization.k8s.io/v1", "Role")).toEqual([])
  })

  it("puts a Role and RoleBinding in each target namespace, bound to the ServiceAccount in the release namespace", () => {
    const objects = render("configured")
    const roles = ofKind<Role>(objects, "rbac.authorization.k8s.io/v1", "Role")
    const bindings = ofKind<Binding>(objects, "rbac.authorization.k8s.io/v1", "RoleBinding")
    expect(roles.map((r) => r.metadata.namespace)).toEqual(["shop", "payments"])
    expect(bindings.map((b) => b.metadata.namespace)).toEqual(["shop", "payments"])
    for (const r of roles) expect(r.rules).toEqual(deployTargetRules)
    for (const b of bindings) expect(b.subjects).toEqual([{ kind: "ServiceAccount", name: "rollwise", namespace: "rollwise" }])
  })

  it.each(Object.keys(variants))("never grants a wildcard, secrets, create or delete; update only on httproutes (%s)", (variant) => {
    const roles = render(variant).filter((o) => o.apiVersion === "rbac.authorization.k8s.io/v1" && (o.kind === "Role" || o.kind === "ClusterRole")) as Array<Role>
    expect(roles.length).toBeGreaterThan(0)
    for (const rule of roles.flatMap((r) => r.rules)) {
      for (const word of [...rule.apiGroups, ...rule.resources, ...rule.verbs]) expect(word).not.toContain("*")
      expect(rule.resources).not.toContain("secrets")
      for (const verb of rule.verbs) expect(rule.resources.includes("httproutes") ? ["get", "patch", "update"] : ["get", "list", "watch", "patch"]).toContain(verb)
    }
  })
})

describe("rollwise chart: Prometheus Operator objects", () => {
  it("renders a ServiceMonitor that scrapes /metrics on the Service's http port with the hook token", () => {
    const objects = render("monitoring")
    const sm = one<Monitor>(objects, "monitoring.coreos.com/v1", "ServiceMonitor", "rollwise")
    const svc = one<Service>(objects, "v1", "Service", "rollwise")
    expect(selects(sm.spec.selector.matchLabels, svc.metadata.labels)).toBe(true)
    expect(sm.spec.endpoints).toEqual([
      { port: "http", path: "/metrics", interval: "15s", authorization: { type: "Bearer", credentials: { name: "rollwise-tokens", key: "hook-token" } } }
    ])
    expect(svc.spec.ports.map((p) => p.name)).toContain(sm.spec.endpoints[0]!.port)
    expect(sm.metadata.labels["release"]).toBe("kube-prometheus-stack")
  })

  it("names a Secret in the ServiceMonitor's own namespace that holds the key it reads (the Operator looks nowhere else)", () => {
    for (const variant of ["monitoring", "integrations"]) {
      const objects = render(variant)
      const sm = one<Monitor>(objects, "monitoring.coreos.com/v1", "ServiceMonitor")
      const credentials = sm.spec.endpoints[0]!.authorization!.credentials
      const secret = one<SecretObject>(objects, "v1", "Secret", credentials.name)
      expect(secret.metadata.namespace).toBe(sm.metadata.namespace)
      expect(Object.keys(secret.data)).toContain(credentials.key)
      // the same key the server reads its hook token from
      expect(env(containerOf(objects), "ROLLWISE_HOOK_TOKEN")?.valueFrom?.secretKeyRef).toEqual({ name: credentials.name, key: credentials.key })
    }
    const existing = template(rollwiseChart, { ...release, set: { "auth.existingSecret": "mine" }, setJson: { "serviceMonitor.enabled": true } }).objects
    expect(one<Monitor>(existing, "monitoring.coreos.com/v1", "ServiceMonitor").spec.endpoints[0]!.authorization!.credentials).toEqual({ name: "mine", key: "hook-token" })
  })

  it("renders a PrometheusRule whose groups are exactly prometheus/rules'", () => {
    const rule = one<K8sObject & { metadata: { labels: Labels }; spec: { groups: Array<unknown> } }>(render("monitoring"), "monitoring.coreos.com/v1", "PrometheusRule", "rollwise")
    expect(rule.spec.groups).toEqual(ruleGroups(join(repoRoot, "prometheus", "rules")))
    expect(rule.metadata.labels["release"]).toBe("kube-prometheus-stack")
  })

  it("keeps charts/rollwise/rules/ equal to prometheus/rules/ (copy the files over when this fails)", () => {
    const source = join(repoRoot, "prometheus", "rules")
    const copy = join(rollwiseChart, "rules")
    const files = (dir: string) => readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()
    expect(files(copy), "the same rule files").toEqual(files(source))
    for (const f of files(source)) {
      expect(parse(readFileSync(join(copy, f), "utf8")), `charts/rollwise/rules/${f} differs from prometheus/rules/${f}`).toEqual(parse(readFileSync(join(source, f), "utf8")))
    }
  })
})

describe("rollwise chart: the token stays secret", () => {
  const token = "rw-test-token-7b2e91c4d0"
  const hookToken = "rw-hook-token-31d7aa09"

  it("puts given tokens only into the Secret, base64-encoded", () => {
    const { objects, text } = template(rollwiseChart, { ...release, set: { "auth.apiToken": token, "auth.hookToken": hookToken }, setJson: { "serviceMonitor.enabled": true } })
    for (const t of [token, hookToken]) {
      expect(text).not.toContain(t)
      const b64 = Buffer.from(t).toString("base64")
      expect(text.split(b64).length - 1, "the encoded token appears once: in the Secret").toBe(1)
    }
    const secret = one<SecretObject>(objects, "v1", "Secret")
    expect(secret.data).toEqual({ "api-token": Buffer.from(token).toString("base64"), "hook-token": Buffer.from(hookToken).toString("base64") })
    expect(secretLeaks(objects)).toEqual([])
  })

  it.each(Object.keys(variants))("no Secret value appears in a ConfigMap, an env literal or any other object (%s)", (variant) => {
    const objects = render(variant)
    expect(secretLeaks(objects)).toEqual([])
    for (const e of containerOf(objects).env ?? []) expect(e.value === undefined || !/token/i.test(e.name), `env ${e.name} is a literal`).toBe(true)
  })

  it("NOTES.txt tells how to reach the API on port 8080 and where each integration calls, and never prints a token", () => {
    const notes = renderNotes(rollwiseChart, { ...release, set: { "auth.apiToken": token, "auth.hookToken": hookToken } })
    expect(notes).toContain("http://rollwise.rollwise.svc.cluster.local:8080")
    expect(notes).toContain("POST http://rollwise.rollwise.svc.cluster.local:8080/v1/argo/metric")
    expect(notes).toContain("url http://rollwise.rollwise.svc.cluster.local:8080/hooks/<hook-token>/v1/flagger/<hook>")
    expect(notes).toContain("baseUrl http://rollwise.rollwise.svc.cluster.local:8080/hooks/<hook-token>")
    expect(notes).toContain("kubectl -n rollwise port-forward service/rollwise 8080:8080")
    expect(notes).toContain("get secret rollwise-tokens -o jsonpath='{.data.hook-token}'")
    expect(notes).toContain('"decision": "promote|slow|rollback"')
    for (const t of [token, hookToken]) {
      expect(notes).not.toContain(t)
      expect(notes).not.toContain(Buffer.from(t).toString("base64"))
    }
    // every URL NOTES prints is on the Service's port
    const urls = (notes.match(/https?:\/\/[^\s"'()]+/g) ?? []).map((u) => u.replace(/[.,]$/, ""))
    expect(urls.length).toBeGreaterThan(5)
    for (const url of urls) expect(new URL(url.replace(/<[^>]+>/g, "x")).port, url).toBe("8080")
  })
})
