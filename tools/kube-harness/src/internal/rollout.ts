import { analysisRunsOf, createAnalysisRun, phaseOf, runStatus, stepIndexOf, terminateAnalysisRun } from "./analysis.ts"
import { metaOf, nameOf, namespaceOf } from "./cluster.ts"
import { podTemplateHash } from "./hash.ts"
import { arr, clone, isObj, num, obj, omitEmpty, str, timestamp, type Obj } from "./json.ts"
import type { Reconcile } from "./scheduler.ts"
import { formatSelector } from "./selectors.ts"
import { annotationsOf, countPods, createReplicaSet, labelsOf, ownedReplicaSets, scaleReplicaSet, setCondition } from "./workloads.ts"

const HASH_LABEL = "rollouts-pod-template-hash"
const REVISION = "rollout.argoproj.io/revision"
const MANAGED_BY = "argo-rollouts.argoproj.io/managed-by-rollouts"

const UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 }

/** Seconds of an Argo pause duration: `10`, `"10"`, `"10s"`, `"1m30s"`, `"500ms"`; undefined when absent or malformed. */
export const durationSeconds = (duration: unknown): number | undefined => {
  if (typeof duration === "number") return duration
  if (typeof duration !== "string" || duration === "") return undefined
  if (/^\d+$/.test(duration)) return Number(duration)
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)]
  if (parts.map((p) => p[0]).join("") !== duration) return undefined
  return parts.reduce((total, p) => total + Number(p[1]) * UNITS[p[2]!]!, 0)
}

const PAUSE_STEP = "CanaryPauseStep"
const INCONCLUSIVE = "InconclusiveAnalysisRun"
const BLUE_GREEN_PAUSE = "BlueGreenPause"

/** The pause and abort fields of a new status (`CalculatePauseStatus`). */
interface PauseStatus {
  readonly abort: boolean
  readonly abortedAt: string | undefined
  readonly pauseConditions: ReadonlyArray<Obj>
  readonly controllerPause: boolean
}

/**
 * Argo's `pauseContext` (rollout/pause.go): what one reconcile adds to,
 * removes from or clears of the Rollout's pause conditions, and whether it
 * aborts. The new status gets its pause fields only through `calculate`, so
 * — as in Argo — `controllerPause` survives only while a pause condition
 * does: a promote that clears the conditions leaves `controllerPause: true`
 * for exactly one reconcile, which reads it as "resumed by a user".
 */
class PauseContext {
  readonly added: Array<string> = []
  readonly removed: Array<string> = []
  cleared = false
  addAbort = false
  removeAbort = false
  abortMessage = ""

  constructor(
    private readonly previous: Obj,
    private readonly now: number
  ) {}

  add(reason: string): void {
    if (!this.added.includes(reason)) this.added.push(reason)
  }

  abort(message: string): void {
    this.addAbort = true
    this.abortMessage = message
  }

  /** `IsAborted`. */
  aborted(): boolean {
    return !this.removeAbort && (this.addAbort || this.previous["abort"] === true)
  }

  /** `CalculateAbortStatus` then `CalculatePauseConditions`. */
  calculate(): PauseStatus {
    if (this.aborted()) {
      return { abort: true, abortedAt: str(this.previous["abortedAt"]) ?? timestamp(this.now), pauseConditions: [], controllerPause: false }
    }
    const none: PauseStatus = { abort: false, abortedAt: undefined, pauseConditions: [], controllerPause: false }
    if (this.cleared) return none
    const existing = arr(this.previous["pauseConditions"]).map(obj)
    const conditions = existing.filter((c) => !this.removed.includes(str(c["reason"]) ?? ""))
    let controllerPause = this.previous["controllerPause"] === true
    for (const reason of this.added) {
      if (existing.some((c) => c["reason"] === reason)) continue
      conditions.push({ reason, startTime: timestamp(this.now) })
      controllerPause = true
    }
    return conditions.length === 0 ? none : { abort: false, abortedAt: undefined, pauseConditions: conditions, controllerPause }
  }
}

/**
 * The Argo Rollouts controller, as far as a client can observe it, in the
 * order of Argo's own reconcile (rollout/canary.go `rolloutCanary`,
 * rollout/analysis.go, rollout/pause.go, rollout/sync.go): a ReplicaSet per
 * pod template (`<name>-<hash>`, label rollouts-pod-template-hash); canary
 * steps (setWeight, pause, inline analysis) and background analysis, with
 * AnalysisRuns created, reused, re-run (`needsNewAnalysisRun`) and
 * terminated as Argo does; pause conditions and `controllerPause` through a
 * pause context; blue/green preview and promotion; the plugin's
 * promote/abort/retry/promote-full patches; Service selectors; and the
 * status fields and phase/message the real controller writes.
 */
export const makeRolloutController = (): Reconcile => {
  /** when a timed pause began (ms), finer than the status' whole-second startTime */
  const pauseStarted = new Map<string, number>()

  return (context, rollout) => {
    const { cluster } = context
    const meta = obj(rollout["metadata"])
    if (meta["deletionTimestamp"] !== undefined) return
    const uid = str(meta["uid"]) ?? ""
    const namespace = namespaceOf(rollout)
    const name = nameOf(rollout)
    const rolloutType = cluster.resource("argoproj.io", "Rollout")
    const spec = obj(rollout["spec"])
    const strategy = obj(spec["strategy"])
    const blueGreen = isObj(strategy["blueGreen"]) ? strategy["blueGreen"] : undefined
    const canary = blueGreen === undefined ? obj(strategy["canary"]) : undefined
    const steps = arr(canary?.["steps"]).map(obj)
    const trafficRouted = canary !== undefined && isObj(canary["trafficRouting"])
    const replicas = num(spec["replicas"]) ?? 1
    const template = obj(spec["template"])
    const hash = podTemplateHash(template)
    const stepHash = canary === undefined ? undefined : podTemplateHash(steps)
    const now = Date.now()

    const previous: Obj = obj(rollout["status"])
    const previousPauses = arr(previous["pauseConditions"]).map(obj)
    const pauseCondition = (reason: string) => previousPauses.find((c) => c["reason"] === reason)
    const previousCanary = obj(previous["canary"])
    const bg: Obj = clone(obj(previous["blueGreen"]))
    const previousHash = str(previous["currentPodHash"]) ?? ""
    const pause = new PauseContext(previous, now)

    // the ReplicaSet of the current pod template
    const owned = ownedReplicaSets(cluster, rollout, REVISION)
    const revisionOf = (rs: Obj) => Number(annotationsOf(rs)[REVISION] ?? 0)
    const maxRevision = Math.max(0, ...owned.map(revisionOf))
    let current = owned.find((rs) => labelsOf(rs)[HASH_LABEL] === hash)
    if (current === undefined) {
      current = createReplicaSet(cluster, rollout, {
        hashLabel: HASH_LABEL,
        hash,
        replicas: 0,
        annotations: { [REVISION]: String(maxRevision + 1), "rollout.argoproj.io/desired-replicas": String(replicas) }
      })
    } else if (previousHash !== hash && revisionOf(current) < maxRevision) {
      current = scaleReplicaSet(cluster, current, num(obj(current["spec"])["replicas"]) ?? 0, { [REVISION]: String(maxRevision + 1) })
    }
    const revision = revisionOf(current)
    const currentSpecReplicas = num(obj(current["spec"])["replicas"]) ?? 0
    const currentAvailable = num(obj(current["status"])["availableReplicas"]) ?? 0

    // the new status, built fresh as Argo's newStatus is
    let stableRS = str(previous["stableRS"]) ?? ""
    let index: number | undefined = canary !== undefined && steps.length > 0 ? (num(previous["currentStepIndex"]) ?? 0) : undefined
    let promoteFull = previous["promoteFull"] === true && hash !== stableRS
    let stepRun: Obj | undefined
    let backgroundRun: Obj | undefined
    const fullyPromoted = stableRS !== "" && stableRS === previousHash
    /** `GetCurrentCanaryStep`: the step at the index, none past the end. */
    const stepAt = (i: number | undefined): Obj | undefined => (i !== undefined && i < steps.length ? steps[i] : undefined)

    /** `promoteStable`: the current ReplicaSet becomes the stable one. */
    const promoteStable = () => {
      pause.cleared = true
      pause.removeAbort = true
      promoteFull = false
      if (canary !== undefined) index = steps.length > 0 ? steps.length : undefined
      stableRS = hash
      if (blueGreen !== undefined) {
        bg["activeSelector"] = hash
        if (blueGreen["previewService"] !== undefined) bg["previewSelector"] = hash
      }
    }
    const timedOut = (key: string, seconds: number, startTime: unknown): boolean => {
      const started = pauseStarted.get(key) ?? Date.parse(str(startTime) ?? "")
      const due = (Number.isNaN(started) ? now : started) + seconds * 1000 * context.pauseScale
      if (now >= due) return true
      context.wakeAt(rolloutType, namespace, name, due)
      return false
    }
    const startTimer = (key: string, seconds: number) => {
      pauseStarted.set(key, now)
      context.wakeAt(rolloutType, namespace, name, now + seconds * 1000 * context.pauseScale)
    }

    /** Whether the ReplicaSets already run `weight` percent on the canary (a setWeight step is done then). */
    const canaryAt = (weight: number): boolean => {
      const want = Math.ceil((replicas * weight) / 100)
      const stable = owned.find((rs) => labelsOf(rs)[HASH_LABEL] === stableRS && labelsOf(rs)[HASH_LABEL] !== hash)
      const stableDown = trafficRouted || stable === undefined || (num(obj(stable["status"])["replicas"]) ?? 0) <= replicas - want
      return currentSpecReplicas === want && currentAvailable >= want && stableDown
    }

    /**
     * `needsNewAnalysisRun`: a run is due when there is none; when a user
     * resumed the Rollout from a controller pause that was not a pause step
     * (`controllerPause` without CanaryPauseStep/BlueGreenPause conditions),
     * exactly when the current run was Inconclusive — promoting an
     * inconclusive step by clearing its pause condition re-runs the analysis;
     * otherwise after a retried abort.
     */
    const needsNewAnalysisRun = (run: Obj | undefined): boolean => {
      if (run === undefined) return true
      if (previous["controllerPause"] === true && pauseCondition(PAUSE_STEP) === undefined && pauseCondition(BLUE_GREEN_PAUSE) === undefined) {
        return phaseOf(run) === "Inconclusive"
      }
      return previous["abortedAt"] !== undefined
    }
    const judge = (run: Obj, what: string) => {
      const phase = phaseOf(run)
      if (phase === "Inconclusive") pause.add(INCONCLUSIVE)
      else if (phase === "Failed" || phase === "Error") {
        const message = str(obj(run["status"])["message"]) ?? ""
        pause.abort(`${what} analysis phase error/failed${message === "" ? "" : `: ${message}`}`)
      }
    }

    /** `reconcileStepBasedAnalysisRun`. */
    const reconcileStepRun = (run: Obj | undefined): Obj | undefined => {
      if (previousPauses.length > 0 || previous["abort"] === true) return run
      const step = stepAt(index)
      const analysis = step !== undefined && isObj(step["analysis"]) ? step["analysis"] : undefined
      const fromPreviousStep = analysis !== undefined && run !== undefined && stepIndexOf(run) !== String(index)
      if (analysis === undefined || arr(analysis["templates"]).length === 0 || fromPreviousStep) {
        terminateAnalysisRun(cluster, run)
        return undefined
      }
      if (needsNewAnalysisRun(run)) {
        const labels = { [HASH_LABEL]: hash, "rollout-type": "Step", "step-index": String(index) }
        return createAnalysisRun(cluster, { rollout, analysis, hash, revision, infix: String(index), labels })
      }
      judge(run!, "Step-based")
      return run
    }

    /** `reconcileBackgroundAnalysisRun`: `strategy.canary.analysis`, from its `startingStep` on. */
    const reconcileBackgroundRun = (run: Obj | undefined): Obj | undefined => {
      const analysis = isObj(canary?.["analysis"]) ? canary["analysis"] : undefined
      if (analysis === undefined || arr(analysis["templates"]).length === 0) {
        terminateAnalysisRun(cluster, run)
        return undefined
      }
      const startingStep = num(analysis["startingStep"])
      const beforeStartingStep = startingStep !== undefined && index !== undefined && index < startingStep
      if (fullyPromoted || stableRS === "" || previousHash === "" || beforeStartingStep) return undefined
      if (pauseCondition(INCONCLUSIVE) !== undefined) return run
      if (needsNewAnalysisRun(run)) {
        return createAnalysisRun(cluster, { rollout, analysis, hash, revision, infix: "", labels: { [HASH_LABEL]: hash, "rollout-type": "Background" } })
      }
      judge(run!, "Background")
      return run
    }

    /** `reconcileAnalysisRuns` (canary): the current step and background runs, every other run of this Rollout terminated. */
    const reconcileAnalysisRuns = (): Obj | undefined => {
      const runs = analysisRunsOf(cluster, rollout)
      const named = (status: unknown) => {
        const runName = str(obj(status)["name"])
        return runName === undefined ? undefined : runs.find((r) => nameOf(r) === runName)
      }
      const currentStep = named(previousCanary["currentStepAnalysisRunStatus"])
      const currentBackground = named(previousCanary["currentBackgroundAnalysisRunStatus"])
      let nextStep: Obj | undefined
      let nextBackground: Obj | undefined
      if (fullyPromoted || pause.aborted() || previous["promoteFull"] === true) {
        terminateAnalysisRun(cluster, currentStep)
        terminateAnalysisRun(cluster, currentBackground)
      } else {
        nextStep = reconcileStepRun(currentStep)
        nextBackground = reconcileBackgroundRun(currentBackground)
      }
      const kept = [currentStep, currentBackground, nextStep, nextBackground].filter((r) => r !== undefined).map(nameOf)
      for (const run of runs) if (!kept.includes(nameOf(run))) terminateAnalysisRun(cluster, run)
      stepRun = runStatus(nextStep)
      backgroundRun = runStatus(nextBackground)
      return nextStep
    }

    /** `reconcileCanaryPause`: a pause step adds its condition once — not again after a user resumed it (controllerPause without the condition). */
    const reconcileCanaryPause = () => {
      if (spec["paused"] === true || previous["promoteFull"] === true) return
      const step = stepAt(index)
      if (step === undefined || step["pause"] === undefined) return
      const seconds = durationSeconds(obj(step["pause"])["duration"])
      const key = `${uid}/${hash}/step-${String(index)}`
      const held = pauseCondition(PAUSE_STEP)
      if (held === undefined) {
        if (previous["controllerPause"] !== true) {
          pause.add(PAUSE_STEP)
          if (seconds !== undefined) startTimer(key, seconds)
        }
      } else if (seconds !== undefined) timedOut(key, seconds, held["startTime"])
    }

    /** `completedCurrentCanaryStep`. */
    const completedCurrentStep = (run: Obj | undefined): boolean => {
      if (spec["paused"] === true) return false
      const step = stepAt(index)
      if (step === undefined) return false
      if (step["pause"] !== undefined) {
        const held = pauseCondition(PAUSE_STEP)
        if (previous["controllerPause"] === true && held === undefined) return true // resumed by a user
        const seconds = durationSeconds(obj(step["pause"])["duration"])
        return seconds !== undefined && held !== undefined && timedOut(`${uid}/${hash}/step-${String(index)}`, seconds, held["startTime"])
      }
      if (step["setWeight"] !== undefined) return canaryAt(num(step["setWeight"]) ?? 0)
      if (step["analysis"] !== undefined) return phaseOf(run) === "Successful"
      return true // setCanaryScale, experiment, setHeaderRoute, setMirrorRoute, plugin: not modelled, done at once
    }

    /** `rolloutCanary` then `syncRolloutStatusCanary`, past the pod-template check. */
    const reconcileCanary = () => {
      const run = reconcileAnalysisRuns()
      if (pause.added.length === 0) reconcileCanaryPause()
      if (previous["promoteFull"] === true) {
        pause.cleared = true
        pause.removeAbort = true
        if (steps.length > 0) index = steps.length
      }
      // shouldFullPromote: promote full, a rollback to stable, or every step done — once the new pods are available
      const done = previous["promoteFull"] === true || stableRS === hash || steps.length === 0 || index === steps.length
      if (!pause.aborted() && currentAvailable >= replicas && done) return promoteStable()
      if (pause.aborted()) {
        if (steps.length > 0) index = stableRS === hash ? steps.length : 0
        return
      }
      if (completedCurrentStep(run)) {
        index = index! + 1
        stepRun = undefined
        pause.removed.push(PAUSE_STEP)
      }
    }

    const reconcileBlueGreen = (options: Obj) => {
      if (previous["promoteFull"] === true) return promoteStable()
      if (pause.aborted() || spec["paused"] === true || stableRS === hash) return
      if (currentSpecReplicas !== replicas || currentAvailable < replicas) return
      if (options["previewService"] !== undefined) bg["previewSelector"] = hash
      const held = pauseCondition(BLUE_GREEN_PAUSE)
      const auto = options["autoPromotionEnabled"] !== false
      const seconds = num(options["autoPromotionSeconds"])
      const key = `${uid}/${hash}/bluegreen`
      if (held === undefined) {
        if (previous["controllerPause"] === true) promoteStable() // resumed by a user
        else if (!auto || seconds !== undefined) {
          pause.add(BLUE_GREEN_PAUSE)
          if (auto && seconds !== undefined) startTimer(key, seconds)
        } else promoteStable()
      } else if (auto && seconds !== undefined && timedOut(key, seconds, held["startTime"])) promoteStable()
    }

    // the state machine
    const stepHashChanged = stepHash !== undefined && (str(previous["currentStepHash"]) ?? "") !== "" && previous["currentStepHash"] !== stepHash
    if (stableRS === "") {
      promoteStable() // the first deploy
    } else if ((previousHash !== "" && previousHash !== hash) || stepHashChanged) {
      // resetRolloutStatus: a new pod template (or new steps) starts over
      pause.cleared = true
      pause.removeAbort = true
      promoteFull = false
      if (index !== undefined) index = hash === stableRS ? steps.length : 0
    } else if (blueGreen !== undefined) reconcileBlueGreen(blueGreen)
    else reconcileCanary()
    const paused = pause.calculate()
    const retried = previous["abortedAt"] !== undefined && !paused.abort

    // scale the ReplicaSets for the new state (not while a user pause or an inconclusive analysis halts progress: `haltProgress`)
    const aborted = paused.abort
    const halted = canary !== undefined && (spec["paused"] === true || pauseCondition(INCONCLUSIVE) !== undefined || pause.added.includes(INCONCLUSIVE))
    let weight = 0
    if (stableRS !== hash && !aborted) {
      const at = index ?? steps.length
      if (promoteFull || at >= steps.length) weight = 100
      else for (let i = 0; i <= at; i++) weight = num(steps[i]!["setWeight"]) ?? weight
    }
    const canaryPods = Math.ceil((replicas * weight) / 100)
    if (!halted) {
      for (const rs of ownedReplicaSets(cluster, rollout, REVISION)) {
        const h = labelsOf(rs)[HASH_LABEL]
        const want =
          h === hash
            ? stableRS === hash || (blueGreen !== undefined && !aborted)
              ? replicas
              : aborted
                ? 0
                : canaryPods
            : h === stableRS
              ? blueGreen !== undefined || trafficRouted || aborted
                ? replicas
                : replicas - canaryPods
              : 0
        scaleReplicaSet(cluster, rs, want)
      }
    }
    let weights: Obj | undefined
    if (trafficRouted && canary !== undefined) {
      const canaryService = str(canary["canaryService"])
      const stableService = str(canary["stableService"])
      weights = {
        canary: { weight, podTemplateHash: hash, ...(canaryService === undefined ? {} : { serviceName: canaryService }) },
        stable: { weight: 100 - weight, podTemplateHash: stableRS, ...(stableService === undefined ? {} : { serviceName: stableService }) }
      }
    }

    // point the Services at their ReplicaSets
    const serviceType = cluster.resource("", "Service")
    const point = (serviceName: unknown, selectorHash: unknown) => {
      if (typeof serviceName !== "string" || typeof selectorHash !== "string") return
      const service = cluster.get(serviceType, namespace, serviceName)
      if (service === undefined) return
      const next = clone(service)
      const serviceSpec = obj(next["spec"])
      serviceSpec["selector"] = { ...obj(serviceSpec["selector"]), [HASH_LABEL]: selectorHash }
      metaOf(next)["annotations"] = { ...annotationsOf(service), [MANAGED_BY]: name }
      cluster.replace(serviceType, namespace, serviceName, next, "raw")
    }
    if (canary !== undefined) {
      point(canary["canaryService"], hash)
      point(canary["stableService"], stableRS)
    } else if (blueGreen !== undefined) {
      point(blueGreen["activeService"], bg["activeSelector"])
      point(blueGreen["previewService"], bg["previewSelector"] ?? bg["activeSelector"])
    }

    // status: counts, phase and message, conditions
    const replicaSets = ownedReplicaSets(cluster, rollout, REVISION)
    const counts = countPods(replicaSets, HASH_LABEL, hash)
    const held = paused.pauseConditions
    // an abort's condition keeps the message it got when it happened (SetRolloutCondition leaves an equal status and reason alone)
    const abortedBefore = arr(previous["conditions"]).map(obj).find((c) => c["type"] === "Progressing" && c["reason"] === "RolloutAborted")
    const abortMessage =
      pause.abortMessage !== ""
        ? `Rollout aborted update to revision ${revision}: ${pause.abortMessage}`
        : (str(abortedBefore?.["message"]) ?? `Rollout aborted update to revision ${revision}`)
    const [phase, message] = ((): [string, string] => {
      if (aborted) return ["Degraded", `RolloutAborted: ${abortMessage}`]
      if (spec["paused"] === true) return ["Paused", "manually paused"]
      if (held.length > 0) return ["Paused", str(held[0]!["reason"]) ?? "Paused"]
      if (counts.updated < replicas) return ["Progressing", "more replicas need to be updated"]
      if (counts.available < counts.updated) return ["Progressing", "updated replicas are still becoming available"]
      if (blueGreen !== undefined) {
        if (bg["activeSelector"] !== hash) return ["Progressing", "active service cutover pending"]
        if (stableRS !== hash) return ["Progressing", "waiting for post-promotion verification to complete"]
      } else {
        if (!trafficRouted && counts.replicas > counts.updated) return ["Progressing", "old replicas are pending termination"]
        if (stableRS !== hash) return ["Progressing", "waiting for all steps to complete"]
      }
      return ["Healthy", ""]
    })()
    const currentName = `${name}-${hash}`
    const pausedNow = phase === "Paused"
    let conditions = setCondition(
      arr(previous["conditions"]),
      aborted
        ? { type: "Progressing", status: "False", reason: "RolloutAborted", message: abortMessage }
        : pausedNow
          ? { type: "Progressing", status: "Unknown", reason: "RolloutPaused", message: "Rollout is paused" }
          : retried
            ? { type: "Progressing", status: "True", reason: "RolloutRetry", message: "Retrying Rollout after abort" }
            : phase === "Healthy"
              ? { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: `ReplicaSet "${currentName}" has successfully progressed.` }
              : { type: "Progressing", status: "True", reason: "ReplicaSetUpdated", message: `ReplicaSet "${currentName}" is progressing.` }
    )
    if (pausedNow || conditions.some((c) => c["type"] === "Paused")) {
      conditions = setCondition(
        conditions,
        pausedNow
          ? { type: "Paused", status: "True", reason: "RolloutPaused", message: "Rollout is paused" }
          : { type: "Paused", status: "False", reason: "RolloutResumed", message: "Rollout is resumed" }
      )
    }
    conditions = setCondition(
      conditions,
      counts.available >= replicas
        ? { type: "Available", status: "True", reason: "AvailableReason", message: "Rollout has minimum availability" }
        : { type: "Available", status: "False", reason: "AvailableReason", message: "Rollout does not have minimum availability" }
    )
    conditions = setCondition(
      conditions,
      stableRS === hash
        ? {
            type: "Completed",
            status: "True",
            reason: "RolloutCompleted",
            message: `Rollout completed update to revision ${revision} (${hash}): ${blueGreen !== undefined ? "Completed blue-green update" : `Completed all ${steps.length} canary steps`}`
          }
        : { type: "Completed", status: "False", reason: "RolloutNotCompleted", message: `Rollout not completed, started update to revision ${revision} (${hash})` }
    )
    conditions = setCondition(
      conditions,
      phase === "Healthy"
        ? { type: "Healthy", status: "True", reason: "RolloutHealthy", message: "Rollout is healthy" }
        : { type: "Healthy", status: "False", reason: "RolloutHealthy", message: "Rollout is not healthy" }
    )

    const canaryStatus: Obj =
      canary === undefined
        ? {}
        : {
            ...(backgroundRun === undefined ? {} : { currentBackgroundAnalysisRunStatus: backgroundRun }),
            ...(stepRun === undefined ? {} : { currentStepAnalysisRunStatus: stepRun }),
            ...(weights === undefined ? {} : { weights })
          }
    const status: Obj = {
      ...omitEmpty({ HPAReplicas: counts.available, abort: aborted }),
      ...(paused.abortedAt === undefined ? {} : { abortedAt: paused.abortedAt }),
      ...omitEmpty({ availableReplicas: counts.available }),
      blueGreen: blueGreen === undefined ? {} : omitEmpty(bg),
      canary: canaryStatus,
      conditions,
      ...omitEmpty({ controllerPause: paused.controllerPause, currentPodHash: hash, currentStepHash: stepHash }),
      ...(index === undefined ? {} : { currentStepIndex: index }),
      ...omitEmpty({ message, observedGeneration: String(num(meta["generation"]) ?? 1) }),
      ...(held.length > 0 ? { pauseConditions: held } : {}),
      phase,
      ...omitEmpty({
        promoteFull,
        readyReplicas: counts.ready,
        replicas: counts.replicas,
        selector: formatSelector(spec["selector"]),
        stableRS,
        updatedReplicas: counts.updated
      })
    }
    const next = clone(rollout)
    metaOf(next)["annotations"] = { ...annotationsOf(rollout), [REVISION]: String(revision) }
    next["status"] = status
    cluster.replace(rolloutType, namespace, name, next, "raw")
  }
}
