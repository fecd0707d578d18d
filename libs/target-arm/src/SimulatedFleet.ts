/**
 * A simulated device fleet, deterministic from a seed, for the demo, tests
 * and benchmarks (and the fake OTA servers in tools/ota-harness, which serve
 * it over Mender's, Balena's and the generic contract's HTTP APIs). Devices
 * have tags (region, hardware, tier), run an artifact, go offline, fail to
 * install on a bad hardware revision, and report health (crashes, a
 * latency KPI) that degrades on an unhealthy artifact. Time moves in ticks:
 * each tick every online device takes one step through its oldest
 * unfinished deployment (pending → downloading → installing → rebooting →
 * success or failure); reading a deployment's progress through
 * {@link ota} takes one tick, so polling drives the fleet.
 */
import { Effect } from "effect"
import * as Cohorts from "./Cohorts.ts"
import type { Deployment, FleetDevice, OtaManager, Progress } from "./internal/ota.ts"

/** How a simulated fleet looks and misbehaves. */
export interface Options {
  readonly size: number
  readonly seed?: number
  /** Device id prefix (default `edge-`): ids are `edge-000001` … */
  readonly idPrefix?: string
  readonly regions?: ReadonlyArray<string>
  readonly hardware?: ReadonlyArray<string>
  readonly tiers?: ReadonlyArray<string>
  /** What every device runs at the start (default `stable`). */
  readonly stable?: string
  /** Any other artifact fails to install on devices of this hardware revision. */
  readonly badHardware?: string | undefined
  /** Share of devices with flaky connectivity: offline on about half the ticks. */
  readonly flaky?: number
  /** Share of devices offline until {@link SimulatedFleet.setOnline} brings them back. */
  readonly offline?: number
  /** Artifacts that crash and slow their devices down (the health source should see it). */
  readonly unhealthy?: ReadonlyArray<string>
  /** The clock for last-seen times (default Date.now). */
  readonly now?: () => number
}

const states = ["pending", "downloading", "installing", "rebooting", "success", "failure", "aborted"] as const
/** One device's state in one deployment, in Mender's words. */
export type DeviceState = (typeof states)[number]
const SUCCESS = 4
const FAILURE = 5
const ABORTED = 6

interface SimDeployment {
  readonly id: string
  readonly name: string
  readonly artifact: string
  readonly created: number
  readonly devices: Int32Array
  readonly state: Uint8Array
  aborted: boolean
  open: number
}

/** A deployment as the simulation keeps it (for fakes that serve it). */
export interface DeploymentView {
  readonly id: string
  readonly name: string
  readonly artifact: string
  readonly created: number
  readonly deviceCount: number
  readonly finished: boolean
  /** Count per state. */
  readonly stats: Readonly<Record<DeviceState, number>>
}

/** A simulated fleet: its devices and deployments, and controls for tests. */
export interface SimulatedFleet {
  readonly size: number
  readonly stable: string
  /** Every device as a manager would list it at the current tick. */
  readonly devices: () => ReadonlyArray<FleetDevice>
  /** Devices `start` to `end` (exclusive) in listing order: a page without building the whole list. */
  readonly slice: (start: number, end: number) => ReadonlyArray<FleetDevice>
  readonly device: (id: string) => FleetDevice | undefined
  /** Create a deployment of `artifact` to the listed ids (unknown ids are ignored); newest wins for a device once older ones finish. */
  readonly deploy: (name: string, artifact: string, ids: ReadonlyArray<string>) => DeploymentView
  readonly deployments: () => ReadonlyArray<DeploymentView>
  readonly deployment: (id: string) => DeploymentView | undefined
  /** The ids a deployment was for. */
  readonly deploymentDevices: (id: string) => ReadonlyArray<string>
  /** Stop a deployment: devices that did not start will not. Returns false for an unknown id. */
  readonly abort: (id: string) => boolean
  /** Advance time by `n` ticks (default 1). */
  readonly tick: (n?: number) => void
  /** Bring devices (all when omitted) online for good. */
  readonly setOnline: (ids?: ReadonlyArray<string>) => void
  /** Take devices offline until setOnline. */
  readonly setOffline: (ids: ReadonlyArray<string>) => void
  /** How many devices run each artifact. */
  readonly running: () => Readonly<Record<string, number>>
  /** The artifact a device runs. */
  readonly artifactOf: (id: string) => string | undefined
  /** The device's state in the newest deployment that includes it, if any. */
  readonly deviceState: (id: string) => { readonly deployment: string; readonly state: DeviceState } | undefined
}

/** A per-(seed, key) uniform in [0, 1), stable. */
const u = (seed: number, key: string) => Cohorts.bucket(key, `sim-${seed}`)

/** Build a fleet. 100,000 devices take a few hundred milliseconds and tens of MB. */
export const make = (options: Options): SimulatedFleet => {
  const seed = options.seed ?? 1
  const prefix = options.idPrefix ?? "edge-"
  const regions = options.regions ?? ["eu-west", "us-east", "ap-south"]
  const hardware = options.hardware ?? ["rev-a", "rev-b", "rev-c"]
  const tiers = options.tiers ?? ["internal", "beta", "standard"]
  const stable = options.stable ?? "stable"
  const unhealthy = new Set(options.unhealthy ?? [])
  const now = options.now ?? Date.now
  const n = options.size
  const ids: Array<string> = []
  const index = new Map<string, number>()
  const region = new Uint8Array(n)
  const hw = new Uint8Array(n)
  const tier = new Uint8Array(n)
  const flaky = new Uint8Array(n)
  const down = new Uint8Array(n)
  const artifactOf: Array<string> = new Array<string>(n).fill(stable)
  const installedAt = new Int32Array(n)
  // each device's deployments, oldest first (indices into `all`)
  const queue: Array<Array<{ readonly d: number; readonly k: number }> | undefined> = new Array(n)
  // each device's newest deployment (index into `all`, position in it)
  const newest: Array<{ readonly d: number; readonly k: number } | undefined> = new Array(n)
  for (let i = 0; i < n; i++) {
    const id = `${prefix}${String(i + 1).padStart(6, "0")}`
    ids.push(id)
    index.set(id, i)
    region[i] = Math.floor(u(seed, `r${id}`) * regions.length)
    hw[i] = Math.floor(u(seed, `h${id}`) * hardware.length)
    tier[i] = Math.floor(u(seed, `t${id}`) * tiers.length)
    flaky[i] = u(seed, `f${id}`) < (options.flaky ?? 0) ? 1 : 0
    down[i] = u(seed, `o${id}`) < (options.offline ?? 0) ? 1 : 0
  }
  let tickCount = 0
  const all: Array<SimDeployment> = []
  const byId = new Map<string, SimDeployment>()
  const online = (i: number) => down[i] === 0 && (flaky[i] === 0 || u(seed, `${tickCount}:${ids[i]}`) >= 0.5)

  const deviceAt = (i: number): FleetDevice => {
    const on = online(i)
    const artifact = artifactOf[i]!
    const sick = unhealthy.has(artifact)
    const since = tickCount - installedAt[i]!
    const noise = u(seed, `k${tickCount}:${ids[i]}`)
    return {
      id: ids[i]!,
      tags: { region: regions[region[i]!]!, hardware: hardware[hw[i]!]!, tier: tiers[tier[i]!]! },
      online: on,
      lastSeen: on ? now() : now() - 3_600_000,
      artifact,
      crashes: sick ? Math.floor(since / 2) + (noise < 0.5 ? 1 : 0) : noise < 0.01 ? 1 : 0,
      kpis: { "latency-ms": (sick ? 180 : 120) + 40 * noise }
    }
  }

  const view = (d: SimDeployment): DeploymentView => {
    const stats = Object.fromEntries(states.map((s) => [s, 0])) as Record<DeviceState, number>
    for (const s of d.state) stats[states[s]!]++
    return { id: d.id, name: d.name, artifact: d.artifact, created: d.created, deviceCount: d.devices.length, finished: d.open === 0, stats }
  }

  const finish = (d: SimDeployment, k: number, state: number) => {
    d.state[k] = state
    d.open--
  }

  const tick = (times = 1) => {
    for (let t = 0; t < times; t++) {
      tickCount++
      for (let i = 0; i < n; i++) {
        const q = queue[i]
        if (q === undefined || q.length === 0 || !online(i)) continue
        const { d: at, k } = q[0]!
        const d = all[at]!
        const s = d.state[k]!
        if (s === 3) {
          const bad = options.badHardware !== undefined && hardware[hw[i]!] === options.badHardware && d.artifact !== stable
          if (bad) finish(d, k, FAILURE)
          else {
            finish(d, k, SUCCESS)
            artifactOf[i] = d.artifact
            installedAt[i] = tickCount
          }
          q.shift()
        } else d.state[k] = s + 1
      }
    }
  }

  const deploy = (name: string, artifact: string, list: ReadonlyArray<string>): DeploymentView => {
    const devs = list.flatMap((id) => {
      const i = index.get(id)
      return i === undefined ? [] : [i]
    })
    const d: SimDeployment = { id: `sim-${seed}-${all.length + 1}`, name, artifact, created: now(), devices: Int32Array.from(devs), state: new Uint8Array(devs.length), aborted: false, open: devs.length }
    const at = all.length
    all.push(d)
    byId.set(d.id, d)
    devs.forEach((i, k) => {
      const q = (queue[i] ??= [])
      q.push({ d: at, k })
      newest[i] = { d: at, k }
    })
    return view(d)
  }

  const abort = (id: string) => {
    const d = byId.get(id)
    if (d === undefined) return false
    d.aborted = true
    const at = all.indexOf(d)
    for (let k = 0; k < d.devices.length; k++) {
      if (d.state[k]! < SUCCESS) {
        finish(d, k, ABORTED)
        const q = queue[d.devices[k]!]
        if (q !== undefined) queue[d.devices[k]!] = q.filter((x) => x.d !== at)
      }
    }
    return true
  }

  return {
    size: n,
    stable,
    devices: () => ids.map((_, i) => deviceAt(i)),
    slice: (start, end) => {
      const out: Array<FleetDevice> = []
      for (let i = Math.max(0, start); i < Math.min(n, end); i++) out.push(deviceAt(i))
      return out
    },
    device: (id) => {
      const i = index.get(id)
      return i === undefined ? undefined : deviceAt(i)
    },
    deploy,
    deployments: () => all.map(view),
    deployment: (id) => {
      const d = byId.get(id)
      return d === undefined ? undefined : view(d)
    },
    deploymentDevices: (id) => Array.from(byId.get(id)?.devices ?? [], (i) => ids[i]!),
    abort,
    tick,
    setOnline: (list) => {
      if (list === undefined) {
        down.fill(0)
        flaky.fill(0)
      } else
        for (const id of list) {
          const i = index.get(id)
          if (i !== undefined) {
            down[i] = 0
            flaky[i] = 0
          }
        }
    },
    setOffline: (list) => {
      for (const id of list) {
        const i = index.get(id)
        if (i !== undefined) down[i] = 1
      }
    },
    running: () => {
      const out: Record<string, number> = {}
      for (const a of artifactOf) out[a] = (out[a] ?? 0) + 1
      return out
    },
    artifactOf: (id) => {
      const i = index.get(id)
      return i === undefined ? undefined : artifactOf[i]
    },
    deviceState: (id) => {
      const i = index.get(id)
      const at = i === undefined ? undefined : newest[i]
      return at === undefined ? undefined : { deployment: all[at.d]!.id, state: states[all[at.d]!.state[at.k]!]! }
    }
  }
}

/** A deployment's counts as our progress. */
export const progressOf = (v: DeploymentView): Progress => ({
  total: v.deviceCount,
  pending: v.stats.pending,
  active: v.stats.downloading + v.stats.installing + v.stats.rebooting,
  success: v.stats.success,
  failure: v.stats.failure,
  aborted: v.stats.aborted
})

/**
 * The fleet as an OTA manager, in process (no HTTP): what the demo and the
 * benchmark drive the target through. Each progress read is one tick.
 */
export const ota = (fleet: SimulatedFleet): OtaManager => ({
  kind: "simulated",
  endpoint: `simulated fleet of ${fleet.size} devices`,
  devices: Effect.sync(() => fleet.devices()),
  list: (prefix) =>
    Effect.sync(() =>
      fleet
        .deployments()
        .filter((d) => d.name.startsWith(prefix))
        .reverse()
        .map((d): Deployment => ({ id: d.id, name: d.name, artifact: d.artifact }))
    ),
  create: (name, artifact, list) => Effect.sync(() => ((v) => ({ id: v.id, name: v.name, artifact: v.artifact }))(fleet.deploy(name, artifact, list))),
  progress: (d) =>
    Effect.sync(() => {
      fleet.tick()
      const v = fleet.deployment(d.id)
      return v === undefined ? { total: 0, pending: 0, active: 0, success: 0, failure: 0, aborted: 0 } : progressOf(v)
    }),
  abort: (d) => Effect.sync(() => void fleet.abort(d.id))
})
