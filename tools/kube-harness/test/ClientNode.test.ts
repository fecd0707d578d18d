import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type V1Deployment,
  type V1Service
} from "@kubernetes/client-node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startFakeKube, type FakeKube } from "../src/index.ts"
import { at, fixture, type Obj } from "./support.ts"

const namespace = "default"
const patchAs = (strategy: PatchStrategy) => setHeaderOptions("Content-Type", strategy)

/** The HTTP code and the Status body of a failed call. */
const failure = async (call: Promise<unknown>): Promise<{ readonly code: number; readonly status: Obj | undefined }> => {
  try {
    await call
  } catch (error) {
    if (!(error instanceof ApiException)) throw error
    const body: unknown = error.body
    return { code: error.code, status: typeof body === "string" ? (JSON.parse(body) as Obj) : (body as Obj | undefined) }
  }
  throw new Error("the call succeeded")
}

const clients = (kubeconfig: string) => {
  const config = new KubeConfig()
  config.loadFromString(kubeconfig)
  return { config, apps: config.makeApiClient(AppsV1Api), core: config.makeApiClient(CoreV1Api), custom: config.makeApiClient(CustomObjectsApi) }
}

describe("the fake API server through @kubernetes/client-node 1.4.0", () => {
  let kube: FakeKube
  let api: ReturnType<typeof clients>
  const [deployment, service] = fixture("deployment.yaml") as unknown as [V1Deployment, V1Service]

  beforeAll(async () => {
    kube = await startFakeKube()
    api = clients(kube.kubeconfig())
    await api.apps.createNamespacedDeployment({ namespace, body: deployment })
    await api.core.createNamespacedService({ namespace, body: service })
    await kube.settle()
  })
  afterAll(() => kube.close())

  it("@kubernetes/client-node: get and list, with label and field selectors, and server-side defaults", async () => {
    const got = await api.apps.readNamespacedDeployment({ namespace, name: "payments" })
    expect(got.metadata).toMatchObject({ name: "payments", namespace, generation: 1, uid: expect.any(String), resourceVersion: expect.stringMatching(/^\d+$/) })
    expect(got.spec?.strategy?.type).toBe("RollingUpdate")
    const svc = await api.core.readNamespacedService({ namespace, name: "payments" })
    expect(svc.spec?.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/)
    expect(svc.spec?.ports?.[0]).toMatchObject({ port: 80, protocol: "TCP", targetPort: "http" })

    const list = await api.apps.listNamespacedDeployment({ namespace, labelSelector: "app=payments" })
    expect(list.items.map((d) => d.metadata?.name)).toEqual(["payments"])
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThanOrEqual(Number(got.metadata?.resourceVersion))
    expect((await api.apps.listNamespacedDeployment({ namespace, labelSelector: "app in (cart,search)" })).items).toEqual([])
    expect((await api.apps.listNamespacedDeployment({ namespace, fieldSelector: "metadata.name=other" })).items).toEqual([])
    expect((await api.apps.listDeploymentForAllNamespaces({})).items).toHaveLength(1)
    const replicaSets = await api.apps.listNamespacedReplicaSet({ namespace, labelSelector: "app=payments" })
    expect(replicaSets.items).toHaveLength(1)
    expect(replicaSets.items[0]?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "Deployment", name: "payments", controller: true })
  })

  it("@kubernetes/client-node: NotFound, AlreadyExists and Invalid come back as Status bodies", async () => {
    expect(await failure(api.apps.readNamespacedDeployment({ namespace, name: "nope" }))).toEqual({
      code: 404,
      status: {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: 'deployments.apps "nope" not found',
        reason: "NotFound",
        details: { name: "nope", group: "apps", kind: "deployments" },
        code: 404
      }
    })
    const exists = await failure(api.core.createNamespacedService({ namespace, body: service }))
    expect(exists).toMatchObject({ code: 409, status: { reason: "AlreadyExists", message: 'services "payments" already exists' } })
    const missing = await failure(
      api.custom.getNamespacedCustomObject({ group: "argoproj.io", version: "v1alpha1", namespace, plural: "rollouts", name: "checkout" })
    )
    expect(missing.status).toMatchObject({ reason: "NotFound", message: 'rollouts.argoproj.io "checkout" not found', details: { group: "argoproj.io", kind: "rollouts" } })
    const invalid = await failure(
      api.apps.createNamespacedDeployment({ namespace, body: { ...deployment, metadata: { name: "broken" }, spec: { ...deployment.spec!, selector: { matchLabels: { app: "other" } } } } })
    )
    expect(invalid).toMatchObject({ code: 422, status: { reason: "Invalid", details: { name: "broken", group: "apps", kind: "Deployment" } } })
    expect(String(invalid.status?.["message"])).toContain("`selector` does not match template `labels`")
    const noNamespace = await failure(api.core.createNamespacedConfigMap({ namespace: "shop", body: { metadata: { name: "x" } } }))
    expect(noNamespace.status).toMatchObject({ reason: "NotFound", message: 'namespaces "shop" not found' })
  })

  it("@kubernetes/client-node: merge patch bumps generation only for spec; a stale resourceVersion is a 409 Conflict", async () => {
    const before = await api.apps.readNamespacedDeployment({ namespace, name: "payments" })
    const labelled = await api.apps.patchNamespacedDeployment(
      { namespace, name: "payments", body: { metadata: { labels: { team: "payments" } } } },
      patchAs(PatchStrategy.MergePatch)
    )
    expect(labelled.metadata?.generation).toBe(before.metadata?.generation)
    expect(labelled.metadata?.labels).toEqual({ app: "payments", team: "payments" })
    const scaled = await api.apps.patchNamespacedDeployment({ namespace, name: "payments", body: { spec: { replicas: 4 } } }, patchAs(PatchStrategy.MergePatch))
    expect(scaled.metadata?.generation).toBe((before.metadata?.generation ?? 0) + 1)

    const stale = await failure(api.apps.replaceNamespacedDeployment({ namespace, name: "payments", body: before }))
    expect(stale).toMatchObject({
      code: 409,
      status: {
        reason: "Conflict",
        message: 'Operation cannot be fulfilled on deployments.apps "payments": the object has been modified; please apply your changes to the latest version and try again'
      }
    })
    const stalePatch = await failure(
      api.apps.patchNamespacedDeployment(
        { namespace, name: "payments", body: { metadata: { resourceVersion: before.metadata?.resourceVersion }, spec: { replicas: 2 } } },
        patchAs(PatchStrategy.MergePatch)
      )
    )
    expect(stalePatch.code).toBe(409)
    // the controller writes status too (a real race: read after it settles, or retry on 409)
    await kube.settle()
    const fresh = await api.apps.readNamespacedDeployment({ namespace, name: "payments" })
    const replaced = await api.apps.replaceNamespacedDeployment({ namespace, name: "payments", body: { ...fresh, spec: { ...fresh.spec!, replicas: 3 } } })
    expect(replaced.spec?.replicas).toBe(3)
    expect(kube.requests.filter((r) => r.method === "PATCH").map((r) => r.contentType)).toContain("application/merge-patch+json")
  })

  it("@kubernetes/client-node: strategic merge merges containers and env by name; JSON patch applies, and a failed test is 422", async () => {
    const patched = await api.apps.patchNamespacedDeployment(
      {
        namespace,
        name: "payments",
        body: { spec: { template: { spec: { containers: [{ name: "payments", env: [{ name: "REGION", value: "eu" }] }] } } } }
      },
      patchAs(PatchStrategy.StrategicMergePatch)
    )
    const containers = patched.spec?.template.spec?.containers ?? []
    expect(containers.map((c) => c.name)).toEqual(["payments", "proxy"])
    expect(containers[0]?.image).toBe("ghcr.io/rollwise/payments:1.0.0")
    expect(containers[0]?.env).toEqual([
      { name: "LOG_LEVEL", value: "info" },
      { name: "REGION", value: "eu" }
    ])
    const json = await api.apps.patchNamespacedDeployment(
      {
        namespace,
        name: "payments",
        body: [
          { op: "test", path: "/spec/template/spec/containers/1/name", value: "proxy" },
          { op: "remove", path: "/spec/template/spec/containers/1" },
          { op: "add", path: "/metadata/annotations/rollwise.dev~1owner", value: "team-payments" }
        ]
      },
      patchAs(PatchStrategy.JsonPatch)
    )
    expect(json.spec?.template.spec?.containers.map((c) => c.name)).toEqual(["payments"])
    expect(json.metadata?.annotations?.["rollwise.dev/owner"]).toBe("team-payments")
    const failed = await failure(
      api.apps.patchNamespacedDeployment({ namespace, name: "payments", body: [{ op: "test", path: "/spec/replicas", value: 99 }] }, patchAs(PatchStrategy.JsonPatch))
    )
    expect(failed).toMatchObject({ code: 422, status: { reason: "Invalid" } })
    expect(JSON.stringify(failed.status)).toContain("testing value /spec/replicas failed")
    const customStrategic = await failure(
      api.custom.patchNamespacedCustomObject(
        { group: "flagger.app", version: "v1beta1", namespace, plural: "canaries", name: "any", body: {} },
        patchAs(PatchStrategy.StrategicMergePatch)
      )
    )
    expect(customStrategic).toMatchObject({ code: 415, status: { reason: "UnsupportedMediaType" } }) // custom resources take no strategic merge
  })

  it("@kubernetes/client-node: after an image change the Deployment reaches observedGeneration == generation, all updated and available", async () => {
    await kube.settle() // the controller is still writing status after the patches above: read-modify-write after it
    const current = await api.apps.readNamespacedDeployment({ namespace, name: "payments" })
    const body = structuredClone(current)
    body.spec!.template.spec!.containers[0]!.image = "ghcr.io/rollwise/payments:1.1.0"
    const updated = await api.apps.replaceNamespacedDeployment({ namespace, name: "payments", body })
    const generation = updated.metadata?.generation ?? 0
    const seen: Array<V1Deployment> = []
    const watch = await new Watch(api.config).watch(
      `/apis/apps/v1/namespaces/${namespace}/deployments`,
      { fieldSelector: "metadata.name=payments", resourceVersion: updated.metadata?.resourceVersion },
      (_type, d: V1Deployment) => seen.push(d),
      () => undefined
    )
    await kube.settle()
    watch.abort()
    // it took a few reconciles: the adapter has to wait for it
    expect(seen.some((d) => (d.status?.updatedReplicas ?? 0) < (d.spec?.replicas ?? 0) || (d.status?.replicas ?? 0) > (d.spec?.replicas ?? 0))).toBe(true)
    const done = await api.apps.readNamespacedDeployment({ namespace, name: "payments" })
    expect(done.status).toMatchObject({ observedGeneration: generation, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 })
    expect(done.status?.conditions?.find((c) => c.type === "Progressing")).toMatchObject({ status: "True", reason: "NewReplicaSetAvailable" })
    const replicaSets = (await api.apps.listNamespacedReplicaSet({ namespace })).items
    const revision = (rs: (typeof replicaSets)[number]) => Number(rs.metadata?.annotations?.["deployment.kubernetes.io/revision"])
    const newest = replicaSets.reduce((a, b) => (revision(a) > revision(b) ? a : b))
    expect(done.metadata?.annotations?.["deployment.kubernetes.io/revision"]).toBe(String(revision(newest)))
    expect(newest.spec?.template?.spec?.containers[0]?.image).toBe("ghcr.io/rollwise/payments:1.1.0")
    expect(replicaSets.filter((rs) => rs !== newest).map((rs) => rs.spec?.replicas)).toEqual(replicaSets.slice(1).map(() => 0))
    const hash = newest.metadata?.labels?.["pod-template-hash"]
    expect(newest.metadata?.name).toBe(`payments-${String(hash)}`)
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/)
  })

  it("@kubernetes/client-node: Watch gets ADDED for what exists, then MODIFIED and DELETED; resumes after a resourceVersion; timeoutSeconds ends it", async () => {
    const events: Array<string> = []
    let ended: unknown = "open"
    const controller = await new Watch(api.config).watch(
      `/api/v1/namespaces/${namespace}/configmaps`,
      { labelSelector: "watch=me" },
      (type, o: Obj) => events.push(`${type} ${String(at(o, "metadata", "name"))} ${String(at(o, "data", "v"))}`),
      (error: unknown) => (ended = error)
    )
    kube.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", labels: { watch: "me" } }, data: { v: "1" } })
    kube.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ignored" }, data: { v: "1" } })
    const b = await api.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: "b", labels: { watch: "me" } }, data: { v: "1" } } })
    await api.core.patchNamespacedConfigMap({ namespace, name: "b", body: { data: { v: "2" } } }, patchAs(PatchStrategy.MergePatch))
    await api.core.patchNamespacedConfigMap({ namespace, name: "a", body: { metadata: { labels: { watch: "no" } } } }, patchAs(PatchStrategy.MergePatch))
    await api.core.deleteNamespacedConfigMap({ namespace, name: "b" })
    await new Promise((r) => setTimeout(r, 50))
    controller.abort()
    expect(events).toEqual(["ADDED a 1", "ADDED b 1", "MODIFIED b 2", "DELETED a 1", "DELETED b 2"])

    const resumed: Array<string> = []
    const again = await new Watch(api.config).watch(
      `/api/v1/namespaces/${namespace}/configmaps`,
      { resourceVersion: b.metadata?.resourceVersion, timeoutSeconds: 1 },
      (type, o: Obj) => resumed.push(`${type} ${String(at(o, "metadata", "name"))}`),
      (error: unknown) => (ended = error)
    )
    ended = "open"
    await new Promise((r) => setTimeout(r, 1300))
    expect(resumed).toEqual(["MODIFIED b", "MODIFIED a", "DELETED b"]) // no selector this time: "a" stays in view
    expect(ended).toBeNull() // the server closed it after timeoutSeconds
    again.abort()
  })

  it("@kubernetes/client-node: failNext answers the next matching requests with the Status asked for", async () => {
    kube.failNext({ method: "PATCH", path: "/deployments/payments", status: 403 })
    const denied = await failure(api.apps.patchNamespacedDeployment({ namespace, name: "payments", body: {} }, patchAs(PatchStrategy.MergePatch)))
    expect(denied.status).toMatchObject({
      reason: "Forbidden",
      code: 403,
      message:
        'deployments.apps "payments" is forbidden: User "system:serviceaccount:rollwise:rollwise" cannot patch resource "deployments" in API group "apps" in the namespace "default"'
    })
    kube.failNext({ path: /\/services$/, status: 503, count: 2 })
    expect((await failure(api.core.listNamespacedService({ namespace }))).status).toMatchObject({ reason: "ServiceUnavailable", code: 503 })
    expect((await failure(api.core.listNamespacedService({ namespace }))).code).toBe(503)
    expect((await api.core.listNamespacedService({ namespace })).items).toHaveLength(1)
    kube.failNext({ path: "/deployments", status: 500, message: "etcdserver: leader changed" })
    expect((await failure(api.apps.readNamespacedDeployment({ namespace, name: "payments" }))).status).toMatchObject({
      reason: "InternalError",
      message: "Internal error occurred: etcdserver: leader changed"
    })
    kube.failNext({ path: "/deployments/payments", status: 409 })
    expect((await failure(api.apps.readNamespacedDeployment({ namespace, name: "payments" }))).status).toMatchObject({ reason: "Conflict" })
  })

  it("@kubernetes/client-node: a Flagger Canary's status is set through the status subresource and read back", async () => {
    const [canary] = fixture("flagger-canary.yaml")
    const canaries = { group: "flagger.app", version: "v1beta1", namespace, plural: "canaries" }
    const created = (await api.custom.createNamespacedCustomObject({ ...canaries, body: { ...canary, status: { phase: "Ignored" } } })) as Obj
    expect(created["status"]).toBeUndefined() // POST drops status when it is a subresource
    const status = { phase: "Progressing", canaryWeight: 20, failedChecks: 1, iterations: 2, conditions: [{ type: "Promoted", status: "Unknown", reason: "Progressing" }] }
    await api.custom.patchNamespacedCustomObjectStatus({ ...canaries, name: "podinfo", body: { status } }, patchAs(PatchStrategy.MergePatch))
    expect(at(await api.custom.getNamespacedCustomObject({ ...canaries, name: "podinfo" }), "status")).toEqual(status)
    const seeded = kube.get("flagger.app/v1beta1", "Canary", namespace, "podinfo")!
    kube.update({ ...seeded, status: { ...status, phase: "Succeeded", canaryWeight: 0 } })
    expect(at(await api.custom.getNamespacedCustomObject({ ...canaries, name: "podinfo" }), "status", "phase")).toBe("Succeeded")
  })

  it("@kubernetes/client-node: deleting a Deployment answers a Success Status and takes its ReplicaSets with it", async () => {
    const deleted = await api.apps.deleteNamespacedDeployment({ namespace, name: "payments" })
    expect(deleted).toMatchObject({ kind: "Status", status: "Success", details: { name: "payments", group: "apps", kind: "deployments" } })
    expect((await api.apps.listNamespacedReplicaSet({ namespace })).items).toEqual([])
    const svc = await api.core.deleteNamespacedService({ namespace, name: "payments" })
    expect(svc.metadata?.name).toBe("payments") // Services answer with the deleted object
  })
})

describe("token authentication through @kubernetes/client-node", () => {
  it("@kubernetes/client-node: without the token every request is 401 Unauthorized; with it, it works", async () => {
    const kube = await startFakeKube({ token: "s3cret" })
    try {
      const good = clients(kube.kubeconfig())
      expect((await good.core.listNamespace()).items.map((n) => n.metadata?.name)).toContain("default")
      const bad = clients(kube.kubeconfig({ token: "wrong" }))
      expect((await failure(bad.core.listNamespace())).code).toBe(401)
      const response = await fetch(`${kube.url}/api/v1/namespaces`)
      expect(response.status).toBe(401)
      expect(await response.json()).toEqual({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 })
    } finally {
      await kube.close()
    }
  })
})
