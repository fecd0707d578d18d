/**
 * A fake Mender server, built from Mender's published OpenAPI
 * (mendersoftware/deployments docs/management_api.yml; inventory
 * management API v1) for the endpoints Rollwise uses, serving a simulated
 * fleet. Never kinder than the real one: every call needs `Authorization:
 * Bearer <token>` (401 `{"error","request_id"}` otherwise); `per_page` above
 * 500 is a 400; creating a deployment needs `name`, `artifact_name` and
 * devices (400), an artifact the server has (422 "no artifacts"), and is a
 * 409 while an unfinished deployment of the very same request (name,
 * artifact, devices: Mender's constructor checksum) exists; `search` is a
 * case-insensitive phrase search over names and artifact names (Mender's
 * MongoDB text index), so a client must filter what it gets back;
 * 201 has no body, only a Location header; an unknown id is a 404; aborting
 * a finished deployment is a 422. Faults (429 with Retry-After, 5xx, slow
 * answers) are injected per request. Each statistics read is one tick of
 * the fleet.
 */
import type { FleetModel } from "./FleetModel.ts"
import { bearer, type Reply, requestId, type Running, serve } from "./FakeServer.ts"

type Fleet = FleetModel

export interface FakeMenderOptions {
  readonly fleet: Fleet
  /** The token the server accepts. */
  readonly token: string
  /** Artifact names uploaded to the server (a deployment of another is a 422). */
  readonly artifacts: ReadonlyArray<string>
  /** Static group of every device (inventory `group` attribute), default none. */
  readonly group?: string
}

export interface FakeMender extends Running {
  /** Deployments the server holds (newest last), with their device ids. */
  readonly deployments: () => ReadonlyArray<{ readonly id: string; readonly name: string; readonly artifact: string; readonly devices: ReadonlyArray<string> }>
}

const base = "/api/management/v1"
const error = (status: number, message: string): Reply => ({ status, body: { error: message, request_id: requestId() } })

const page = (url: URL): { page: number; perPage: number } | Reply => {
  const p = Number(url.searchParams.get("page") ?? "1")
  const pp = Number(url.searchParams.get("per_page") ?? "20")
  if (!Number.isInteger(p) || p < 1) return error(400, "invalid page query: must be a positive integer")
  if (!Number.isInteger(pp) || pp < 1 || pp > 500) return error(400, "invalid per_page query: must be an integer between 1 and 500")
  return { page: p, perPage: pp }
}

const linkHeader = (url: URL, p: number, perPage: number, more: boolean) => {
  const at = (n: number) => {
    const u = new URL(url)
    u.searchParams.set("page", String(n))
    u.searchParams.set("per_page", String(perPage))
    return `<${u.pathname}${u.search}>`
  }
  return [`${at(1)}; rel="first"`, ...(p > 1 ? [`${at(p - 1)}; rel="prev"`] : []), ...(more ? [`${at(p + 1)}; rel="next"`] : [])].join(", ")
}

/** Start the fake on 127.0.0.1 and a free port. */
export const startFakeMender = async (options: FakeMenderOptions): Promise<FakeMender> => {
  const fleet = options.fleet
  const artifacts = new Set(options.artifacts)
  // Mender ids are UUIDs: ours map onto the simulation's
  const ids = new Map<string, string>()
  const simOf = new Map<string, string>()
  const created = new Map<string, string>()
  const checksums = new Map<string, string>()

  const deploymentJson = (uuid: string) => {
    const v = fleet.deployment(simOf.get(uuid)!)!
    const status = v.finished ? "finished" : v.stats.pending === v.deviceCount ? "pending" : "inprogress"
    return { id: uuid, name: v.name, artifact_name: v.artifact, created: created.get(uuid)!, status, device_count: v.deviceCount, type: "software" }
  }

  const route = (method: string, url: URL, body: unknown): Reply => {
    const path = url.pathname
    if (method === "GET" && path === `${base}/inventory/devices`) {
      const pg = page(url)
      if ("status" in pg) return pg
      const group = url.searchParams.get("group")
      const total = group !== null && group !== options.group ? 0 : fleet.size
      const slice = total === 0 ? [] : fleet.slice((pg.page - 1) * pg.perPage, pg.page * pg.perPage)
      const more = pg.page * pg.perPage < total
      return {
        status: 200,
        headers: { link: linkHeader(url, pg.page, pg.perPage, more), "x-total-count": String(total) },
        body: slice.map((d) => ({
          id: d.id,
          updated_ts: new Date(d.lastSeen ?? 0).toISOString(),
          attributes: [
            ...Object.entries(d.tags).map(([name, value]) => ({ name, value, scope: "inventory" })),
            { name: "artifact_name", value: d.artifact, scope: "inventory" },
            { name: "device_type", value: "raspberrypi4", scope: "inventory" },
            { name: "rollwise_crashes", value: d.crashes ?? 0, scope: "inventory" },
            ...Object.entries(d.kpis ?? {}).map(([k, v]) => ({ name: `rollwise_kpi_${k}`, value: v, scope: "inventory" })),
            ...(options.group !== undefined ? [{ name: "group", value: options.group, scope: "system" }] : []),
            { name: "check_in_time", value: new Date(d.lastSeen ?? 0).toISOString(), scope: "system" }
          ]
        }))
      }
    }
    const deployments = `${base}/deployments/deployments`
    if (method === "GET" && path === deployments) {
      const pg = page(url)
      if ("status" in pg) return pg
      const search = url.searchParams.get("search") ?? ""
      const sort = url.searchParams.get("sort") ?? "desc"
      if (sort !== "asc" && sort !== "desc") return error(400, "invalid sort: must be asc or desc")
      // a MongoDB $text phrase search over the text index on name and artifact name: case-insensitive, either field
      const phrase = search.toLowerCase()
      const matching = [...ids.keys()].map(deploymentJson).filter((d) => d.name.toLowerCase().includes(phrase) || d.artifact_name.toLowerCase().includes(phrase))
      if (sort === "desc") matching.reverse()
      const slice = matching.slice((pg.page - 1) * pg.perPage, pg.page * pg.perPage)
      return { status: 200, headers: { link: linkHeader(url, pg.page, pg.perPage, pg.page * pg.perPage < matching.length), "x-total-count": String(matching.length) }, body: slice }
    }
    if (method === "POST" && path === deployments) {
      if (typeof body !== "object" || body === null) return error(400, "failed to decode request body: JSON payload is empty")
      const b = body as Record<string, unknown>
      if (typeof b.name !== "string" || b.name.length === 0) return error(400, "name: cannot be blank.")
      if (typeof b.artifact_name !== "string" || b.artifact_name.length === 0) return error(400, "artifact_name: cannot be blank.")
      const devices = Array.isArray(b.devices) ? b.devices.filter((d): d is string => typeof d === "string") : []
      if (devices.length === 0 && b.all_devices !== true) return error(400, "devices: cannot be blank.")
      if (!artifacts.has(b.artifact_name)) return error(422, "no artifacts available")
      // Mender keeps a checksum of the whole request: an active deployment with the same one is a 409
      const checksum = JSON.stringify([b.name, b.artifact_name, devices, b.all_devices === true, b.force_installation === true])
      const active = [...ids.keys()].find((uuid) => checksums.get(uuid) === checksum && !fleet.deployment(simOf.get(uuid)!)!.finished)
      if (active !== undefined) return error(409, "Invalid deployment definition: there is already an active deployment with the same parameters")
      const sim = fleet.deploy(b.name, b.artifact_name, b.all_devices === true ? fleet.devices().map((d) => d.id) : devices)
      const uuid = requestId()
      ids.set(uuid, sim.id)
      simOf.set(uuid, sim.id)
      created.set(uuid, new Date().toISOString())
      checksums.set(uuid, checksum)
      return { status: 201, headers: { location: `${deployments}/${uuid}` } }
    }
    const one = new RegExp(`^${deployments}/([^/]+)(/statistics|/status)?$`).exec(path)
    if (one !== null) {
      const uuid = decodeURIComponent(one[1]!)
      if (!simOf.has(uuid)) return error(404, "Deployment not found")
      const sim = simOf.get(uuid)!
      if (method === "GET" && one[2] === undefined) return { status: 200, body: deploymentJson(uuid) }
      if (method === "GET" && one[2] === "/statistics") {
        fleet.tick()
        const s = fleet.deployment(sim)!.stats
        return {
          status: 200,
          body: {
            success: s.success,
            pending: s.pending,
            downloading: s.downloading,
            installing: s.installing,
            rebooting: s.rebooting,
            failure: s.failure,
            noartifact: 0,
            "already-installed": 0,
            aborted: s.aborted,
            pause_before_installing: 0,
            pause_before_rebooting: 0,
            pause_before_committing: 0
          }
        }
      }
      if (method === "PUT" && one[2] === "/status") {
        if (typeof body !== "object" || body === null || (body as Record<string, unknown>).status !== "aborted") return error(400, "status: must be a valid value.")
        if (fleet.deployment(sim)!.finished) return error(422, "Cannot abort finished deployment")
        fleet.abort(sim)
        return { status: 204 }
      }
    }
    return error(404, "Not Found")
  }

  const running = await serve({
    auth: (req) => (bearer(req) === options.token ? undefined : error(401, "Unauthorized")),
    route,
    headers: () => ({ "x-men-requestid": requestId() }),
    badJson: error(400, "failed to decode request body: invalid character")
  })
  return {
    ...running,
    deployments: () => [...ids.entries()].map(([uuid, sim]) => ({ id: uuid, name: fleet.deployment(sim)!.name, artifact: fleet.deployment(sim)!.artifact, devices: fleet.deploymentDevices(sim) }))
  }
}
