import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { ruleGroups, secretLeaks, selects } from "./support/Checks.ts"
import { cleanup, fixture, type K8sObject, lint, ofKind, one, renderNotes, repoRoot, rollwiseChart, template, templateRaw } from "./support/Helm.ts"
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
  metadata: { name: string; labels: Labels }
  spec: { selector: { matchLabels: Labels }; endpoints: Array<{ port: string; path: string; interval?: string }> }
}

const release = { release: "rollwise", namespace: "rollwise" } as const
const appVersion = (parse(readFileSync(join(rollwiseChart, "Chart.yaml"), "utf8")) as { appVersion: string }).appVersion

/** The values variants every check runs on: defaults and each fixture. */
const variants: Record<string, ReadonlyArray<string>> = {
  default: [],
  monitoring: [fixture("rollwise-monitoring.yaml")],
  persistent: [fixture("rollwise-persistent.yaml")],
  "cluster-wide": [fixture("rollwise-cluster-wide.yaml")],
  configured: [fixture("rollwise-configured.yaml")]
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
    expect(c.args).toEqual(["serve", "--host", "0.0.0.0", "--port", "8080"])
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

  it("takes ROLLWISE_API_TOKEN from the Secret the chart creates, by reference only", () => {
    const objects = render("default")
    const token = env(containerOf(objects), "ROLLWISE_API_TOKEN")
    expect(token).toEqual({ name: "ROLLWISE_API_TOKEN", valueFrom: { secretKeyRef: { name: "rollwise-api-token", key: "token" } } })
    const secret = one<K8sObject & { data: Record<string, string> }>(objects, "v1", "Secret", "rollwise-api-token")
    expect(Buffer.from(secret.data["token"]!, "base64").toString("utf8"), "a generated token: 40 random characters").toMatch(/^[A-Za-z0-9]{40}$/)
  })

  it("takes ROLLWISE_API_TOKEN from an existing Secret, and then creates none", () => {
    const objects = render("configured")
    expect(env(containerOf(objects), "ROLLWISE_API_TOKEN")?.valueFrom).toEqual({ secretKeyRef: { name: "rollwise-token", key: "api-token" } })
    expect(ofKind(objects, "v1", "Secret")).toEqual([])
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

  it("keeps at least one pod through voluntary disruptions", () => {
    const objects = render("default")
    const pdb = one<K8sObject & { spec: { minAvailable: number; selector: { matchLabels: Labels } } }>(objects, "policy/v1", "PodDisruptionBudget")
    expect(pdb.spec.minAvailable).toBe(1)
    expect(selects(pdb.spec.selector.matchLabels, deploymentOf(objects).spec.template.metadata.labels)).toBe(true)
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
  it("renders a ServiceMonitor that scrapes /metrics on the Service's http port", () => {
    const objects = render("monitoring")
    const sm = one<Monitor>(objects, "monitoring.coreos.com/v1", "ServiceMonitor", "rollwise")
    const svc = one<Service>(objects, "v1", "Service", "rollwise")
    expect(selects(sm.spec.selector.matchLabels, svc.metadata.labels)).toBe(true)
    expect(sm.spec.endpoints).toEqual([{ port: "http", path: "/metrics", interval: "15s" }])
    expect(svc.spec.ports.map((p) => p.name)).toContain(sm.spec.endpoints[0]!.port)
    expect(sm.metadata.labels["release"]).toBe("kube-prometheus-stack")
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

  it("puts a given token only into the Secret, base64-encoded", () => {
    const { objects, text } = template(rollwiseChart, { ...release, set: { "apiToken.value": token } })
    expect(text).not.toContain(token)
    const b64 = Buffer.from(token).toString("base64")
    expect(text.split(b64).length - 1, "the encoded token appears once: in the Secret").toBe(1)
    const secret = one<K8sObject & { data: Record<string, string> }>(objects, "v1", "Secret")
    expect(secret.data).toEqual({ token: b64 })
    expect(secretLeaks(objects)).toEqual([])
  })

  it.each(Object.keys(variants))("no Secret value appears in a ConfigMap, an env literal or any other object (%s)", (variant) => {
    const objects = render(variant)
    expect(secretLeaks(objects)).toEqual([])
    for (const e of containerOf(objects).env ?? []) expect(e.value === undefined || !/token/i.test(e.name), `env ${e.name} is a literal`).toBe(true)
  })

  it("NOTES.txt tells how to reach the API and the Argo web-metric URL, and never prints the token", () => {
    const notes = renderNotes(rollwiseChart, { ...release, set: { "apiToken.value": token } })
    expect(notes).toContain("http://rollwise.rollwise.svc.cluster.local:8080")
    expect(notes).toContain("POST http://rollwise.rollwise.svc.cluster.local:8080/v1/argo/metric")
    expect(notes).toContain("kubectl -n rollwise port-forward service/rollwise 8080:8080")
    expect(notes).toContain('"decision": "promote|slow|rollback"')
    expect(notes).not.toContain(token)
    expect(notes).not.toContain(Buffer.from(token).toString("base64"))
  })
})
