import { fc, test } from "@fast-check/vitest"
import { startFakeKube } from "@rollwise/kube-harness"
import { DeployTarget } from "@rollwise/rollout-engine"
import { DeployTargetContract } from "@rollwise/rollout-engine/testing"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { ArgoRollout, Kube, TargetK8s } from "../src/index.ts"
import { argoSteps as steps, failure, labels, podTemplate, run, unique, useFakeCluster } from "./support.ts"

/** A Rollout in the real CRD's shape (argoproj.io/v1alpha1), steps 10 → 25 → 50 → 100 with pauses. */
const rollout = (status: Record<string, unknown>, spec: Record<string, unknown> = {}) => ({
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Rollout",
  metadata: { name: "checkout", namespace: "shop" },
  spec: {
    strategy: { canary: { steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 25 }, { pause: { duration: "5m" } }, { setWeight: 50 }, { pause: {} }, { setWeight: 100 }] } },
    ...spec
  },
  status
})

describe("ArgoRollout.view (pure)", () => {
  it("reads the weight as the plugin's SET-WEIGHT: the last setWeight at or before the current step", () => {
    expect(ArgoRollout.view(rollout({ currentStepIndex: 1, stableRS: "a", currentPodHash: "b", pauseConditions: [{ reason: "CanaryPauseStep" }] }))).toMatchObject({ weight: 10, paused: true, stepIndex: 1, stepCount: 7, settledStable: false })
    expect(ArgoRollout.view(rollout({ currentStepIndex: 4, stableRS: "a", currentPodHash: "b" })).weight).toBe(50)
    expect(ArgoRollout.view(rollout({ currentStepIndex: 0, stableRS: "a", currentPodHash: "b" })).weight).toBe(10)
  })
  it("prefers the controller's routed canary weight; 100 once stable; 0 when aborted", () => {
    expect(ArgoRollout.view(rollout({ currentStepIndex: 2, stableRS: "a", currentPodHash: "b", canary: { weights: { canary: { weight: 24 } } } })).weight).toBe(24)
    expect(ArgoRollout.view(rollout({ currentStepIndex: 7, stableRS: "b", currentPodHash: "b", phase: "Healthy" })).weight).toBe(100)
    expect(ArgoRollout.view(rollout({ currentStepIndex: 3, stableRS: "a", currentPodHash: "b", abort: true })).weight).toBe(0)
  })
  it("a user pause or a controller pause counts as paused", () => {
    expect(ArgoRollout.view(rollout({ currentStepIndex: 2, stableRS: "a", currentPodHash: "b" }, { paused: true })).paused).toBe(true)
    expect(ArgoRollout.view(rollout({ currentStepIndex: 2, stableRS: "a", currentPodHash: "b", controllerPause: true })).paused).toBe(true)
  })
})

/** A blue/green Rollout in the real CRD's shape. */
const blueGreen = (status: Record<string, unknown>, spec: Record<string, unknown> = {}) => ({
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Rollout",
  metadata: { name: "storefront", namespace: "shop" },
  spec: { strategy: { blueGreen: { activeService: "storefront-active", autoPromotionEnabled: false } }, ...spec },
  status
})
const noSteps = (status: Record<string, unknown>) => ({ spec: { strategy: { canary: {} } }, status })
const inFlight = { stableRS: "a", currentPodHash: "b" }
const stepPause = { pauseConditions: [{ reason: "CanaryPauseStep", startTime: "2026-11-29T07:00:00Z" }], controllerPause: true }
const inconclusivePause = { pauseConditions: [{ reason: "InconclusiveAnalysisRun", startTime: "2026-11-29T07:00:00Z" }], controllerPause: true }
const stepRun = (status: string) => ({ canary: { currentStepAnalysisRunStatus: { name: "checkout-b-2-3", status } } })

// promote.go's patch constants, as the plugin sends them
const clearPauseConditionsPatch = { status: { status: { pauseConditions: null } } }
const clearPauseConditionsAndControllerPausePatch = (n: number) => ({ status: { status: { pauseConditions: null, controllerPause: false, currentStepIndex: n } } })
const clearPauseConditionsPatchWithStep = (n: number) => ({ status: { status: { pauseConditions: null, currentStepIndex: n } } })
const unpausePatch = { spec: { spec: { paused: false } } }
const promoteFullPatch = { status: { status: { promoteFull: true } } }
const unpauseAndClearPauseConditionsPatch = { unified: { spec: { paused: false }, status: { pauseConditions: null } } }
const unpauseAndClearPauseConditionsPatchWithStep = (n: number) => ({ unified: { spec: { paused: false }, status: { pauseConditions: null, currentStepIndex: n } } })
const unpauseAndPromoteFullPatch = { unified: { spec: { paused: false }, status: { promoteFull: true } } }

describe("ArgoRollout.promotePatches (pure): the requests of `kubectl argo rollouts promote` (argo-rollouts pkg/kubectl-argo-rollouts/cmd/promote/promote.go, getPatches)", () => {
  it.each<[string, ArgoRollout.PromoteMode, unknown, object]>([
    // promote (no flag)
    ["default, isInconclusive && pauseConditions && controllerPause: clearPauseConditionsAndControllerPausePatch, index + 1", "step", rollout({ ...inFlight, ...inconclusivePause, ...stepRun("Inconclusive"), currentStepIndex: 3 }), { ...clearPauseConditionsAndControllerPausePatch(4), ...unpauseAndClearPauseConditionsPatch }],
    ["default, inconclusive on the last step: the index goes to the end", "step", rollout({ ...inFlight, ...inconclusivePause, ...stepRun("Inconclusive"), currentStepIndex: 6 }), { ...clearPauseConditionsAndControllerPausePatch(7), ...unpauseAndClearPauseConditionsPatch }],
    ["default, inconclusive with a user pause: the spec patch too", "step", rollout({ ...inFlight, ...inconclusivePause, ...stepRun("Inconclusive"), currentStepIndex: 3 }, { paused: true }), { ...clearPauseConditionsAndControllerPausePatch(4), ...unpausePatch, ...unpauseAndClearPauseConditionsPatch }],
    ["default, inconclusive run but controllerPause already cleared: clearPauseConditionsPatch", "step", rollout({ ...inFlight, ...stepRun("Inconclusive"), pauseConditions: inconclusivePause.pauseConditions, currentStepIndex: 3 }), { ...clearPauseConditionsPatch, ...unpauseAndClearPauseConditionsPatch }],
    ["default, inconclusive branch without canary steps (GetCurrentCanaryStep has no index): no status patch at all", "step", noSteps({ ...inFlight, ...inconclusivePause, ...stepRun("Inconclusive") }), { ...unpauseAndClearPauseConditionsPatch }],
    ["default, pauseConditions (a pause step): clearPauseConditionsPatch", "step", rollout({ ...inFlight, ...stepPause, currentStepIndex: 1 }), { ...clearPauseConditionsPatch, ...unpauseAndClearPauseConditionsPatch }],
    ["default, pauseConditions from an inconclusive background run (the step run is not Inconclusive): clearPauseConditionsPatch", "step", rollout({ ...inFlight, ...inconclusivePause, canary: { currentBackgroundAnalysisRunStatus: { name: "checkout-b-2", status: "Inconclusive" }, currentStepAnalysisRunStatus: { name: "checkout-b-2-3", status: "Successful" } }, currentStepIndex: 3 }), { ...clearPauseConditionsPatch, ...unpauseAndClearPauseConditionsPatch }],
    ["default, pauseConditions with a user pause: unpausePatch as well", "step", rollout({ ...inFlight, ...stepPause, currentStepIndex: 1 }, { paused: true }), { ...clearPauseConditionsPatch, ...unpausePatch, ...unpauseAndClearPauseConditionsPatch }],
    ["default, canary without pauseConditions (e.g. a running analysis): clearPauseConditionsPatchWithStep, index + 1", "step", rollout({ ...inFlight, ...stepRun("Running"), currentStepIndex: 3 }), { ...clearPauseConditionsPatchWithStep(4), ...unpauseAndClearPauseConditionsPatchWithStep(4) }],
    ["default, canary without pauseConditions and no index in the status: GetCurrentCanaryStep reads 0", "step", rollout(inFlight), { ...clearPauseConditionsPatchWithStep(1), ...unpauseAndClearPauseConditionsPatchWithStep(1) }],
    ["default, canary at the end of its steps: the index stays", "step", rollout({ ...inFlight, currentStepIndex: 7 }), { ...clearPauseConditionsPatchWithStep(7), ...unpauseAndClearPauseConditionsPatchWithStep(7) }],
    ["default, canary with a user pause only: the step patch and unpausePatch", "step", rollout({ ...inFlight, currentStepIndex: 2 }, { paused: true }), { ...clearPauseConditionsPatchWithStep(3), ...unpausePatch, ...unpauseAndClearPauseConditionsPatchWithStep(3) }],
    ["default, canary without steps and without pauseConditions: nothing", "step", noSteps(inFlight), { ...unpauseAndClearPauseConditionsPatch }],
    ["default, bluegreen in BlueGreenPause: clearPauseConditionsPatch", "step", blueGreen({ ...inFlight, pauseConditions: [{ reason: "BlueGreenPause" }], controllerPause: true }), { ...clearPauseConditionsPatch, ...unpauseAndClearPauseConditionsPatch }],
    ["default, bluegreen with an inconclusive pause: isInconclusive is canary-only, so clearPauseConditionsPatch", "step", blueGreen({ ...inFlight, ...inconclusivePause, canary: { currentStepAnalysisRunStatus: { name: "x", status: "Inconclusive" } } }), { ...clearPauseConditionsPatch, ...unpauseAndClearPauseConditionsPatch }],
    ["default, bluegreen without pauseConditions: no status patch; unpausePatch for a user pause", "step", blueGreen(inFlight, { paused: true }), { ...unpausePatch, ...unpauseAndClearPauseConditionsPatch }],
    ["default, bluegreen neither paused nor held: nothing", "step", blueGreen(inFlight), { ...unpauseAndClearPauseConditionsPatch }],
    // promote --full
    ["full, an update in flight (currentPodHash != stableRS): promoteFullPatch", "full", rollout({ ...inFlight, ...stepPause, currentStepIndex: 1 }), { ...promoteFullPatch, ...unpauseAndPromoteFullPatch }],
    ["full, paused on an inconclusive step: promoteFullPatch, the index untouched", "full", rollout({ ...inFlight, ...inconclusivePause, ...stepRun("Inconclusive"), currentStepIndex: 3 }), { ...promoteFullPatch, ...unpauseAndPromoteFullPatch }],
    ["full, with a user pause: unpausePatch as well", "full", rollout({ ...inFlight, currentStepIndex: 2 }, { paused: true }), { ...promoteFullPatch, ...unpausePatch, ...unpauseAndPromoteFullPatch }],
    ["full, bluegreen: the same promoteFullPatch", "full", blueGreen({ ...inFlight, pauseConditions: [{ reason: "BlueGreenPause" }], controllerPause: true }), { ...promoteFullPatch, ...unpauseAndPromoteFullPatch }],
    ["full, already promoted (currentPodHash == stableRS) but user-paused: unpausePatch only", "full", rollout({ stableRS: "b", currentPodHash: "b", currentStepIndex: 7 }, { paused: true }), { ...unpausePatch, ...unpauseAndPromoteFullPatch }],
    ["full, already promoted and not paused: nothing", "full", rollout({ stableRS: "b", currentPodHash: "b", currentStepIndex: 7 }), { ...unpauseAndPromoteFullPatch }]
  ])("%s", (_branch, mode, state, expected) => {
    expect(ArgoRollout.promotePatches(state, mode)).toEqual(expected)
  })

  const statusFields = fc.record(
    {
      currentStepIndex: fc.integer({ min: 0, max: 9 }),
      pauseConditions: fc.subarray([{ reason: "CanaryPauseStep" }, { reason: "InconclusiveAnalysisRun" }]),
      controllerPause: fc.boolean(),
      canary: fc.record({ currentStepAnalysisRunStatus: fc.record({ name: fc.constant("run"), status: fc.constantFrom("Running", "Successful", "Inconclusive", "Failed") }) }, { requiredKeys: [] }),
      stableRS: fc.constantFrom("a", "b"),
      currentPodHash: fc.constant("b")
    },
    { requiredKeys: [] }
  )

  test.prop([statusFields, fc.boolean()])("a step promote never moves a canary backwards nor past its steps, and never promotes fully", (status, paused) => {
    const patches = ArgoRollout.promotePatches(rollout(status, paused ? { paused: true } : {}), "step")
    const patched = (patches.status?.["status"] ?? {}) as Record<string, unknown>
    expect(patched["promoteFull"]).toBeUndefined()
    if (patched["currentStepIndex"] !== undefined) {
      const from = status.currentStepIndex ?? 0
      expect(patched["currentStepIndex"]).toBe(from < 7 ? from + 1 : from)
    }
    expect(patches.spec !== undefined).toBe(paused)
  })

  test.prop([statusFields, fc.boolean()])("promote --full never touches the step index or the pause conditions", (status, paused) => {
    const patches = ArgoRollout.promotePatches(rollout(status, paused ? { paused: true } : {}), "full")
    expect(patches.status).toEqual(status.currentPodHash === status.stableRS ? undefined : { status: { promoteFull: true } })
    expect(patches.spec !== undefined).toBe(paused)
  })
})

describe("ArgoRollout.statusOf (pure)", () => {
  it.each([
    [{ abort: true, stableRS: "a", currentPodHash: "b", message: "RolloutAborted: Rollout aborted update to revision 2" }, "rolled_back"],
    [{ stableRS: "b", currentPodHash: "b", phase: "Healthy" }, "promoted"],
    [{ stableRS: "a", currentPodHash: "b", phase: "Degraded" }, "degraded"],
    [{ stableRS: "a", currentPodHash: "b", phase: "Paused", currentStepIndex: 1, pauseConditions: [{ reason: "CanaryPauseStep" }] }, "progressing"]
  ])("%j → %s", (status, phase) => {
    expect(ArgoRollout.statusOf(ArgoRollout.view(rollout(status))).phase).toBe(phase)
  })
})

/** Through @kubernetes/client-node against the fake API server of tools/kube-harness (see test/support.ts). */
const cluster = useFakeCluster()

DeployTargetContract.suite("Argo Rollout through @kubernetes/client-node against the fake API server", () =>
  Layer.effect(
    DeployTarget.DeployTarget,
    Effect.gen(function* () {
      const name = unique("contract")
      yield* Effect.promise(() => cluster.argoInFlight(name, steps))
      return yield* cluster.target({ mode: "argo", name, stepTimeout: "5 seconds" })
    }).pipe(Effect.orDie)
  )
)

describe("Argo Rollout (client-node against the fake API server)", () => {
  it("apply(25) promotes step by step with the plugin's patches on the status subresource, and stops paused at 25 %", async () => {
    const name = unique("argo")
    await cluster.argoInFlight(name, [{ setWeight: 10 }, { pause: {} }, { setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }])
    const t = await run(cluster.target({ mode: "argo", name }))
    const before = cluster.fake.requests.length
    await run(t.apply({ weight: 25 }))
    const status = await run(t.status)
    expect(status).toMatchObject({ phase: "progressing", current: { weight: 25 } })
    const patches = cluster.fake.requests.slice(before).filter((r) => r.method === "PATCH")
    expect(patches.map((r) => [r.path, r.contentType, r.body])).toEqual([[`/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/${name}/status`, "application/merge-patch+json", { status: { pauseConditions: null } }]])
    // watched, not polled: a handful of GETs, one watch
    expect(cluster.fake.requests.slice(before).filter((r) => r.method === "GET" && !r.query.includes("watch")).length).toBeLessThanOrEqual(3)
    expect(cluster.fake.requests.slice(before).some((r) => r.query.includes("watch=true") && r.query.includes(`metadata.name%3D${name}`))).toBe(true)
  })

  it("passes timed pauses and an inconclusive analysis' controller pause on the way", async () => {
    const name = unique("argo")
    await cluster.argoInFlight(name, [{ setWeight: 10 }, { pause: {} }, { setWeight: 20 }, { pause: { duration: "10s" } }, { analysis: { templates: [{ templateName: "inconclusive-check" }] } }, { setWeight: 40 }, { pause: {} }])
    const t = await run(cluster.target({ mode: "argo", name }))
    await run(t.apply({ weight: 40 }))
    expect((await run(t.status)).current).toEqual({ weight: 40 })
    const view = ArgoRollout.view(cluster.fake.get("argoproj.io/v1alpha1", "Rollout", "shop", name))
    expect(view).toMatchObject({ paused: true, pauseReasons: ["CanaryPauseStep"] })
  })

  const rolloutPath = (name: string) => `/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/${name}`
  const patchesSince = (before: number) => cluster.fake.requests.slice(before).filter((r) => r.method === "PATCH").map((r) => [r.path, r.contentType, r.body])
  /** The AnalysisRuns of one Rollout: [step-index label, phase], oldest first. */
  const runsOf = (name: string) =>
    cluster.fake
      .list("argoproj.io/v1alpha1", "AnalysisRun", "shop")
      .filter((r) => String((r["metadata"] as { name: string }).name).startsWith(`${name}-`))
      .sort((a, b) => String((a["metadata"] as { name: string }).name).localeCompare(String((b["metadata"] as { name: string }).name)))
      .map((r) => [(r["metadata"] as { labels: Record<string, string> }).labels["step-index"], (r["status"] as { phase?: string } | undefined)?.phase])
  const inconclusiveStep = [{ setWeight: 10 }, { analysis: { templates: [{ templateName: "inconclusive-check" }] } }, { setWeight: 25 }, { pause: {} }]

  it("on an inconclusive step analysis apply sends promote.go's inconclusive patch: the Rollout moves to the next step with no new AnalysisRun on that step", async () => {
    const name = unique("argo")
    await cluster.argoInFlight(name, inconclusiveStep)
    expect(ArgoRollout.view(cluster.fake.get("argoproj.io/v1alpha1", "Rollout", "shop", name))).toMatchObject({ stepIndex: 1, paused: true, pauseReasons: ["InconclusiveAnalysisRun"] })
    const t = await run(cluster.target({ mode: "argo", name, stepTimeout: "5 seconds" }))
    const before = cluster.fake.requests.length
    await run(t.apply({ weight: 25 }))
    expect(patchesSince(before)).toEqual([[`${rolloutPath(name)}/status`, "application/merge-patch+json", { status: { pauseConditions: null, controllerPause: false, currentStepIndex: 2 } }]])
    expect(ArgoRollout.view(cluster.fake.get("argoproj.io/v1alpha1", "Rollout", "shop", name))).toMatchObject({ stepIndex: 3, weight: 25, paused: true, pauseReasons: ["CanaryPauseStep"] })
    expect(runsOf(name)).toEqual([["1", "Inconclusive"]])
  })

  it("the old promote body on an inconclusive step (pauseConditions: null alone) makes Argo run the step's analysis again, so the step is never left", async () => {
    const name = unique("argo")
    await cluster.argoInFlight(name, inconclusiveStep)
    const kube = await run(Kube.connect({ kubeconfig: cluster.kubeconfig }))
    await kube.custom.patchNamespacedCustomObjectStatus(
      { group: "argoproj.io", version: "v1alpha1", namespace: "shop", plural: "rollouts", name, body: { status: { pauseConditions: null } } },
      Kube.patchType("merge")
    )
    await cluster.fake.settle()
    expect(runsOf(name)).toEqual([
      ["1", "Inconclusive"],
      ["1", "Inconclusive"]
    ])
    expect(ArgoRollout.view(cluster.fake.get("argoproj.io/v1alpha1", "Rollout", "shop", name))).toMatchObject({ stepIndex: 1, paused: true, pauseReasons: ["InconclusiveAnalysisRun"] })
  })

  it("promote on a user-paused Rollout sends what `promote --full` sends: promoteFull on the status, then spec.paused=false", async () => {
    const name = unique("argo")
    await cluster.argoInFlight(name, steps)
    const stored = cluster.fake.get("argoproj.io/v1alpha1", "Rollout", "shop", name)!
    cluster.fake.update({ ...stored, spec: { ...(stored["spec"] as object), paused: true } })
    await cluster.fake.settle()
    const t = await run(cluster.target({ mode: "argo", name, stepTimeout: "5 seconds" }))
    const before = cluster.fake.requests.length
    await run(t.promote)
    expect(patchesSince(before)).toEqual([
      [`${rolloutPath(name)}/status`, "application/merge-patch+json", { status: { promoteFull: true } }],
      [rolloutPath(name), "application/merge-patch+json", { spec: { paused: false } }]
    ])
    expect(ArgoRollout.view(cluster.fake.get("argoproj.io/v1alpha1", "Rollout", "shop", name))).toMatchObject({ settledStable: true, phase: "Healthy", paused: false })
  })

  it("when the status subresource answers 404 (Rollouts before v0.10) the plugin's unified patch goes to the Rollout in place of the spec patch", async () => {
    const name = unique("argo")
    await cluster.argoInFlight(name, steps)
    cluster.fake.failNext({ method: "PATCH", path: `/rollouts/${name}/status`, status: 404 })
    const t = await run(cluster.target({ mode: "argo", name, stepTimeout: "300 millis" }))
    const before = cluster.fake.requests.length
    // this fake has the status subresource, so its Rollout ignores the status half and stays paused
    expect((await failure(t.apply({ weight: 10 }))).reason).toBe("Timeout")
    expect(patchesSince(before)).toEqual([
      [`${rolloutPath(name)}/status`, "application/merge-patch+json", { status: { pauseConditions: null } }],
      [rolloutPath(name), "application/merge-patch+json", { spec: { paused: false }, status: { pauseConditions: null } }]
    ])
  })

  it("promote sends promoteFull and waits until the stable ReplicaSet is the new one; abort after that is refused", async () => {
    const name = unique("argo")
    await cluster.argoInFlight(name, steps)
    const t = await run(cluster.target({ mode: "argo", name }))
    await run(t.promote)
    const stored = cluster.fake.get("argoproj.io/v1alpha1", "Rollout", "shop", name)!
    const status = stored["status"] as Record<string, unknown>
    expect(status["stableRS"]).toBe(status["currentPodHash"])
    expect(status["phase"]).toBe("Healthy")
    expect((await failure(t.rollback)).reason).toBe("Rejected")
  })

  it("rollback aborts (status.abort=true), is idempotent, and retry starts the steps again", async () => {
    const name = unique("argo")
    await cluster.argoInFlight(name, steps)
    const t = await run(cluster.target({ mode: "argo", name }))
    await run(t.apply({ weight: 10 }))
    await run(t.rollback)
    await run(t.rollback)
    const aborted = cluster.fake.requests.filter((r) => r.method === "PATCH" && r.path.endsWith(`/rollouts/${name}/status`) && JSON.stringify(r.body) === JSON.stringify({ status: { abort: true } }))
    expect(aborted).toHaveLength(1)
    expect(await run(t.status)).toMatchObject({ phase: "rolled_back", current: { weight: 0 } })
    expect((await failure(t.promote)).reason).toBe("Rejected")
    const kube = await run(Kube.connect({ kubeconfig: cluster.kubeconfig }))
    await run(ArgoRollout.retry(kube, { name }))
    await cluster.fake.settle()
    expect(ArgoRollout.view(cluster.fake.get("argoproj.io/v1alpha1", "Rollout", "shop", name))).toMatchObject({ aborted: false, stepIndex: 1, weight: 5 })
  })

  it("a Rollout with no update in flight cannot take a step", async () => {
    const name = unique("argo")
    cluster.fake.create({ apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", metadata: { name, namespace: "shop" }, spec: { replicas: 1, selector: { matchLabels: labels(name) }, template: podTemplate(name, "a:1"), strategy: { canary: { steps } } } })
    await cluster.fake.settle()
    const error = await failure(Effect.flatMap(cluster.target({ mode: "argo", name }), (t) => t.apply({ weight: 10 })))
    expect(error.reason).toBe("Rejected")
    expect(error.detail).toContain("set the new image first")
  })

  it("a Rollout that does not move in time is a transient Timeout", async () => {
    // a controller that takes a minute to react, a step timeout of 300 ms
    const slow = await startFakeKube({ reconcileDelayMs: 60_000 })
    try {
      const name = "slow"
      slow.create({ apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", metadata: { name, namespace: "default" }, spec: { replicas: 1, selector: { matchLabels: labels(name) }, template: podTemplate(name, "a:1"), strategy: { canary: { steps } } }, status: { phase: "Paused", stableRS: "aaa", currentPodHash: "bbb", currentStepIndex: 1, pauseConditions: [{ reason: "CanaryPauseStep", startTime: "2026-11-29T07:00:00Z" }], controllerPause: true } })
      const path = slow.writeKubeconfig(cluster.tempDir("slow-"))
      const t = await run(TargetK8s.make({ kubeconfig: path }, { mode: "argo", name, stepTimeout: "300 millis" }))
      const error = await failure(t.apply({ weight: 20 }))
      expect(error.reason).toBe("Timeout")
      expect(error.transient).toBe(true)
      // the answer came from the step timeout, not from the controller: the Rollout has not moved yet
      expect(ArgoRollout.view(slow.get("argoproj.io/v1alpha1", "Rollout", "default", name))).toMatchObject({ stepIndex: 1 })
    } finally {
      await slow.close()
    }
  })
})
