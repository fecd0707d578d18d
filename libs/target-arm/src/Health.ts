/**
 * Per-cohort device health as a MetricSource: the devices already on the
 * candidate (the candidate track) against the eligible devices not updated
 * yet (the baseline track), from what the devices last reported to the OTA
 * manager. Offline devices are left out of every sample — nodata, never
 * healthy — and a track with fewer than `health.minDevices` online devices
 * has no sample at all. A metric names its signal by its `query` (or, when
 * it has none, by its name):
 *
 *  - `crash-rate` (ratio): online devices that reported a crash / online devices
 *  - `crashes` (counter or continuous): each online device's crash count
 *  - `heartbeat` (continuous): seconds since each online device was last heard from
 *  - `kpi:<name>` (continuous): each online device's KPI (`health.kpis` in the fleet file)
 *
 * Install failures are not a metric here: the target itself fails a cohort
 * where too many devices fail to install, whatever the metrics say.
 */
import { type DeployTarget, MetricSource } from "@rollwise/rollout-engine"
import { Effect, Layer } from "effect"
import * as Cohorts from "./Cohorts.ts"
import * as Fleet from "./Fleet.ts"
import type { FleetDevice } from "./internal/ota.ts"
import * as TargetArm from "./TargetArm.ts"

/** What the health source reads. */
export interface Options {
  readonly fleet: Fleet.Fleet
  /** Where the devices come from (the OTA manager's listing). */
  readonly devices: Effect.Effect<ReadonlyArray<FleetDevice>, DeployTarget.DeployTargetError>
  /** The candidate artifact (devices running it are the candidate track). */
  readonly candidate: string
  /** The clock for heartbeat ages (default Date.now). */
  readonly now?: () => number
}

/** The signals a metric can name. */
export const signals = ["crash-rate", "crashes", "heartbeat", "kpi:<name>"] as const

const fail = (reason: MetricSource.MetricSourceError["reason"], detail: string, query?: string) =>
  new MetricSource.MetricSourceError({ reason, detail, ...(query !== undefined ? { query } : {}) })

/** The MetricSource over a fleet's devices. */
export const make = (options: Options): MetricSource.MetricSource["Service"] => {
  const fleet = options.fleet
  const now = options.now ?? Date.now
  const eligibility: Cohorts.Eligibility = { filters: fleet.devices.filters, exclude: fleet.devices.exclude }
  const kpis = new Set(fleet.health.kpis)
  return MetricSource.MetricSource.of({
    observe: (request) =>
      Effect.gen(function* () {
        const signal = request.metric.query ?? request.metric.name
        const kind = request.metric.kind
        const known = signal === "crash-rate" || signal === "crashes" || signal === "heartbeat" || (signal.startsWith("kpi:") && kpis.has(signal.slice(4)))
        if (!known) {
          return yield* fail("BadQuery", `metric ${request.metric.name}: "${signal}" is not a fleet health signal (crash-rate, crashes, heartbeat, or kpi:<name> for a KPI listed in health.kpis)`, signal)
        }
        if (signal === "crash-rate" && kind !== "ratio") return yield* fail("BadQuery", `metric ${request.metric.name}: crash-rate is a ratio metric (kind: ratio)`, signal)
        if (signal !== "crash-rate" && kind === "ratio") return yield* fail("BadQuery", `metric ${request.metric.name}: ${signal} gives values, not counts (kind: continuous or counter)`, signal)
        const all = yield* Effect.mapError(options.devices, (e) => fail(e.reason === "Timeout" ? "Timeout" : "Unreachable", e.detail, signal))
        const track = all.filter((d) => Cohorts.isEligible(d, eligibility) && (request.track === "candidate") === (d.artifact === options.candidate))
        const online = track.filter((d) => d.online)
        const offline = track.length - online.length
        const query = `fleet ${fleet.name}: ${signal} of the ${request.track === "candidate" ? `devices on ${options.candidate}` : "devices not updated yet"} (${online.length} online, ${offline} offline)`
        const warnings = offline > 0 ? [`${offline} of ${track.length} ${request.track} devices offline: left out (nodata, never healthy)`] : []
        if (online.length < fleet.health.minDevices) {
          return { sample: undefined, query, reason: `${online.length} ${request.track} devices online (of ${track.length}), fewer than health.minDevices ${fleet.health.minDevices}`, warnings } satisfies MetricSource.Measurement
        }
        if (signal === "crash-rate") {
          const errors = online.filter((d) => (d.crashes ?? 0) > 0).length
          return { sample: { _tag: "Counts", errors, total: online.length }, query, warnings } satisfies MetricSource.Measurement
        }
        const values =
          signal === "crashes"
            ? online.map((d) => d.crashes ?? 0)
            : signal === "heartbeat"
              ? online.flatMap((d) => (d.lastSeen !== undefined ? [Math.max(0, (now() - d.lastSeen) / 1000)] : []))
              : online.flatMap((d) => {
                  const v = d.kpis?.[signal.slice(4)]
                  return v !== undefined && Number.isFinite(v) ? [v] : []
                })
        if (values.length === 0) return { sample: undefined, query, reason: `no ${request.track} device reported ${signal}`, warnings } satisfies MetricSource.Measurement
        return { sample: { _tag: "Values", values }, query, warnings } satisfies MetricSource.Measurement
      })
  })
}

/**
 * The health source for a rollout on a fleet file: the same OTA manager
 * (and token) the target uses. What `rollwise rollout --target arm` feeds
 * the analyzer when the lead wires it in.
 */
export const fromFleet = (options: TargetArm.Options): Effect.Effect<MetricSource.MetricSource["Service"], DeployTarget.DeployTargetError> =>
  Effect.map(options.ota !== undefined ? Effect.succeed(options.ota) : TargetArm.manager(options.fleet, { env: options.env, onOutput: options.onOutput }), (ota) =>
    make({ fleet: options.fleet, devices: ota.devices, candidate: Fleet.candidateArtifact(options.fleet, options.rollout.version) })
  )

/** {@link fromFleet} as a layer. */
export const layer = (options: TargetArm.Options): Layer.Layer<MetricSource.MetricSource, DeployTarget.DeployTargetError> => Layer.effect(MetricSource.MetricSource, fromFleet(options))
