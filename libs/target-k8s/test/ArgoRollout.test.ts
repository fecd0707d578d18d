import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import { ArgoRollout } from "../src/index.ts"

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
