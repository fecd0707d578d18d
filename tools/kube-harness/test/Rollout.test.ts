import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions, Watch } from "@kubernetes/client-node"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { startFakeKube, type FakeKube } from "../src/index.ts"
import { at, fixture, type Obj } from "./support.ts"

const group = "argoproj.io"
const version = "v1alpha1"
const plural = "rollouts"
const namespace = "default"
const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch)

describe("the Argo Rollout controller, driven through @kubernetes/client-node", () => {
  let kube: FakeKube
  let custom: CustomObjectsApi
  let config: KubeConfig

  beforeEach(async () => {
    kube = await startFakeKube()
    for (const o of [...fixture("rollout-canary.yaml"), ...fixture("rollout-bluegreen.yaml")]) kube.create(o)
    await kube.settle()
    config = new KubeConfig()
    config.loadFromString(kube.kubeconfig())
    custom = config.makeApiClient(CustomObjectsApi)
  })
  afterEach(() => kube.close())

  const read = (name = "checkout") => custom.getNamespacedCustomObject({ group, version, namespace, plural, name }) as Promise<Obj>
  const patchStatus = (status: Obj, name = "checkout") =>
    custom.patchNamespacedCustomObjectStatus({ group, version, namespace, plural, name, body: { status } }, merge) as Promise<Obj>
  const patchSpec = (spec: Obj, name = "checkout") =>
    custom.patchNamespacedCustomObject({ group, version, namespace, plural, name, body: { spec } }, merge) as Promise<Obj>
  /** A new image, set the way a user's PUT sets it. */
  const setImage = (image: string, name = "checkout") => {
    const rollout = kube.get(`${group}/${version}`, "Rollout", namespace, name)!
    ;(at(rollout, "spec", "template", "spec", "containers", 0) as Obj)["image"] = image
    kube.update(rollout)
  }
  const status = async (name = "checkout") => (await read(name))["status"] as Obj

  it("@kubernetes/client-node: a new Rollout is Healthy, fully promoted, at the end of its steps", async () => {
    const s = await status()
    expect(s["phase"]).toBe("Healthy")
    expect(s["stableRS"]).toBe(s["currentPodHash"])
    expect(s["currentStepIndex"]).toBe(7)
    expect(s["observedGeneration"]).toBe("1")
    expect(s).toMatchObject({ replicas: 5, updatedReplicas: 5, readyReplicas: 5, availableReplicas: 5, selector: "app=checkout" })
    expect(at(s, "canary", "weights")).toEqual({
      canary: { weight: 0, podTemplateHash: s["currentPodHash"], serviceName: "checkout-canary" },
      stable: { weight: 100, podTemplateHash: s["currentPodHash"], serviceName: "checkout-stable" }
    })
    const replicaSets = kube.list("apps/v1", "ReplicaSet", namespace).filter((rs) => at(rs, "metadata", "name") === `checkout-${String(s["currentPodHash"])}`)
    expect(replicaSets).toHaveLength(1)
    expect(at(replicaSets[0], "metadata", "labels", "rollouts-pod-template-hash")).toBe(s["currentPodHash"])
    expect(at(kube.get("v1", "Service", namespace, "checkout-stable"), "spec", "selector")).toEqual({
      app: "checkout",
      "rollouts-pod-template-hash": s["currentPodHash"]
    })
  })

  it("@kubernetes/client-node: a new image pauses at `pause: {}`, and promote walks the rest (timed pause, analysis) to Healthy", async () => {
    const before = await status()
    setImage("ghcr.io/rollwise/checkout:1.1.0")
    await kube.settle()
    const paused = await read()
    const s = paused["status"] as Obj
    expect(at(paused, "metadata", "generation")).toBe(2)
    expect(s["observedGeneration"]).toBe("2")
    expect(s["currentPodHash"]).not.toBe(before["currentPodHash"])
    expect(s["stableRS"]).toBe(before["currentPodHash"])
    expect(s).toMatchObject({ phase: "Paused", message: "CanaryPauseStep", currentStepIndex: 1, controllerPause: true })
    expect(s["pauseConditions"]).toEqual([{ reason: "CanaryPauseStep", startTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) }])
    expect(at(s, "canary", "weights", "canary")).toEqual({ weight: 20, podTemplateHash: s["currentPodHash"], serviceName: "checkout-canary" })
    expect(at(s, "canary", "weights", "stable")).toMatchObject({ weight: 80, podTemplateHash: before["currentPodHash"] })
    expect(s).toMatchObject({ updatedReplicas: 1, replicas: 6 })

    // kubectl argo rollouts promote: clear the pause conditions on the status subresource
    const seen: Array<string> = []
    const controller = await new Watch(config).watch(
      `/apis/${group}/${version}/namespaces/${namespace}/${plural}`,
      { fieldSelector: "metadata.name=checkout" },
      (type, o: Obj) => seen.push(`${type} ${String(at(o, "status", "currentStepIndex"))} ${String(at(o, "status", "phase"))}`),
      () => undefined
    )
    await patchStatus({ pauseConditions: null })
    await kube.settle()
    controller.abort()
    const done = await status()
    expect(done).toMatchObject({ phase: "Healthy", currentStepIndex: 7, stableRS: s["currentPodHash"], currentPodHash: s["currentPodHash"] })
    expect(done["controllerPause"]).toBeUndefined()
    expect(done["pauseConditions"]).toBeUndefined()
    expect(at(done, "canary", "weights", "canary", "weight")).toBe(0)
    // it went through every later step, one reconcile at a time
    expect(seen[0]).toBe("ADDED 1 Paused")
    for (const step of [2, 3, 4, 5, 6, 7]) expect(seen.some((e) => e.startsWith(`MODIFIED ${step} `))).toBe(true)
    expect(seen).toContain("MODIFIED 3 Paused") // the timed pause held it briefly
    const runs = kube.list(`${group}/${version}`, "AnalysisRun", namespace)
    expect(runs).toHaveLength(1)
    expect(runs[0]).toMatchObject({
      metadata: { name: `checkout-${String(s["currentPodHash"])}-2-4`, labels: { "rollout-type": "Step", "step-index": "4" } },
      status: { phase: "Successful" }
    })
    expect(at(kube.get("v1", "Service", namespace, "checkout-stable"), "spec", "selector", "rollouts-pod-template-hash")).toBe(s["currentPodHash"])
  })

  it("@kubernetes/client-node: abort degrades the Rollout, retry (abort=false) starts the steps again", async () => {
    setImage("ghcr.io/rollwise/checkout:1.1.0")
    await kube.settle()
    await patchStatus({ abort: true })
    await kube.settle()
    const aborted = await status()
    expect(aborted).toMatchObject({
      phase: "Degraded",
      message: "RolloutAborted: Rollout aborted update to revision 2",
      abort: true,
      currentStepIndex: 0
    })
    expect(aborted["abortedAt"]).toEqual(expect.any(String))
    expect(aborted["pauseConditions"]).toBeUndefined()
    expect(aborted["stableRS"]).not.toBe(aborted["currentPodHash"])
    expect(at(aborted, "canary", "weights", "canary", "weight")).toBe(0)
    expect(at(aborted, "conditions")).toContainEqual(expect.objectContaining({ type: "Progressing", status: "False", reason: "RolloutAborted" }))
    expect(aborted["updatedReplicas"]).toBeUndefined() // the canary is scaled away (omitempty drops the 0)
    expect(aborted["availableReplicas"]).toBe(5)

    await patchStatus({ abort: false })
    await kube.settle()
    const retried = await status()
    expect(retried).toMatchObject({ phase: "Paused", currentStepIndex: 1, controllerPause: true })
    expect(retried["abort"]).toBeUndefined()
    expect(retried["abortedAt"]).toBeUndefined()
    expect(at(retried, "canary", "weights", "canary", "weight")).toBe(20)
  })

  it("@kubernetes/client-node: promoteFull skips the remaining steps: Healthy with stableRS == currentPodHash", async () => {
    setImage("ghcr.io/rollwise/checkout:1.1.0")
    await kube.settle()
    await patchStatus({ promoteFull: true })
    await kube.settle()
    const s = await status()
    expect(s).toMatchObject({ phase: "Healthy", currentStepIndex: 7 })
    expect(s["stableRS"]).toBe(s["currentPodHash"])
    expect(s["promoteFull"]).toBeUndefined()
    expect(kube.list(`${group}/${version}`, "AnalysisRun", namespace)).toHaveLength(0)
  })

  it("@kubernetes/client-node: promote to step N (pauseConditions null + currentStepIndex) continues from N; spec.paused holds it", async () => {
    setImage("ghcr.io/rollwise/checkout:1.1.0")
    await kube.settle()
    await patchSpec({ paused: true })
    await kube.settle()
    expect(await status()).toMatchObject({ phase: "Paused", message: "manually paused" })
    await patchStatus({ pauseConditions: null, currentStepIndex: 5 })
    await kube.settle()
    expect(await status()).toMatchObject({ phase: "Paused", message: "manually paused", currentStepIndex: 5 })
    await patchSpec({ paused: false })
    await kube.settle()
    const s = await status()
    expect(s).toMatchObject({ phase: "Healthy", currentStepIndex: 7 })
    expect(kube.list(`${group}/${version}`, "AnalysisRun", namespace)).toHaveLength(0) // the analysis step was skipped
  })

  it("@kubernetes/client-node: an inconclusive analysis pauses with InconclusiveAnalysisRun; the plugin's inconclusive promote moves past it", async () => {
    const rollout = kube.get(`${group}/${version}`, "Rollout", namespace, "checkout")!
    const spec = rollout["spec"] as Obj
    ;(at(spec, "strategy", "canary") as Obj)["steps"] = [{ setWeight: 10 }, { analysis: { templates: [{ templateName: "inconclusive-latency" }] } }, { setWeight: 60 }]
    ;(at(spec, "template", "spec", "containers", 0) as Obj)["image"] = "ghcr.io/rollwise/checkout:1.2.0"
    kube.update(rollout)
    await kube.settle()
    const s = await status()
    expect(s).toMatchObject({ phase: "Paused", message: "InconclusiveAnalysisRun", currentStepIndex: 1, controllerPause: true })
    expect(at(s, "canary", "currentStepAnalysisRunStatus")).toMatchObject({ status: "Inconclusive", name: expect.stringMatching(/^checkout-.+-2-1$/) })
    // kubectl argo rollouts promote on an inconclusive step (promote.go, clearPauseConditionsAndControllerPausePatch)
    await patchStatus({ pauseConditions: null, controllerPause: false, currentStepIndex: 2 })
    await kube.settle()
    expect(await status()).toMatchObject({ phase: "Healthy", currentStepIndex: 3 })
    expect(kube.list(`${group}/${version}`, "AnalysisRun", namespace)).toHaveLength(1)
  })

  it("@kubernetes/client-node: blue/green waits in BlueGreenPause with the preview Service on the new pods; promote switches the active one", async () => {
    const before = await status("storefront")
    expect(before).toMatchObject({ phase: "Healthy", blueGreen: { activeSelector: before["currentPodHash"], previewSelector: before["currentPodHash"] } })
    setImage("ghcr.io/rollwise/storefront:2.1.0", "storefront")
    await kube.settle()
    const paused = await status("storefront")
    const next = paused["currentPodHash"]
    expect(paused).toMatchObject({ phase: "Paused", message: "BlueGreenPause", controllerPause: true, stableRS: before["currentPodHash"] })
    expect(paused["blueGreen"]).toEqual({ activeSelector: before["currentPodHash"], previewSelector: next })
    const selector = (service: string) => at(kube.get("v1", "Service", namespace, service), "spec", "selector", "rollouts-pod-template-hash")
    expect(selector("storefront-active")).toBe(before["currentPodHash"])
    expect(selector("storefront-preview")).toBe(next)
    await patchStatus({ pauseConditions: null }, "storefront")
    await kube.settle()
    const promoted = await status("storefront")
    expect(promoted).toMatchObject({ phase: "Healthy", stableRS: next, blueGreen: { activeSelector: next } })
    expect(selector("storefront-active")).toBe(next)
  })

  it("@kubernetes/client-node: the main resource ignores status, like a CRD with the status subresource", async () => {
    const before = await read()
    const patched = await custom.patchNamespacedCustomObject(
      { group, version, namespace, plural, name: "checkout", body: { metadata: { labels: { team: "payments" } }, status: { phase: "Degraded" } } },
      merge
    )
    expect(at(patched, "metadata", "labels", "team")).toBe("payments")
    expect(at(patched, "status", "phase")).toBe("Healthy")
    expect(at(patched, "metadata", "generation")).toBe(at(before, "metadata", "generation"))
    expect(Number(at(patched, "metadata", "resourceVersion"))).toBeGreaterThan(Number(at(before, "metadata", "resourceVersion")))
    const statusPatch = kube.requests.filter((r) => r.method === "PATCH")
    expect(statusPatch.at(-1)).toMatchObject({ path: "/apis/argoproj.io/v1alpha1/namespaces/default/rollouts/checkout", contentType: "application/merge-patch+json" })
  })
})
