import { argoRolloutInFlight, type FakeKube, startFakeKube } from "@rollwise/kube-harness"
import { DeployTarget } from "@rollwise/rollout-engine"
import { DeployTargetContract } from "@rollwise/rollout-engine/testing"
import { Effect, Exit, Layer } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ArgoRollout, Flagger, Kube, TargetK8s } from "../src/index.ts"

/**
 * The adapter through @kubernetes/client-node against the fake Kubernetes
 * API server of tools/kube-harness (a faithful fake of the REST contract,
 * itself checked against the real kubectl), with a real kubeconfig pointing
 * at 127.0.0.1.
 */
let fake: FakeKube
let kubeconfig: string
const dir = mkdtempSync(join(tmpdir(), "rollwise-k8s-"))
const token = "fake-cluster-token-8d1e"

beforeAll(async () => {
  fake = await startFakeKube({ token, reconcileDelayMs: 5 })
  kubeconfig = fake.writeKubeconfig(dir, { namespace: "shop", token })
})
afterAll(async () => {
  await fake.close()
})

let n = 0
const unique = (base: string) => `${base}-${++n}`
const labels = (app: string) => ({ app })
const podTemplate = (app: string, image: string) => ({ metadata: { labels: labels(app) }, spec: { containers: [{ name: "app", image }] } })

/** An Argo Rollout (real CRD shape) whose update to v2 is in flight, paused at its first step. */
const argoInFlight = (name: string, steps: ReadonlyArray<Record<string, unknown>>) =>
  argoRolloutInFlight(fake, { name, namespace: "shop", steps, from: "shop/checkout:2.4.0", to: "shop/checkout:2.5.0" })
const steps = [{ setWeight: 5 }, { pause: {} }, { setWeight: 10 }, { pause: {} }, { setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: {} }]

const run = <A>(effect: Effect.Effect<A, DeployTarget.DeployTargetError>) => Effect.runPromise(effect)
const failure = async <A>(effect: Effect.Effect<A, DeployTarget.DeployTargetError>) => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (reason?._tag !== "Fail") throw new Error(`expected a typed failure, got ${String(exit.cause)}`)
  return reason.error
}
const target = (mode: TargetK8s.Mode) => TargetK8s.make({ kubeconfig }, mode)

DeployTargetContract.suite("Argo Rollout through @kubernetes/client-node against the fake API server", () =>
  Layer.effect(
    DeployTarget.DeployTarget,
    Effect.gen(function* () {
      const name = unique("contract")
      yield* Effect.promise(() => argoInFlight(name, steps))
      return yield* target({ mode: "argo", name, stepTimeout: "5 seconds" })
    }).pipe(Effect.orDie)
  )
)

describe("Argo Rollout (client-node against the fake API server)", () => {
  it("apply(25) promotes step by step with the plugin's patches on the status subresource, and stops paused at 25 %", async () => {
    const name = unique("argo")
    await argoInFlight(name, [{ setWeight: 10 }, { pause: {} }, { setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }])
    const t = await run(target({ mode: "argo", name }))
    const before = fake.requests.length
    await run(t.apply({ weight: 25 }))
    const status = await run(t.status)
    expect(status).toMatchObject({ phase: "progressing", current: { weight: 25 } })
    const patches = fake.requests.slice(before).filter((r) => r.method === "PATCH")
    expect(patches.map((r) => [r.path, r.contentType, r.body])).toEqual([[`/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/${name}/status`, "application/merge-patch+json", { status: { pauseConditions: null } }]])
    // watched, not polled: a handful of GETs, one watch
    expect(fake.requests.slice(before).filter((r) => r.method === "GET" && !r.query.includes("watch")).length).toBeLessThanOrEqual(3)
    expect(fake.requests.slice(before).some((r) => r.query.includes("watch=true") && r.query.includes(`metadata.name%3D${name}`))).toBe(true)
  })

  it("passes timed pauses and an inconclusive analysis' controller pause on the way", async () => {
    const name = unique("argo")
    await argoInFlight(name, [{ setWeight: 10 }, { pause: {} }, { setWeight: 20 }, { pause: { duration: "10s" } }, { analysis: { templates: [{ templateName: "inconclusive-check" }] } }, { setWeight: 40 }, { pause: {} }])
    const t = await run(target({ mode: "argo", name }))
    await run(t.apply({ weight: 40 }))
    expect((await run(t.status)).current).toEqual({ weight: 40 })
    const view = ArgoRollout.view(fake.get("argoproj.io/v1alpha1", "Rollout", "shop", name))
    expect(view).toMatchObject({ paused: true, pauseReasons: ["CanaryPauseStep"] })
  })

  const rolloutPath = (name: string) => `/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/${name}`
  const patchesSince = (before: number) => fake.requests.slice(before).filter((r) => r.method === "PATCH").map((r) => [r.path, r.contentType, r.body])
  /** The AnalysisRuns of one Rollout: [step-index label, phase], oldest first. */
  const runsOf = (name: string) =>
    fake
      .list("argoproj.io/v1alpha1", "AnalysisRun", "shop")
      .filter((r) => String((r["metadata"] as { name: string }).name).startsWith(`${name}-`))
      .sort((a, b) => String((a["metadata"] as { name: string }).name).localeCompare(String((b["metadata"] as { name: string }).name)))
      .map((r) => [(r["metadata"] as { labels: Record<string, string> }).labels["step-index"], (r["status"] as { phase?: string } | undefined)?.phase])
  const inconclusiveStep = [{ setWeight: 10 }, { analysis: { templates: [{ templateName: "inconclusive-check" }] } }, { setWeight: 25 }, { pause: {} }]

  it("on an inconclusive step analysis apply sends promote.go's inconclusive patch: the Rollout moves to the next step with no new AnalysisRun on that step", async () => {
    const name = unique("argo")
    await argoInFlight(name, inconclusiveStep)
    expect(ArgoRollout.view(fake.get("argoproj.io/v1alpha1", "Rollout", "shop", name))).toMatchObject({ stepIndex: 1, paused: true, pauseReasons: ["InconclusiveAnalysisRun"] })
    const t = await run(target({ mode: "argo", name, stepTimeout: "5 seconds" }))
    const before = fake.requests.length
    await run(t.apply({ weight: 25 }))
    expect(patchesSince(before)).toEqual([[`${rolloutPath(name)}/status`, "application/merge-patch+json", { status: { pauseConditions: null, controllerPause: false, currentStepIndex: 2 } }]])
    expect(ArgoRollout.view(fake.get("argoproj.io/v1alpha1", "Rollout", "shop", name))).toMatchObject({ stepIndex: 3, weight: 25, paused: true, pauseReasons: ["CanaryPauseStep"] })
    expect(runsOf(name)).toEqual([["1", "Inconclusive"]])
  })

  it("the old promote body on an inconclusive step (pauseConditions: null alone) makes Argo run the step's analysis again, so the step is never left", async () => {
    const name = unique("argo")
    await argoInFlight(name, inconclusiveStep)
    const kube = await run(Kube.connect({ kubeconfig }))
    await kube.custom.patchNamespacedCustomObjectStatus(
      { group: "argoproj.io", version: "v1alpha1", namespace: "shop", plural: "rollouts", name, body: { status: { pauseConditions: null } } },
      Kube.patchType("merge")
    )
    await fake.settle()
    expect(runsOf(name)).toEqual([
      ["1", "Inconclusive"],
      ["1", "Inconclusive"]
    ])
    expect(ArgoRollout.view(fake.get("argoproj.io/v1alpha1", "Rollout", "shop", name))).toMatchObject({ stepIndex: 1, paused: true, pauseReasons: ["InconclusiveAnalysisRun"] })
  })

  it("promote on a user-paused Rollout sends what `promote --full` sends: promoteFull on the status, then spec.paused=false", async () => {
    const name = unique("argo")
    await argoInFlight(name, steps)
    const stored = fake.get("argoproj.io/v1alpha1", "Rollout", "shop", name)!
    fake.update({ ...stored, spec: { ...(stored["spec"] as object), paused: true } })
    await fake.settle()
    const t = await run(target({ mode: "argo", name, stepTimeout: "5 seconds" }))
    const before = fake.requests.length
    await run(t.promote)
    expect(patchesSince(before)).toEqual([
      [`${rolloutPath(name)}/status`, "application/merge-patch+json", { status: { promoteFull: true } }],
      [rolloutPath(name), "application/merge-patch+json", { spec: { paused: false } }]
    ])
    expect(ArgoRollout.view(fake.get("argoproj.io/v1alpha1", "Rollout", "shop", name))).toMatchObject({ settledStable: true, phase: "Healthy", paused: false })
  })

  it("when the status subresource answers 404 (Rollouts before v0.10) the plugin's unified patch goes to the Rollout in place of the spec patch", async () => {
    const name = unique("argo")
    await argoInFlight(name, steps)
    fake.failNext({ method: "PATCH", path: `/rollouts/${name}/status`, status: 404 })
    const t = await run(target({ mode: "argo", name, stepTimeout: "300 millis" }))
    const before = fake.requests.length
    // this fake has the status subresource, so its Rollout ignores the status half and stays paused
    expect((await failure(t.apply({ weight: 10 }))).reason).toBe("Timeout")
    expect(patchesSince(before)).toEqual([
      [`${rolloutPath(name)}/status`, "application/merge-patch+json", { status: { pauseConditions: null } }],
      [rolloutPath(name), "application/merge-patch+json", { spec: { paused: false }, status: { pauseConditions: null } }]
    ])
  })

  it("promote sends promoteFull and waits until the stable ReplicaSet is the new one; abort after that is refused", async () => {
    const name = unique("argo")
    await argoInFlight(name, steps)
    const t = await run(target({ mode: "argo", name }))
    await run(t.promote)
    const stored = fake.get("argoproj.io/v1alpha1", "Rollout", "shop", name)!
    const status = stored["status"] as Record<string, unknown>
    expect(status["stableRS"]).toBe(status["currentPodHash"])
    expect(status["phase"]).toBe("Healthy")
    expect((await failure(t.rollback)).reason).toBe("Rejected")
  })

  it("rollback aborts (status.abort=true), is idempotent, and retry starts the steps again", async () => {
    const name = unique("argo")
    await argoInFlight(name, steps)
    const t = await run(target({ mode: "argo", name }))
    await run(t.apply({ weight: 10 }))
    await run(t.rollback)
    await run(t.rollback)
    const aborted = fake.requests.filter((r) => r.method === "PATCH" && r.path.endsWith(`/rollouts/${name}/status`) && JSON.stringify(r.body) === JSON.stringify({ status: { abort: true } }))
    expect(aborted).toHaveLength(1)
    expect(await run(t.status)).toMatchObject({ phase: "rolled_back", current: { weight: 0 } })
    expect((await failure(t.promote)).reason).toBe("Rejected")
    const kube = await run(Kube.connect({ kubeconfig }))
    await run(ArgoRollout.retry(kube, { name }))
    await fake.settle()
    expect(ArgoRollout.view(fake.get("argoproj.io/v1alpha1", "Rollout", "shop", name))).toMatchObject({ aborted: false, stepIndex: 1, weight: 5 })
  })

  it("a Rollout with no update in flight cannot take a step", async () => {
    const name = unique("argo")
    fake.create({ apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", metadata: { name, namespace: "shop" }, spec: { replicas: 1, selector: { matchLabels: labels(name) }, template: podTemplate(name, "a:1"), strategy: { canary: { steps } } } })
    await fake.settle()
    const error = await failure(Effect.flatMap(target({ mode: "argo", name }), (t) => t.apply({ weight: 10 })))
    expect(error.reason).toBe("Rejected")
    expect(error.detail).toContain("set the new image first")
  })

  it("a Rollout that does not move in time is a transient Timeout", async () => {
    // a controller that takes 5 s to react, a step timeout of 300 ms
    const slow = await startFakeKube({ reconcileDelayMs: 5000 })
    try {
      const name = "slow"
      slow.create({ apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", metadata: { name, namespace: "default" }, spec: { replicas: 1, selector: { matchLabels: labels(name) }, template: podTemplate(name, "a:1"), strategy: { canary: { steps } } }, status: { phase: "Paused", stableRS: "aaa", currentPodHash: "bbb", currentStepIndex: 1, pauseConditions: [{ reason: "CanaryPauseStep", startTime: "2026-11-29T07:00:00Z" }], controllerPause: true } })
      const path = slow.writeKubeconfig(mkdtempSync(join(tmpdir(), "rollwise-k8s-slow-")))
      const t = await run(TargetK8s.make({ kubeconfig: path }, { mode: "argo", name, stepTimeout: "300 millis" }))
      const started = Date.now()
      const error = await failure(t.apply({ weight: 20 }))
      expect(error.reason).toBe("Timeout")
      expect(error.transient).toBe(true)
      expect(Date.now() - started).toBeLessThan(3000)
    } finally {
      await slow.close()
    }
  })
})

describe("errors (client-node against the fake API server)", () => {
  it.each([
    [403, "Forbidden", false],
    [404, "NotFound", false],
    [500, "Unreachable", true],
    [503, "Unreachable", true]
  ] as const)("an API answer %i is %s (transient: %s), with the server's message", async (status, reason, transient) => {
    const name = unique("err")
    await argoInFlight(name, steps)
    fake.failNext({ method: "GET", path: `/rollouts/${name}`, status, message: `injected ${status}` })
    const error = await failure(Effect.flatMap(target({ mode: "argo", name }), (t) => t.status))
    expect(error.reason).toBe(reason)
    expect(error.transient).toBe(transient)
    expect(error.detail).toContain(`rollout shop/${name}`)
  })

  it("a missing Rollout is NotFound naming it", async () => {
    const error = await failure(Effect.flatMap(target({ mode: "argo", name: "no-such-rollout" }), (t) => t.status))
    expect(error.reason).toBe("NotFound")
    expect(error.detail).toContain("no-such-rollout")
  })

  it("refused credentials are Forbidden, and the token never appears in the error", async () => {
    const bad = fake.writeKubeconfig(mkdtempSync(join(tmpdir(), "rollwise-k8s-bad-")), { namespace: "shop", token: "wrong-token-value-77" })
    const error = await failure(Effect.flatMap(TargetK8s.make({ kubeconfig: bad }, { mode: "argo", name: "x" }), (t) => t.status))
    expect(error.reason).toBe("Forbidden")
    expect(error.detail).toContain("credentials were refused")
    expect(JSON.stringify({ detail: error.detail, message: error.message })).not.toContain("wrong-token-value-77")
  })

  it("an API server that is not there is Unreachable (transient)", async () => {
    const other = await startFakeKube()
    const path = other.writeKubeconfig(mkdtempSync(join(tmpdir(), "rollwise-k8s-gone-")))
    await other.close()
    const error = await failure(Effect.flatMap(TargetK8s.make({ kubeconfig: path }, { mode: "argo", name: "x" }), (t) => t.status))
    expect(error.reason).toBe("Unreachable")
    expect(error.transient).toBe(true)
  })

  it("a missing kubeconfig or context is NotFound naming it", async () => {
    expect((await failure(TargetK8s.make({ kubeconfig: join(dir, "nope.yaml") }, { mode: "argo", name: "x" }))).detail).toContain("nope.yaml")
    expect((await failure(TargetK8s.make({ kubeconfig, context: "prod" }, { mode: "argo", name: "x" }))).detail).toContain('context "prod"')
  })
})

/** Two Deployments and a Service, as charts/examples/canary-service renders them for blue/green. */
const blueGreen = async (service: string) => {
  for (const color of ["blue", "green"]) {
    fake.create({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: `${service}-${color}`, namespace: "shop" },
      spec: { replicas: color === "blue" ? 3 : 0, selector: { matchLabels: { app: service, color } }, template: { metadata: { labels: { app: service, color } }, spec: { containers: [{ name: "app", image: "shop/checkout:2.4.0" }] } } }
    })
  }
  fake.create({ apiVersion: "v1", kind: "Service", metadata: { name: service, namespace: "shop" }, spec: { selector: { app: service, color: "blue" }, ports: [{ port: 80 }] } })
  await fake.settle()
}

DeployTargetContract.suite(
  "plain blue/green through @kubernetes/client-node against the fake API server",
  () =>
    Layer.effect(
      DeployTarget.DeployTarget,
      Effect.gen(function* () {
        const service = unique("bg")
        yield* Effect.promise(() => blueGreen(service))
        return yield* target({ mode: "bluegreen", service, image: "shop/checkout:2.5.0", readyTimeout: "5 seconds" })
      }).pipe(Effect.orDie)
    ),
  "weight",
  [0, 0, 0, 0]
)

describe("blue/green (client-node against the fake API server)", () => {
  it("step 0 rolls the candidate out on the idle colour; step 100 flips the Service; rollback flips back", async () => {
    const service = unique("bg")
    await blueGreen(service)
    const t = await run(target({ mode: "bluegreen", service, image: "shop/checkout:2.5.0" }))
    await run(t.apply({ weight: 0 }))
    const green = fake.get("apps/v1", "Deployment", "shop", `${service}-green`)!
    expect(((green["spec"] as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0]!.image)).toBe("shop/checkout:2.5.0")
    expect((green["status"] as { availableReplicas: number }).availableReplicas).toBe(3)
    const selector = () => (fake.get("v1", "Service", "shop", service)!["spec"] as { selector: Record<string, string> }).selector
    expect(selector()["color"]).toBe("blue")
    await run(t.apply({ weight: 100 }))
    expect(selector()["color"]).toBe("green")
    await run(t.rollback)
    expect(selector()["color"]).toBe("blue")
    expect((await failure(t.apply({ weight: 30 }))).reason).toBe("Rejected")
  })
})

describe("plain canary with weights (client-node against the fake API server)", () => {
  const canaryFixture = async (name: string) => {
    for (const [suffix, replicas] of [["", 4], ["-canary", 0]] as const) {
      fake.create({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: `${name}${suffix}`, namespace: "shop" },
        spec: { replicas, selector: { matchLabels: { app: `${name}${suffix}` } }, template: { metadata: { labels: { app: `${name}${suffix}` } }, spec: { containers: [{ name: "app", image: "shop/checkout:2.4.0" }] } } }
      })
    }
    fake.create({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name, namespace: "shop" },
      spec: { parentRefs: [{ name: "gateway" }], rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name, port: 80, weight: 100 }] }] }
    })
    fake.create({ apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: `${name}-canary`, namespace: "shop", annotations: { "nginx.ingress.kubernetes.io/canary": "true" } }, spec: { rules: [] } })
    await fake.settle()
  }
  const route = (name: string) => ((fake.get("gateway.networking.k8s.io/v1", "HTTPRoute", "shop", name)!["spec"] as { rules: Array<{ backendRefs: Array<{ name: string; weight: number }> }> }).rules[0]!.backendRefs)

  it("HTTPRoute: each step sets the backendRefs' weights; promote moves the image to stable and the weight back to 0", async () => {
    const name = unique("canary")
    await canaryFixture(name)
    const t = await run(target({ mode: "canary", deployment: name, image: "shop/checkout:2.5.0", router: { kind: "httproute", name } }))
    await run(t.apply({ weight: 10 }))
    expect(route(name)).toEqual([{ name, port: 80, weight: 90 }, { name: `${name}-canary`, port: 80, weight: 10 }])
    await run(t.apply({ weight: 50 }))
    expect(route(name).map((r) => r.weight)).toEqual([50, 50])
    expect(await run(t.status)).toMatchObject({ phase: "progressing", current: { weight: 50 } })
    await run(t.promote)
    expect(route(name).map((r) => r.weight)).toEqual([100, 0])
    const stable = fake.get("apps/v1", "Deployment", "shop", name)!["spec"] as { template: { spec: { containers: Array<{ image: string }> } } }
    expect(stable.template.spec.containers[0]!.image).toBe("shop/checkout:2.5.0")
    expect((fake.get("apps/v1", "Deployment", "shop", `${name}-canary`)!["spec"] as { replicas: number }).replicas).toBe(0)
  })

  it("HTTPRoute: a write that loses a race (409) is read again and retried", async () => {
    const name = unique("canary")
    await canaryFixture(name)
    fake.failNext({ method: "PUT", path: `/httproutes/${name}`, status: 409 })
    const t = await run(target({ mode: "canary", deployment: name, image: "shop/checkout:2.5.0", router: { kind: "httproute", name } }))
    await run(t.apply({ weight: 20 }))
    expect(route(name).map((r) => r.weight)).toEqual([80, 20])
    expect(fake.requests.filter((r) => r.method === "PUT" && r.path.endsWith(`/httproutes/${name}`)).length).toBe(2)
  })

  it("NGINX: the canary Ingress' canary-weight annotation; rollback takes it to 0", async () => {
    const name = unique("canary")
    await canaryFixture(name)
    const t = await run(target({ mode: "canary", deployment: name, image: "shop/checkout:2.5.0", router: { kind: "nginx", ingress: `${name}-canary` } }))
    await run(t.apply({ weight: 25 }))
    const weight = () => ((fake.get("networking.k8s.io/v1", "Ingress", "shop", `${name}-canary`)!["metadata"] as { annotations: Record<string, string> }).annotations["nginx.ingress.kubernetes.io/canary-weight"])
    expect(weight()).toBe("25")
    await run(t.rollback)
    expect(weight()).toBe("0")
    expect((await failure(t.promote)).reason).toBe("Rejected")
  })
})

describe("rolling (client-node against the fake API server)", () => {
  it("a batch sets the image and pauses the Deployment; rollback undoes to the previous image", async () => {
    const name = unique("rolling")
    fake.create({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: "shop" },
      spec: { replicas: 4, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image: "shop/checkout:2.4.0" }] } } }
    })
    await fake.settle()
    const t = await run(target({ mode: "rolling", deployment: name, image: "shop/checkout:2.5.0" }))
    await run(t.apply({ weight: 25 }))
    const spec = () => fake.get("apps/v1", "Deployment", "shop", name)!["spec"] as { paused?: boolean; template: { spec: { containers: Array<{ image: string }> } } }
    expect(spec().paused).toBe(true)
    expect(spec().template.spec.containers[0]!.image).toBe("shop/checkout:2.5.0")
    expect(await run(t.status)).toMatchObject({ phase: "progressing", current: { weight: 25 } })
    await run(t.rollback)
    expect(spec().template.spec.containers[0]!.image).toBe("shop/checkout:2.4.0")
    expect(spec().paused).toBe(false)
    expect((await run(t.status)).phase).toBe("rolled_back")
  })
})

describe("Flagger (client-node against the fake API server)", () => {
  it("reads a Canary's status and maps it", async () => {
    fake.create({ apiVersion: "flagger.app/v1beta1", kind: "Canary", metadata: { name: "podinfo", namespace: "shop" }, spec: { targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "podinfo" } }, status: { phase: "Progressing", canaryWeight: 30, failedChecks: 1, iterations: 3 } })
    const kube = await run(Kube.connect({ kubeconfig }))
    expect(await run(Flagger.status(kube, "podinfo"))).toMatchObject({ phase: "progressing", current: { weight: 30 }, healthy: false })
  })
})
