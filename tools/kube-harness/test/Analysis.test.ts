import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node"
import { afterEach, describe, expect, it } from "vitest"
import { argoRolloutInFlight, startFakeKube, type FakeKube, type FakeKubeOptions } from "../src/index.ts"
import { at, type Obj } from "./support.ts"

/**
 * The fake's Argo Rollouts controller on Argo's side of the contract:
 * AnalysisRuns for inline analysis steps and background analysis, pause
 * conditions and step progression, driven by the plugin's patches through
 * @kubernetes/client-node. Each test names the upstream logic it follows
 * (argoproj/argo-rollouts: rollout/analysis.go, rollout/canary.go,
 * rollout/pause.go, analysis/analysis.go,
 * pkg/kubectl-argo-rollouts/cmd/promote/promote.go).
 */
const group = "argoproj.io"
const version = "v1alpha1"
const namespace = "default"
const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch)

let kube: FakeKube | undefined
afterEach(async () => {
  await kube?.close()
  kube = undefined
})

const start = async (options: FakeKubeOptions = {}) => {
  kube = await startFakeKube(options)
  const config = new KubeConfig()
  config.loadFromString(kube.kubeconfig())
  const custom = config.makeApiClient(CustomObjectsApi)
  const fake = kube
  return {
    fake,
    /** A merge patch on the Rollout's status subresource, as the plugin sends it. */
    patchStatus: (status: Obj, name = "checkout") =>
      custom.patchNamespacedCustomObjectStatus({ group, version, namespace, plural: "rollouts", name, body: { status } }, merge) as Promise<Obj>,
    status: (name = "checkout") => fake.get(`${group}/${version}`, "Rollout", namespace, name)!["status"] as Obj,
    /** This Rollout's AnalysisRuns, oldest first. */
    runs: () =>
      [...fake.list(`${group}/${version}`, "AnalysisRun", namespace)].sort((a, b) => String(at(a, "metadata", "name")).localeCompare(String(at(b, "metadata", "name")))),
    template: (name: string, metric: Obj) =>
      fake.create({ apiVersion: `${group}/${version}`, kind: "AnalysisTemplate", metadata: { name, namespace }, spec: { metrics: [metric] } }),
    inFlight: (steps: ReadonlyArray<Obj>, analysis?: Obj) =>
      argoRolloutInFlight(fake, { name: "checkout", namespace, steps, from: "checkout:1.0.0", to: "checkout:1.1.0", ...(analysis === undefined ? {} : { analysis }) })
  }
}

const inconclusiveStep = [{ setWeight: 20 }, { analysis: { templates: [{ templateName: "inconclusive-latency" }] } }, { setWeight: 60 }, { pause: {} }]

describe("inline step analysis (rollout/analysis.go reconcileStepBasedAnalysisRun, needsNewAnalysisRun)", () => {
  it("an Inconclusive run pauses the Rollout on its step with InconclusiveAnalysisRun and Argo's run status and message", async () => {
    const { inFlight, status, runs } = await start()
    await inFlight(inconclusiveStep)
    const s = status()
    const base = `checkout-${String(s["currentPodHash"])}-2-1`
    expect(s).toMatchObject({ phase: "Paused", message: "InconclusiveAnalysisRun", currentStepIndex: 1, controllerPause: true, pauseConditions: [{ reason: "InconclusiveAnalysisRun" }] })
    expect(at(s, "canary", "currentStepAnalysisRunStatus")).toEqual({
      name: base,
      status: "Inconclusive",
      message: 'Metric "inconclusive-latency" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0)'
    })
    expect(runs()).toHaveLength(1)
    expect(runs()[0]).toMatchObject({
      metadata: {
        name: base,
        labels: { "rollout-type": "Step", "step-index": "1", "rollouts-pod-template-hash": s["currentPodHash"], app: "checkout" },
        annotations: { "rollout.argoproj.io/revision": "2" },
        ownerReferences: [{ kind: "Rollout", name: "checkout", controller: true }]
      },
      status: { phase: "Inconclusive", runSummary: { count: 1, inconclusive: 1 } }
    })
  })

  it("clearing only the pause conditions (Rollwise's old promote) starts a new AnalysisRun on the same step, which pauses it again", async () => {
    const { inFlight, status, runs, patchStatus, fake } = await start()
    await inFlight(inconclusiveStep)
    const base = `checkout-${String(status()["currentPodHash"])}-2-1`
    await patchStatus({ pauseConditions: null })
    await fake.settle()
    // needsNewAnalysisRun: controllerPause without a pause-step condition and an Inconclusive run → a new run (collision counter .1)
    expect(runs().map((r) => [at(r, "metadata", "name"), at(r, "metadata", "labels", "step-index"), at(r, "status", "phase")])).toEqual([
      [base, "1", "Inconclusive"],
      [`${base}.1`, "1", "Inconclusive"]
    ])
    expect(status()).toMatchObject({ phase: "Paused", message: "InconclusiveAnalysisRun", currentStepIndex: 1, controllerPause: true })
    expect(at(status(), "canary", "currentStepAnalysisRunStatus", "name")).toBe(`${base}.1`)
  })

  it("promote.go's inconclusive patch (pauseConditions null, controllerPause false, currentStepIndex N+1) moves to the next step with no new run", async () => {
    const { inFlight, status, runs, patchStatus, fake } = await start()
    await inFlight(inconclusiveStep)
    await patchStatus({ pauseConditions: null, controllerPause: false, currentStepIndex: 2 })
    await fake.settle()
    const s = status()
    expect(s).toMatchObject({ phase: "Paused", message: "CanaryPauseStep", currentStepIndex: 3 })
    expect(at(s, "canary", "currentStepAnalysisRunStatus")).toBeUndefined()
    expect(runs()).toHaveLength(1)
  })

  it("a re-run that passes hides the difference in the end state, not in the runs: the old promote still costs a second AnalysisRun", async () => {
    // the first run of the step is Inconclusive, every later one Successful (what the fake used to do)
    const { inFlight, status, runs, patchStatus, fake } = await start({
      analysisOutcome: (run) => (String(at(run, "metadata", "name")).endsWith(".1") ? "Successful" : undefined)
    })
    await inFlight(inconclusiveStep)
    await patchStatus({ pauseConditions: null })
    await fake.settle()
    expect(status()).toMatchObject({ phase: "Paused", message: "CanaryPauseStep", currentStepIndex: 3 })
    expect(runs().map((r) => at(r, "status", "phase"))).toEqual(["Inconclusive", "Successful"])
  })

  it("a running analysis holds its step until its run completes; a Successful run moves on (canary.go completedCurrentCanaryStep)", async () => {
    const { inFlight, status, runs, template, fake } = await start()
    template("latency", { name: "p99", interval: "1m", successCondition: "result[0] < 0.3", provider: { web: { url: "http://rollwise/v1/judge" } } })
    await inFlight([{ setWeight: 20 }, { analysis: { templates: [{ templateName: "latency" }], args: [{ name: "service", value: "checkout" }] } }, { setWeight: 60 }, { pause: {} }])
    const s = status()
    expect(s).toMatchObject({ phase: "Progressing", currentStepIndex: 1 })
    expect(s["pauseConditions"]).toBeUndefined()
    expect(at(s, "canary", "currentStepAnalysisRunStatus", "status")).toBe("Running")
    const [run] = runs()
    expect(run).toMatchObject({ spec: { metrics: [{ name: "p99", interval: "1m" }], args: [{ name: "service", value: "checkout" }] }, status: { phase: "Running" } })
    // the analysis controller finishes the run
    fake.update({ ...run!, status: { ...(run!["status"] as Obj), phase: "Successful" } })
    await fake.settle()
    expect(status()).toMatchObject({ phase: "Paused", message: "CanaryPauseStep", currentStepIndex: 3 })
    expect(runs()).toHaveLength(1)
  })

  it("promoting past a running analysis (promote.go clearPauseConditionsPatchWithStep) terminates its run: Successful, Run Terminated", async () => {
    const { inFlight, status, runs, template, patchStatus, fake } = await start()
    template("latency", { name: "p99", interval: "1m", provider: { web: { url: "http://rollwise/v1/judge" } } })
    await inFlight([{ setWeight: 20 }, { analysis: { templates: [{ templateName: "latency" }] } }, { setWeight: 60 }, { pause: {} }])
    expect(runs()[0]).toMatchObject({ status: { phase: "Running" } })
    await patchStatus({ pauseConditions: null, currentStepIndex: 2 })
    await fake.settle()
    expect(status()).toMatchObject({ phase: "Paused", currentStepIndex: 3 })
    expect(runs()).toHaveLength(1)
    expect(runs()[0]).toMatchObject({ spec: { terminate: true }, status: { phase: "Successful", message: "Run Terminated" } })
  })

  it("a Failed run aborts the Rollout with Argo's message; a retry runs the analysis again (needsNewAnalysisRun after abortedAt)", async () => {
    const { inFlight, status, runs, patchStatus, fake } = await start({ analysisOutcome: (_run, metric) => (metric["name"] === "error-rate" ? "Failed" : undefined) })
    await inFlight([{ setWeight: 20 }, { analysis: { templates: [{ templateName: "error-rate" }] } }, { pause: {} }])
    const s = status()
    expect(s).toMatchObject({
      phase: "Degraded",
      message: 'RolloutAborted: Rollout aborted update to revision 2: Step-based analysis phase error/failed: Metric "error-rate" assessed Failed due to failed (1) > failureLimit (0)',
      abort: true,
      currentStepIndex: 0
    })
    expect(s["abortedAt"]).toEqual(expect.any(String))
    expect(runs().map((r) => at(r, "status", "phase"))).toEqual(["Failed"])
    await patchStatus({ abort: false })
    await fake.settle()
    expect(runs().map((r) => [at(r, "metadata", "labels", "step-index"), at(r, "status", "phase")])).toEqual([
      ["1", "Failed"],
      ["1", "Failed"]
    ])
    expect(status()).toMatchObject({ phase: "Degraded", abort: true })
  })
})

describe("background analysis (rollout/analysis.go reconcileBackgroundAnalysisRun)", () => {
  it("starts at startingStep, runs beside the steps, and is terminated when promote --full completes the Rollout", async () => {
    const { inFlight, status, runs, template, patchStatus, fake } = await start()
    template("background-latency", { name: "p99", interval: "30s", provider: { web: { url: "http://rollwise/v1/judge" } } })
    const steps = [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: {} }]
    await inFlight(steps, { templates: [{ templateName: "background-latency" }], startingStep: 2 })
    expect(status()).toMatchObject({ phase: "Paused", currentStepIndex: 1 })
    expect(runs()).toHaveLength(0) // before its starting step
    await patchStatus({ pauseConditions: null })
    await fake.settle()
    const hash = String(status()["currentPodHash"])
    expect(status()).toMatchObject({ phase: "Paused", currentStepIndex: 3 })
    expect(at(status(), "canary", "currentBackgroundAnalysisRunStatus")).toEqual({ name: `checkout-${hash}-2`, status: "Running" })
    expect(runs()).toHaveLength(1)
    expect(runs()[0]).toMatchObject({ metadata: { name: `checkout-${hash}-2`, labels: { "rollout-type": "Background", "rollouts-pod-template-hash": hash } } })
    expect(at(runs()[0], "metadata", "labels", "step-index")).toBeUndefined()
    await patchStatus({ promoteFull: true })
    await fake.settle()
    expect(status()).toMatchObject({ phase: "Healthy", stableRS: hash })
    expect(at(status(), "canary", "currentBackgroundAnalysisRunStatus")).toBeUndefined()
    expect(runs()[0]).toMatchObject({ spec: { terminate: true }, status: { phase: "Successful", message: "Run Terminated" } })
  })

  it("an Inconclusive background run pauses the Rollout; clearing the pause conditions (promote.go: the step run is not Inconclusive) starts a new background run", async () => {
    const { inFlight, status, runs, patchStatus, fake } = await start()
    await inFlight([{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: {} }], { templates: [{ templateName: "inconclusive-background" }], startingStep: 1 })
    const reasons = () => ((status()["pauseConditions"] ?? []) as Array<Obj>).map((c) => c["reason"])
    expect(status()).toMatchObject({ phase: "Paused", currentStepIndex: 1, controllerPause: true })
    expect(reasons()).toEqual(["CanaryPauseStep", "InconclusiveAnalysisRun"])
    expect(at(status(), "canary", "currentStepAnalysisRunStatus")).toBeUndefined()
    expect(at(status(), "canary", "currentBackgroundAnalysisRunStatus", "status")).toBe("Inconclusive")
    await patchStatus({ pauseConditions: null })
    await fake.settle()
    expect(runs().map((r) => [at(r, "metadata", "labels", "rollout-type"), at(r, "status", "phase")])).toEqual([
      ["Background", "Inconclusive"],
      ["Background", "Inconclusive"]
    ])
    // the resumed pause step is passed; the new run is Inconclusive again and holds the Rollout further on
    expect(status()["currentStepIndex"]).toBeGreaterThanOrEqual(2)
    expect(reasons()).toContain("InconclusiveAnalysisRun")
    expect(status()["phase"]).toBe("Paused")
  })
})

describe("pause conditions (rollout/pause.go CalculatePauseConditions, canary.go reconcileCanaryPause)", () => {
  it("controllerPause lives only as long as a pause condition: the reconcile after a promote reads it as a resume and drops it", async () => {
    const { inFlight, status, patchStatus, fake } = await start()
    await inFlight([{ setWeight: 20 }, { pause: {} }, { setWeight: 40 }, { pause: {} }])
    expect(status()).toMatchObject({ currentStepIndex: 1, controllerPause: true })
    const patched = await patchStatus({ pauseConditions: null })
    expect(at(patched, "status", "controllerPause")).toBe(true) // the plugin's patch leaves it
    await fake.settle()
    expect(status()).toMatchObject({ phase: "Paused", currentStepIndex: 3, controllerPause: true, pauseConditions: [{ reason: "CanaryPauseStep" }] })
  })

  it("a controllerPause left without a condition passes the next pause step too (pause.go CompletedCanaryPauseStep)", async () => {
    const { inFlight, status, patchStatus, fake } = await start()
    await inFlight([{ setWeight: 20 }, { pause: {} }, { pause: {} }, { setWeight: 40 }, { pause: {} }])
    // clearing the conditions and jumping to the next pause step at once: it is taken as already resumed
    await patchStatus({ pauseConditions: null, currentStepIndex: 2 })
    await fake.settle()
    expect(status()).toMatchObject({ phase: "Paused", currentStepIndex: 4 })
  })
})
