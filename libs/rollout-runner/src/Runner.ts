import { Decode } from "@rollwise/input-schema"
import { Config as NotifyConfig, type Delivery } from "@rollwise/notify"
import { Decision } from "@rollwise/risk-core"
import { DeployTarget, Engine, type EvidenceStore, MetricSource, Operator, Rollout } from "@rollwise/rollout-engine"
import { Simulation } from "@rollwise/simulation"
import { Gates, SloSpec } from "@rollwise/slo-policy"
import { TargetExec } from "@rollwise/target-exec"
import { FlagDocument, FlagStore, TargetFlag } from "@rollwise/target-flag"
import { TargetK8s } from "@rollwise/target-k8s"
import { Clock, Duration, Effect, Layer, Schema } from "effect"
import { hostname } from "node:os"
import { resolve } from "node:path"
import { fastClock } from "./internal/fastClock.ts"

export { fastClock }
import * as Gating from "./Gating.ts"
import { SetupError } from "./internal/errors.ts"
import { target as armTarget } from "./internal/targets/arm.ts"
import type { TargetModule } from "./internal/targets/context.ts"
import { target as windowsTarget } from "./internal/targets/windows.ts"
import * as MetricSources from "./MetricSources.ts"
import * as Notifications from "./Notifications.ts"

/**
 * A rollout from its setup to its end: everything `rollwise rollout` and the
 * HTTP API's `POST /v1/rollouts` share. The setup (documents as read, the
 * target, the metric source; never credentials, which come from the
 * environment each run) is kept in the rollout's record, so a rollout
 * interrupted anywhere resumes from the record alone.
 */

/** The simulated traffic scenarios (`--simulate`). */
export const Scenario = Schema.Literals(["healthy", "latency-regression", "error-spike", "crash-loop", "new-error"])

/** @see {@link Scenario} */
export type Scenario = typeof Scenario.Type

/** Where a Kubernetes rollout acts: the connection and exactly one mode's names. */
export const K8sSetup = Schema.Struct({
  kubeconfig: Schema.optionalKey(Schema.String),
  context: Schema.optionalKey(Schema.String),
  namespace: Schema.optionalKey(Schema.String),
  /** Use the pod's service account (a server in the cluster). */
  inCluster: Schema.optionalKey(Schema.Boolean),
  rollout: Schema.optionalKey(Schema.String),
  bluegreen: Schema.optionalKey(Schema.String),
  canary: Schema.optionalKey(Schema.String),
  route: Schema.optionalKey(Schema.String),
  deployment: Schema.optionalKey(Schema.String),
  image: Schema.optionalKey(Schema.String),
  container: Schema.optionalKey(Schema.String)
})

/** @see {@link K8sSetup} */
export type K8sSetup = typeof K8sSetup.Type

/**
 * A target's own file as kept in a setup (`--hosts hosts.yaml`, `--fleet
 * fleet.yaml`): the document as read and the absolute folder it came from,
 * against which relative paths in it resolve on every resume.
 */
export const TargetFile = Schema.Struct({ document: Schema.Unknown, dir: Schema.String })

/** @see {@link TargetFile} */
export type TargetFile = typeof TargetFile.Type

/** Everything a rollout needs besides the store, kept in its record. */
export const Setup = Schema.Struct({
  decision: Schema.Unknown,
  slo: Schema.Unknown,
  policy: Schema.optionalKey(Schema.Unknown),
  /** `simulated`, `k8s`, `windows`, `arm` or `exec:/absolute/path`. */
  target: Schema.String,
  k8s: Schema.optionalKey(K8sSetup),
  /** With `windows`: the hosts file (farm, servers, sites, pools, artifact, credentials by reference). */
  windows: Schema.optionalKey(TargetFile),
  /** With `arm`: the fleet file (OTA manager, devices or their source, cohorts, health). */
  arm: Schema.optionalKey(TargetFile),
  /** With `flag:KEY`: the flag store folder (absolute) that `rollwise serve --flags-dir` serves to applications. */
  flags: Schema.optionalKey(Schema.Struct({ dir: Schema.String })),
  metrics: Schema.Union([
    /** Live: each metric from the source its slo.yaml `source` names (records from before log and trace sources hold only `prometheus`). */
    Schema.Struct({
      prometheus: Schema.optionalKey(Schema.String),
      loki: Schema.optionalKey(Schema.String),
      elasticsearch: Schema.optionalKey(Schema.String),
      tempo: Schema.optionalKey(Schema.String),
      jaeger: Schema.optionalKey(Schema.String),
      timeout: Schema.Finite
    }),
    Schema.Struct({ simulate: Scenario, seed: Schema.Int, speed: Schema.Finite }),
    /** The target's own signals (an ARM fleet's device health per cohort), from the same file and credentials. */
    Schema.Struct({ target: Schema.Literal("health") })
  ]),
  hookTimeoutSeconds: Schema.Finite,
  approvalTimeoutSeconds: Schema.Finite,
  onApprovalTimeout: Schema.Literals(["rollback", "abort"])
})

/** @see {@link Setup} */
export type Setup = typeof Setup.Type

/** What a rollout's record keeps in its `data`. */
export const RecordData = Schema.Struct({ setup: Setup })

export { SetupError }

/** What a setup's `target` names. */
export type TargetKind =
  | { readonly kind: "simulated" }
  | { readonly kind: "k8s" }
  | { readonly kind: "windows" }
  | { readonly kind: "arm" }
  | { readonly kind: "exec"; readonly command: string }
  | { readonly kind: "flag"; readonly key: string }

/** Parse a target (`--target`): k8s, windows, arm, exec:PATH (made absolute), flag:KEY or simulated. */
export const parseTarget = (text: string, field = "--target"): Effect.Effect<TargetKind, SetupError> =>
  text === "simulated" || text === "k8s" || text === "windows" || text === "arm"
    ? Effect.succeed({ kind: text })
    : text.startsWith("exec:") && text.length > 5
      ? Effect.succeed({ kind: "exec" as const, command: resolve(text.slice(5)) })
      : text.startsWith("flag:")
        ? isFlagKey(text.slice(5))
          ? Effect.succeed({ kind: "flag" as const, key: text.slice(5) })
          : Effect.fail(new SetupError({ field, detail: `"${text.slice(5)}" is not a flag key (letters, digits, . _ -, at most 128, starting with a letter or digit)` }))
        : Effect.fail(new SetupError({ field, detail: `"${text}" is not a target: use k8s, windows (with --hosts), arm (with --fleet), exec:PATH (your hook executable), flag:KEY (a feature flag's share of users) or simulated` }))

const isFlagKey = Schema.is(FlagDocument.FlagKey)

/** The target families configured by a file of their own, with the flag that names it. */
export const fileTargets: Readonly<Record<"windows" | "arm", { readonly flag: string; readonly module: TargetModule }>> = {
  windows: { flag: "--hosts", module: windowsTarget },
  arm: { flag: "--fleet", module: armTarget }
}

/**
 * Check a file target's setup: the file is there (and only for its own
 * target) and decodes; a flag target has its store folder (and only it).
 * `flag` spells the field as the caller's user knows it.
 */
export const checkTargetFile = (setup: Setup, kind: TargetKind["kind"], flag: (field: "windows" | "arm") => string): Effect.Effect<void, SetupError> =>
  Effect.gen(function* () {
    if (kind === "flag" && setup.flags === undefined) return yield* new SetupError({ field: "--flags-dir", detail: "--target flag:KEY needs the flag store folder (--flags-dir)" })
    if (kind !== "flag" && setup.flags !== undefined) return yield* new SetupError({ field: "--flags-dir", detail: "only makes sense with --target flag:KEY" })
    for (const family of ["windows", "arm"] as const) {
      const file = setup[family]
      if (family === kind && file === undefined) return yield* new SetupError({ field: flag(family), detail: `--target ${family} needs ${fileTargets[family].flag} FILE` })
      if (family !== kind && file !== undefined) return yield* new SetupError({ field: flag(family), detail: `only makes sense with --target ${family}` })
      if (file !== undefined) yield* fileTargets[family].module.check(file, flag(family))
    }
  })

/** The Kubernetes modes, in the order they are named. */
export const k8sModes = ["rollout", "bluegreen", "canary", "deployment"] as const

/**
 * Check a Kubernetes setup names exactly one mode with what it needs: an
 * Argo Rollout by name; blue/green, canary and rolling with the candidate's
 * image; a canary with its route (`httproute/NAME` or `ingress/NAME`).
 * `flag` spells a field as the caller's user knows it (`--rollout`, `k8s.rollout`).
 */
export const checkK8s = (k8s: K8sSetup, flag: (field: string) => string): Effect.Effect<void, SetupError> => {
  const modes = k8sModes.filter((k) => k8s[k] !== undefined)
  if (modes.length !== 1) {
    return Effect.fail(
      new SetupError({
        field: flag("target"),
        detail: `needs exactly one of ${flag("rollout")} NAME (an Argo Rollout), ${flag("bluegreen")} SERVICE, ${flag("canary")} DEPLOYMENT with ${flag("route")}, or ${flag("deployment")} NAME (rolling)`
      })
    )
  }
  const mode = modes[0]!
  if (mode !== "rollout" && k8s.image === undefined) return Effect.fail(new SetupError({ field: flag(mode), detail: `needs ${flag("image")} (the candidate's image)` }))
  if (mode === "canary" && !/^(httproute|ingress)\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(k8s.route ?? "")) {
    return Effect.fail(new SetupError({ field: flag("route"), detail: `${flag("canary")} needs ${flag("route")} httproute/NAME or ${flag("route")} ingress/NAME` }))
  }
  return Effect.void
}

/** The Kubernetes mode a setup names. */
export const k8sMode = (k8s: K8sSetup, timeout: Duration.Duration): TargetK8s.Mode => {
  const image = k8s.image ?? ""
  const container = k8s.container !== undefined ? { container: k8s.container } : {}
  if (k8s.rollout !== undefined) return { mode: "argo", name: k8s.rollout, stepTimeout: timeout }
  if (k8s.bluegreen !== undefined) return { mode: "bluegreen", service: k8s.bluegreen, image, readyTimeout: timeout, ...container }
  if (k8s.canary !== undefined) {
    const [kind, name] = (k8s.route ?? "").split("/") as [string, string]
    return { mode: "canary", deployment: k8s.canary, image, readyTimeout: timeout, router: kind === "ingress" ? { kind: "nginx", ingress: name } : { kind: "httproute", name }, ...container }
  }
  return { mode: "rolling", deployment: k8s.deployment ?? "", image, readyTimeout: timeout, ...container }
}

/** Where each document came from, for error messages (a file, a request field, a record). */
export interface Sources {
  readonly decision: string
  readonly slo: string
  readonly policy: string
}

/** Decode the documents of a setup (fresh, or from a record on resume). */
export const load = (setup: Setup, sources: Sources) =>
  Effect.gen(function* () {
    const decision = yield* Decode.decode(Decision.Decision, { source: sources.decision })(setup.decision)
    const spec = yield* SloSpec.decode(setup.slo, sources.slo)
    const policy = setup.policy === undefined ? undefined : yield* Gates.decodePolicy(setup.policy, sources.policy)
    return { decision, spec, policy }
  })

/**
 * The plan for a decision under a policy: approval before the full step when
 * the decision asks for it or the risk is above the policy's threshold; the
 * other gates run before the first step.
 */
export const planFor = (setup: Setup, decision: Decision.Decision, policy: Gates.GatePolicy | undefined): Rollout.Plan =>
  Rollout.planOf(
    { ...decision, approval_required: decision.approval_required || Gates.needsApproval(policy?.approval, decision.risk_score) },
    { approvalTimeoutSeconds: setup.approvalTimeoutSeconds, onApprovalTimeout: setup.onApprovalTimeout }
  )

/** The simulated service's fault for a scenario. */
export const faultOf = (scenario: Scenario): Simulation.Fault =>
  scenario === "latency-regression" ? "latency" : scenario === "error-spike" ? "errors" : scenario === "crash-loop" ? "crash-loop" : scenario === "new-error" ? "new-error" : "none"

/** Environment variables the runner reads credentials from (never from the setup). */
export type Env = Readonly<Record<string, string | undefined>>

/** How {@link run} reports and where it runs. */
export interface RunOptions {
  /** The rollout's record (created on start, read on resume). */
  readonly rollout: EvidenceStore.NewRollout
  readonly setup: Setup
  /** `start` records a new rollout; `resume` replays the record and goes on. */
  readonly mode: "start" | "resume"
  /** Where the documents came from, for error messages. */
  readonly sources: Sources
  /** Credentials: ROLLWISE_PROMETHEUS_*, ROLLWISE_OPA_TOKEN. */
  readonly env: Env
  /** The events recorded before this run (resume), for the simulated traffic's share and the clock. */
  readonly recorded?: ReadonlyArray<EvidenceStore.Event> | undefined
  /** How often the engine looks for an operator's promote or rollback (default 5 s). */
  readonly pollEvery?: Duration.Duration | undefined
  /** A Prometheus source other than the setup's URL with env credentials (the server's own, already configured). */
  readonly metricSource?: Layer.Layer<MetricSource.MetricSource> | undefined
  readonly onEvent?: Engine.Options["onEvent"]
  readonly onWindow?: Engine.Options["onWindow"]
  /** The deliveries of each notification (policy.yaml's `notifications:`), sent or failed. */
  readonly onNotified?: ((deliveries: ReadonlyArray<Delivery.Delivery>) => Effect.Effect<void>) | undefined
  /** Each line the deploy hook writes (exec targets). */
  readonly onHookOutput?: ((line: string) => void) | undefined
  /**
   * Who drives (named in the lease: this host and pid, and `cli` or
   * `server`) and how long its lease lasts without a renewal (default 30 s;
   * renewed every third of it, in wall-clock time even on a simulated clock).
   */
  readonly driver?: { readonly kind: "cli" | "server"; readonly ttl?: Duration.Duration | undefined } | undefined
}

/** The plan, spec and decision a setup runs with, for the caller's first lines. */
export interface Prepared {
  readonly plan: Rollout.Plan
  readonly decision: Decision.Decision
  readonly spec: SloSpec.Spec
  readonly policy: Gates.GatePolicy | undefined
  /** policy.yaml's `notifications:` (none configured: no channels). */
  readonly notifications: NotifyConfig.Notifications
}

/** Decode a setup and make its plan; checks a live setup's queries. */
export const prepare = (setup: Setup, sources: Sources) =>
  Effect.gen(function* () {
    const { decision, spec, policy } = yield* load(setup, sources)
    const kind = (yield* parseTarget(setup.target)).kind
    yield* checkTargetFile(setup, kind, (family) => fileTargets[family].flag)
    if ("target" in setup.metrics && (kind !== "arm" && kind !== "windows" ? true : fileTargets[kind].module.metricSource === undefined)) {
      return yield* new SetupError({ field: "--target-health", detail: `--target ${kind} has no health signals of its own: measure with --prometheus URL (or --simulate)` })
    }
    if ("timeout" in setup.metrics) {
      const urls = MetricSources.urlsOf(setup.metrics)
      for (const [source, url] of Object.entries(urls)) yield* MetricSources.requireCredentialFreeUrl(url, `--${source}`)
      yield* MetricSources.requireQueries(spec, sources.slo, urls)
    }
    const notifications = yield* NotifyConfig.fromPolicy(setup.policy, sources.policy)
    return { plan: planFor(setup, decision, policy), decision, spec, policy, notifications } satisfies Prepared
  })

/**
 * Run a rollout to its end (or to the next interruption: everything is
 * recorded as it happens, so `mode: "resume"` goes on from the record).
 * Needs the evidence store; builds the target and the metric source from
 * the setup.
 */
export const run = (options: RunOptions) =>
  Effect.scoped(runScoped(options))

// the target's connections (SSH sessions, HTTP agents) live as long as the run
const runScoped = (options: RunOptions) =>
  Effect.gen(function* () {
    const { setup, rollout } = options
    const { plan, decision, policy, spec, notifications } = yield* prepare(setup, options.sources)
    const metrics = setup.metrics
    const target = yield* parseTarget(setup.target)
    const id = rollout.rolloutId
    const recorded = options.recorded ?? []
    const before = Operator.stateOf(recorded)
    const startAt = recorded.at(-1)?.at ?? rollout.startedAt
    // the simulated traffic follows the step the target was last moved to
    let share = before !== undefined ? Rollout.appliedPercent(before) : 0

    const k8s = setup.k8s ?? {}
    const base =
      target.kind === "k8s"
        ? yield* TargetK8s.make(
            {
              ...(k8s.kubeconfig !== undefined ? { kubeconfig: k8s.kubeconfig } : {}),
              ...(k8s.context !== undefined ? { context: k8s.context } : {}),
              ...(k8s.namespace !== undefined ? { namespace: k8s.namespace } : {}),
              ...(k8s.inCluster === true ? { inCluster: true } : {})
            },
            k8sMode(k8s, Duration.seconds(setup.hookTimeoutSeconds))
          )
        : target.kind === "windows" || target.kind === "arm"
          ? yield* fileTargets[target.kind].module.make(setup[target.kind]!, {
              rollout: { id, service: rollout.service, version: rollout.version },
              plan,
              env: options.env,
              timeout: Duration.seconds(setup.hookTimeoutSeconds),
              onOutput: options.onHookOutput ?? (() => undefined)
            })
        : target.kind === "flag"
          ? yield* TargetFlag.make({ key: target.key, salt: id, rollout: id }).pipe(Effect.provideService(FlagStore.FlagStore, yield* FlagStore.makeFile(setup.flags!.dir).pipe(Effect.mapError((e) => new SetupError({ field: "--flags-dir", detail: e.message })))))
        : target.kind === "simulated"
          ? (yield* DeployTarget.makeMemory({ kind: "simulated", name: rollout.service, ...(rollout.version !== undefined ? { candidateVersion: rollout.version } : {}) })).target
          : TargetExec.make({
              command: target.command,
              description: { kind: "exec", name: rollout.service, ...(rollout.version !== undefined ? { candidateVersion: rollout.version } : {}) },
              rollout: { id, service: rollout.service, ...(rollout.version !== undefined ? { version: rollout.version } : {}) },
              timeout: Duration.seconds(setup.hookTimeoutSeconds),
              onOutput: options.onHookOutput ?? (() => undefined)
            })
    const deployTarget = DeployTarget.DeployTarget.of({ ...base, apply: (step) => Effect.tap(base.apply(step), () => Effect.sync(() => void (share = DeployTarget.percentOf(step)))) })

    const targetModule = target.kind === "arm" || target.kind === "windows" ? fileTargets[target.kind].module : undefined
    const source =
      "target" in metrics
        ? targetModule?.metricSource === undefined
          ? yield* new SetupError({ field: "--target-health", detail: `--target ${target.kind} has no health signals of its own` })
          : Layer.succeed(
              MetricSource.MetricSource,
              yield* targetModule.metricSource(setup[target.kind as "arm" | "windows"]!, {
                rollout: { id, service: rollout.service, version: rollout.version },
                plan,
                env: options.env,
                timeout: Duration.seconds(setup.hookTimeoutSeconds),
                onOutput: options.onHookOutput ?? (() => undefined)
              })
            )
        : "timeout" in metrics
          ? (options.metricSource ?? MetricSources.live(MetricSources.urlsOf(metrics), metrics.timeout, options.env))
          : Simulation.metricSource(
            { name: rollout.service, latencySeconds: 0.12, requestsPerSecond: 1500, errorRatio: 0.003, fault: faultOf(metrics.simulate) },
            metrics.seed,
            Effect.sync(() => share)
          )
    const clock = "simulate" in metrics ? fastClock(startAt, metrics.speed) : undefined

    const gates = Effect.gen(function* () {
      if (policy === undefined) return { status: "pass" as const, reasons: ["no policy: no gates"] }
      const { approval: _approval, ...beforeFirstStep } = policy
      const now = yield* Clock.currentTimeMillis
      const outcome = yield* Gating.check(beforeFirstStep, decision, now, false, options.env)
      const asked = plan.approvalRequired ? ["a person approves before the full step (rollwise promote)"] : []
      return { status: outcome.status, reasons: [...Gates.reasonsOf(outcome), ...(outcome.status === "pass" ? asked : [])] }
    })

    const notify = yield* Notifications.make({ config: notifications, rollout, riskScore: decision.risk_score, env: options.env, onDelivered: options.onNotified })
    // killed between an event and its message: the record says what was not sent yet
    if (notify !== undefined && options.mode === "resume") yield* notify.catchUp(plan, recorded)
    const onEvent: Engine.Options["onEvent"] =
      notify === undefined ? options.onEvent : (event, state, seq) => Effect.andThen(options.onEvent?.(event, state, seq) ?? Effect.void, notify.onEvent(event, state, seq))
    const onWindow: Engine.Options["onWindow"] = notify === undefined ? options.onWindow : (report) => Effect.andThen(options.onWindow?.(report) ?? Effect.void, notify.onWindow(report))

    const ttl = options.driver?.ttl ?? Engine.defaultLeaseTtl
    const program = Engine.run(
      {
        rollout,
        plan,
        spec,
        gates,
        driver: {
          holder: { host: hostname(), pid: process.pid, kind: options.driver?.kind ?? "cli" },
          ttl,
          // the engine sleeps on its clock: a simulated one runs `speed` times faster than the lease's
          renewEvery: Duration.millis((Duration.toMillis(ttl) / 3) * ("simulate" in metrics ? metrics.speed : 1))
        },
        pollEvery: options.pollEvery ?? Duration.seconds(5),
        ...(onEvent !== undefined ? { onEvent } : {}),
        ...(onWindow !== undefined ? { onWindow } : {})
      },
      options.mode
    ).pipe(Effect.provideService(DeployTarget.DeployTarget, deployTarget), Effect.provide(source))
    return yield* clock === undefined ? program : Effect.provideService(program, Clock.Clock, clock)
  })
