import { Effect } from "effect"
import type * as Fleet from "../Fleet.ts"
import { badResponse, client, type ClientOptions, seg } from "./http.ts"
import type { Deployment, FleetDevice, OtaManager, Progress } from "./ota.ts"

/**
 * Rollwise's generic OTA contract (documented in the README), for fleets on
 * an OTA service of your own:
 *
 *     GET  /devices?page=N                → 200 {"devices": [Device], "nextPage": N | null}
 *     GET  /deployments?prefix=P          → 200 {"deployments": [Deployment]}   (names starting with P, newest first)
 *     POST /deployments {name, artifact, devices} → 201 Deployment | 409 {"error"} (the name exists)
 *     GET  /deployments/{id}              → 200 Deployment with "progress" | 404
 *     POST /deployments/{id}/abort        → 204 (also when it already finished) | 404
 *
 * Bearer auth; 401/403/404/409/422 with {"error": "..."}; 429 with
 * Retry-After and 5xx are retried.
 */
const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)
const count = (u: unknown) => (typeof u === "number" && Number.isInteger(u) && u >= 0 ? u : undefined)

export const make = (config: typeof Fleet.Http.Type, options: Omit<ClientOptions, "name" | "base" | "tokenEnv">): OtaManager => {
  const base = config.url.replace(/\/+$/, "")
  const { request } = client({ ...options, name: "OTA service", base, tokenEnv: config.tokenEnv })

  const deviceOf = (raw: unknown): FleetDevice | undefined => {
    if (!isRecord(raw) || typeof raw.id !== "string") return undefined
    const tags: Record<string, string> = {}
    if (isRecord(raw.tags)) for (const [k, v] of Object.entries(raw.tags)) if (typeof v === "string") tags[k] = v
    const kpis: Record<string, number> = {}
    if (isRecord(raw.kpis)) for (const [k, v] of Object.entries(raw.kpis)) if (typeof v === "number" && Number.isFinite(v)) kpis[k] = v
    const seen = typeof raw.lastSeen === "string" ? Date.parse(raw.lastSeen) : NaN
    return {
      id: raw.id,
      tags,
      online: raw.online === true,
      ...(Number.isNaN(seen) ? {} : { lastSeen: seen }),
      ...(typeof raw.artifact === "string" ? { artifact: raw.artifact } : {}),
      ...(count(raw.crashes) !== undefined ? { crashes: count(raw.crashes) } : {}),
      kpis
    }
  }
  const deploymentOf = (raw: unknown): Deployment | undefined =>
    isRecord(raw) && typeof raw.id === "string" && typeof raw.name === "string" && typeof raw.artifact === "string" ? { id: raw.id, name: raw.name, artifact: raw.artifact } : undefined

  const devices = Effect.gen(function* () {
    const out: Array<FleetDevice> = []
    for (let page: number | null = 1; page !== null; ) {
      const answer = yield* request("GET", `/devices?page=${page}`, { note: (a) => `${isRecord(a.body) && Array.isArray(a.body.devices) ? a.body.devices.length : 0} devices` })
      if (!isRecord(answer.body) || !Array.isArray(answer.body.devices)) return yield* badResponse("OTA service", "GET /devices", '{"devices": [...], "nextPage": N | null}')
      for (const raw of answer.body.devices) {
        const d = deviceOf(raw)
        if (d !== undefined) out.push(d)
      }
      const next: unknown = answer.body.nextPage
      page = typeof next === "number" && next > page ? next : null
    }
    return out
  })

  const list = (prefix: string) =>
    Effect.gen(function* () {
      const answer = yield* request("GET", `/deployments?prefix=${seg(prefix)}`)
      if (!isRecord(answer.body) || !Array.isArray(answer.body.deployments)) return yield* badResponse("OTA service", "GET /deployments", '{"deployments": [...]}')
      return answer.body.deployments.flatMap((raw) => {
        const d = deploymentOf(raw)
        return d !== undefined && d.name.startsWith(prefix) ? [d] : []
      })
    })
  const find = (name: string) => Effect.map(list(name), (all) => all.find((d) => d.name === name))

  const create = (name: string, artifact: string, ids: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const answer = yield* request("POST", "/deployments", { body: { name, artifact, devices: ids }, accept: [409], note: () => `${ids.length} devices, ${artifact}` })
      if (answer.status === 409) {
        const existing = yield* find(name)
        if (existing !== undefined) return existing
        return yield* badResponse("OTA service", "POST /deployments", "201, or 409 for a deployment of this name that GET /deployments?prefix= then finds")
      }
      const d = deploymentOf(answer.body)
      if (d === undefined) return yield* badResponse("OTA service", "POST /deployments", '{"id", "name", "artifact"}')
      return d
    })

  const progress = (d: Deployment) =>
    Effect.gen(function* () {
      const answer = yield* request("GET", `/deployments/${seg(d.id)}`)
      const p = isRecord(answer.body) && isRecord(answer.body.progress) ? answer.body.progress : undefined
      const keys = ["total", "pending", "active", "success", "failure", "aborted"] as const
      if (p === undefined || keys.some((k) => count(p[k]) === undefined)) return yield* badResponse("OTA service", "GET /deployments/{id}", `"progress" with ${keys.join(", ")} as counts`)
      return Object.fromEntries(keys.map((k) => [k, count(p[k])!])) as unknown as Progress
    })

  const abort = (d: Deployment) => Effect.asVoid(request("POST", `/deployments/${seg(d.id)}/abort`))

  return { kind: "http", endpoint: base, devices, list, create, progress: (d) => progress(d), abort: (d) => abort(d) }
}
