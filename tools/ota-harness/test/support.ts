import type { DeploymentModel, DeviceState, FleetDeviceModel, FleetModel } from "../src/index.ts"

/** A tiny fleet for the harness's own tests: every tick finishes every deployment (success). */
export const tinyFleet = (ids: ReadonlyArray<string>): FleetModel & { readonly ticks: () => number } => {
  const devices: Array<FleetDeviceModel> = ids.map((id) => ({ id, tags: { region: "eu-west" }, online: true, lastSeen: Date.now(), artifact: "stable" }))
  const all: Array<{ id: string; name: string; artifact: string; devices: ReadonlyArray<string>; state: DeviceState }> = []
  let ticks = 0
  const view = (d: (typeof all)[number]): DeploymentModel => ({
    id: d.id,
    name: d.name,
    artifact: d.artifact,
    created: 0,
    deviceCount: d.devices.length,
    finished: d.state === "success" || d.state === "aborted",
    stats: { pending: 0, downloading: 0, installing: 0, rebooting: 0, success: 0, failure: 0, aborted: 0, [d.state]: d.devices.length }
  })
  return {
    size: devices.length,
    devices: () => devices,
    slice: (start, end) => devices.slice(start, end),
    device: (id) => devices.find((d) => d.id === id),
    deploy: (name, artifact, list) => {
      const d = { id: `d${all.length + 1}`, name, artifact, devices: list, state: "pending" as DeviceState }
      all.push(d)
      return view(d)
    },
    deployments: () => all.map(view),
    deployment: (id) => {
      const d = all.find((x) => x.id === id)
      return d === undefined ? undefined : view(d)
    },
    deploymentDevices: (id) => all.find((x) => x.id === id)?.devices ?? [],
    abort: (id) => {
      const d = all.find((x) => x.id === id)
      if (d !== undefined && d.state === "pending") d.state = "aborted"
      return d !== undefined
    },
    tick: () => {
      ticks++
      for (const d of all) if (d.state === "pending") d.state = "success"
    },
    deviceState: (id) => {
      const d = [...all].reverse().find((x) => x.devices.includes(id))
      return d === undefined ? undefined : { deployment: d.id, state: d.state }
    },
    ticks: () => ticks
  }
}
