import { Decode } from "@rollwise/input-schema"
import { ChangeSet, RiskPolicy } from "@rollwise/risk-core"
import { DeployTarget, EvidenceStore, Operator, Timeline } from "@rollwise/rollout-engine"
import { Runner } from "@rollwise/rollout-runner"
import { Clock, Console, Data, Duration, Effect, Option } from "effect"
import { dirname, resolve } from "node:path"
import { Json } from "../../GlobalFlags.ts"
import { CliInputError, note, plainField, printJson, readJson, readYaml } from "../../internal/Io.ts"
import * as Store from "../../internal/Store.ts"
import type { PromoteFlags, RollbackFlags, RolloutFlags } from "../Rollout.ts"
import { liveUrls } from "../SourceFlags.ts"

/** A rollout that ended without promoting: exit 11 when rolled back, 5 when aborted. */
export class RolloutEnded extends Data.TaggedError("RolloutEnded")<{ readonly rolloutId: string; readonly reason: "RolledBack" | "Aborted"; readonly detail: string }> {
  override get message(): string {
    return `rollout ${this.rolloutId} ${this.reason === "RolledBack" ? "rolled back" : "aborted"}: ${this.detail}`
  }
}

/**
 * Another process drives the rollout: refused like any state that does not
 * allow the command (tagged RolloutRefused, so exit 7), in one line naming
 * the driver and when its lease expires.
 */
export class DrivenElsewhere extends Data.TaggedError("RolloutRefused")<{ readonly rolloutId: string; readonly reason: "Driven"; readonly detail: string }> {
  override get message(): string {
    return `rollout ${this.rolloutId} ${this.detail}`
  }
}

/** Another driver holds the rollout, or took it over from this one. */
const driven = (e: EvidenceStore.LeaseError) => {
  const holder = e.holder === undefined ? "another process" : `${e.holder.kind} pid ${e.holder.pid} on ${e.holder.host}`
  const until = e.expiresAt === undefined ? "" : ` until ${new Date(e.expiresAt).toISOString()} (in ${Math.max(0, Math.ceil((e.expiresAt - Date.now()) / 1000))} s) unless it renews`
  return new DrivenElsewhere({
    rolloutId: e.rolloutId,
    reason: "Driven",
    detail:
      e.reason === "Held"
        ? `is being driven by ${holder}, whose lease runs${until}; resume it after that process ends or its lease expires`
        : `this process lost its driver's lease to ${holder} and stopped driving; that process goes on with the rollout`
  })
}

/** A target's own file (--hosts, --fleet), kept in the setup with the folder its relative paths resolve against. */
const targetFile = (path: string) => Effect.map(readYaml(path), (document) => ({ document, dir: dirname(resolve(path)) }))

const who = (flag: Option.Option<string>) => Option.getOrElse(flag, () => process.env["BUILD_USER_ID"] || process.env["USER"] || "operator")

/** `rollwise rollout`: start one, or resume a recorded one. */
export const runRollout = Effect.fn("cli.rollout")(function* (flags: RolloutFlags) {
  const json = yield* Json
  const dbPath = Store.pathOf(flags.db)
  let setup: Runner.Setup
  let rollout: EvidenceStore.NewRollout
  let store: EvidenceStore.EvidenceStore["Service"]
  const sources = { decision: "", slo: "", policy: "" }

  if (Option.isSome(flags.resume)) {
    const given: ReadonlyArray<string> = (["decision", "slo", "target", "prometheus", "loki", "elasticsearch", "tempo", "jaeger", "simulate", "policy", "changes", "id", "service", "module", "version", "build", "kubeconfig", "context", "namespace", "rollout", "bluegreen", "canary", "route", "deployment", "image", "container", "hosts", "fleet", "flagsDir"] as const)
      .filter((k) => Option.isSome(flags[k]))
      .map((k): string => (k === "flagsDir" ? "flags-dir" : k))
      .concat(flags.targetHealth ? ["target-health"] : [])
    if (given.length > 0) {
      return yield* new CliInputError({ file: "--resume", detail: `takes everything from the rollout's record; drop --${given.join(", --")}` })
    }
    store = yield* Store.openExisting(dbPath)
    const record = yield* store.get(flags.resume.value)
    const kept = (record.rollout.data ?? {}) as { readonly setup?: unknown }
    const data = yield* Decode.decode(Runner.RecordData, { source: `rollout ${flags.resume.value}` })({ setup: kept.setup })
    setup = data.setup
    rollout = record.rollout
    if (record.rollout.result !== undefined) {
      yield* note(`rollout ${rollout.rolloutId} already ended ${record.rollout.result}; nothing to resume`)
    }
    sources.decision = sources.slo = sources.policy = `rollout ${rollout.rolloutId}`
  } else {
    const missing = (["decision", "slo", "target"] as const).filter((k) => Option.isNone(flags[k]))
    if (missing.length > 0) return yield* new CliInputError({ file: "rollwise rollout", detail: `needs --${missing.join(", --")} (or --resume ID)` })
    const urls = liveUrls(flags)
    const live = Object.keys(urls).length > 0
    if ([live, Option.isSome(flags.simulate), flags.targetHealth].filter(Boolean).length !== 1) {
      return yield* new CliInputError({
        file: "rollwise rollout",
        detail: "needs exactly one metric source: live URLs (--prometheus URL, and --loki, --elasticsearch, --tempo or --jaeger for the metrics slo.yaml reads there), --simulate SCENARIO or --target-health"
      })
    }
    if (flags.speed !== 1 && Option.isNone(flags.simulate)) return yield* new CliInputError({ file: "--speed", detail: "only makes sense with --simulate (real traffic runs in real time)" })
    if (!(flags.speed > 0)) return yield* new CliInputError({ file: "--speed", detail: "must be above 0" })
    const target = Option.getOrThrow(flags.target)
    const kind = (yield* Runner.parseTarget(target)).kind
    const k8sFlags = (["kubeconfig", "context", "namespace", "rollout", "bluegreen", "canary", "route", "deployment", "image", "container"] as const).filter((k) => Option.isSome(flags[k]))
    if (kind !== "k8s" && k8sFlags.length > 0) return yield* new CliInputError({ file: `--${k8sFlags[0]}`, detail: "only makes sense with --target k8s" })
    if (kind === "k8s") {
      const named = Object.fromEntries(Runner.k8sModes.flatMap((k) => (Option.isSome(flags[k]) ? [[k, flags[k].value]] : [])))
      yield* Runner.checkK8s({ ...named, ...(Option.isSome(flags.image) ? { image: flags.image.value } : {}), ...(Option.isSome(flags.route) ? { route: flags.route.value } : {}) }, (f) => (f === "target" ? "--target k8s" : `--${f}`))
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
      ...(Option.isSome(flags.hosts) ? { windows: yield* targetFile(flags.hosts.value) } : {}),
      ...(Option.isSome(flags.fleet) ? { arm: yield* targetFile(flags.fleet.value) } : {}),
      ...(kind === "flag" || Option.isSome(flags.flagsDir)
        ? { flags: { dir: resolve(Option.getOrElse(flags.flagsDir, () => process.env["ROLLWISE_FLAGS_DIR"] || ".rollwise/flags")) } }
        : {}),
      metrics: live
        ? { ...urls, timeout: flags.timeout }
        : flags.targetHealth
          ? { target: "health" as const }
          : { simulate: Option.getOrThrow(flags.simulate), seed: flags.seed, speed: flags.speed },
      hookTimeoutSeconds: flags.timeout * 60,
      approvalTimeoutSeconds: flags.approvalTimeout,
      onApprovalTimeout: flags.onApprovalTimeout
    }
    const { decision, spec } = yield* Runner.load(setup, sources)
    const changes = Option.isSome(flags.changes) ? yield* Effect.flatMap(readJson(flags.changes.value), (doc) => ChangeSet.decode(doc)) : undefined
    const service = Option.getOrElse(flags.service, () => spec.service)
    const version = Option.getOrUndefined(flags.version)
    const build = Option.getOrElse(flags.build, () => process.env["BUILD_NUMBER"] ?? "")
    const module = Option.getOrElse(flags.module, () => changes?.module ?? "")
    rollout = {
      rolloutId: Option.getOrElse(flags.id, () => `${service}-${version ?? "candidate"}-${Date.now().toString(36)}`),
      service,
      target:
        kind === "k8s"
          ? `k8s:${[flags.rollout, flags.bluegreen, flags.canary, flags.deployment].map(Option.getOrUndefined).find((x) => x !== undefined) ?? service}`
          : `${kind}:${service}`,
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

  const { plan, decision } = yield* Runner.prepare(setup, sources).pipe(
    // a record this version cannot drive (its setup no longer reads): say what is wrong and how to end it
    Effect.mapError((e) =>
      Option.isSome(flags.resume) && e._tag === "DecodeError"
        ? new CliInputError({ file: `rollout ${rollout.rolloutId}`, detail: `its recorded setup does not read (${e.message}); end it with: rollwise rollback --rollout ${rollout.rolloutId}`, cause: e })
        : e
    )
  )
  const id = rollout.rolloutId
  const resuming = Option.isSome(flags.resume)
  if (resuming && store.leases !== undefined) {
    // refused before anything is printed when another process drives it (the engine's acquire
    // is what enforces it; this only keeps the refusal to one line)
    const current = yield* store.leases.current(id)
    if (current !== undefined && !current.released && current.expiresAt > Date.now()) {
      return yield* driven(new EvidenceStore.LeaseError({ reason: "Held", rolloutId: id, holder: current.holder, expiresAt: current.expiresAt, token: current.token }))
    }
  }
  const recorded = resuming ? (yield* store.get(id)).events : []
  const before = Operator.stateOf(recorded)
  const stamp = (ms: number) => new Date(ms).toISOString().slice(11, 19)

  yield* note(
    resuming
      ? `rollout ${id}: resuming from event ${recorded.at(-1)?.seq ?? 0} (${before?.phase ?? "not started"})`
      : `rollout ${id}: ${rollout.service}${rollout.version !== undefined ? ` ${rollout.version}` : ""}, risk ${decision.risk_score.toFixed(0)}, ${plan.strategy} ${plan.steps.map((s) => DeployTarget.percentOf(s.step)).join(" → ")} %, evidence in ${dbPath}`
  )
  if (plan.approvalRequired) yield* note(`rollout ${id}: approve the full step with: rollwise promote --rollout ${id}`)
  if (!(flags.leaseTtl > 0)) return yield* new CliInputError({ file: "--lease-ttl", detail: "must be above 0 seconds" })
  let windows = 0
  const final = yield* Runner.run({
    rollout,
    setup,
    mode: resuming ? "resume" : "start",
    sources,
    env: process.env,
    recorded,
    driver: { kind: "cli", ttl: Duration.seconds(flags.leaseTtl) },
    onHookOutput: (line) => void process.stderr.write(`  hook: ${line}\n`),
    onEvent: (event, state, seq) =>
      Effect.gen(function* () {
        yield* note(`[${stamp(yield* Clock.currentTimeMillis)}] #${seq} ${Timeline.eventLine(event, state.steps)}`)
        if (state.phase === "awaiting_approval" && event._tag !== "Approved") yield* note(`waiting for: rollwise promote --rollout ${id}  (or rollwise rollback --rollout ${id})`)
      }),
    onNotified: (deliveries) =>
      Effect.forEach(
        deliveries,
        (d) => note(`           notified ${d.channel} (${d.type}) of the ${d.kind}: ${d.status}${d.detail !== undefined && d.status !== "sent" ? ` (${d.detail})` : ""}`),
        { discard: true }
      ),
    onWindow: (r) =>
      Effect.gen(function* () {
        windows++
        yield* note(`[${stamp(r.window.end)}]    window ${r.index + 1}: ${r.verdict.metrics.map((m) => `${m.name} ${m.status}`).join(", ")} → ${r.verdict.action}`)
      })
  }).pipe(Effect.provideService(EvidenceStore.EvidenceStore, store), Effect.catchTag("LeaseError", (e) => Effect.fail(driven(e))))

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
  // what the evidence keeps for people to read: one plain line, checked before the store is opened
  const by = yield* plainField("--by", who(flags.by), 200)
  const store = yield* Store.openExisting(Store.pathOf(flags.db))
  const outcome = yield* Operator.approve(flags.rollout, by, Date.now()).pipe(Effect.provideService(EvidenceStore.EvidenceStore, store))
  if (json) return yield* printJson({ rolloutId: flags.rollout, outcome: outcome.outcome, phase: outcome.phase, detail: outcome.detail })
  yield* Console.log(`rollout ${flags.rollout} ${outcome.detail}`)
  if (outcome.outcome === "recorded") yield* Console.log("  the running rollwise rollout goes on within 5 s (if none is running: rollwise rollout --resume " + flags.rollout + ")")
})

/** `rollwise rollback`: record an operator's rollback. */
export const runRollback = Effect.fn("cli.rollback")(function* (flags: RollbackFlags) {
  const json = yield* Json
  const by = yield* plainField("--by", who(flags.by), 200)
  const reason = yield* plainField("--reason", flags.reason, 2000)
  const store = yield* Store.openExisting(Store.pathOf(flags.db))
  const outcome = yield* Operator.rollback(flags.rollout, by, reason, Date.now()).pipe(Effect.provideService(EvidenceStore.EvidenceStore, store))
  if (json) return yield* printJson({ rolloutId: flags.rollout, outcome: outcome.outcome, phase: outcome.phase, detail: outcome.detail })
  yield* Console.log(`rollout ${flags.rollout} ${outcome.detail}`)
  if (outcome.outcome === "recorded") yield* Console.log("  the running rollwise rollout rolls the target back within 5 s (if none is running: rollwise rollout --resume " + flags.rollout + ")")
})
