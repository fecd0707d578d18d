import { Effect } from "effect"
import type * as Fleet from "../Fleet.ts"
import { type Answer, badResponse, client, type ClientOptions, seg } from "./http.ts"
import type { Deployment, FleetDevice, OtaManager, Progress } from "./ota.ts"

/**
 * Mender's management API, as its published OpenAPI documents it
 * (mendersoftware/deployments docs/management_api.yml, inventory
 * management v1): devices from `GET /api/management/v1/inventory/devices`
 * (paged, `per_page` ≤ 500), deployments for a device list by `POST
 * /api/management/v1/deployments/deployments` (201 with a Location header),
 * found by name with `GET …/deployments?search=`, their
 * `GET …/deployments/{id}/statistics`, and `PUT …/deployments/{id}/status`
 * `{"status":"aborted"}` (204; 422 when it already finished).
 */
const inventory = "/api/management/v1/inventory"
const deployments = "/api/management/v1/deployments/deployments"
const perPage = 500

interface Attribute {
  readonly name: string
  readonly value: unknown
  readonly scope?: string
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const statisticsKeys = ["success", "pending", "downloading", "installing", "rebooting", "failure", "noartifact", "already-installed", "aborted", "pause_before_installing", "pause_before_rebooting", "pause_before_committing"] as const

/** Mender's statistics as our progress: `noartifact` (no compatible artifact) is a failure to install here, `already-installed` a success. */
export const progressOf = (stats: Readonly<Record<string, number>>): Progress => {
  const n = (k: string) => stats[k] ?? 0
  const pending = n("pending")
  const active = n("downloading") + n("installing") + n("rebooting") + n("pause_before_installing") + n("pause_before_rebooting") + n("pause_before_committing")
  const success = n("success") + n("already-installed")
  const failure = n("failure") + n("noartifact")
  const aborted = n("aborted")
  return { total: pending + active + success + failure + aborted, pending, active, success, failure, aborted }
}

/** The next page's URL from a Link header (`<…>; rel="next"`), as a path and query relative to the API. */
const nextLink = (answer: Answer): boolean => /rel="?next"?/.test(answer.headers.get("link") ?? "")

export const make = (config: typeof Fleet.Mender.Type, options: Omit<ClientOptions, "name" | "base" | "tokenEnv"> & { readonly offlineAfterMs: number; readonly now: () => number }): OtaManager => {
  const base = config.url.replace(/\/+$/, "")
  const { request } = client({ ...options, name: "Mender", base, tokenEnv: config.tokenEnv })

  const deviceOf = (raw: unknown): FleetDevice | undefined => {
    if (!isRecord(raw) || typeof raw.id !== "string") return undefined
    const attributes = (Array.isArray(raw.attributes) ? raw.attributes : []).filter((a): a is Attribute => isRecord(a) && typeof a.name === "string")
    const tags: Record<string, string> = {}
    // inventory attributes first, then tags (scope "tags") win
    for (const scope of ["inventory", undefined, "tags"]) {
      for (const a of attributes) if ((a.scope ?? undefined) === scope && (typeof a.value === "string" || typeof a.value === "number")) tags[a.name] = String(a.value)
    }
    const attr = (name: string) => attributes.find((a) => a.name === name)?.value
    const checkIn = attr("check_in_time") ?? raw.check_in_time ?? raw.updated_ts
    const lastSeen = typeof checkIn === "string" ? Date.parse(checkIn) : undefined
    const crashes = Number(attr(config.crashesAttribute))
    const kpis: Record<string, number> = {}
    for (const a of attributes) {
      if (a.name.startsWith(config.kpiAttributePrefix) && Number.isFinite(Number(a.value))) kpis[a.name.slice(config.kpiAttributePrefix.length)] = Number(a.value)
    }
    const artifact = attr("artifact_name")
    return {
      id: raw.id,
      tags,
      online: lastSeen !== undefined && !Number.isNaN(lastSeen) && options.now() - lastSeen <= options.offlineAfterMs,
      ...(lastSeen !== undefined && !Number.isNaN(lastSeen) ? { lastSeen } : {}),
      ...(typeof artifact === "string" ? { artifact } : {}),
      ...(Number.isFinite(crashes) ? { crashes } : {}),
      kpis
    }
  }

  const devices = Effect.gen(function* () {
    const out: Array<FleetDevice> = []
    for (let page = 1; ; page++) {
      const group = config.group !== undefined ? `&group=${seg(config.group)}` : ""
      const answer = yield* request("GET", `${inventory}/devices?page=${page}&per_page=${perPage}${group}`, { note: (a) => `${Array.isArray(a.body) ? a.body.length : 0} devices` })
      if (!Array.isArray(answer.body)) return yield* badResponse("Mender", "GET /inventory/devices", "an array of devices")
      for (const raw of answer.body) {
        const d = deviceOf(raw)
        if (d !== undefined) out.push(d)
      }
      if (answer.body.length < perPage && !nextLink(answer)) return out
      if (answer.body.length === 0) return out
    }
  })

  const deploymentOf = (raw: unknown): Deployment | undefined =>
    isRecord(raw) && typeof raw.id === "string" && typeof raw.name === "string" ? { id: raw.id, name: raw.name, artifact: typeof raw.artifact_name === "string" ? raw.artifact_name : "" } : undefined

  const list = (prefix: string) =>
    Effect.gen(function* () {
      const out: Array<Deployment> = []
      for (let page = 1; ; page++) {
        const answer = yield* request("GET", `${deployments}?search=${seg(prefix)}&sort=desc&page=${page}&per_page=${perPage}`)
        if (!Array.isArray(answer.body)) return yield* badResponse("Mender", "GET /deployments", "an array of deployments")
        // search matches names and descriptions loosely: only names that start with the prefix count
        for (const raw of answer.body) {
          const d = deploymentOf(raw)
          if (d !== undefined && d.name.startsWith(prefix)) out.push(d)
        }
        if (answer.body.length < perPage) return out
      }
    })
  const find = (name: string) => Effect.map(list(name), (all) => all.find((d) => d.name === name))

  const create = (name: string, artifact: string, ids: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const answer = yield* request("POST", deployments, { body: { name, artifact_name: artifact, devices: ids }, accept: [409], note: () => `${ids.length} devices, ${artifact}` })
      if (answer.status === 409) {
        // "an active deployment with the same parameters already exists": ours, from a run that died before it heard the 201
        const existing = yield* find(name)
        if (existing !== undefined) return existing
        return yield* badResponse("Mender", "POST /deployments", "201, or a 409 for a deployment of this name")
      }
      const location = answer.headers.get("location") ?? ""
      const id = location.split("/").filter(Boolean).at(-1)
      if (id === undefined || id.length === 0) {
        const found = yield* find(name)
        if (found !== undefined) return found
        return yield* badResponse("Mender", "POST /deployments", "a Location header naming the new deployment")
      }
      return { id: decodeURIComponent(id), name, artifact }
    })

  const progress = (d: Deployment) =>
    Effect.gen(function* () {
      const answer = yield* request("GET", `${deployments}/${seg(d.id)}/statistics`)
      const body = answer.body
      if (!isRecord(body)) return yield* badResponse("Mender", "GET /deployments/{id}/statistics", "the statistics object")
      const stats: Record<string, number> = {}
      for (const k of statisticsKeys) {
        const v = body[k]
        if (typeof v !== "number") return yield* badResponse("Mender", "GET /deployments/{id}/statistics", `a number in "${k}"`)
        stats[k] = v
      }
      return progressOf(stats)
    })

  const abort = (d: Deployment) =>
    Effect.asVoid(
      // 422: it already finished, which is what an abort wanted anyway
      request("PUT", `${deployments}/${seg(d.id)}/status`, { body: { status: "aborted" }, accept: [422] })
    )

  return { kind: "mender", endpoint: base, devices, list, create, progress: (d) => progress(d), abort: (d) => abort(d) }
}
