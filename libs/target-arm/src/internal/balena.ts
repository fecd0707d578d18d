import { DeployTarget } from "@rollwise/rollout-engine"
import { Effect } from "effect"
import type * as Fleet from "../Fleet.ts"
import { badResponse, client, type ClientOptions } from "./http.ts"
import type { Deployment, FleetDevice, OtaManager, Progress } from "./ota.ts"

/**
 * Balena through its HTTP API (pine/OData v7), not `balena-sdk`: the SDK's
 * current major (23) needs Node ≥ 22 and we run on Node 20; the few calls a
 * rollout needs are plain OData. A "deployment" here is devices pinned to a
 * release: `PATCH /v7/device?$filter=… uuid in (…)` with
 * `{"should_be_running__release": <release id>}`; progress is read back from
 * the devices (`is_running__release`, `update_status`, `is_online`).
 */
const chunk = 100

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)
const literal = (s: string) => `'${s.replaceAll("'", "''")}'`
const q = encodeURIComponent

/** `update_status` values that mean the device gave up on the release. */
const failed = new Set(["rejected", "aborted", "timeout"])

const commitOf = (raw: unknown): string | undefined => {
  const r = Array.isArray(raw) ? raw[0] : raw
  return isRecord(r) && typeof r.commit === "string" ? r.commit : undefined
}

export const make = (config: typeof Fleet.Balena.Type, options: Omit<ClientOptions, "name" | "base" | "tokenEnv">): OtaManager => {
  const base = config.url.replace(/\/+$/, "")
  const { request } = client({ ...options, name: "Balena", base, tokenEnv: config.tokenEnv })
  const app = `belongs_to__application eq ${config.application}`

  const rows = (answer: { readonly body: unknown }, call: string) =>
    isRecord(answer.body) && Array.isArray(answer.body.d) ? Effect.succeed(answer.body.d as ReadonlyArray<unknown>) : Effect.fail(badResponse("Balena", call, '{"d": [...]}'))

  const devices = Effect.gen(function* () {
    const out: Array<FleetDevice> = []
    const top = 1000
    for (let skip = 0; ; skip += top) {
      const answer = yield* request(
        "GET",
        `/v7/device?$select=uuid,is_online,last_connectivity_event&$expand=${q("device_tag($select=tag_key,value),is_running__release($select=commit)")}&$filter=${q(app)}&$orderby=id%20asc&$top=${top}&$skip=${skip}`,
        { note: (a) => `${isRecord(a.body) && Array.isArray(a.body.d) ? a.body.d.length : 0} devices` }
      )
      const page = yield* rows(answer, "GET /v7/device")
      for (const raw of page) {
        if (!isRecord(raw) || typeof raw.uuid !== "string") continue
        const tags: Record<string, string> = {}
        for (const t of Array.isArray(raw.device_tag) ? raw.device_tag : []) if (isRecord(t) && typeof t.tag_key === "string" && typeof t.value === "string") tags[t.tag_key] = t.value
        const seen = typeof raw.last_connectivity_event === "string" ? Date.parse(raw.last_connectivity_event) : NaN
        const artifact = commitOf(raw.is_running__release)
        out.push({ id: raw.uuid, tags, online: raw.is_online === true, ...(Number.isNaN(seen) ? {} : { lastSeen: seen }), ...(artifact !== undefined ? { artifact } : {}) })
      }
      if (page.length < top) return out
    }
  })

  const releaseId = (commit: string) =>
    Effect.gen(function* () {
      const answer = yield* request("GET", `/v7/release?$select=id,commit&$filter=${q(`${app} and commit eq ${literal(commit)}`)}`)
      const found = (yield* rows(answer, "GET /v7/release"))[0]
      if (!isRecord(found) || typeof found.id !== "number") {
        return yield* new DeployTarget.DeployTargetError({ reason: "NotFound", detail: `Balena: fleet ${config.application} has no release with commit ${commit}` })
      }
      return found.id
    })

  const inChunks = <A>(ids: ReadonlyArray<string>, f: (part: ReadonlyArray<string>) => Effect.Effect<A, DeployTarget.DeployTargetError>) =>
    Effect.forEach(Array.from({ length: Math.ceil(ids.length / chunk) }, (_, i) => ids.slice(i * chunk, (i + 1) * chunk)), f)
  const uuidIn = (part: ReadonlyArray<string>) => `uuid in (${part.map(literal).join(",")})`

  const create = (name: string, artifact: string, ids: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const release = yield* releaseId(artifact)
      // pinning is idempotent: pinning a device to the release it is pinned to changes nothing
      yield* inChunks(ids, (part) =>
        request("PATCH", `/v7/device?$filter=${q(`${app} and ${uuidIn(part)}`)}`, { body: { should_be_running__release: release }, note: () => `${part.length} devices → release ${release}` })
      )
      return { id: `release/${release}`, name, artifact } satisfies Deployment
    })

  const progress = (d: Deployment, ids: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const parts = yield* inChunks(ids, (part) =>
        Effect.flatMap(
          request("GET", `/v7/device?$select=uuid,is_online,update_status&$expand=${q("is_running__release($select=commit)")}&$filter=${q(`${app} and ${uuidIn(part)}`)}`),
          (a) => rows(a, "GET /v7/device")
        )
      )
      let p: Progress = { total: ids.length, pending: 0, active: 0, success: 0, failure: 0, aborted: 0 }
      let seen = 0
      for (const raw of parts.flat()) {
        if (!isRecord(raw)) continue
        seen++
        if (commitOf(raw.is_running__release) === d.artifact) p = { ...p, success: p.success + 1 }
        else if (typeof raw.update_status === "string" && failed.has(raw.update_status)) p = { ...p, failure: p.failure + 1 }
        else if (raw.is_online !== true) p = { ...p, pending: p.pending + 1 }
        else p = { ...p, active: p.active + 1 }
      }
      // a device deleted from the fleet meanwhile never installs: a failure, not a silent success
      return { ...p, failure: p.failure + (ids.length - seen) }
    })

  return {
    kind: "balena",
    endpoint: `${base} (fleet ${config.application})`,
    devices,
    // Balena keeps no deployment objects: re-pinning is the idempotent apply
    list: () => Effect.succeed([]),
    create,
    progress,
    // nothing to stop: a rollback re-pins the devices to the stable release
    abort: () => Effect.void
  }
}
