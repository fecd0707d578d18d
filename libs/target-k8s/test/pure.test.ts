import { describe, expect, it } from "vitest"
import { ArgoRollout, BlueGreen, Flagger } from "../src/index.ts"

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

describe("ArgoRollout.promotePatches (pure; the patches kubectl argo rollouts promote sends)", () => {
  it("clears the pause conditions on the status subresource", () => {
    expect(ArgoRollout.promotePatches(rollout({ currentStepIndex: 1, pauseConditions: [{ reason: "CanaryPauseStep" }] }))).toEqual({ status: { status: { pauseConditions: null } } })
  })
  it("advances currentStepIndex when no pause condition holds a canary (never both)", () => {
    expect(ArgoRollout.promotePatches(rollout({ currentStepIndex: 3 }))).toEqual({ status: { status: { pauseConditions: null, currentStepIndex: 4 } } })
    expect(ArgoRollout.promotePatches(rollout({ currentStepIndex: 7 }))).toEqual({ status: { status: { pauseConditions: null, currentStepIndex: 7 } } })
  })
  it("unpauses a user pause on the spec", () => {
    expect(ArgoRollout.promotePatches(rollout({ currentStepIndex: 1, pauseConditions: [{ reason: "CanaryPauseStep" }] }, { paused: true }))).toEqual({
      spec: { spec: { paused: false } },
      status: { status: { pauseConditions: null } }
    })
  })
  it("clears an inconclusive analysis' controller pause by clearing its pause condition", () => {
    expect(ArgoRollout.promotePatches(rollout({ currentStepIndex: 2, controllerPause: true, pauseConditions: [{ reason: "InconclusiveAnalysisRun" }] }))).toEqual({ status: { status: { pauseConditions: null } } })
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

describe("Flagger.statusOf (pure)", () => {
  it.each([
    ["Succeeded", "promoted"],
    ["Failed", "rolled_back"],
    ["Progressing", "progressing"],
    ["WaitingPromotion", "progressing"],
    ["Initialized", "idle"],
    ["Terminated", "degraded"]
  ])("phase %s → %s", (phase, mapped) => {
    expect(Flagger.statusOf(Flagger.view({ status: { phase, canaryWeight: 20, failedChecks: 0 } })).phase).toBe(mapped)
  })
  it("carries the weight and the failed checks", () => {
    const s = Flagger.statusOf(Flagger.view({ status: { phase: "Progressing", canaryWeight: 30, failedChecks: 2 } }))
    expect(s.current).toEqual({ weight: 30 })
    expect(s.healthy).toBe(false)
    expect(s.detail).toContain("2 failed checks")
  })
})

describe("BlueGreen.rolledOut (pure; what kubectl rollout status waits for)", () => {
  const d = (generation: number, status: Record<string, number>) => ({ metadata: { generation }, spec: { replicas: 3, selector: {}, template: {} }, status })
  it("needs the observed generation and every replica updated and available, no old ones left", () => {
    expect(BlueGreen.rolledOut(d(2, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }))).toBe(true)
    expect(BlueGreen.rolledOut(d(3, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }))).toBe(false)
    expect(BlueGreen.rolledOut(d(2, { observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 }))).toBe(false)
    expect(BlueGreen.rolledOut(d(2, { observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 3 }))).toBe(false)
  })
})
