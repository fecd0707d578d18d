/**
 * DeployTarget for ARM/edge fleets: nested device cohorts through Mender,
 * Balena or a generic HTTP OTA service. A step `{cohort: p}` deploys the
 * candidate artifact to the devices that join the cohort at p % (those
 * between the last cohort and this one) as ONE deployment named
 * `rollwise:<rollout id>:c<p>`, then waits for them to install; a cohort
 * where more than `install.maxFailurePercent` of its devices fail to
 * install fails the step (Rejected, with the counts), whatever the KPIs
 * say. Everything the target needs to go on after a crash is in the
 * manager: it lists its own deployments by name on first use, so applying
 * a step again never deploys to the same devices twice, and a rollback
 * finds every cohort already updated. A rollback aborts the candidate's
 * deployments and redeploys the stable artifact to the devices of those
 * cohorts only; devices offline then get it when they return (status says
 * how many are still pending).
 */
import { DeployTarget } from "@rollwise/rollout-engine"
import { Clock, Duration, Effect, Layer } from "effect"
import * as Cohorts from "./Cohorts.ts"
import * as Fleet from "./Fleet.ts"
import * as Balena from "./internal/balena.ts"
import * as Generic from "./internal/generic.ts"
import * as Mender from "./internal/mender.ts"
import type { Deployment, FleetDevice, OtaManager, Progress } from "./internal/ota.ts"
import * as SimulatedFleet from "./SimulatedFleet.ts"

export type { Deployment, FleetDevice, OtaManager, Progress }

/** What the target needs. */
export interface Options {
  /** The decoded fleet file. */
  readonly fleet: Fleet.Fleet
  /** The rollout: its id salts the cohorts and names the deployments (keep it across resumes); its version fills `{version}`. */
  readonly rollout: { readonly id: string; readonly service?: string | undefined; readonly version?: string | undefined }
  /** Where the manager's token is read from (the variable the fleet file names). Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** Longest one operation may take: a step's wait for installs is capped by it (default 10 minutes). */
  readonly timeout?: Duration.Input | undefined
  /** One line per OTA call made (secrets masked) and per progress read. */
  readonly onOutput?: ((line: string) => void) | undefined
  /** Use this manager instead of the fleet file's (tests; the demo's simulated fleet). */
  readonly ota?: OtaManager | undefined
}

const reject = (detail: string) => new DeployTarget.DeployTargetError({ reason: "Rejected", detail })

/** Build the OTA manager a fleet file names, with its token from `env`. */
export const manager = (
  fleet: Fleet.Fleet,
  options: { readonly env?: Readonly<Record<string, string | undefined>> | undefined; readonly timeoutMs?: number; readonly onOutput?: ((line: string) => void) | undefined; readonly now?: () => number }
): Effect.Effect<OtaManager, DeployTarget.DeployTargetError> =>
  Effect.suspend(() => {
    const env = options.env ?? process.env
    const m = fleet.manager
    const onOutput = options.onOutput ?? (() => undefined)
    const timeoutMs = Math.min(options.timeoutMs ?? 30_000, 30_000)
    const token = (name: string) => {
      const value = env[name]
      return value === undefined || value.length === 0
        ? Effect.fail(new DeployTarget.DeployTargetError({ reason: "Forbidden", detail: `the fleet's OTA manager needs a token in ${name}, which is not set` }))
        : Effect.succeed(value)
    }
    if ("mender" in m) {
      return Effect.map(token(m.mender.tokenEnv), (t) =>
        Mender.make(m.mender, { token: t, timeoutMs, onOutput, offlineAfterMs: fleet.health.offlineAfterSeconds * 1000, now: options.now ?? Date.now })
      )
    }
    if ("balena" in m) return Effect.map(token(m.balena.tokenEnv), (t) => Balena.make(m.balena, { token: t, timeoutMs, onOutput }))
    if ("http" in m) return Effect.map(token(m.http.tokenEnv), (t) => Generic.make(m.http, { token: t, timeoutMs, onOutput }))
    const s = m.simulated
    return Effect.succeed(
      SimulatedFleet.ota(
        SimulatedFleet.make({ size: s.devices, seed: s.seed, flaky: s.flaky, stable: fleet.artifact.stable, ...(s.badHardware !== undefined ? { badHardware: s.badHardware } : {}) })
      )
    )
  })

/** The deployment-name prefix of a rollout: `rollwise:<id>:`. */
export const namePrefix = (rolloutId: string) => `rollwise:${rolloutId}:`

/** A percent as it appears in a deployment name (`c5`, `c12.5`). */
const cohortName = (prefix: string, percent: number) => `${prefix}c${Number(percent.toFixed(4))}`
const percentOfName = (prefix: string, name: string): number | undefined => {
  const m = /^c(\d+(?:\.\d+)?)$/.exec(name.slice(prefix.length))
  return m === null ? undefined : Number(m[1])
}

const pct = (part: number, whole: number) => (whole === 0 ? "0" : ((100 * part) / whole).toFixed(1))

/** What a wait for installs ended with. */
interface Settled {
  readonly progress: Progress
  /** Devices still pending when the wait ended: offline, they install when they return. */
  readonly offline: number
}

/** Everything the target learned, in memory; rebuilt from the manager after a restart. */
interface State {
  phase: DeployTarget.Status["phase"]
  current: DeployTarget.Step | undefined
  /** Percent → the deployment of the devices that joined at it. */
  cohorts: Map<number, Deployment>
  rollback: Deployment | undefined
  rollbackDevices: ReadonlyArray<string>
  recovered: boolean
  /** No cohort over the install-failure threshold, no device failing its rollback. */
  healthy: boolean
  last: string
}

/** The target (the manager is built from the fleet file unless `options.ota` is given). */
export const make = (options: Options): Effect.Effect<DeployTarget.DeployTarget["Service"], DeployTarget.DeployTargetError> =>
  Effect.gen(function* () {
    const fleet = options.fleet
    const onOutput = options.onOutput ?? (() => undefined)
    const timeoutMs = Duration.toMillis(Duration.fromInputUnsafe(options.timeout ?? Duration.minutes(10)))
    const ota = options.ota ?? (yield* manager(fleet, { env: options.env, timeoutMs, onOutput }))
    const salt = options.rollout.id
    const prefix = namePrefix(options.rollout.id)
    const candidate = Fleet.candidateArtifact(fleet, options.rollout.version)
    const stable = fleet.artifact.stable
    const eligibility: Cohorts.Eligibility = { filters: fleet.devices.filters, exclude: fleet.devices.exclude }
    const threshold = fleet.install.maxFailurePercent
    const state: State = { phase: "idle", current: undefined, cohorts: new Map(), rollback: undefined, rollbackDevices: [], recovered: false, healthy: true, last: "nothing applied yet" }

    const applied = () => Math.max(0, ...state.cohorts.keys())

    /** After a restart: find this rollout's deployments by name (newest first) and go on from them. */
    const recover = Effect.gen(function* () {
      if (state.recovered) return
      const mine = yield* ota.list(prefix)
      for (const d of [...mine].reverse()) {
        if (d.name === `${prefix}rollback`) state.rollback = d
        const p = percentOfName(prefix, d.name)
        if (p !== undefined) state.cohorts.set(p, d)
      }
      // a promote deploys the cohort at 100 %, like a last step of 100: which one it was is the record's business
      if (state.rollback !== undefined) state.phase = "rolled_back"
      else if (state.cohorts.size > 0) state.phase = "progressing"
      if (state.cohorts.size > 0) state.current = { cohort: applied() }
      if (mine.length > 0) onOutput(`found ${mine.length} deployment(s) of this rollout on ${ota.endpoint}: going on from cohort ${applied()} %${state.rollback !== undefined ? " (rolled back)" : ""}`)
      state.recovered = true
    })

    const planNow = Effect.map(ota.devices, (devices) => ({ devices, plan: Cohorts.plan(devices, salt, eligibility) }))

    /** Wait for a deployment's devices to settle; `failFast` stops at the first proof the cohort failed. */
    const settle = (d: Deployment, ids: ReadonlyArray<string>, what: string, failFast: boolean) =>
      Effect.gen(function* () {
        const waitMs = Math.min(fleet.install.waitSeconds * 1000, timeoutMs)
        const start = yield* Clock.currentTimeMillis
        let stalled = 0
        let previous = ""
        for (;;) {
          const p = yield* ota.progress(d, ids)
          const line = `${p.success} installed, ${p.failure} failed, ${p.active} installing, ${p.pending} pending, ${p.aborted} aborted of ${p.total}`
          onOutput(`${what}: ${line}`)
          if (failFast && p.failure * 100 > threshold * Math.max(p.total, 1)) return { progress: p, offline: p.pending } satisfies Settled
          if (p.active === 0 && p.pending === 0) return { progress: p, offline: 0 } satisfies Settled
          // only pending devices left, none moved for three reads, and the manager lists at least
          // that many of them offline: they install when they return (a device that simply has not
          // checked in yet is waited for, up to the deadline)
          stalled = p.active === 0 && line === previous ? stalled + 1 : 0
          previous = line
          if (stalled >= 3) {
            stalled = 0
            const listed = new Map((yield* ota.devices).map((x) => [x.id, x.online] as const))
            const offline = ids.filter((id) => listed.get(id) !== true).length
            if (offline >= p.pending) return { progress: p, offline: p.pending } satisfies Settled
            onOutput(`${what}: ${p.pending} pending, ${offline} of them offline: waiting for the others to check in`)
          }
          const now = yield* Clock.currentTimeMillis
          if (now - start >= waitMs) {
            if (p.active > 0) {
              return yield* new DeployTarget.DeployTargetError({
                reason: "Timeout",
                detail: `${what}: ${p.active} of ${p.total} devices still installing after ${Math.round(waitMs / 1000)} s (${line})`
              })
            }
            return { progress: p, offline: p.pending } satisfies Settled
          }
          yield* Effect.sleep(Duration.millis(Math.min(fleet.install.pollSeconds * 1000, Math.max(1, waitMs - (now - start)))))
        }
      })

    /** Deploy the candidate to the devices joining at `percent` (once: found by name first), wait, judge the installs. */
    const deployCohort = (percent: number, verb: string) =>
      Effect.gen(function* () {
        const name = cohortName(prefix, percent)
        const { plan } = yield* planNow
        // the devices that joined at this percent: after the largest cohort below it
        const below = Math.max(0, ...[...state.cohorts.keys()].filter((k) => k < percent))
        const ids = Cohorts.between(plan, below, percent)
        const total = Cohorts.sizeAt(plan, percent)
        let d = state.cohorts.get(percent)
        if (d === undefined && percent > applied() && ids.length > 0) {
          const existing = (yield* ota.list(name)).find((x) => x.name === name)
          d = existing ?? (yield* ota.create(name, candidate, ids))
          onOutput(`${verb} cohort ${percent} %: ${existing !== undefined ? "found" : "created"} deployment ${d.id} of ${candidate} for ${ids.length} devices (${total} of ${plan.ids.length} eligible in the cohort, ${plan.ineligible} filtered out or excluded)`)
        }
        if (d === undefined) {
          state.last = `cohort ${percent} %: no new devices (${total} of ${plan.ids.length} eligible devices already in earlier cohorts)`
          return
        }
        state.cohorts.set(percent, d)
        const { progress: p, offline } = yield* settle(d, ids, `cohort ${percent} %`, true)
        if (p.failure * 100 > threshold * Math.max(p.total, 1)) {
          state.phase = "degraded"
          state.healthy = false
          state.last = `cohort ${percent} %: ${p.failure} of ${p.total} devices failed to install ${candidate} (${pct(p.failure, p.total)} % > ${threshold} %)`
          return yield* reject(state.last)
        }
        state.last = `cohort ${percent} %: ${p.success} of ${p.total} new devices installed ${candidate}, ${p.failure} failed (${pct(p.failure, p.total)} %)${offline > 0 ? `, ${offline} offline (they install when they return)` : ""}; ${total} of ${plan.ids.length} eligible devices in the cohort`
      })

    const apply = (step: DeployTarget.Step) =>
      Effect.gen(function* () {
        yield* recover
        const percent = DeployTarget.percentOf(step)
        if (state.phase === "promoted" || state.phase === "rolled_back") return yield* reject(`cannot apply a step: the rollout is ${state.phase.replace("_", " ")}`)
        if (!(percent >= 0 && percent <= 100)) return yield* reject(`cohort ${percent} % is not a percent`)
        yield* deployCohort(percent, "apply")
        // a smaller step after a larger one holds the fleet where it is: updated devices stay updated
        state.phase = "progressing"
        state.current = { cohort: percent }
      })

    const promote = Effect.gen(function* () {
      yield* recover
      if (state.phase === "rolled_back") return yield* reject("cannot promote: the rollout was rolled back")
      if (state.phase === "promoted") return
      yield* deployCohort(100, "promote")
      state.phase = "promoted"
      state.current = { cohort: 100 }
    })

    const rollbackProgress = Effect.gen(function* () {
      if (state.rollback === undefined) return "rolled back: no device had the candidate, nothing to redeploy"
      const p = yield* ota.progress(state.rollback, state.rollbackDevices)
      state.healthy = p.failure === 0
      return `rolled back: ${p.success} of ${p.total} updated devices back on ${stable}, ${p.pending + p.active} pending (offline devices get it when they return), ${p.failure} failed`
    })

    const rollback = Effect.gen(function* () {
      yield* recover
      if (state.phase === "promoted") return yield* reject("cannot roll back: the candidate was already promoted")
      if (state.phase === "rolled_back" && state.rollback !== undefined) return
      // devices that have not started will not: the cohorts stop growing
      for (const d of state.cohorts.values()) yield* ota.abort(d, [])
      const { devices, plan } = yield* planNow
      const byId = new Map<string, FleetDevice>(devices.map((d) => [d.id, d]))
      // the devices of the cohorts already updated, and of those only the ones not known to run the stable artifact
      const touched = Cohorts.cohort(plan, applied()).filter((id) => byId.get(id)?.artifact !== stable)
      state.rollbackDevices = touched
      if (touched.length > 0) {
        const name = `${prefix}rollback`
        const existing = (yield* ota.list(name)).find((x) => x.name === name)
        state.rollback = existing ?? (yield* ota.create(name, stable, touched))
        onOutput(`rollback: ${existing !== undefined ? "found" : "created"} deployment ${state.rollback.id} of ${stable} for the ${touched.length} devices of cohort ${applied()} % not on it; no other device is touched`)
        const { progress: p, offline } = yield* settle(state.rollback, touched, "rollback", false)
        state.healthy = p.failure === 0
        state.last = `rolled back: ${p.success} of ${p.total} updated devices back on ${stable}${offline > 0 ? `, ${offline} pending (offline: they get it when they return)` : ""}${p.failure > 0 ? `, ${p.failure} failed` : ""}`
      } else state.last = "rolled back: no device had the candidate"
      state.phase = "rolled_back"
    })

    const status = Effect.gen(function* () {
      yield* recover
      const detail = state.phase === "rolled_back" ? yield* rollbackProgress : state.last
      return { phase: state.phase, healthy: state.healthy, detail, ...(state.current !== undefined ? { current: state.current } : {}) } satisfies DeployTarget.Status
    })

    return DeployTarget.DeployTarget.of({
      describe: Effect.succeed({ kind: "arm", name: fleet.name, stableVersion: stable, candidateVersion: candidate }),
      apply,
      promote,
      rollback,
      status
    })
  })

/** The target as a layer. */
export const layer = (options: Options): Layer.Layer<DeployTarget.DeployTarget, DeployTarget.DeployTargetError> => Layer.effect(DeployTarget.DeployTarget, make(options))
