/**
 * What the fakes serve: a device fleet with deployments, by its shape (the
 * simulated fleet of `@rollwise/target-arm/testing` is one). Declared here,
 * not imported, so the harness does not depend on the adapter it tests.
 */
export type DeviceState = "pending" | "downloading" | "installing" | "rebooting" | "success" | "failure" | "aborted"

export interface FleetDeviceModel {
  readonly id: string
  readonly tags: Readonly<Record<string, string>>
  readonly online: boolean
  readonly lastSeen?: number | undefined
  readonly artifact?: string | undefined
  readonly crashes?: number | undefined
  readonly kpis?: Readonly<Record<string, number>> | undefined
}

export interface DeploymentModel {
  readonly id: string
  readonly name: string
  readonly artifact: string
  readonly created: number
  readonly deviceCount: number
  readonly finished: boolean
  readonly stats: Readonly<Record<DeviceState, number>>
}

export interface FleetModel {
  /** How many devices there are. */
  readonly size: number
  readonly devices: () => ReadonlyArray<FleetDeviceModel>
  /** Devices `start` (inclusive) to `end` (exclusive), in listing order: a page without building the whole list. */
  readonly slice: (start: number, end: number) => ReadonlyArray<FleetDeviceModel>
  readonly device: (id: string) => FleetDeviceModel | undefined
  readonly deploy: (name: string, artifact: string, ids: ReadonlyArray<string>) => DeploymentModel
  readonly deployments: () => ReadonlyArray<DeploymentModel>
  readonly deployment: (id: string) => DeploymentModel | undefined
  readonly deploymentDevices: (id: string) => ReadonlyArray<string>
  readonly abort: (id: string) => boolean
  readonly tick: (n?: number) => void
  readonly deviceState: (id: string) => { readonly deployment: string; readonly state: DeviceState } | undefined
}
