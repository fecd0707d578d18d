import type { DeployTarget } from "@rollwise/rollout-engine"
import type { Effect } from "effect"
import type * as Cohorts from "../Cohorts.ts"

type Fail = DeployTarget.DeployTargetError

/** A device as a manager lists it: identity and tags, plus what it last reported. */
export interface FleetDevice extends Cohorts.Device {
  /** Heard from recently enough (the manager's own notion, or `offlineAfterSeconds`). */
  readonly online: boolean
  /** Epoch ms of the last heartbeat / check-in, if known. */
  readonly lastSeen?: number | undefined
  /** The artifact (release) it runs, if known. */
  readonly artifact?: string | undefined
  /** Crashes it reported since it installed what it runs. */
  readonly crashes?: number | undefined
  /** Customer-visible KPIs it reported (name → value). */
  readonly kpis?: Readonly<Record<string, number>> | undefined
}

/** One deployment of an artifact to a list of devices, as the manager knows it. */
export interface Deployment {
  readonly id: string
  readonly name: string
  readonly artifact: string
}

/**
 * Where a deployment's devices are: `pending` (not started: offline, or not
 * checked in yet), `active` (downloading, installing, rebooting, paused),
 * `success`, `failure` (including "no compatible artifact"), `aborted`.
 */
export interface Progress {
  readonly total: number
  readonly pending: number
  readonly active: number
  readonly success: number
  readonly failure: number
  readonly aborted: number
}

/**
 * The one internal port every OTA manager is reached through (Mender,
 * Balena, the generic HTTP contract, the simulated fleet). Errors are
 * already the DeployTarget's: Unreachable/Timeout after the client's own
 * retries, Forbidden for a refused credential, and so on.
 */
export interface OtaManager {
  readonly kind: "mender" | "balena" | "http" | "simulated"
  /** Where it is, for describe and messages (no credentials). */
  readonly endpoint: string
  readonly devices: Effect.Effect<ReadonlyArray<FleetDevice>, Fail>
  /**
   * Every deployment whose name starts with `prefix`, newest first: how a
   * target finds the cohorts it already deployed after a restart, and never
   * deploys the same devices twice (idempotent apply).
   */
  readonly list: (prefix: string) => Effect.Effect<ReadonlyArray<Deployment>, Fail>
  readonly create: (name: string, artifact: string, devices: ReadonlyArray<string>) => Effect.Effect<Deployment, Fail>
  /** `devices` are the ones the deployment was for (managers without deployment objects count them). */
  readonly progress: (deployment: Deployment, devices: ReadonlyArray<string>) => Effect.Effect<Progress, Fail>
  /** Stop a deployment: devices not started will not start. Aborting a finished one is no error. */
  readonly abort: (deployment: Deployment, devices: ReadonlyArray<string>) => Effect.Effect<void, Fail>
}

/** The progress of nothing. */
export const emptyProgress: Progress = { total: 0, pending: 0, active: 0, success: 0, failure: 0, aborted: 0 }
