import { ApiError, Rollouts } from "@rollwise/api-contract"
import { LibraryErrors, RolloutsRoute } from "@rollwise/api-handler"
import { DeployTarget, EvidenceStore, type MetricSource } from "@rollwise/rollout-engine"
import { type MetricSources, Runner } from "@rollwise/rollout-runner"
import { Cause, Deferred, Duration, Effect, Layer, Option, Predicate, Schema } from "effect"

/**
 * The rollouts `POST /v1/rollouts` starts, driven by this server: each is
 * recorded in the evidence store like one `rollwise rollout` drives, then
 * runs in the background for as long as the server runs. The answer (202)
 * comes once the rollout's `Started` event is recorded, so its URL resolves
 * at once. A server that stops mid-rollout leaves it recorded where it was
 * and, when it starts again on the same store, goes on with every rollout it
 * had started and not finished (`rollwise rollout --resume ID --db …` can
 * too). At most `maxRollouts` run at once.
 */

/** What this server may drive. */
export interface DriveOptions {
  /** Simulated targets with simulated traffic (rehearsals, demos). */
  readonly simulated: boolean
  /** The server's cluster: its service account in a pod, else the kubeconfig. Absent: no Kubernetes targets. */
  readonly k8s?: { readonly kubeconfig?: string | undefined; readonly context?: string | undefined } | undefined
  /** The farm of `--hosts` (its document and folder). Absent: no Windows targets. */
  readonly windows?: Runner.TargetFile | undefined
  /** The fleet of `--fleet`. Absent: no ARM targets. */
  readonly arm?: Runner.TargetFile | undefined
  /** The server's Prometheus (Kubernetes rollouts are measured through it). */
  readonly prometheus?:
    | {
        readonly url: string
        readonly timeoutSeconds: number
        readonly source: Layer.Layer<MetricSource.MetricSource>
        /** Every live source the server has (Prometheus and the log and trace sources), kept in the rollout's record. */
        readonly urls?: MetricSources.LiveUrls | undefined
      }
    | undefined
  /** OPA servers a policy may name (any other `policy.opa.url` is a 400: the server must not call URLs a client picks). */
  readonly opaUrls: ReadonlyArray<string>
  /** Credentials (ROLLWISE_PROMETHEUS_*, ROLLWISE_OPA_TOKEN), read from here only. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** At most this many rollouts driven at once (default 16); more are refused with 503 until one ends. */
  readonly maxRollouts?: number | undefined
  /** How often a driven rollout looks for an operator's promote or rollback (default 5 s). */
  readonly pollEvery?: Runner.RunOptions["pollEvery"]
}

const field = (f: string) => (f === "target" ? "target" : `target.${f}`)

const trimSlash = (url: string) => url.replace(/\/+$/, "")

/** Why a driven rollout did not get to its first event, as the client is answered. */
const startFailure = (rolloutId: string, cause: Cause.Cause<unknown>): ApiError.Unavailable | Rollouts.AlreadyExists => {
  if (Cause.hasInterruptsOnly(cause)) return new ApiError.Unavailable({ message: "the server is shutting down" })
  const error = Cause.squash(cause)
  // another request recorded the same id between our check and the record's creation
  if (Predicate.isTagged(error, "EvidenceError") && (error as unknown as { reason: string }).reason === "Conflict") {
    return new Rollouts.AlreadyExists({ rolloutId, message: `a rollout ${JSON.stringify(rolloutId)} is already recorded; pick another rolloutId` })
  }
  return new ApiError.Unavailable({ message: `the rollout could not start: ${error instanceof Error ? error.message : "see the server log"}` })
}

/** The lease refusal a driven rollout ended with, if that is why (another process drives it). */
const leaseRefusal = (cause: Cause.Cause<unknown>): EvidenceStore.LeaseError | undefined => {
  const error = Cause.squash(cause)
  return error instanceof EvidenceStore.LeaseError ? error : undefined
}

/** The target kinds a server started with these options drives. */
export const drivenKinds = (options: DriveOptions): ReadonlyArray<string> => [
  ...(options.simulated ? ["simulated"] : []),
  ...(options.k8s !== undefined ? ["k8s"] : []),
  ...(options.windows !== undefined ? ["windows"] : []),
  ...(options.arm !== undefined ? ["arm"] : [])
]

/** The driver as a layer over the server's evidence store; its runs live in the layer's scope. */
export const layer = (options: DriveOptions): Layer.Layer<RolloutsRoute.RolloutDriver, never, EvidenceStore.EvidenceStore> =>
  Layer.effect(
    RolloutsRoute.RolloutDriver,
    Effect.gen(function* () {
      const store = yield* EvidenceStore.EvidenceStore
      const scope = yield* Effect.scope
      const kinds = drivenKinds(options)
      const allowedOpa = new Set(options.opaUrls.map(trimSlash))

      const maxRollouts = options.maxRollouts ?? 16
      // default ids made in the same millisecond stay apart
      let sequence = 0
      const running = new Set<string>()

      /**
       * Drive a rollout in the background (the layer's scope owns it); the
       * answer is a Deferred that completes when its first event is recorded
       * (or fails with why it could not start).
       */
      const drive = (rollout: EvidenceStore.NewRollout, setup: Runner.Setup, mode: "start" | "resume", recorded: ReadonlyArray<EvidenceStore.Event>) =>
        Effect.gen(function* () {
          const id = rollout.rolloutId
          const started = yield* Deferred.make<void, ApiError.Unavailable | Rollouts.AlreadyExists>()
          running.add(id)
          const runOnce = Runner.run({
            rollout,
            setup,
            mode,
            recorded,
            sources: mode === "start" ? { decision: "decision", slo: "slo", policy: "policy" } : { decision: `rollout ${id}`, slo: `rollout ${id}`, policy: `rollout ${id}` },
            env: options.env,
            ...(options.prometheus !== undefined ? { metricSource: options.prometheus.source } : {}),
            ...(options.pollEvery !== undefined ? { pollEvery: options.pollEvery } : {}),
            driver: { kind: "server" },
            onEvent: (event, state) =>
              Effect.andThen(
                Deferred.succeed(started, undefined),
                Effect.logInfo("rollout event").pipe(Effect.annotateLogs({ rollout: id, event: event._tag, phase: state.phase }))
              )
          })
          // a rollout this server resumes may still be leased to a driver that died (this server
          // before a crash, a killed rollwise rollout): take it over once that lease runs out; one
          // that renews its lease is alive and keeps driving, and this server keeps waiting
          const program = Effect.gen(function* () {
            for (;;) {
              const attempt = yield* Effect.result(runOnce)
              if (attempt._tag === "Success") return attempt.success
              const error = attempt.failure
              if (mode !== "resume" || !(error instanceof EvidenceStore.LeaseError) || error.reason !== "Held") return yield* Effect.fail(error)
              const wait = Math.max(1_000, (error.expiresAt ?? 0) - Date.now() + 250)
              yield* Effect.logInfo(`waiting ${Math.ceil(wait / 1000)} s to take over: ${error.message}`).pipe(Effect.annotateLogs({ rollout: id }))
              yield* Effect.sleep(Duration.millis(wait))
            }
          })
          yield* program.pipe(
            Effect.provideService(EvidenceStore.EvidenceStore, store),
            Effect.onExit((exit) =>
              Effect.andThen(
                Effect.sync(() => void running.delete(id)),
                exit._tag === "Success"
                  ? Effect.andThen(Deferred.succeed(started, undefined), Effect.logInfo("rollout ended").pipe(Effect.annotateLogs({ rollout: id, phase: exit.value.phase })))
                  : Effect.andThen(
                      Deferred.fail(started, startFailure(id, exit.cause)),
                      Cause.hasInterruptsOnly(exit.cause)
                        ? Effect.logWarning("rollout interrupted by shutdown; this server resumes it when it starts again").pipe(Effect.annotateLogs({ rollout: id }))
                        : leaseRefusal(exit.cause) !== undefined
                          ? // another process (a rollwise rollout --resume, another replica) drives it: not ours to drive
                            Effect.logWarning(`not driving: ${leaseRefusal(exit.cause)!.message}`).pipe(Effect.annotateLogs({ rollout: id }))
                          : Effect.logError("rollout failed", exit.cause).pipe(Effect.annotateLogs({ rollout: id }))
                    )
              )
            ),
            Effect.forkIn(scope)
          )
          return started
        })

      const start = (request: Rollouts.StartRequest, publicUrl: string) =>
        Effect.gen(function* () {
          const target = request.target
          if (running.size >= maxRollouts) {
            return yield* new ApiError.Unavailable({ message: `this server drives ${running.size} rollouts already, its limit (--max-driven-rollouts); try again when one ends` })
          }
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
          const targetHealth = (target.kind === "arm" || target.kind === "windows") && target.targetHealth === true
          if (target.kind !== "simulated" && !targetHealth && prometheus === undefined) {
            return yield* new ApiError.Unavailable({
              message: `this server has no Prometheus to measure ${target.kind} rollouts with (--prometheus)${target.kind === "arm" ? "; or ask for the devices' own health: target.targetHealth true" : target.kind === "windows" ? "; or ask for the hosts' own signals: target.targetHealth true" : ""}`
            })
          }
          const setup: Runner.Setup = {
            decision: request.decision,
            slo: request.slo,
            ...(request.policy !== undefined ? { policy: request.policy } : {}),
            target: target.kind,
            ...(k8s !== undefined ? { k8s } : {}),
            ...(target.kind === "windows" && options.windows !== undefined ? { windows: options.windows } : {}),
            ...(target.kind === "arm" && options.arm !== undefined ? { arm: options.arm } : {}),
            metrics:
              target.kind === "simulated"
                ? { simulate: target.scenario, seed: target.seed ?? 1, speed: target.speed ?? 1 }
                : targetHealth
                  ? { target: "health" as const }
                  : { ...(prometheus!.urls ?? { prometheus: prometheus!.url }), timeout: prometheus!.timeoutSeconds },
            hookTimeoutSeconds: 600,
            approvalTimeoutSeconds: 3600,
            onApprovalTimeout: "rollback"
          }
          const { plan, spec } = yield* Runner.prepare(setup, { decision: "decision", slo: "slo", policy: "policy" }).pipe(
            Effect.mapError((e) => (e._tag === "SetupError" ? new ApiError.InputError({ field: e.field, message: e.message }) : LibraryErrors.toApiInputError()(e)))
          )
          const service = request.service ?? spec.service
          const now = Date.now()
          const rolloutId = request.rolloutId ?? `${service}-${request.version ?? "candidate"}-${now.toString(36)}${(sequence++).toString(36)}`
          const exists = yield* store.get(rolloutId).pipe(
            Effect.as(true),
            Effect.catch((e) => (e.reason === "NotFound" ? Effect.succeed(false) : Effect.fail(new ApiError.Unavailable({ message: `evidence store: ${e.detail}` }))))
          )
          if (exists) return yield* new Rollouts.AlreadyExists({ rolloutId, message: `a rollout ${JSON.stringify(rolloutId)} is already recorded; pick another rolloutId` })

          const record: EvidenceStore.NewRollout = {
            rolloutId,
            service,
            target: target.kind === "k8s" ? `k8s:${target.rollout ?? target.bluegreen ?? target.canary ?? target.deployment ?? service}` : `${target.kind}:${service}`,
            startedAt: now,
            ...(request.module !== undefined && request.module !== "" ? { module: request.module } : {}),
            ...(request.version !== undefined ? { version: request.version } : {}),
            ...(request.buildNumber !== undefined && request.buildNumber !== "" ? { buildNumber: request.buildNumber } : {}),
            data: { setup, decision: { risk_score: request.decision.risk_score, strategy: request.decision.strategy, pace: request.decision.pace, model: request.decision.model, reasons: request.decision.reasons }, startedBy: "api" }
          }
          const started = yield* drive(record, setup, "start", [])
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

      // what this server drove and did not finish (it stopped, or crashed): go on from the record
      const unfinished = yield* store.list({ limit: 1000 }).pipe(
        Effect.map((all) => all.filter((r) => r.result === undefined && (r.data as { readonly startedBy?: unknown } | undefined)?.startedBy === "api")),
        Effect.catch((e) => Effect.as(Effect.logWarning("cannot list unfinished rollouts to resume").pipe(Effect.annotateLogs({ detail: e.detail })), []))
      )
      for (const rollout of unfinished) {
        const kept = Schema.decodeUnknownOption(Runner.RecordData)({ setup: (rollout.data as { readonly setup?: unknown }).setup })
        if (Option.isNone(kept)) {
          yield* Effect.logWarning("not resuming a rollout whose record this version cannot read").pipe(Effect.annotateLogs({ rollout: rollout.rolloutId }))
          continue
        }
        const setup = kept.value.setup
        if (!kinds.includes(setup.target)) {
          yield* Effect.logWarning(`not resuming a ${setup.target} rollout: this server does not drive ${setup.target} (--drive ${setup.target})`).pipe(Effect.annotateLogs({ rollout: rollout.rolloutId }))
          continue
        }
        const unreadable = yield* Runner.prepare(setup, { decision: "decision", slo: "slo", policy: "policy" }).pipe(
          Effect.as(undefined),
          Effect.catch((e) => Effect.succeed(e.message))
        )
        if (unreadable !== undefined) {
          // named once per start, as a warning: an operator's rollback (POST …/rollback) ends such a record
          yield* Effect.logWarning(`not resuming: its recorded setup does not read (${unreadable}); roll it back to end it`).pipe(Effect.annotateLogs({ rollout: rollout.rolloutId }))
          continue
        }
        const events = yield* store.get(rollout.rolloutId).pipe(Effect.map((r) => r.events), Effect.orElseSucceed(() => []))
        yield* Effect.logInfo("resuming a rollout this server was driving").pipe(Effect.annotateLogs({ rollout: rollout.rolloutId, events: events.length }))
        yield* drive(rollout, setup, "resume", events)
      }

      return RolloutsRoute.RolloutDriver.of({ start })
    })
  )
