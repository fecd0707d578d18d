import { ApiError, ArgoMetric } from "@rollwise/api-contract"
import { LiveAnalysis, type MetricSource } from "@rollwise/rollout-engine"
import { Analyzer, type SloSpec, Verdict } from "@rollwise/slo-policy"
import { Clock, Context, Effect, Layer } from "effect"
import { finiteOrNull } from "./internal/finite.ts"

/**
 * `POST /v1/argo/metric`: the Argo Rollouts `web` metric provider. An
 * AnalysisTemplate posts the Rollout's service, namespace and the canary's
 * and stable ReplicaSets' pod-template hashes, and names one of the SLOs the
 * server was started with; Rollwise judges the trailing windows through its
 * MetricSource and answers **200 for every decision**. The template reads
 * `{$.decision}` with `successCondition: result == "promote"` and
 * `failureCondition: result == "rollback"`, so `slow` is Inconclusive (the
 * Rollout pauses). Any non-2xx is an Error measurement to Argo, so only real
 * faults answer one; an unknown SLO name is a 400.
 */
/** The SLO specs the server was started with, by name. */
export class Slos extends Context.Service<Slos, ReadonlyMap<string, SloSpec.Spec>>()("rollwise/api-contract/ArgoMetric/Slos") {
  /** The specs of a record `{name: spec}`. */
  static readonly layer = (slos: Readonly<Record<string, SloSpec.Spec>>): Layer.Layer<Slos> => Layer.succeed(Slos, new Map(Object.entries(slos)))
}

/**
 * The last judgements, so `evidenceUrl` resolves while Argo shows the
 * measurement. Bounded (oldest dropped first) and per process: with several
 * replicas an id resolves only on the replica that answered.
 */
export class EvidenceLog extends Context.Service<
  EvidenceLog,
  {
    readonly add: (evidence: Omit<ArgoMetric.Evidence, "id">) => Effect.Effect<string>
    readonly get: (id: string) => Effect.Effect<ArgoMetric.Evidence, ApiError.NotFound>
  }
>()("rollwise/api-contract/ArgoMetric/EvidenceLog") {
  /** An in-memory log of the last `capacity` judgements (default 512). */
  static readonly makeMemory = (capacity = 512): EvidenceLog["Service"] => {
    const entries = new Map<string, ArgoMetric.Evidence>()
    let counter = 0
    return EvidenceLog.of({
      add: (evidence) =>
        Effect.sync(() => {
          counter += 1
          const id = `${Date.parse(evidence.at).toString(36)}-${counter.toString(36)}`
          entries.set(id, { id, ...evidence })
          while (entries.size > capacity) entries.delete(entries.keys().next().value!)
          return id
        }),
      get: (id) =>
        Effect.suspend(() => {
          const found = entries.get(id)
          return found === undefined
            ? Effect.fail(new ApiError.NotFound({ message: `no Argo verdict ${JSON.stringify(id)} here (the server keeps the last ${capacity}, per replica)` }))
            : Effect.succeed(found)
        })
    })
  }

  /** {@link EvidenceLog.makeMemory} as a layer. */
  static readonly layerMemory = (capacity = 512): Layer.Layer<EvidenceLog> => Layer.sync(EvidenceLog, () => EvidenceLog.makeMemory(capacity))
}

/**
 * The spec a request is judged with: the named SLO with the request's
 * service and namespace, and `{{canaryHash}}`/`{{stableHash}}` as query
 * variables. It judges the last `promoteAfter` windows — the fewest that can
 * promote — ending now; `maxWindows` is lifted above that, because Argo's own
 * `count` bounds the analysis and the server must not answer the spec's
 * `onNoDecision` for a window it never reached.
 */
export const specFor = (spec: SloSpec.Spec, request: ArgoMetric.Subject): SloSpec.Spec => ({
  ...spec,
  service: request.service,
  namespace: request.namespace,
  variables: {
    ...(spec.variables ?? {}),
    ...(request.canaryHash === undefined ? {} : { canaryHash: request.canaryHash }),
    ...(request.stableHash === undefined ? {} : { stableHash: request.stableHash })
  },
  maxWindows: Math.max(spec.maxWindows, spec.promoteAfter + 1)
})

const iso = (ms: number) => new Date(ms).toISOString()


/**
 * A verdict fit for JSON: a summary that overflowed on extreme measurements
 * (a sum of huge counter values) is recorded as null, "no number", rather
 * than making the evidence unreadable.
 */
export const finiteVerdict = (verdict: Verdict.Verdict): Verdict.Verdict => ({
  ...verdict,
  score: Number.isFinite(verdict.score) ? verdict.score : 0,
  metrics: verdict.metrics.map((m) => ({
    ...m,
    baseline: finiteOrNull(m.baseline),
    candidate: finiteOrNull(m.candidate),
    effect: finiteOrNull(m.effect),
    p_value: finiteOrNull(m.p_value),
    ci: m.ci === null || (Number.isFinite(m.ci[0]) && Number.isFinite(m.ci[1])) ? m.ci : null
  }))
})

/** The reasons Argo shows: the policy's, then one per metric. */
export const reasonsOf = (verdict: Verdict.Verdict): ReadonlyArray<string> => [...verdict.reasons, ...verdict.metrics.map((m) => `${m.name} ${m.status}: ${m.reason}`)]

/** A judgement of a {@link ArgoMetric.Subject}: the last window's verdict, and where its evidence is kept. */
export interface Judgement {
  readonly verdict: Verdict.Verdict
  readonly evidenceUrl: string
}

/** How {@link judgeSubject} names things: the field an unknown SLO is blamed on, the Flagger call if any. */
export interface JudgeOptions {
  /** Prefix of `evidenceUrl` (no trailing slash). */
  readonly publicUrl: string
  /** The field of the request that named the SLO (`slo`, `metadata.slo`). */
  readonly sloField: string
  /** The Flagger webhook call that asked, kept with the evidence. */
  readonly flagger?: ArgoMetric.HookCall | undefined
}

/**
 * Judge a subject: look up the SLO (unknown → ApiError.InputError naming
 * `sloField`), analyze the trailing windows with `LiveAnalysis.analyzeTrailing`
 * (a failed query is a `nodata` window, never an error), keep the evidence.
 * The Argo metric and the Flagger webhooks both judge through this.
 */
export const judgeSubject = (
  subject: ArgoMetric.Subject,
  options: JudgeOptions
): Effect.Effect<Judgement, ApiError.InputError, Slos | EvidenceLog | MetricSource.MetricSource> =>
  Effect.gen(function* () {
    const slos = yield* Slos
    const base = slos.get(subject.slo)
    if (base === undefined) {
      const known = [...slos.keys()].sort()
      return yield* new ApiError.InputError({
        field: options.sloField,
        message: `${options.sloField}: the server has no SLO named ${JSON.stringify(subject.slo)} (it has ${known.length === 0 ? "none" : known.join(", ")})`
      })
    }
    const spec = specFor(base, subject)
    const now = yield* Clock.currentTimeMillis
    const reports = yield* LiveAnalysis.analyzeTrailing(spec, now, spec.promoteAfter)
    const last = reports.at(-1)?.verdict ?? Analyzer.noWindows
    const log = yield* EvidenceLog
    const id = yield* log.add({
      at: iso(now),
      request: subject,
      ...(options.flagger === undefined ? {} : { flagger: options.flagger }),
      decision: last.action,
      windows: reports.map((r) => ({ index: r.index, start: iso(r.window.start), end: iso(r.window.end), verdict: finiteVerdict(r.verdict) }))
    })
    return { verdict: last, evidenceUrl: `${options.publicUrl}/v1/argo/evidence/${encodeURIComponent(id)}` }
  })

/**
 * Judge a request: look up the SLO (unknown → ApiError.InputError naming `slo`),
 * analyze the trailing windows with `LiveAnalysis.analyzeTrailing` (a failed
 * query is a `nodata` window, never an error), keep the evidence, answer.
 * `evidenceUrl` is `<publicUrl>/v1/argo/evidence/<id>`.
 */
export const judge = (request: ArgoMetric.Request, publicUrl: string): Effect.Effect<ArgoMetric.Response, ApiError.InputError, Slos | EvidenceLog | MetricSource.MetricSource> =>
  Effect.map(judgeSubject(request, { publicUrl, sloField: "slo" }), ({ evidenceUrl, verdict }) => ({
    decision: verdict.action,
    score: Number.isFinite(verdict.score) ? verdict.score : 0,
    reasons: reasonsOf(verdict),
    evidenceUrl
  }))
