import { Redaction } from "@rollwise/redaction"
import { DeployTarget } from "@rollwise/rollout-engine"
import { Duration, Effect, Layer, Ref, Schedule, type Schema, type Scope } from "effect"
import * as HostsFile from "./HostsFile.ts"
import * as OpenSsh from "./OpenSsh.ts"
import * as Scripts from "./Scripts.ts"
import type { Transport, TransportError } from "./Transport.ts"
import * as Answers from "./internal/answer.ts"

/**
 * The DeployTarget for Windows fleets, one strategy per rollout:
 *
 * - `bluegreen` — two IIS sites per server. Weight 0 deploys the candidate
 *   to green (unpack, point the site at it, recycle its pool, warm up) and
 *   checks its health with no traffic; weight 100 (or promote) swaps the
 *   live binding onto green on every server; rollback swaps it back to
 *   blue, which was never touched.
 * - `canary` — an ARR web farm of blue servers (stable) and green servers
 *   (candidate). The first step drains each green server, deploys, checks
 *   and restores it; every step then sets the farm's weights so green gets
 *   the step's share, and fails Rejected if ARR reports a server unhealthy.
 *   Promote: all weight to green; rollback: all weight to blue.
 * - `rolling` — the step's weight is the share of servers on the candidate:
 *   each server not yet done is drained from the farm (when there is one),
 *   deployed, health-checked (AppPool, HTTP, Event Log since the deploy) and
 *   restored. A failed check stops the batch (Rejected: the engine rolls
 *   back); rollback deploys the stable release again where it is not.
 *
 * Every script checks the host before acting, so the engine may retry any
 * operation: nothing is applied twice.
 */

/** How to build a target. */
export interface Options {
  readonly hosts: HostsFile.HostsFile
  readonly transport: Transport
  readonly strategy: HostsFile.Strategy
  /** The service's name, for describe. */
  readonly name: string
  /** The candidate version (hosts.yaml's release.candidate wins when set). */
  readonly candidate?: string | undefined
  /** Each line sent to or answered by a host (`web1> …`, `web1< …`), with secrets masked. */
  readonly onOutput?: ((line: string) => void) | undefined
  /** Secrets to mask in output and errors (the password, the passphrase). */
  readonly secrets?: ReadonlyArray<string> | undefined
  /** Pause between transport retries (default 1 s, doubling). */
  readonly retryDelay?: Duration.Duration | undefined
}

type State = DeployTarget.Status

const rejected = (detail: string) => new DeployTarget.DeployTargetError({ reason: "Rejected", detail })

/** Make the target over a transport. */
export const make = (options: Options): Effect.Effect<DeployTarget.DeployTarget["Service"], DeployTarget.DeployTargetError> =>
  Effect.gen(function* () {
    const { hosts, transport, strategy } = options
    const candidate = hosts.release.candidate ?? options.candidate
    if (candidate === undefined) return yield* rejected("no candidate version: pass the rollout's version or set release.candidate in hosts.yaml")
    const stable = hosts.release.stable
    const secrets = options.secrets ?? []
    const onOutput = options.onOutput
    const say = (line: string) => onOutput?.(Redaction.redact(line, secrets))
    const timeoutSeconds = hosts.health?.timeoutSeconds ?? 30
    const retries = hosts.retries ?? 3
    const retryDelay = options.retryDelay ?? Duration.seconds(1)
    const web = HostsFile.webServers(hosts)
    const state = yield* Ref.make<State>({ phase: "idle", healthy: true, detail: "nothing applied yet" })

    const run = <S extends Schema.Top & { readonly DecodingServices: never }>(server: string, script: Scripts.Script, schema: S) =>
      Effect.gen(function* () {
        for (const line of script.text.split("\n")) say(`${server}> ${line}`)
        const answer = yield* transport.run(server, script).pipe(
          Effect.tapError((e) => Effect.sync(() => say(`${server}! ${e.message}`))),
          Effect.retry({ while: (e: TransportError) => e.reason !== "Forbidden", times: retries, schedule: Schedule.exponential(retryDelay) }),
          Effect.mapError((e) => new DeployTarget.DeployTargetError({ reason: e.reason, detail: e.detail, cause: e }))
        )
        for (const line of answer.stdout.split(/\r?\n/)) if (line.trim() !== "") say(`${server}< ${line.trim()}`)
        return yield* Answers.read(server, script.op, answer, schema, secrets)
      })

    const releasePath = (version: string) => `${hosts.release.dir.replace(/[\\/]+$/, "")}\\${version}`
    const sameRelease = (path: string, version: string) => path.replace(/[\\/]+$/, "").toLowerCase() === releasePath(version).toLowerCase()
    // the hosts' Event Log is on wall-clock time, whatever clock the engine runs on
    const iso = Effect.sync(() => new Date().toISOString())

    const deployScript = (site: { site: string; pool: string }, version: string, warmupUrl: string) =>
      Scripts.deploy({ site: site.site, pool: site.pool, artifact: HostsFile.artifactFor(hosts, version), releasesDir: hosts.release.dir, version, warmupUrl, timeoutSeconds })
    const healthScript = (pool: string, url: string, since: string) =>
      Scripts.health({ pool, url, since, eventSources: hosts.health?.eventSources ?? HostsFile.defaultEventSources, maxEventErrors: hosts.health?.maxEventErrors ?? 0, timeoutSeconds })
    const farmState = (server: HostsFile.Server, value: "Available" | "Drain") =>
      hosts.farm === undefined
        ? Effect.void
        : run(hosts.farm.controller, Scripts.serverState({ farm: hosts.farm.name, address: server.address ?? server.host, state: value, drainSeconds: hosts.farm.drainSeconds ?? 30 }), Answers.replies.serverState).pipe(
            Effect.flatMap((r) => (value === "Available" && !r.server.healthy ? Effect.fail(rejected(`ARR reports ${server.name} (${r.server.address}) unhealthy after it was restored`)) : Effect.void))
          )

    /** A Windows Service onto `version`: stop, swap binaries, start (only if not already there), then verify. */
    const rollService = (server: HostsFile.Server, version: string, check: boolean) =>
      Effect.gen(function* () {
        const svc = hosts.service!
        const since = yield* iso
        yield* run(
          server.name,
          Scripts.serviceDeploy({ name: svc.name, manager: svc.manager ?? "sc", artifact: HostsFile.artifactFor(hosts, version), releasesDir: hosts.release.dir, version, executable: svc.executable, timeoutSeconds }),
          Answers.replies.serviceDeploy
        )
        if (check) {
          yield* run(server.name, Scripts.serviceHealth({ name: svc.name, since, eventSources: hosts.health?.eventSources ?? HostsFile.defaultEventSources, maxEventErrors: hosts.health?.maxEventErrors ?? 0 }), Answers.replies.serviceHealth)
        }
      })

    /** One server onto `version` behind the farm: drain, deploy, check, restore; a server already there is only checked and restored. */
    const rollServer = (server: HostsFile.Server, version: string, check: boolean) =>
      Effect.gen(function* () {
        if (hosts.service !== undefined) return yield* rollService(server, version, check)
        const site = hosts.site!
        const url = hosts.health?.url ?? ""
        const now = yield* run(server.name, Scripts.probe(site), Answers.replies.probe)
        const since = yield* iso
        if (!sameRelease(now.path, version)) {
          yield* farmState(server, "Drain")
          yield* run(server.name, deployScript(site, version, url), Answers.replies.deploy)
        }
        if (check) yield* run(server.name, healthScript(site.pool, url, since), Answers.replies.health)
        yield* farmState(server, "Available")
      })

    const weightsFor = (percent: number) => {
      const blue = web.filter((s) => s.group === "blue")
      const green = web.filter((s) => s.group === "green")
      return Scripts.weights({
        farm: hosts.farm!.name,
        servers: [
          ...green.map((s) => ({ address: s.address ?? s.host, weight: percent * blue.length })),
          ...blue.map((s) => ({ address: s.address ?? s.host, weight: (100 - percent) * green.length }))
        ]
      })
    }
    const setWeights = (percent: number) =>
      Effect.gen(function* () {
        const r = yield* run(hosts.farm!.controller, weightsFor(percent), Answers.replies.weights)
        const sick = r.servers.filter((s) => !s.healthy && s.weight > 0)
        if (sick.length > 0) return yield* rejected(`ARR reports ${sick.map((s) => s.address).join(", ")} unhealthy at ${percent} %`)
      })

    // Blue/green, per server: the side with the candidate (or, before the deploy, the idle side) is the one the
    // flip makes live; the other side keeps the stable release for rollback. Read from the host, so a promote
    // (green live) makes blue the next rollout's idle side, and a resume finds the side it was deploying to.
    const bg = hosts.bluegreen
    const sidesOf = (server: HostsFile.Server) =>
      Effect.map(run(server.name, Scripts.sides({ blueSite: bg!.blue.site, greenSite: bg!.green.site, liveBinding: bg!.liveBinding }), Answers.replies.sides), (r) => {
        const onCandidate = (["blue", "green"] as const).filter((side) => sameRelease(side === "blue" ? r.bluePath : r.greenPath, candidate))
        const idle = r.live === "blue" ? "green" : "blue"
        // both on the candidate: it is live already (a promoted rollout re-run)
        const target = onCandidate.length === 1 ? onCandidate[0]! : onCandidate.length === 2 ? r.live : idle
        return { live: r.live, target, other: target === "blue" ? ("green" as const) : ("blue" as const) }
      })
    const flipTo = (server: HostsFile.Server, live: "blue" | "green") =>
      run(server.name, Scripts.flip({ blueSite: bg!.blue.site, greenSite: bg!.green.site, liveBinding: bg!.liveBinding, live }), Answers.replies.flip)

    const deployIdle = (flip: boolean) =>
      Effect.forEach(
        web,
        (server) =>
          Effect.gen(function* () {
            const side = yield* sidesOf(server)
            if (side.target !== side.live) {
              const since = yield* iso
              yield* run(server.name, deployScript(bg![side.target], candidate, bg!.greenUrl ?? ""), Answers.replies.deploy)
              yield* run(server.name, healthScript(bg![side.target].pool, bg!.greenUrl ?? "", since), Answers.replies.health)
            }
            if (flip) yield* flipTo(server, side.target)
          }),
        { discard: true }
      )
    const flipBack = Effect.forEach(
      web,
      (server) =>
        Effect.flatMap(sidesOf(server), (side) => (side.live === side.target && side.target !== side.other ? flipTo(server, side.other) : Effect.void)),
      { discard: true }
    )

    // move to a share of traffic (canary, blue/green) or of servers (rolling)
    const move = (percent: number): Effect.Effect<void, DeployTarget.DeployTargetError> => {
      switch (strategy) {
        case "bluegreen":
          if (percent === 0) return deployIdle(false)
          if (percent === 100) return deployIdle(true)
          return Effect.fail(rejected(`a blue/green rollout takes only 0 % (deploy green) and 100 % (flip), not ${percent} %`))
        case "canary":
          return Effect.andThen(
            Effect.forEach(
              web.filter((s) => s.group === "green"),
              (s) => rollServer(s, candidate, true),
              { discard: true }
            ),
            setWeights(percent)
          )
        case "rolling": {
          // at least one server for any step above 0; 100 % is every server
          const count = percent <= 0 ? 0 : Math.max(1, Math.floor((percent * web.length) / 100 + 1e-9))
          return Effect.forEach(web.slice(0, count), (s) => rollServer(s, candidate, true), { discard: true })
        }
      }
    }

    const back = (): Effect.Effect<void, DeployTarget.DeployTargetError> => {
      switch (strategy) {
        case "bluegreen":
          return flipBack
        case "canary":
          return setWeights(0)
        case "rolling":
          return Effect.forEach(web, (s) => rollServer(s, stable, false), { discard: true })
      }
    }

    const guard = (op: "apply" | "promote" | "rollback") =>
      Effect.flatMap(Ref.get(state), (s) =>
        s.phase === "promoted" && op !== "promote"
          ? Effect.fail(rejected(op === "apply" ? "cannot apply a step: the rollout is promoted" : "cannot roll back: the candidate was already promoted"))
          : s.phase === "rolled_back" && op !== "rollback"
            ? Effect.fail(rejected(op === "apply" ? "cannot apply a step: the rollout is rolled back" : "cannot promote: the rollout was rolled back"))
            : Effect.void
      )
    const degrade = <A>(effect: Effect.Effect<A, DeployTarget.DeployTargetError>) =>
      Effect.tapError(effect, (e) => Ref.update(state, (s) => ({ ...s, healthy: e.transient ? s.healthy : false, detail: e.detail })))

    return DeployTarget.DeployTarget.of({
      describe: Effect.succeed({ kind: "windows", name: options.name, stableVersion: stable, candidateVersion: candidate }),
      apply: (step) =>
        Effect.gen(function* () {
          yield* guard("apply")
          const percent = DeployTarget.percentOf(step)
          yield* degrade(move(percent))
          yield* Ref.set(state, { phase: "progressing", current: step, healthy: true, detail: `${strategy}: ${percent} % on ${candidate}` })
        }),
      promote: Effect.gen(function* () {
        yield* guard("promote")
        if ((yield* Ref.get(state)).phase === "promoted") return
        yield* degrade(move(100))
        yield* Ref.set(state, { phase: "promoted", current: { weight: 100 }, healthy: true, detail: `${candidate} promoted to stable` })
      }),
      rollback: Effect.gen(function* () {
        yield* guard("rollback")
        yield* degrade(back())
        yield* Ref.set(state, { phase: "rolled_back", healthy: true, detail: `all traffic on ${stable}` })
      }),
      status: Ref.get(state)
    })
  })

/** What {@link connect} needs: hosts.yaml decoded, its folder, the environment (credentials) and a timeout per script. */
export interface ConnectOptions extends Omit<Options, "transport" | "secrets"> {
  readonly dir: string
  readonly env: Readonly<Record<string, string | undefined>>
  readonly timeout: Duration.Duration
}

/** The target over OpenSSH; connections close with the scope. */
export const connect = (options: ConnectOptions): Effect.Effect<DeployTarget.DeployTarget["Service"], DeployTarget.DeployTargetError, Scope.Scope> =>
  Effect.gen(function* () {
    const transport = yield* OpenSsh.make({ hosts: options.hosts, dir: options.dir, env: options.env, timeout: options.timeout }).pipe(
      Effect.mapError((e) => new DeployTarget.DeployTargetError({ reason: e.reason, detail: e.detail, cause: e }))
    )
    return yield* make({ ...options, transport, secrets: OpenSsh.secretsOf(options.hosts, options.env) })
  })

/** The target over OpenSSH as a layer. */
export const layer = (options: ConnectOptions): Layer.Layer<DeployTarget.DeployTarget, DeployTarget.DeployTargetError> =>
  Layer.effect(DeployTarget.DeployTarget, connect(options))
