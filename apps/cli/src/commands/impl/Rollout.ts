import { Decode } from "@rollwise/input-schema"
import { ChangeSet, Decision, RiskPolicy } from "@rollwise/risk-core"
import { DeployTarget, Engine, EvidenceStore, Operator, Rollout, Timeline } from "@rollwise/rollout-engine"
import { Simulation } from "@rollwise/simulation"
import { Gates, SloSpec } from "@rollwise/slo-policy"
import { TargetExec } from "@rollwise/target-exec"
import { TargetK8s } from "@rollwise/target-k8s"
import { Clock, Console, Data, Duration, Effect, Option, Schema } from "effect"
import { resolve } from "node:path"
import { Json } from "../../GlobalFlags.ts"
import { fastClock } from "../../internal/FastClock.ts"
import * as GateCheck from "../../internal/GateCheck.ts"
import { InputError, note, printJson, readJson, readYaml } from "../../internal/Io.ts"
import { prometheusSource, requireQueries } from "../../internal/Prometheus.ts"
import * as Store from "../../internal/Store.ts"
import type { PromoteFlags, RollbackFlags, RolloutFlags } from "../Rollout.ts"

/** A rollout that ended without promoting: exit 11 when rolled back, 5 when aborted. */
export class RolloutEnded extends Data.TaggedError("RolloutEnded")<{ readonly rolloutId: string; readonly reason: "RolledBack" | "Aborted"; readonly detail: string }> {
  override get message(): string {
    return `rollout ${this.rolloutId} ${this.reason === "RolledBack" ? "rolled back" : "aborted"}: ${this.detail}`
  }
}

/**
 * Everything a rollout needs besides the store, kept in its record so
 * `--resume ID` needs nothing else. Documents are kept as read (re-decoded
 * on resume); no credentials: those come from the environment each run.
 */
const Setup = Schema.Struct({
  decision: Schema.Unknown,
  slo: Schema.Unknown,
  policy: Schema.optionalKey(Schema.Unknown),
  target: Schema.String,
  k8s: Schema.optionalKey(
    Schema.Struct({
      kubeconfig: Schema.optionalKey(Schema.String),
      context: Schema.optionalKey(Schema.String),
      namespace: Schema.optionalKey(Schema.String),
      rollout: Schema.optionalKey(Schema.String),
      bluegreen: Schema.optionalKey(Schema.String),
      canary: Schema.optionalKey(Schema.String),
      route: Schema.optionalKey(Schema.String),
      deployment: Schema.optionalKey(Schema.String),
      image: Schema.optionalKey(Schema.String),
      container: Schema.optionalKey(Schema.String)
    })
  ),
  metrics: Schema.Union([
    Schema.Struct({ prometheus: Schema.String, timeout: Schema.Finite }),
    Schema.Struct({ simulate: Schema.Literals(["healthy", "latency-regression", "error-spike", "crash-loop"]), seed: Schema.Int, speed: Schema.Finite })
  ]),
  hookTimeoutSeconds: Schema.Finite,
  approvalTimeoutSeconds: Schema.Finite,
  onApprovalTimeout: Schema.Literals(["rollback", "abort"])
})
type Setup = typeof Setup.Type
const RecordData = Schema.Struct({ setup: Setup })

const faultOf = (scenario: "healthy" | "latency-regression" | "error-spike" | "crash-loop"): Simulation.Fault =>
  scenario === "latency-regression" ? "latency" : scenario === "error-spike" ? "errors" : scenario === "crash-loop" ? "crash-loop" : "none"

const parseTarget = (text: string) =>
  text === "simulated"
    ? Effect.succeed({ kind: "simulated" as const })
    : text === "k8s"
      ? Effect.succeed({ kind: "k8s" as const })
    : text.startsWith("exec:") && text.length > 5
      ? Effect.succeed({ kind: "exec" as const, command: resolve(text.slice(5)) })
      : Effect.fail(new InputError({ file: "--target", detail: `"${text}" is not a target: use k8s, exec:PATH (your hook executable) or simulated (Windows and ARM adapters come with their issues)` }))

/** The Kubernetes mode a rollout's setup names. */
const k8sMode = (k8s: NonNullable<Setup["k8s"]>, timeout: Duration.Duration): TargetK8s.Mode => {
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

const who = (flag: Option.Option<string>) => Option.getOrElse(flag, () => process.env["BUILD_USER_ID"] || process.env["USER"] || "operator")

/** Decode the documents of a setup (fresh from files, or from a record on resume). */
const load = (setup: Setup, source: { readonly decision: string; readonly slo: string; readonly policy: string }) =>
  Effect.gen(function* () {
    const decision = yield* Decode.decode(Decision.Decision, { source: source.decision })(setup.decision)
    const spec = yield* SloSpec.decode(setup.slo, source.slo)
    const policy = setup.policy === undefined ? undefined : yield* Gates.decodePolicy(setup.policy, source.policy)
    return { decision, spec, policy }
  })

/**
 * The plan for a decision under a policy: approval before the full step when
 * the decision asks for it or the risk is above the policy's threshold; the
 * other gates run before the first step.
 */
const planFor = (setup: Setup, decision: Decision.Decision, policy: Gates.GatePolicy | undefined): Rollout.Plan =>
  Rollout.planOf(
    { ...decision, approval_required: decision.approval_required || Gates.needsApproval(policy?.approval, decision.risk_score) },
    { approvalTimeoutSeconds: setup.approvalTimeoutSeconds, onApprovalTimeout: setup.onApprovalTimeout }
  )

/** `rollwise rollout`: start one, or resume a recorded one. */
export const runRollout = Effect.fn("cli.rollout")(function* (flags: RolloutFlags) {
  const json = yield* Json
  const dbPath = Store.pathOf(flags.db)
  let setup: Setup
  let rollout: EvidenceStore.NewRollout
  let store: EvidenceStore.EvidenceStore["Service"]
  const sources = { decision: "", slo: "", policy: "" }

  if (Option.isSome(flags.resume)) {
    const given = (["decision", "slo", "target", "prometheus", "simulate", "policy", "changes", "id", "service", "module", "version", "build", "kubeconfig", "context", "namespace", "rollout", "bluegreen", "canary", "route", "deployment", "image", "container"] as const).filter((k) => Option.isSome(flags[k]))
    if (given.length > 0) {
      return yield* new InputError({ file: "--resume", detail: `takes everything from the rollout's record; drop --${given.join(", --")}` })
    }
    store = yield* Store.openExisting(dbPath)
    const record = yield* store.get(flags.resume.value)
    const kept = (record.rollout.data ?? {}) as { readonly setup?: unknown }
    const data = yield* Decode.decode(RecordData, { source: `rollout ${flags.resume.value}` })({ setup: kept.setup })
    setup = data.setup
    rollout = record.rollout
    if (record.rollout.result !== undefined) {
      yield* note(`rollout ${rollout.rolloutId} already ended ${record.rollout.result}; nothing to resume`)
    }
    sources.decision = sources.slo = sources.policy = `rollout ${rollout.rolloutId}`
  } else {
    const missing = (["decision", "slo", "target"] as const).filter((k) => Option.isNone(flags[k]))
    if (missing.length > 0) return yield* new InputError({ file: "rollwise rollout", detail: `needs --${missing.join(", --")} (or --resume ID)` })
    if (Option.isSome(flags.prometheus) === Option.isSome(flags.simulate)) {
      return yield* new InputError({ file: "rollwise rollout", detail: "needs exactly one metric source: --prometheus URL or --simulate SCENARIO" })
    }
    if (flags.speed !== 1 && Option.isNone(flags.simulate)) return yield* new InputError({ file: "--speed", detail: "only makes sense with --simulate (real traffic runs in real time)" })
    if (!(flags.speed > 0)) return yield* new InputError({ file: "--speed", detail: "must be above 0" })
    const target = Option.getOrThrow(flags.target)
    const kind = (yield* parseTarget(target)).kind
    const k8sFlags = (["kubeconfig", "context", "namespace", "rollout", "bluegreen", "canary", "route", "deployment", "image", "container"] as const).filter((k) => Option.isSome(flags[k]))
    if (kind !== "k8s" && k8sFlags.length > 0) return yield* new InputError({ file: `--${k8sFlags[0]}`, detail: "only makes sense with --target k8s" })
    if (kind === "k8s") {
      const modes = (["rollout", "bluegreen", "canary", "deployment"] as const).filter((k) => Option.isSome(flags[k]))
      if (modes.length !== 1) {
        return yield* new InputError({ file: "--target k8s", detail: "needs exactly one of --rollout NAME (an Argo Rollout), --bluegreen SERVICE, --canary DEPLOYMENT --route …, or --deployment NAME (rolling)" })
      }
      if (modes[0] !== "rollout" && Option.isNone(flags.image)) return yield* new InputError({ file: `--${modes[0]}`, detail: "needs --image (the candidate's image)" })
      if (modes[0] === "canary" && !/^(httproute|ingress)\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(Option.getOrElse(flags.route, () => ""))) {
        return yield* new InputError({ file: "--route", detail: "--canary needs --route httproute/NAME or --route ingress/NAME" })
      }
    }
    sources.decision = Option.getOrThrow(flags.decision)
    sources.slo = Option.getOrThrow(flags.slo)
    sources.policy = Option.getOrElse(flags.policy, () => "")
    setup = {
      decision: yield* readJson(sources.decision),
      slo: yield* readYaml(sources.slo),
      ...(Option.isSome(flags.policy) ? { policy: yield* readYaml(flags.policy.value) } : {}),
      target: target.startsWith("exec:") ? `exec:${resolve(target.slice(5))}` : target,
      ...(kind === "k8s"
        ? {
            k8s: Object.fromEntries(
              (["kubeconfig", "context", "namespace", "rollout", "bluegreen", "canary", "route", "deployment", "image", "container"] as const).flatMap((k) => {
                const v = flags[k]
                return Option.isSome(v) ? [[k, k === "kubeconfig" ? resolve(v.value) : v.value]] : []
              })
            )
          }
        : {}),
      metrics: Option.isSome(flags.prometheus)
        ? { prometheus: flags.prometheus.value, timeout: flags.timeout }
        : { simulate: Option.getOrThrow(flags.simulate), seed: flags.seed, speed: flags.speed },
      hookTimeoutSeconds: flags.timeout * 60,
      approvalTimeoutSeconds: flags.approvalTimeout,
      onApprovalTimeout: flags.onApprovalTimeout
    }
    const { decision, spec } = yield* load(setup, sources)
    const changes = Option.isSome(flags.changes) ? yield* Effect.flatMap(readJson(flags.changes.value), (doc) => ChangeSet.decode(doc)) : undefined
    const service = Option.getOrElse(flags.service, () => spec.service)
    const version = Option.getOrUndefined(flags.version)
    const build = Option.getOrElse(flags.build, () => process.env["BUILD_NUMBER"] ?? "")
    const module = Option.getOrElse(flags.module, () => changes?.module ?? "")
    rollout = {
      rolloutId: Option.getOrElse(flags.id, () => `${service}-${version ?? "candidate"}-${Date.now().toString(36)}`),
      service,
      target: kind === "k8s" ? `k8s:${[flags.rollout, flags.bluegreen, flags.canary, flags.deployment].map(Option.getOrUndefined).find((x) => x !== undefined) ?? service}` : setup.target.startsWith("exec:") ? `exec:${service}` : `simulated:${service}`,
      startedAt: Date.now(),
      ...(module !== "" ? { module } : {}),
      ...(version !== undefined ? { version } : {}),
      ...(build !== "" ? { buildNumber: build } : {}),
      data: {
        setup,
        decision: { risk_score: decision.risk_score, strategy: decision.strategy, pace: decision.pace, model: decision.model, reasons: decision.reasons },
        ...(changes !== undefined ? { features: ChangeSet.features(changes, RiskPolicy.defaultPolicy.calendar), changeSet: changes } : {})
      }
    }
    store = yield* Store.openOrCreate(dbPath)
  }

  const { decision, spec, policy } = yield* load(setup, sources)
  const plan = planFor(setup, decision, policy)
  const metrics = setup.metrics
  if ("prometheus" in metrics) yield* requireQueries(spec, sources.slo)
  const target = yield* parseTarget(setup.target)
  const id = rollout.rolloutId
  const resuming = Option.isSome(flags.resume)

  // where the rollout stands (for a resumed simulation: the traffic share already applied)
  const recorded = resuming ? (yield* store.get(id)).events : []
  const before = Operator.stateOf(recorded)
  const startAt = recorded.at(-1)?.at ?? rollout.startedAt
  let share = before !== undefined ? Rollout.appliedPercent(before) : 0

  const k8s = setup.k8s ?? {}
  const base =
    target.kind === "k8s"
      ? yield* TargetK8s.make(
          { ...(k8s.kubeconfig !== undefined ? { kubeconfig: k8s.kubeconfig } : {}), ...(k8s.context !== undefined ? { context: k8s.context } : {}), ...(k8s.namespace !== undefined ? { namespace: k8s.namespace } : {}) },
          k8sMode(k8s, Duration.seconds(setup.hookTimeoutSeconds))
        )
      : target.kind === "simulated"
      ? (yield* DeployTarget.makeMemory({ kind: "simulated", name: rollout.service, ...(rollout.version !== undefined ? { candidateVersion: rollout.version } : {}) })).target
      : TargetExec.make({
          command: target.command,
          description: { kind: "exec", name: rollout.service, ...(rollout.version !== undefined ? { candidateVersion: rollout.version } : {}) },
          rollout: { id, service: rollout.service, ...(rollout.version !== undefined ? { version: rollout.version } : {}) },
          timeout: Duration.seconds(setup.hookTimeoutSeconds),
          onOutput: (line) => void process.stderr.write(`  hook: ${line}\n`)
        })
  // the simulated traffic follows the step the target was last moved to
  const deployTarget = DeployTarget.DeployTarget.of({ ...base, apply: (step) => Effect.tap(base.apply(step), () => Effect.sync(() => void (share = DeployTarget.percentOf(step)))) })

  const source =
    "prometheus" in metrics
      ? prometheusSource(metrics.prometheus, metrics.timeout)
      : Simulation.metricSource(
          { name: rollout.service, latencySeconds: 0.12, requestsPerSecond: 1500, errorRatio: 0.003, fault: faultOf(metrics.simulate) },
          metrics.seed,
          Effect.sync(() => share)
        )
  const clock = "simulate" in metrics ? fastClock(startAt, metrics.speed) : undefined
  const stamp = (ms: number) => new Date(ms).toISOString().slice(11, 19)

  const gates = Effect.gen(function* () {
    if (policy === undefined) return { status: "pass" as const, reasons: ["no policy: no gates"] }
    const { approval: _approval, ...before } = policy
    const now = yield* Clock.currentTimeMillis
    const outcome = yield* GateCheck.check(before, decision, now, false)
    const asked = plan.approvalRequired ? ["a person approves before the full step (rollwise promote)"] : []
    return { status: outcome.status, reasons: [...Gates.reasonsOf(outcome), ...(outcome.status === "pass" ? asked : [])] }
  })

  yield* note(
    resuming
      ? `rollout ${id}: resuming from event ${recorded.at(-1)?.seq ?? 0} (${before?.phase ?? "not started"})`
      : `rollout ${id}: ${rollout.service}${rollout.version !== undefined ? ` ${rollout.version}` : ""}, risk ${decision.risk_score.toFixed(0)}, ${plan.strategy} ${plan.steps.map((s) => DeployTarget.percentOf(s.step)).join(" → ")} %, evidence in ${dbPath}`
  )
  if (plan.approvalRequired) yield* note(`rollout ${id}: approve the full step with: rollwise promote --rollout ${id}`)
  let windows = 0
  const program = Engine.run(
    {
      rollout,
      plan,
      spec,
      gates,
      pollEvery: Duration.seconds(5),
      onEvent: (event, state, seq) =>
        Effect.gen(function* () {
          yield* note(`[${stamp(yield* Clock.currentTimeMillis)}] #${seq} ${Timeline.eventLine(event, state.steps)}`)
          if (state.phase === "awaiting_approval" && event._tag !== "Approved") yield* note(`waiting for: rollwise promote --rollout ${id}  (or rollwise rollback --rollout ${id})`)
        }),
      onWindow: (r) =>
        Effect.gen(function* () {
          windows++
          yield* note(`[${stamp(r.window.end)}]    window ${r.index + 1}: ${r.verdict.metrics.map((m) => `${m.name} ${m.status}`).join(", ")} → ${r.verdict.action}`)
        })
    },
    resuming ? "resume" : "start"
  ).pipe(Effect.provideService(DeployTarget.DeployTarget, deployTarget), Effect.provideService(EvidenceStore.EvidenceStore, store), Effect.provide(source))
  const final = yield* (clock === undefined ? program : Effect.provideService(program, Clock.Clock, clock))

  const { events } = yield* store.get(id)
  const result = final.phase === "promoted" || final.phase === "rolled_back" || final.phase === "aborted" ? final.phase : "unfinished"
  const summary = {
    rolloutId: id,
    result,
    reason: final.reason ?? "",
    steps: `${Math.max(0, final.stepIndex + 1)}/${final.steps.length}`,
    windows: events.filter((e) => Timeline.isWindow(e.data)).length,
    events: events.length,
    db: dbPath
  }
  if (json) yield* printJson(summary)
  else {
    yield* Console.log(`rollout ${id}: ${result.toUpperCase().replace("_", " ")} — ${summary.reason}`)
    yield* Console.log(`  steps ${summary.steps}, ${summary.windows} windows judged (${windows} in this run), ${summary.events} events recorded; rollwise evidence show ${id} --db ${dbPath}`)
  }
  if (final.phase === "rolled_back" || final.phase === "aborted") return yield* new RolloutEnded({ rolloutId: id, reason: final.phase === "aborted" ? "Aborted" : "RolledBack", detail: final.reason ?? "" })
})

/** `rollwise promote`: record an approval. */
export const runPromote = Effect.fn("cli.promote")(function* (flags: PromoteFlags) {
  const json = yield* Json
  const store = yield* Store.openExisting(Store.pathOf(flags.db))
  const outcome = yield* Operator.approve(flags.rollout, who(flags.by), Date.now()).pipe(Effect.provideService(EvidenceStore.EvidenceStore, store))
  if (json) return yield* printJson({ rolloutId: flags.rollout, outcome: outcome.outcome, phase: outcome.phase, detail: outcome.detail })
  yield* Console.log(`rollout ${flags.rollout} ${outcome.detail}`)
  if (outcome.outcome === "recorded") yield* Console.log("  the running rollwise rollout goes on within 5 s (if none is running: rollwise rollout --resume " + flags.rollout + ")")
})

/** `rollwise rollback`: record an operator's rollback. */
export const runRollback = Effect.fn("cli.rollback")(function* (flags: RollbackFlags) {
  const json = yield* Json
  const store = yield* Store.openExisting(Store.pathOf(flags.db))
  const outcome = yield* Operator.rollback(flags.rollout, who(flags.by), flags.reason, Date.now()).pipe(Effect.provideService(EvidenceStore.EvidenceStore, store))
  if (json) return yield* printJson({ rolloutId: flags.rollout, outcome: outcome.outcome, phase: outcome.phase, detail: outcome.detail })
  yield* Console.log(`rollout ${flags.rollout} ${outcome.detail}`)
  if (outcome.outcome === "recorded") yield* Console.log("  the running rollwise rollout rolls the target back within 5 s (if none is running: rollwise rollout --resume " + flags.rollout + ")")
})
