/**
 * A fake balenaCloud API at its HTTP boundary (pine/OData v7), for the
 * calls Rollwise makes, serving a simulated fleet: `GET /v7/device` with
 * `$select`, `$expand` (device_tag, is_running__release), `$filter`
 * (`belongs_to__application eq N`, optionally `and uuid in (…)`), `$top`,
 * `$skip`; `GET /v7/release` by commit; `PATCH /v7/device?$filter=…` with
 * `{"should_be_running__release": id}`. Answers `{"d": [...]}`; errors are
 * plain text as pine's are (401 "Unauthorized", 400 for a filter it does
 * not understand or a release of another fleet). Pinning a device to the
 * release it is already pinned to changes nothing. Each device read that
 * names uuids is one tick of the fleet.
 */
import type { FleetModel } from "./FleetModel.ts"
import { bearer, type Reply, type Running, serve } from "./FakeServer.ts"

export interface FakeBalenaOptions {
  readonly fleet: FleetModel
  readonly token: string
  readonly application: number
  /** Releases of the fleet: commit → id. */
  readonly releases: Readonly<Record<string, number>>
}

const text = (status: number, body: string): Reply => ({ status, body })

const updateStatus: Record<string, string> = {
  pending: "scheduled",
  downloading: "downloading",
  installing: "applying changes",
  rebooting: "applying changes",
  success: "done",
  failure: "rejected",
  aborted: "aborted"
}

export const startFakeBalena = async (options: FakeBalenaOptions): Promise<Running & { readonly pins: () => ReadonlyArray<{ readonly release: number; readonly uuids: ReadonlyArray<string> }> }> => {
  const fleet = options.fleet
  const pins: Array<{ release: number; uuids: ReadonlyArray<string> }> = []
  const pinned = new Map<string, number>()
  const commitOf = new Map(Object.entries(options.releases).map(([c, id]) => [id, c]))

  const parseFilter = (filter: string | null) => {
    const m = /^belongs_to__application eq (\d+)(?: and (?:uuid in \(((?:'[^']*'(?:,'[^']*')*)?)\)|commit eq '([^']*)'))?$/.exec(filter ?? "")
    if (m === null) return undefined
    return { app: Number(m[1]), uuids: m[2] === undefined ? undefined : m[2].split(",").map((s) => s.slice(1, -1)), commit: m[3] }
  }

  const route = (method: string, url: URL, body: unknown): Reply => {
    const filter = parseFilter(url.searchParams.get("$filter"))
    if (url.pathname === "/v7/release" && method === "GET") {
      if (filter === undefined || filter.commit === undefined) return text(400, "Malformed url")
      const id = filter.app === options.application ? options.releases[filter.commit] : undefined
      return { status: 200, body: { d: id === undefined ? [] : [{ id, commit: filter.commit }] } }
    }
    if (url.pathname !== "/v7/device") return text(404, "Not Found")
    if (filter === undefined || filter.commit !== undefined) return text(400, "Malformed url")
    const inApp = filter.app === options.application
    if (method === "GET") {
      if (filter.uuids !== undefined) fleet.tick()
      const select = new Set((url.searchParams.get("$select") ?? "").split(",").filter(Boolean))
      const expand = url.searchParams.get("$expand") ?? ""
      const top = Number(url.searchParams.get("$top") ?? "Infinity")
      const skip = Number(url.searchParams.get("$skip") ?? "0")
      const all = !inApp ? [] : filter.uuids === undefined ? fleet.slice(skip, skip + top) : filter.uuids.flatMap((u) => fleet.device(u) ?? []).slice(skip, skip + top)
      const rows = all.map((d) => {
        const state = fleet.deviceState(d.id)
        const row: Record<string, unknown> = {}
        if (select.has("uuid")) row.uuid = d.id
        if (select.has("is_online")) row.is_online = d.online
        if (select.has("last_connectivity_event")) row.last_connectivity_event = new Date(d.lastSeen ?? 0).toISOString()
        if (select.has("update_status")) row.update_status = state === undefined ? null : updateStatus[state.state]
        if (expand.includes("device_tag")) row.device_tag = Object.entries(d.tags).map(([tag_key, value]) => ({ tag_key, value }))
        if (expand.includes("is_running__release")) row.is_running__release = [{ commit: d.artifact }]
        return row
      })
      return { status: 200, body: { d: rows } }
    }
    if (method === "PATCH") {
      const release = typeof body === "object" && body !== null ? (body as Record<string, unknown>).should_be_running__release : undefined
      if (typeof release !== "number") return text(400, "Malformed body")
      const commit = commitOf.get(release)
      if (commit === undefined) return text(400, "It is necessary that each device that should be running a release, should be running a release that belongs to the application the device belongs to")
      const uuids = !inApp ? [] : filter.uuids === undefined ? fleet.devices().map((d) => d.id) : filter.uuids.filter((u) => fleet.device(u) !== undefined)
      // already pinned to it: nothing changes
      const fresh = uuids.filter((u) => pinned.get(u) !== release)
      for (const u of fresh) pinned.set(u, release)
      if (fresh.length > 0) {
        fleet.deploy(`pin-${release}-${pins.length + 1}`, commit, fresh)
        pins.push({ release, uuids: fresh })
      }
      return text(200, "OK")
    }
    return text(405, "Method Not Allowed")
  }

  const running = await serve({ auth: (req) => (bearer(req) === options.token ? undefined : text(401, "Unauthorized")), route, badJson: text(400, "Malformed body") })
  return { ...running, pins: () => pins }
}
