/**
 * A fake of Rollwise's own generic OTA contract (libs/target-arm/README.md),
 * serving a simulated fleet: what a custom OTA service must implement, and
 * a strict reference for it (401 without the bearer token, 400 for a bad
 * body, 404 for an unknown id, 409 for a name that exists). Each progress
 * read is one tick of the fleet.
 */
import type { FleetModel } from "./FleetModel.ts"
import { bearer, type Reply, type Running, serve } from "./FakeServer.ts"

export interface FakeOtaOptions {
  readonly fleet: FleetModel
  readonly token: string
  /** Devices per page of GET /devices (default 100). */
  readonly pageSize?: number
}

const error = (status: number, message: string): Reply => ({ status, body: { error: message } })

export const startFakeOta = async (options: FakeOtaOptions): Promise<Running> => {
  const fleet = options.fleet
  const pageSize = options.pageSize ?? 100
  const json = (id: string) => {
    const v = fleet.deployment(id)!
    const s = v.stats
    return {
      id: v.id,
      name: v.name,
      artifact: v.artifact,
      createdAt: new Date(v.created).toISOString(),
      progress: { total: v.deviceCount, pending: s.pending, active: s.downloading + s.installing + s.rebooting, success: s.success, failure: s.failure, aborted: s.aborted }
    }
  }
  const route = (method: string, url: URL, body: unknown): Reply => {
    const path = url.pathname
    if (method === "GET" && path === "/devices") {
      const page = Number(url.searchParams.get("page") ?? "1")
      if (!Number.isInteger(page) || page < 1) return error(400, "page must be a positive integer")
      return {
        status: 200,
        body: {
          devices: fleet.slice((page - 1) * pageSize, page * pageSize).map((d) => ({
            id: d.id,
            tags: d.tags,
            online: d.online,
            lastSeen: new Date(d.lastSeen ?? 0).toISOString(),
            artifact: d.artifact,
            crashes: d.crashes,
            kpis: d.kpis
          })),
          nextPage: page * pageSize < fleet.size ? page + 1 : null
        }
      }
    }
    if (method === "GET" && path === "/deployments") {
      const prefix = url.searchParams.get("prefix") ?? ""
      return { status: 200, body: { deployments: fleet.deployments().filter((d) => d.name.startsWith(prefix)).reverse().map((d) => json(d.id)) } }
    }
    if (method === "POST" && path === "/deployments") {
      const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>
      if (typeof b.name !== "string" || b.name.length === 0) return error(400, "name: required")
      if (typeof b.artifact !== "string" || b.artifact.length === 0) return error(400, "artifact: required")
      if (!Array.isArray(b.devices) || b.devices.length === 0 || b.devices.some((d) => typeof d !== "string")) return error(400, "devices: a non-empty array of device ids")
      if (fleet.deployments().some((d) => d.name === b.name)) return error(409, `a deployment named ${b.name} exists`)
      const v = fleet.deploy(b.name, b.artifact, b.devices as Array<string>)
      return { status: 201, body: json(v.id) }
    }
    const one = /^\/deployments\/([^/]+)(\/abort)?$/.exec(path)
    if (one !== null) {
      const id = decodeURIComponent(one[1]!)
      if (fleet.deployment(id) === undefined) return error(404, `no deployment ${id}`)
      if (method === "GET" && one[2] === undefined) {
        fleet.tick()
        return { status: 200, body: json(id) }
      }
      if (method === "POST" && one[2] === "/abort") {
        fleet.abort(id)
        return { status: 204 }
      }
    }
    return error(404, "not found")
  }
  return serve({ auth: (req) => (bearer(req) === options.token ? undefined : error(401, "unauthorized")), route, badJson: error(400, "the body is not JSON") })
}
