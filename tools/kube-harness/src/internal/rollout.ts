import { metaOf, nameOf, namespaceOf } from "./cluster.ts"
import { podTemplateHash } from "./hash.ts"
import { arr, clone, isObj, num, obj, omitEmpty, str, timestamp, type Obj } from "./json.ts"
import type { Reconcile } from "./scheduler.ts"
import { formatSelector } from "./selectors.ts"
import { annotationsOf, countPods, createReplicaSet, labelsOf, ownedReplicaSets, ownerReference, scaleReplicaSet, setCondition } from "./workloads.ts"

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

/**
 * The Argo Rollouts controller, as far as a client can observe it: a
 * ReplicaSet per pod template (`<name>-<hash>`, label
 * rollouts-pod-template-hash), canary steps walked one per reconcile
 * (setWeight, pause, analysis), blue/green preview and promotion, the
 * plugin's promote/abort/retry/promote-full patches, Service selectors,
 * and the status fields and phase/message the real controller writes.
 */
export const makeRolloutController = (): Reconcile => {
  /** the currentStepIndex this controller last wrote, per uid: a different one came from a user (promote to step N) */
  const lastStepIndex = new Map<string, number | undefined>()
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

    const s: Obj = clone(obj(rollout["status"]))
    const canaryStatus: Obj = obj(s["canary"])
    const bg: Obj = obj(s["blueGreen"])

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
    } else if (s["currentPodHash"] !== hash && revisionOf(current) < maxRevision) {
      current = scaleReplicaSet(cluster, current, num(obj(current["spec"])["replicas"]) ?? 0, { [REVISION]: String(maxRevision + 1) })
    }
    const revision = revisionOf(current)
    const currentSpecReplicas = num(obj(current["spec"])["replicas"]) ?? 0
    const currentAvailable = num(obj(current["status"])["availableReplicas"]) ?? 0

    const pauses = () => arr(s["pauseConditions"]).map(obj)
    const addPause = (reason: string) => {
      s["pauseConditions"] = [...pauses(), { reason, startTime: timestamp(now) }]
      s["controllerPause"] = true
    }
    const removePause = (reason: string) => {
      const rest = pauses().filter((c) => c["reason"] !== reason)
      if (rest.length > 0) s["pauseConditions"] = rest
      else {
        delete s["pauseConditions"]
        delete s["controllerPause"]
      }
    }
    const clearPauses = () => {
      delete s["pauseConditions"]
      delete s["controllerPause"]
    }
    const promote = () => {
      s["stableRS"] = hash
      clearPauses()
      delete s["abort"]
      delete s["abortedAt"]
      delete s["promoteFull"]
      delete canaryStatus["currentStepAnalysisRunStatus"]
      if (steps.length > 0) s["currentStepIndex"] = steps.length
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

    const createAnalysisRun = (index: number, analysis: Obj, phase: "Successful" | "Inconclusive"): Obj => {
      const runType = cluster.resource("argoproj.io", "AnalysisRun")
      const templateType = cluster.resource("argoproj.io", "AnalysisTemplate")
      const base = `${name}-${hash}-${revision}-${index}`
      let runName = base
      for (let n = 1; cluster.get(runType, namespace, runName) !== undefined; n++) runName = `${base}.${n}`
      const templates = arr(analysis["templates"]).map((t) => str(obj(t)["templateName"]) ?? "")
      const metrics = templates.flatMap((t) => arr(obj(cluster.get(templateType, namespace, t)?.["spec"])["metrics"]))
      const metricNames = metrics.length > 0 ? metrics.map((m) => str(obj(m)["name"]) ?? "metric") : templates
      const message =
        phase === "Inconclusive" ? `Metric "${metricNames[0] ?? "analysis"}" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0)` : undefined
      cluster.create(runType, {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "AnalysisRun",
        metadata: {
          name: runName,
          namespace,
          labels: { "rollout-type": "Step", "step-index": String(index), [HASH_LABEL]: hash },
          annotations: { [REVISION]: String(revision) },
          ownerReferences: [ownerReference(rollout)]
        },
        spec: { args: arr(analysis["args"]), metrics },
        status: {
          phase,
          ...(message === undefined ? {} : { message }),
          startedAt: timestamp(now),
          metricResults: metricNames.map((m) => ({ name: m, phase, count: 1, ...(phase === "Successful" ? { successful: 1 } : { inconclusive: 1 }) }))
        }
      })
      return { name: runName, status: phase, ...(message === undefined ? {} : { message }) }
    }

    /** Whether the ReplicaSets already run `weight` percent on the canary (a setWeight step is done then). */
    const canaryAt = (weight: number): boolean => {
      const want = Math.ceil((replicas * weight) / 100)
      const stable = owned.find((rs) => labelsOf(rs)[HASH_LABEL] === s["stableRS"] && labelsOf(rs)[HASH_LABEL] !== hash)
      const stableDown = trafficRouted || stable === undefined || (num(obj(stable["status"])["replicas"]) ?? 0) <= replicas - want
      return currentSpecReplicas === want && currentAvailable >= want && stableDown
    }

    const stepCanary = () => {
      const index = Math.min(num(s["currentStepIndex"]) ?? 0, steps.length)
      s["currentStepIndex"] = index
      if (index >= steps.length) return promote()
      const step = steps[index]!
      const advance = () => {
        s["currentStepIndex"] = index + 1
        delete canaryStatus["currentStepAnalysisRunStatus"]
      }
      if (step["setWeight"] !== undefined) {
        if (canaryAt(num(step["setWeight"]) ?? 0)) advance()
      } else if (step["pause"] !== undefined) {
        const held = pauses().find((c) => c["reason"] === "CanaryPauseStep")
        const seconds = durationSeconds(obj(step["pause"])["duration"])
        const key = `${uid}/${hash}/step-${index}`
        if (held === undefined) {
          if (s["controllerPause"] === true) {
            // a user cleared the pause condition (kubectl argo rollouts promote)
            delete s["controllerPause"]
            advance()
          } else {
            addPause("CanaryPauseStep")
            if (seconds !== undefined) startTimer(key, seconds)
          }
        } else if (seconds !== undefined && timedOut(key, seconds, held["startTime"])) {
          removePause("CanaryPauseStep")
          advance()
        }
      } else if (step["analysis"] !== undefined) {
        const analysis = obj(step["analysis"])
        const inconclusive = arr(analysis["templates"]).some((t) => (str(obj(t)["templateName"]) ?? "").includes("inconclusive"))
        const run = obj(canaryStatus["currentStepAnalysisRunStatus"])
        if (pauses().some((c) => c["reason"] === "InconclusiveAnalysisRun")) return
        if (run["status"] === "Inconclusive" && s["controllerPause"] === true) {
          // promoted past an inconclusive run: the fake lets the re-run pass
          delete s["controllerPause"]
          advance()
        } else if (run["status"] === "Successful") advance()
        else {
          canaryStatus["currentStepAnalysisRunStatus"] = createAnalysisRun(index, analysis, inconclusive ? "Inconclusive" : "Successful")
          if (inconclusive) addPause("InconclusiveAnalysisRun")
        }
      } else advance()
    }

    const stepBlueGreen = (options: Obj) => {
      if (currentSpecReplicas !== replicas || currentAvailable < replicas) return
      if (options["previewService"] !== undefined) bg["previewSelector"] = hash
      const held = pauses().find((c) => c["reason"] === "BlueGreenPause")
      const auto = options["autoPromotionEnabled"] !== false
      const seconds = num(options["autoPromotionSeconds"])
      const key = `${uid}/${hash}/bluegreen`
      if (held === undefined) {
        if (s["controllerPause"] === true) promote()
        else if (!auto || seconds !== undefined) {
          addPause("BlueGreenPause")
          if (auto && seconds !== undefined) startTimer(key, seconds)
        } else promote()
      } else if (auto && seconds !== undefined && timedOut(key, seconds, held["startTime"])) promote()
    }

    // the state machine
    let retried = false
    const lastIndex = lastStepIndex.get(uid)
    const jumped = lastStepIndex.has(uid) && num(s["currentStepIndex"]) !== lastIndex
    const stableBefore = str(s["stableRS"])
    if (stableBefore === undefined || stableBefore === "") {
      s["currentPodHash"] = hash
      promote()
    } else if (s["currentPodHash"] !== hash || (stepHash !== undefined && s["currentStepHash"] !== undefined && s["currentStepHash"] !== stepHash)) {
      s["currentPodHash"] = hash
      clearPauses()
      delete s["abort"]
      delete s["abortedAt"]
      delete s["promoteFull"]
      delete canaryStatus["currentStepAnalysisRunStatus"]
      if (steps.length > 0) s["currentStepIndex"] = hash === stableBefore ? steps.length : 0
    } else if (s["promoteFull"] === true) {
      promote()
    } else if (s["abort"] === true) {
      clearPauses()
      s["abortedAt"] ??= timestamp(now)
      delete canaryStatus["currentStepAnalysisRunStatus"]
      if (steps.length > 0) s["currentStepIndex"] = stableBefore === hash ? steps.length : 0
    } else {
      if (s["abortedAt"] !== undefined) {
        delete s["abortedAt"]
        retried = true
      }
      if (jumped && s["controllerPause"] === true && pauses().length === 0) delete s["controllerPause"]
      if (spec["paused"] !== true && stableBefore !== hash) {
        if (blueGreen !== undefined) stepBlueGreen(blueGreen)
        else stepCanary()
      }
    }

    // scale the ReplicaSets for the new state
    const stableRS = str(s["stableRS"]) ?? hash
    const aborted = s["abort"] === true
    const index = num(s["currentStepIndex"]) ?? 0
    let weight = 0
    if (stableRS !== hash && !aborted) {
      if (index >= steps.length) weight = 100
      else for (let i = 0; i <= index; i++) weight = num(steps[i]!["setWeight"]) ?? weight
    }
    const canaryPods = Math.ceil((replicas * weight) / 100)
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
    if (trafficRouted && canary !== undefined) {
      const canaryService = str(canary["canaryService"])
      const stableService = str(canary["stableService"])
      canaryStatus["weights"] = {
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
    const held = pauses()
    const [phase, message] = ((): [string, string] => {
      if (aborted) return ["Degraded", `RolloutAborted: Rollout aborted update to revision ${revision}`]
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
      arr(s["conditions"]),
      aborted
        ? { type: "Progressing", status: "False", reason: "RolloutAborted", message: `Rollout aborted update to revision ${revision}` }
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

    const status: Obj = {
      ...omitEmpty({ HPAReplicas: counts.available, abort: aborted }),
      ...(s["abortedAt"] === undefined ? {} : { abortedAt: s["abortedAt"] }),
      ...omitEmpty({ availableReplicas: counts.available }),
      blueGreen: blueGreen === undefined ? {} : omitEmpty(bg),
      canary: Object.fromEntries(Object.entries(canaryStatus).filter(([, v]) => v !== undefined)),
      conditions,
      ...omitEmpty({ controllerPause: s["controllerPause"] === true, currentPodHash: hash, currentStepHash: stepHash }),
      ...(steps.length > 0 ? { currentStepIndex: num(s["currentStepIndex"]) ?? 0 } : {}),
      ...omitEmpty({ message, observedGeneration: String(num(meta["generation"]) ?? 1) }),
      ...(held.length > 0 ? { pauseConditions: held } : {}),
      phase,
      ...omitEmpty({
        promoteFull: s["promoteFull"] === true,
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
    lastStepIndex.set(uid, num(status["currentStepIndex"]))
  }
}
