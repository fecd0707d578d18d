import { MetricSource } from "@rollwise/rollout-engine"
import type { Observation } from "@rollwise/slo-policy"
import { Effect, Layer } from "effect"
import * as HostsFile from "./HostsFile.ts"
import * as Scripts from "./Scripts.ts"
import type { Transport } from "./Transport.ts"
import * as Answers from "./internal/answer.ts"

/**
 * The analyzer's health signals read straight from the hosts, over the
 * same transport as the deploys: a `MetricSource` for fleets without
 * windows_exporter. A metric names its signal in its query as `host:NAME`:
 *
 *     time-taken        continuous   seconds, from the IIS logs
 *     http-5xx          ratio        errorsQuery (with totalQuery: host:requests)
 *     requests          ratio        totalQuery
 *     apppool-restarts  counter      WAS worker-process failures of the site's pool
 *     event-log-errors  counter      Application-log errors of the watched sources
 *
 * The candidate track is every site (on every web server) pointing at the
 * candidate's release folder; the baseline is every other site that served
 * requests in the window — the blue servers of a canary, the servers a
 * rolling batch has not reached, the live side of a blue/green pair.
 */

/** The signals a `host:` query can name. */
export const signalNames = ["time-taken", "http-5xx", "requests", "apppool-restarts", "event-log-errors"] as const

/** What {@link make} needs. */
export interface Options {
  readonly hosts: HostsFile.HostsFile
  readonly transport: Transport
  /** Blue/green reads both sites of the pair; canary and rolling the fleet's site. */
  readonly strategy: HostsFile.Strategy
  /** The candidate's version (its release folder tells the tracks apart). */
  readonly candidate: string
  /** Most time-taken samples per site and window (default 2,000). */
  readonly maxSamples?: number
  readonly secrets?: ReadonlyArray<string>
}

type SiteSignals = (typeof Answers.replies.signals.Type)["sites"][number]

/** The MetricSource over a transport. */
export const make = (options: Options): MetricSource.MetricSource["Service"] => {
  const { hosts } = options
  const sites =
    options.strategy === "bluegreen" && hosts.bluegreen !== undefined ? [hosts.bluegreen.blue.site, hosts.bluegreen.green.site] : hosts.site !== undefined ? [hosts.site.site] : []
  const release = `${hosts.release.dir.replace(/[\\/]+$/, "")}\\${options.candidate}`.toLowerCase()
  const isCandidate = (path: string) => path.replace(/[\\/]+$/, "").toLowerCase() === release
  // one read of every server per window, shared by every metric and track of that window
  const reads = new Map<string, Promise<ReadonlyArray<{ readonly server: string; readonly sites: ReadonlyArray<SiteSignals>; readonly eventErrors: number }>>>()
  const readWindow = (start: number, end: number) =>
    Effect.tryPromise({
      try: () => {
        const key = `${start}-${end}`
        let pending = reads.get(key)
        if (pending === undefined) {
          const script = Scripts.signals({
            sites,
            start: new Date(start).toISOString(),
            end: new Date(end).toISOString(),
            eventSources: hosts.health?.eventSources ?? HostsFile.defaultEventSources,
            maxSamples: options.maxSamples ?? 2000
          })
          pending = Effect.runPromise(
            Effect.forEach(HostsFile.webServers(hosts), (server) =>
              options.transport.run(server.name, script).pipe(
                Effect.mapError((e) => new MetricSource.MetricSourceError({ reason: e.reason === "Timeout" ? "Timeout" : "Unreachable", detail: e.detail })),
                Effect.flatMap((answer) =>
                  Effect.mapError(Answers.read(server.name, "signals", answer, Answers.replies.signals, options.secrets ?? []), (e) => new MetricSource.MetricSourceError({ reason: "BadResponse", detail: e.detail }))
                ),
                Effect.map((r) => ({ server: server.name, sites: r.sites, eventErrors: r.eventErrors }))
              )
            )
          )
          reads.set(key, pending)
          pending.catch(() => reads.delete(key))
        }
        return pending
      },
      catch: (e) => (e instanceof MetricSource.MetricSourceError ? e : new MetricSource.MetricSourceError({ reason: "Unreachable", detail: String(e) }))
    })

  return MetricSource.MetricSource.of({
    observe: (request) =>
      Effect.gen(function* () {
        const { metric, track, window } = request
        const query = metric.kind === "ratio" ? metric.errorsQuery : metric.query
        const signal = query?.startsWith("host:") ? query.slice(5) : undefined
        if (signal === undefined || !(signalNames as ReadonlyArray<string>).includes(signal)) {
          return { sample: undefined, ...(query !== undefined ? { query } : {}), reason: `no host signal in ${JSON.stringify(query ?? "")}: use host:${signalNames.join(", host:")}`, warnings: [] }
        }
        const q = query!
        const servers = yield* readWindow(window.start, window.end)
        const chosen = servers.map((s) => ({ ...s, sites: s.sites.filter((site) => (track === "candidate" ? isCandidate(site.path) : !isCandidate(site.path) && site.requests > 0)) }))
        const mine = chosen.flatMap((s) => s.sites)
        if (mine.length === 0) return { sample: undefined, query: q, reason: `no ${track} site served requests in the window`, warnings: [] }
        const sample: Observation.Sample =
          signal === "time-taken"
            ? { _tag: "Values", values: mine.flatMap((s) => s.timeTaken) }
            : signal === "http-5xx" || signal === "requests"
              ? { _tag: "Counts", errors: mine.reduce((a, s) => a + s.errors, 0), total: mine.reduce((a, s) => a + s.requests, 0) }
              : signal === "apppool-restarts"
                ? { _tag: "Values", values: mine.map((s) => s.restarts) }
                : { _tag: "Values", values: chosen.filter((s) => s.sites.length > 0).map((s) => s.eventErrors) }
        if (sample._tag === "Values" && sample.values.length === 0) return { sample: undefined, query: q, reason: `no ${signal} samples for the ${track} in the window`, warnings: [] }
        if (sample._tag === "Counts" && sample.total === 0) return { sample: undefined, query: q, reason: `no requests for the ${track} in the window`, warnings: [] }
        return { sample, query: q, warnings: [] }
      })
  })
}

/** The MetricSource as a layer. */
export const layer = (options: Options): Layer.Layer<MetricSource.MetricSource> => Layer.succeed(MetricSource.MetricSource, make(options))
