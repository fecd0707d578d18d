import { nameOf, namespaceOf, type Cluster } from "./cluster.ts"
import { arr, clone, deepEqual, obj, str, timestamp, type Obj } from "./json.ts"
import type { Reconcile } from "./scheduler.ts"
import { controllerUid, labelsOf, ownerReference } from "./workloads.ts"

/**
 * The phase a metric's measurement ends in, as Argo's AnalysisRun controller
 * assesses it (`analysis/analysis.go`, `assessMetricStatus`); `Running`
 * keeps the metric running until its run is terminated.
 */
export type AnalysisOutcome = "Successful" | "Failed" | "Inconclusive" | "Error" | "Running"

/** Decides a metric's outcome for the fake's AnalysisRun controller; undefined falls back to the default rule. */
export type AnalysisOutcomeRule = (run: Obj, metric: Obj) => AnalysisOutcome | undefined

/** Argo's `AnalysisPhase.Completed()`. */
export const completed = (phase: unknown): boolean => phase === "Successful" || phase === "Failed" || phase === "Error" || phase === "Inconclusive"

/** Argo's `analysisStatusOrder`, best to worst (`utils/analysis/helpers.go`). */
const ORDER = ["Successful", "Running", "Pending", "Inconclusive", "Error", "Failed"]
const worse = (current: string, next: string): boolean => ORDER.indexOf(next) > ORDER.indexOf(current)

/** The default outcome: a metric named `…inconclusive…` is Inconclusive; one with an `interval` and no `count` runs until terminated (as in Argo); any other is Successful. */
export const defaultOutcome = (metric: Obj): AnalysisOutcome =>
  (str(metric["name"]) ?? "").includes("inconclusive")
    ? "Inconclusive"
    : metric["interval"] !== undefined && metric["count"] === undefined
      ? "Running"
      : "Successful"

const LIMIT: Record<string, string> = { Failed: "failed (1) > failureLimit (0)", Inconclusive: "inconclusive (1) > inconclusiveLimit (0)", Error: "consecutiveErrors (1) > consecutiveErrorLimit (0)" }
const COUNTER: Record<string, string> = { Successful: "successful", Failed: "failed", Inconclusive: "inconclusive", Error: "error" }

/**
 * The AnalysisRun controller, as far as the Rollout controller and a client
 * see it (`analysis/analysis.go`): a new run goes Running (startedAt) on its
 * first reconcile; on the next each metric takes its one measurement, whose
 * outcome comes from `outcome` or `defaultOutcome`, and the run takes the
 * worst completed phase (`assessRunStatus`) with Argo's message (`Metric "m"
 * assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0)`), or
 * stays Running while a metric runs. `spec.terminate` ends a run: metrics
 * still running count as Successful and the message is `Run Terminated`.
 * A completed run never changes.
 */
export const makeAnalysisRunController =
  (outcome: AnalysisOutcomeRule | undefined): Reconcile =>
  ({ cluster }, run) => {
    if (obj(run["metadata"])["deletionTimestamp"] !== undefined) return
    const status = obj(run["status"])
    if (completed(status["phase"])) return
    const spec = obj(run["spec"])
    const terminating = spec["terminate"] === true
    const now = timestamp()
    const next = clone(run)
    const write = (s: Obj) => {
      next["status"] = s
      cluster.replace(cluster.resource("argoproj.io", "AnalysisRun"), namespaceOf(run), nameOf(run), next, "raw")
    }
    if (status["phase"] === undefined || status["phase"] === "" || status["phase"] === "Pending") {
      if (!terminating) return write({ ...status, phase: "Running", startedAt: str(status["startedAt"]) ?? now })
    }
    const metrics = arr(spec["metrics"]).map(obj)
    let worst: string | undefined
    let message = terminating ? "Run Terminated" : ""
    let running = false
    const results = metrics.map((metric) => {
      const name = str(metric["name"]) ?? "metric"
      const previous = arr(status["metricResults"]).map(obj).find((r) => r["name"] === name)
      // a completed metric keeps its phase; a terminating run takes no new measurement, and a metric still running counts as Successful
      const phase: AnalysisOutcome = completed(previous?.["phase"])
        ? (previous!["phase"] as AnalysisOutcome)
        : terminating
          ? "Successful"
          : (outcome?.(clone(run), clone(metric)) ?? defaultOutcome(metric))
      if (phase === "Running") {
        running = true
        return { name, phase, count: 1, successful: 1 }
      }
      if (worst === undefined || worse(worst, phase)) {
        worst = phase
        if (LIMIT[phase] !== undefined) message = `Metric "${name}" assessed ${phase} due to ${LIMIT[phase]}`
      }
      if (terminating && !completed(previous?.["phase"])) return { ...(previous ?? { count: 0 }), name, phase }
      return { name, phase, count: 1, [COUNTER[phase]!]: 1 }
    })
    const phase = terminating ? (worst ?? "Successful") : running || worst === undefined ? "Running" : worst
    const counts = { count: results.length, ...Object.fromEntries(["successful", "failed", "inconclusive", "error"].map((k) => [k, results.filter((r) => COUNTER[r.phase] === k).length])) }
    write({
      phase,
      ...(completed(phase) && message !== "" ? { message } : {}),
      startedAt: str(status["startedAt"]) ?? now,
      metricResults: results,
      runSummary: Object.fromEntries(Object.entries(counts).filter(([, v]) => v !== 0))
    })
  }

/** The AnalysisRuns a Rollout controls (`getAnalysisRunsForRollout`). */
export const analysisRunsOf = (cluster: Cluster, rollout: Obj): Array<Obj> =>
  cluster
    .list({ resource: cluster.resource("argoproj.io", "AnalysisRun"), namespace: namespaceOf(rollout), labels: [], fields: [] })
    .filter((run) => controllerUid(run) === obj(rollout["metadata"])["uid"])

/** Ask a run to stop (`cancelAnalysisRuns`): `spec.terminate=true` on a run that is neither completed nor already terminating. */
export const terminateAnalysisRun = (cluster: Cluster, run: Obj | undefined): void => {
  if (run === undefined || obj(run["spec"])["terminate"] === true || completed(obj(run["status"])["phase"])) return
  const next = clone(run)
  obj(next["spec"])["terminate"] = true
  cluster.replace(cluster.resource("argoproj.io", "AnalysisRun"), namespaceOf(run), nameOf(run), next, "raw")
}

/** What a Rollout needs to start a run: the step's or the background `analysis` block, the name's infix and the run's labels. */
export interface RunRequest {
  readonly rollout: Obj
  readonly analysis: Obj
  readonly hash: string
  readonly revision: number
  /** The step index for a step's run, "" for the background run. */
  readonly infix: string
  readonly labels: Obj
}

/**
 * Create an AnalysisRun for a Rollout (`createAnalysisRun`,
 * `newAnalysisRunFromRollout`, `CreateWithCollisionCounter`): named
 * `<rollout>-<hash>-<revision>[-<infix>]`, or `….1`, `….2` when that name is
 * taken — unless the taken one is this Rollout's, still running and the same
 * spec, which is then reused. Metrics come from the referenced
 * AnalysisTemplates; a template that does not exist stands in as one metric
 * named after it (Argo would refuse to create the run). Labels: the request's,
 * `analysisRunMetadata.labels`, the Rollout's selector; annotations: the
 * revision and `analysisRunMetadata.annotations`.
 */
export const createAnalysisRun = (cluster: Cluster, request: RunRequest): Obj => {
  const { rollout, analysis } = request
  const runType = cluster.resource("argoproj.io", "AnalysisRun")
  const templateType = cluster.resource("argoproj.io", "AnalysisTemplate")
  const namespace = namespaceOf(rollout)
  const templateNames = arr(analysis["templates"]).map((t) => str(obj(t)["templateName"]) ?? "")
  const templates = templateNames.map((t) => cluster.get(templateType, namespace, t))
  const metrics = templates.flatMap((t, i) => (t === undefined ? [{ name: templateNames[i]! }] : arr(obj(t["spec"])["metrics"])))
  const templateArgs = templates.flatMap((t) => arr(obj(t?.["spec"])["args"]).map(obj))
  const given = arr(analysis["args"]).map(obj)
  const args = [...templateArgs.map((a) => given.find((g) => g["name"] === a["name"]) ?? a), ...given.filter((g) => !templateArgs.some((a) => a["name"] === g["name"]))]
  const runMeta = obj(analysis["analysisRunMetadata"])
  const spec: Obj = {
    metrics,
    ...(args.length > 0 ? { args } : {}),
    ...(analysis["dryRun"] !== undefined ? { dryRun: analysis["dryRun"] } : {}),
    ...(analysis["measurementRetention"] !== undefined ? { measurementRetention: analysis["measurementRetention"] } : {})
  }
  const base = [nameOf(rollout), request.hash, String(request.revision), ...(request.infix === "" ? [] : [request.infix])].join("-")
  const uid = obj(rollout["metadata"])["uid"]
  for (let n = 0; ; n++) {
    const name = n === 0 ? base : `${base}.${n}`
    const existing = cluster.get(runType, namespace, name)
    if (existing === undefined) {
      return cluster.create(runType, {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "AnalysisRun",
        metadata: {
          name,
          namespace,
          labels: { ...request.labels, ...obj(runMeta["labels"]), ...obj(obj(obj(rollout["spec"])["selector"])["matchLabels"]) },
          annotations: { "rollout.argoproj.io/revision": String(request.revision), ...obj(runMeta["annotations"]) },
          ownerReferences: [ownerReference(rollout)]
        },
        spec
      })
    }
    const existingSpec = obj(existing["spec"])
    const sameSpec = deepEqual({ ...existingSpec, terminate: undefined }, spec)
    if (!completed(obj(existing["status"])["phase"]) && sameSpec && controllerUid(existing) === uid) return existing
  }
}

/** A run's status as the Rollout records it (`RolloutAnalysisRunStatus`: name, status, message). */
export const runStatus = (run: Obj | undefined): Obj | undefined => {
  if (run === undefined) return undefined
  const status = obj(run["status"])
  const message = str(status["message"])
  return { name: nameOf(run), status: str(status["phase"]) ?? "", ...(message === undefined || message === "" ? {} : { message }) }
}

/** The run's phase ("" before the AnalysisRun controller has seen it). */
export const phaseOf = (run: Obj | undefined): string => str(obj(obj(run)["status"])["phase"]) ?? ""

/** The step that created a run (label `step-index`). */
export const stepIndexOf = (run: Obj): string | undefined => str(labelsOf(run)["step-index"])
