import { ApiError, Rollouts } from "@rollwise/api-contract"
import type { InputError as LibInputError } from "@rollwise/input-schema"
import { DeployTarget, EvidenceStore, type MetricSource } from "@rollwise/rollout-engine"
import { Runner } from "@rollwise/rollout-runner"
import { Cause, Deferred, Effect, Layer } from "effect"

/**
 * The rollouts `POST /v1/rollouts` starts, driven by this server: each is
 * recorded in the evidence store like one `rollwise rollout` drives, then
 * runs in the background for as long as the server runs. The answer (202)
 * comes once the rollout's `Started` event is recorded, so its URL resolves
 * at once. A server that stops mid-rollout leaves it recorded where it was:
 * `rollwise rollout --resume ID --db …` goes on from there.
 */

/** What this server may drive. */
export interface DriveOptions {
  /** Simulated targets with simulated traffic (rehearsals, demos). */
  readonly simulated: boolean
  /** The server's cluster: its service account in a pod, else the kubeconfig. Absent: no Kubernetes targets. */
  readonly k8s?: { readonly kubeconfig?: string | undefined; readonly context?: string | undefined } | undefined
  /** The server's Prometheus (Kubernetes rollouts are measured through it). */
  readonly prometheus?: { readonly url: string; readonly timeoutSeconds: number; readonly source: Layer.Layer<MetricSource.MetricSource> } | undefined
  /** OPA servers a policy may name (any other `policy.opa.url` is a 400: the server must not call URLs a client picks). */
  readonly opaUrls: ReadonlyArray<string>
  /** Credentials (ROLLWISE_PROMETHEUS_*, ROLLWISE_OPA_TOKEN), read from here only. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** How often a driven rollout looks for an operator's promote or rollback (default 5 s). */
  readonly pollEvery?: Runner.RunOptions["pollEvery"]
}

const field = (f: string) => (f === "target" ? "target" : `target.${f}`)

/** An input-schema error re-rooted at the request field its document came from. */
const fromLib = (error: LibInputError): ApiError.InputError => {
  const root = error.source ?? "body"
  const name = error.path === "" ? root : `${root}.${error.path}`
  return new ApiError.InputError({ field: name, message: `${name}: ${error.detail}` })
}

const trimSlash = (url: string) => url.replace(/\/+$/, "")

/** The driver as a layer over the server's evidence store; its runs live in the layer's scope. */
export const layer = (options: DriveOptions): Layer.Layer<Rollouts.RolloutDriver, never, EvidenceStore.EvidenceStore> =>
  Layer.effect(
    Rollouts.RolloutDriver,
    Effect.gen(function* () {
      const store = yield* EvidenceStore.EvidenceStore
      const scope = yield* Effect.scope
      const kinds = [...(options.simulated ? ["simulated"] : []), ...(options.k8s !== undefined ? ["k8s"] : [])]
      const allowedOpa = new Set(options.opaUrls.map(trimSlash))

      const start = (request: Rollouts.StartRequest, publicUrl: string) =>
        Effect.gen(function* () {
          const target = request.target
          if (!kinds.includes(target.kind)) {
            return yield* new ApiError.InputError({ field: "target.kind", message: `target.kind: this server does not drive ${target.kind} rollouts (it drives: ${kinds.join(", ")})` })
          }
          if (request.policy?.opa !== undefined && !allowedOpa.has(trimSlash(request.policy.opa.url))) {
            return yield* new ApiError.InputError({ field: "policy.opa.url", message: "policy.opa.url: this server asks only the OPA servers it was started with (--opa-url)" })
          }
          let k8s: Runner.K8sSetup | undefined
          if (target.kind === "k8s") {
            const { kind: _kind, ...names } = target
            yield* Runner.checkK8s(names, field).pipe(Effect.mapError((e) => new ApiError.InputError({ field: e.field, message: e.message })))
            k8s = {
              ...(options.k8s?.kubeconfig !== undefined ? { kubeconfig: options.k8s.kubeconfig } : {}),
              ...(options.k8s?.context !== undefined ? { context: options.k8s.context } : {}),
              ...names
            }
          }
          const prometheus = options.prometheus
          if (target.kind === "k8s" && prometheus === undefined) {
            return yield* new ApiError.Unavailable({ message: "this server has no Prometheus to measure Kubernetes rollouts with (--prometheus)" })
          }
          const setup: Runner.Setup = {
            decision: request.decision,
            slo: request.slo,
            ...(request.policy !== undefined ? { policy: request.policy } : {}),
            target: target.kind,
            ...(k8s !== undefined ? { k8s } : {}),
            metrics:
              target.kind === "simulated"
                ? { simulate: target.scenario, seed: target.seed ?? 1, speed: target.speed ?? 1 }
                : { prometheus: prometheus!.url, timeout: prometheus!.timeoutSeconds },
            hookTimeoutSeconds: 600,
            approvalTimeoutSeconds: 3600,
            onApprovalTimeout: "rollback"
          }
          const sources = { decision: "decision", slo: "slo", policy: "policy" }
          const { plan, spec } = yield* Runner.prepare(setup, sources).pipe(
            Effect.mapError((e) => (e._tag === "SetupError" ? new ApiError.InputError({ field: e.field, message: e.message }) : fromLib(e)))
          )
          const service = request.service ?? spec.service
          const now = Date.now()
          const rolloutId = request.rolloutId ?? `${service}-${request.version ?? "candidate"}-${now.toString(36)}`
          const exists = yield* store.get(rolloutId).pipe(
            Effect.as(true),
            Effect.catch((e) => (e.reason === "NotFound" ? Effect.succeed(false) : Effect.fail(new ApiError.Unavailable({ message: `evidence store: ${e.detail}` }))))
          )
          if (exists) return yield* new Rollouts.AlreadyExists({ rolloutId, message: `a rollout ${JSON.stringify(rolloutId)} is already recorded; pick another rolloutId` })

          const started = yield* Deferred.make<void, ApiError.Unavailable | Rollouts.AlreadyExists>()
          yield* Runner.run({
            rollout: {
              rolloutId,
              service,
              target: target.kind === "k8s" ? `k8s:${target.rollout ?? target.bluegreen ?? target.canary ?? target.deployment ?? service}` : `simulated:${service}`,
              startedAt: now,
              ...(request.module !== undefined && request.module !== "" ? { module: request.module } : {}),
              ...(request.version !== undefined ? { version: request.version } : {}),
              ...(request.buildNumber !== undefined && request.buildNumber !== "" ? { buildNumber: request.buildNumber } : {}),
              data: { setup, decision: { risk_score: request.decision.risk_score, strategy: request.decision.strategy, pace: request.decision.pace, model: request.decision.model, reasons: request.decision.reasons }, startedBy: "api" }
            },
            setup,
            mode: "start",
            sources,
            env: options.env,
            ...(prometheus !== undefined ? { metricSource: prometheus.source } : {}),
            ...(options.pollEvery !== undefined ? { pollEvery: options.pollEvery } : {}),
            onEvent: (event, state) =>
              Effect.andThen(
                Deferred.succeed(started, undefined),
                Effect.logInfo("rollout event").pipe(Effect.annotateLogs({ rollout: rolloutId, event: event._tag, phase: state.phase }))
              )
          }).pipe(
            Effect.provideService(EvidenceStore.EvidenceStore, store),
            Effect.onExit((exit) =>
              exit._tag === "Success"
                ? Effect.logInfo("rollout ended").pipe(Effect.annotateLogs({ rollout: rolloutId, phase: exit.value.phase }))
                : Effect.andThen(
                    Deferred.fail(
                      started,
                      Cause.hasInterruptsOnly(exit.cause)
                        ? new ApiError.Unavailable({ message: "the server is shutting down" })
                        : new ApiError.Unavailable({ message: `the rollout could not start: ${Cause.squash(exit.cause) instanceof Error ? (Cause.squash(exit.cause) as Error).message : "see the server log"}` })
                    ),
                    Cause.hasInterruptsOnly(exit.cause)
                      ? Effect.logWarning("rollout interrupted by shutdown; resume it with rollwise rollout --resume").pipe(Effect.annotateLogs({ rollout: rolloutId }))
                      : Effect.logError("rollout failed", exit.cause).pipe(Effect.annotateLogs({ rollout: rolloutId }))
                  )
            ),
            Effect.forkIn(scope)
          )
          yield* Deferred.await(started)
          const base = trimSlash(publicUrl)
          return {
            rolloutId,
            url: `${base}/v1/rollouts/${encodeURIComponent(rolloutId)}`,
            evidenceUrl: `${base}/v1/evidence/${encodeURIComponent(rolloutId)}`,
            strategy: plan.strategy,
            steps: plan.steps.map((s) => DeployTarget.percentOf(s.step)),
            approvalRequired: plan.approvalRequired
          }
        })

      return Rollouts.RolloutDriver.of({ start })
    })
  )
