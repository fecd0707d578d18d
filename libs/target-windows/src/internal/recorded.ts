import { Duration, Effect } from "effect"
import * as HostsFile from "../HostsFile.ts"
import type { Answer, Transport } from "../Transport.ts"
import { TransportError } from "../Transport.ts"
import { type Parsed, parseScript } from "./scriptVars.ts"

/**
 * A recorded Windows fleet: what the generated scripts print on real IIS
 * and ARR hosts (the JSON line each one writes, and the real error texts of
 * the cmdlets it calls), replayed from a model of each host's state — sites,
 * pools, unpacked releases, the ARR farm's weights and runtime state, the
 * Event Log. It answers the script's operation with the values parsed back
 * from the script's own literals, so a quoting bug changes the answer.
 * Failures are injectable: access denied, a dropped connection after the
 * step took effect, a slow answer, a pool (or service) that stops after a
 * deploy, an unhealthy ARR server.
 */

interface FarmServer {
  weight: number
  /** ARR's runtime states, in SetState's order. */
  state: "Available" | "Drain" | "Unavailable" | "UnavailableGracefully"
  healthy: boolean
  currentRequests: number
}

/** What a site's IIS log holds per second of a window (what `signals` reads back). */
export interface Traffic {
  readonly requestsPerSecond: number
  readonly errorRatio: number
  readonly latencySeconds: number
}

/** One host's state, as its scripts see it. */
export interface HostState {
  sites: Record<string, { path: string; bindings: Array<{ protocol: string; info: string }>; pool?: string; traffic?: Traffic }>
  pools: Record<string, { state: "Started" | "Stopped" }>
  /** Release folders unpacked (lower case). */
  releases: Array<string>
  /** ARR farms (on the controller). */
  farms: Record<string, Record<string, FarmServer>>
  /** Answers of local URLs (default 200). */
  http: Record<string, number>
  /** Application-log errors: when and from which provider. */
  events: Array<{ at: string; source: string }>
  /** System-log WAS events of a pool's worker process failing (5009–5011…). */
  workerFailures: Array<{ at: string; pool: string }>
  /** Windows Services: the executable they run and their status. */
  services: Record<string, { path: string; status: "Running" | "Stopped" }>
  /** Pools (or services) that stop right after their next deploy (rapid-fail protection tripped by a crashing candidate). */
  crashOnDeploy: Array<string>
}

/** A change a script made on a host: what "applied twice" is checked against. */
export interface Change {
  readonly server: string
  readonly op: string
  readonly change: string
}

/** A failure to inject on the next matching scripts. */
export interface Fault {
  readonly server?: string
  readonly op: string
  /** accessDenied: the cmdlet's real error; drop: the step takes effect, then the connection drops; slow: answer after `delayMs`. */
  readonly kind: "accessDenied" | "drop" | "slow"
  readonly delayMs?: number
  readonly times?: number
}

/** What a recorded host answers: an answer, or a dropped connection (after its effects), possibly late. */
export type Reply = { readonly answer: Answer; readonly delayMs: number } | { readonly drop: true; readonly delayMs: number }

// The real text IIS's configuration system throws for a user who is not an administrator.
const accessDeniedText = "Filename: redirection.config\r\nError: Cannot read configuration file due to insufficient permissions\r\n\r\n"

// PowerShell's -like: * and ? wildcards, case-insensitive
const like = (pattern: string, text: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i").test(text)
const str = (v: Parsed | undefined): string => (typeof v === "string" ? v : String(v ?? ""))
const num = (v: Parsed | undefined): number => (typeof v === "number" ? v : Number(v))

/** A recorded fleet: per-server state, every script received, every change made. */
export class Fleet {
  readonly hosts: Record<string, HostState>
  /** Every script received, in order, with the server it ran on. */
  readonly scripts: Array<{ readonly server: string; readonly op: string; readonly text: string }> = []
  /** Every change made, in order. */
  readonly effects: Array<Change> = []
  private faults: Array<Fault & { left: number }> = []

  constructor(hosts: Record<string, HostState>) {
    this.hosts = hosts
  }

  /** Fail the next `times` (default 1) scripts of `op` (on `server`, if given). */
  inject(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 })
  }

  /** Answer a script sent to a server. */
  answer(server: string, text: string): Reply {
    const host = this.hosts[server]
    let parsed: { op: string; vars: Record<string, Parsed> }
    try {
      parsed = parseScript(text)
    } catch (e) {
      // what powershell.exe says about a script it cannot parse
      return { answer: { stdout: "", stderr: `At line:1 char:1\r\n+ ${String((e as Error).message)}\r\n    + CategoryInfo          : ParserError: (:) [], ParentContainsErrorRecordException\r\n`, code: 1 }, delayMs: 0 }
    }
    this.scripts.push({ server, op: parsed.op, text })
    const i = this.faults.findIndex((f) => f.op === parsed.op && (f.server === undefined || f.server === server) && f.left > 0)
    const fault = i >= 0 ? this.faults[i]! : undefined
    if (fault !== undefined) {
      fault.left--
      if (fault.left === 0) this.faults.splice(i, 1)
    }
    if (fault?.kind === "accessDenied") {
      return { answer: { stdout: JSON.stringify({ detail: accessDeniedText, reason: "Forbidden", ok: false }) + "\r\n", stderr: "", code: 1 }, delayMs: 0 }
    }
    if (host === undefined) return { answer: { stdout: "", stderr: "", code: 255 }, delayMs: 0 }
    const result = this.run(server, host, parsed.op, parsed.vars)
    if (fault?.kind === "drop") return { drop: true, delayMs: 0 }
    return { answer: { stdout: JSON.stringify(result) + "\r\n", stderr: "", code: result["ok"] === false && result["reason"] !== "NotFound" && result["reason"] !== "Rejected" ? 1 : 0 }, delayMs: fault?.kind === "slow" ? (fault.delayMs ?? 5000) : 0 }
  }

  private change(server: string, op: string, change: string) {
    this.effects.push({ server, op, change })
  }

  private run(server: string, host: HostState, op: string, v: Record<string, Parsed>): Record<string, unknown> {
    const fail = (reason: string, detail: string) => ({ ok: false, reason, detail })
    switch (op) {
      case "probe":
      case "deploy": {
        const site = host.sites[str(v["Site"])]
        if (site === undefined) return fail("NotFound", `IIS site '${str(v["Site"])}' not found`)
        const poolName = str(v["Pool"])
        const pool = host.pools[poolName]
        if (pool === undefined) return fail("NotFound", `application pool '${poolName}' not found`)
        if (op === "probe") return { ok: true, changed: false, path: site.path, poolState: pool.state }
        const target = `${str(v["ReleasesDir"]).replace(/[\\/]+$/, "")}\\${str(v["Version"])}`
        let unpacked = false
        if (!host.releases.includes(target.toLowerCase())) {
          host.releases.push(target.toLowerCase())
          unpacked = true
          this.change(server, op, `unpack ${str(v["Artifact"])} to ${target}`)
        }
        const previous = site.path
        const switched = previous !== target
        if (switched) {
          site.path = target
          this.change(server, op, `site ${str(v["Site"])} physicalPath ${target}`)
        }
        if (switched || unpacked) {
          this.change(server, op, `recycle ${poolName}`)
          pool.state = "Started"
          const crash = host.crashOnDeploy.indexOf(poolName)
          if (crash >= 0) {
            host.crashOnDeploy.splice(crash, 1)
            pool.state = "Stopped"
          }
        }
        const url = str(v["WarmupUrl"])
        const warmup = url === "" ? 0 : pool.state === "Stopped" ? 503 : (host.http[url] ?? 200)
        return { poolState: pool.state, previous, changed: switched || unpacked, unpacked, ok: true, path: target, warmupStatus: warmup }
      }
      case "health": {
        const poolName = str(v["Pool"])
        const pool = host.pools[poolName]
        if (pool === undefined) return fail("NotFound", `application pool '${poolName}' not found`)
        if (pool.state !== "Started") return fail("Rejected", `application pool '${poolName}' is ${pool.state}`)
        const url = str(v["Url"])
        const status = url === "" ? 0 : (host.http[url] ?? 200)
        if (url !== "" && (status < 200 || status >= 400)) return fail("Rejected", `health check ${url} answered ${status}`)
        const since = str(v["Since"])
        const sources = Array.isArray(v["Sources"]) ? (v["Sources"] as ReadonlyArray<string>) : []
        const errors = host.events.filter((e) => e.at >= since && sources.some((s) => like(s, e.source)))
        const seen = [...new Set(errors.map((e) => e.source))].sort()
        if (errors.length > num(v["MaxEventErrors"])) return fail("Rejected", `${errors.length} Event Log errors since the deploy from ${seen.join(", ")}`)
        return { eventSources: seen, httpStatus: status, ok: true, poolState: pool.state, changed: false, eventErrors: errors.length }
      }
      case "sides":
      case "flip": {
        const blueName = str(v["BlueSite"])
        const greenName = str(v["GreenSite"])
        const blue = host.sites[blueName]
        if (blue === undefined) return fail("NotFound", `IIS site '${blueName}' not found`)
        const green = host.sites[greenName]
        if (green === undefined) return fail("NotFound", `IIS site '${greenName}' not found`)
        const live = str(v["LiveBinding"])
        const has = (s: HostState["sites"][string]) => s.bindings.some((b) => b.info === live)
        const now = has(blue) ? "blue" : has(green) ? "green" : undefined
        if (now === undefined) return fail("NotFound", `neither '${blueName}' nor '${greenName}' has the binding '${live}'`)
        if (op === "sides") return { greenPath: green.path, live: now, ok: true, changed: false, bluePath: blue.path }
        const want = str(v["Live"])
        if (now === want) return { ok: true, live: now, changed: false }
        const b = blue.bindings
        blue.bindings = green.bindings
        green.bindings = b
        this.change(server, op, `live binding ${live} on ${want === "green" ? greenName : blueName}`)
        return { changed: true, live: want, ok: true }
      }
      case "weights":
      case "serverState": {
        const farmName = str(v["Farm"])
        const farm = host.farms[farmName]
        if (farm === undefined) return fail("NotFound", `ARR web farm '${farmName}' not found`)
        const runtime = (address: string) => {
          const s = farm[address]!
          return { healthy: s.healthy, state: s.state, address, currentRequests: s.currentRequests, weight: s.weight }
        }
        if (op === "weights") {
          const wanted = (v["Servers"] ?? []) as ReadonlyArray<Record<string, string | number | boolean>>
          for (const w of wanted) if (farm[str(w["address"])] === undefined) return fail("NotFound", `server '${str(w["address"])}' is not in the ARR web farm '${farmName}'`)
          const updated: Array<string> = []
          for (const w of wanted) {
            const s = farm[str(w["address"])]!
            if (s.weight !== num(w["weight"])) {
              s.weight = num(w["weight"])
              updated.push(str(w["address"]))
              this.change(server, op, `weight ${str(w["address"])} ${s.weight}`)
            }
          }
          return { servers: wanted.map((w) => runtime(str(w["address"]))), updated, ok: true, changed: updated.length > 0 }
        }
        const address = str(v["Address"])
        if (farm[address] === undefined) return fail("NotFound", `server '${address}' is not in the ARR web farm '${farmName}'`)
        const state = str(v["State"]) as FarmServer["state"]
        const changed = farm[address]!.state !== state
        if (changed) {
          farm[address]!.state = state
          if (state === "Drain") farm[address]!.currentRequests = 0
          this.change(server, op, `state ${address} ${state}`)
        }
        return { ok: true, changed, server: runtime(address) }
      }
      case "signals": {
        const names = (v["Sites"] ?? []) as ReadonlyArray<string>
        const start = str(v["Start"])
        const end = str(v["End"])
        const seconds = Math.max(0, (Date.parse(end) - Date.parse(start)) / 1000)
        const sources = (v["Sources"] ?? []) as ReadonlyArray<string>
        const sites: Array<Record<string, unknown>> = []
        for (const name of names) {
          const site = host.sites[name]
          if (site === undefined) return fail("NotFound", `IIS site '${name}' not found`)
          const t = site.traffic
          const requests = t === undefined ? 0 : Math.round(t.requestsPerSecond * seconds)
          // time-taken is logged in whole milliseconds; spread ±20 % around the site's latency, the same for the same window
          const timeTaken = Array.from({ length: Math.min(requests, num(v["MaxSamples"])) }, (_, i) => Math.round(t!.latencySeconds * 1000 * (0.8 + 0.4 * ((i * 0.6180339887) % 1))) / 1000)
          const restarts = host.workerFailures.filter((f) => f.pool === site.pool && f.at >= start && f.at < end).length
          sites.push({ restarts, site: name, timeTaken, requests, path: site.path, errors: t === undefined ? 0 : Math.round(requests * t.errorRatio) })
        }
        const eventErrors = host.events.filter((e) => e.at >= start && e.at < end && sources.some((s) => like(s, e.source))).length
        return { ok: true, changed: false, sites, eventErrors }
      }
      case "serviceDeploy":
      case "serviceHealth": {
        const name = str(v["Name"])
        const service = host.services[name]
        if (service === undefined) return fail("NotFound", `Windows service '${name}' not found`)
        if (op === "serviceHealth") {
          if (service.status !== "Running") return fail("Rejected", `Windows service '${name}' is ${service.status}`)
          return { status: service.status, ok: true, changed: false, eventErrors: 0, eventSources: [] }
        }
        const target = `${str(v["ReleasesDir"]).replace(/[\\/]+$/, "")}\\${str(v["Version"])}`
        let unpacked = false
        if (!host.releases.includes(target.toLowerCase())) {
          host.releases.push(target.toLowerCase())
          unpacked = true
          this.change(server, op, `unpack ${str(v["Artifact"])} to ${target}`)
        }
        const exe = `${target}\\${str(v["Executable"])}`
        const previous = service.path
        const switched = previous !== exe
        if (switched) {
          if (service.status !== "Stopped") this.change(server, op, `stop ${name}`)
          service.status = "Stopped"
          service.path = exe
          this.change(server, op, `service ${name} ${str(v["Manager"]) === "nssm" ? "Application" : "PathName"} ${exe}`)
        }
        if (service.status !== "Running") {
          this.change(server, op, `start ${name}`)
          service.status = "Running"
          const crash = host.crashOnDeploy.indexOf(name)
          if (crash >= 0) {
            host.crashOnDeploy.splice(crash, 1)
            service.status = "Stopped"
            // what the script says when WaitForStatus gives up
            return fail("Rejected", `Windows service '${name}' did not reach Running within ${num(v["TimeoutSec"])} s (it is Stopped)`)
          }
        }
        return { unpacked, path: exe, status: service.status, previous, ok: true, changed: switched || unpacked }
      }
      default:
        return fail("Rejected", `unknown operation ${op}`)
    }
  }
}

/**
 * A fleet in the state hosts.yaml describes, before a rollout: every web
 * server has its sites on the stable release (blue holding the live
 * binding, green on its idle port), pools Started; the controller's farm
 * lists every web server Available and healthy, blue servers at weight
 * 100 and green ones at 0 (100 each for a rolling fleet).
 */
export const fromHosts = (hosts: HostsFile.HostsFile): Fleet => {
  const stablePath = `${hosts.release.dir.replace(/[\\/]+$/, "")}\\${hosts.release.stable}`
  const state: Record<string, HostState> = {}
  const empty = (): HostState => ({ sites: {}, pools: {}, services: {}, releases: [stablePath.toLowerCase()], farms: {}, http: {}, events: [], workerFailures: [], crashOnDeploy: [] })
  for (const s of hosts.servers) state[s.name] = empty()
  for (const s of HostsFile.webServers(hosts)) {
    const host = state[s.name]!
    if (hosts.site !== undefined) {
      host.sites[hosts.site.site] = { path: stablePath, bindings: [{ protocol: "http", info: "*:80:" }], pool: hosts.site.pool }
      host.pools[hosts.site.pool] = { state: "Started" }
    }
    if (hosts.service !== undefined) host.services[hosts.service.name] = { path: `${stablePath}\\${hosts.service.executable}`, status: "Running" }
    if (hosts.bluegreen !== undefined) {
      host.sites[hosts.bluegreen.blue.site] = { path: stablePath, bindings: [{ protocol: "http", info: hosts.bluegreen.liveBinding }], pool: hosts.bluegreen.blue.pool }
      host.sites[hosts.bluegreen.green.site] = { path: stablePath, bindings: [{ protocol: "http", info: "*:8081:" }], pool: hosts.bluegreen.green.pool }
      host.pools[hosts.bluegreen.blue.pool] = { state: "Started" }
      host.pools[hosts.bluegreen.green.pool] = { state: "Started" }
    }
  }
  if (hosts.farm !== undefined) {
    const farm: Record<string, FarmServer> = {}
    for (const s of HostsFile.webServers(hosts)) farm[s.address ?? s.host] = { weight: s.group === "green" ? 0 : 100, state: "Available", healthy: true, currentRequests: 3 }
    state[hosts.farm.controller]!.farms[hosts.farm.name] = farm
  }
  return new Fleet(state)
}

/** The fleet as an in-memory Transport (the demo's recorded hosts; tests without sshd). */
export const transport = (fleet: Fleet): Transport => ({
  run: (server, script) =>
    Effect.suspend(() => {
      const reply = fleet.answer(server, script.text)
      const answered =
        "drop" in reply
          ? Effect.fail(new TransportError({ reason: "Unreachable", detail: `${server}: the connection dropped before ${script.op} answered` }))
          : Effect.succeed(reply.answer)
      return reply.delayMs > 0 ? Effect.andThen(Effect.sleep(Duration.millis(reply.delayMs)), answered) : answered
    })
})

/**
 * A ready-made fleet for the demo: an ARR controller and three IIS servers
 * (web1 blue, web2 and web3 green for a canary), the `checkout` site, a
 * blue/green pair and releases under D:\sites\checkout — the hosts.yaml
 * document, decoded, and its recorded state. Drive it with
 * `TargetWindows.make({ hosts, transport: transport(fleet), … })` and its
 * `onOutput` shows the real PowerShell a rollout would run.
 */
export const demo = (strategy: HostsFile.Strategy, stable = "2.4.0"): { readonly hosts: HostsFile.HostsFile; readonly fleet: Fleet } => {
  const hosts: HostsFile.HostsFile = {
    apiVersion: "rollwise/v1",
    kind: "WindowsHosts",
    credentials: { user: "svc-deploy", keyFile: "keys/rollwise_ed25519" },
    farm: { name: "checkout-farm", controller: "arr01", drainSeconds: 30 },
    servers: ["arr01", "web1", "web2", "web3"].map((name) => ({
      name,
      host: `${name}.corp.example`,
      address: `${name}.farm.local`,
      hostKey: `SHA256:${"demo0".repeat(8)}abc`,
      ...(strategy === "canary" && name !== "arr01" ? { group: name === "web1" ? ("blue" as const) : ("green" as const) } : {})
    })),
    site: { site: "checkout", pool: "checkout" },
    bluegreen: { blue: { site: "checkout-blue", pool: "checkout-blue" }, green: { site: "checkout-green", pool: "checkout-green" }, liveBinding: "*:443:checkout.example.com", greenUrl: "http://localhost:8081/health" },
    release: { artifact: "\\\\fs01\\builds\\checkout\\checkout-{version}.zip", dir: "D:\\sites\\checkout\\releases", stable },
    health: { url: "http://localhost/health" }
  }
  return { hosts, fleet: fromHosts(hosts) }
}
