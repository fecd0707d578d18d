import { VerdictCharts } from "@rollwise/plots"
import { LiveAnalysis } from "@rollwise/rollout-engine"
import { Analyzer, Observation, SloSpec, type Verdict } from "@rollwise/slo-policy"
import { Console, DateTime, Effect, Option, Path } from "effect"
import { Json } from "../../GlobalFlags.ts"
import { MetricSources } from "@rollwise/rollout-runner"
import { ActionExit, CliInputError, note, printJson, readText, readYaml, writeAtomic } from "../../internal/Io.ts"
import { inert, num, table } from "../../internal/Render.ts"
import { Redaction } from "@rollwise/redaction"
import type { AnalyzeFlags, BacktestFlags } from "../Analyze.ts"
import { liveUrls } from "../SourceFlags.ts"



/** Write one SVG per metric into `dir` (atomically each); returns the paths. */
const writePlots = (dir: string, spec: SloSpec.Spec, verdicts: ReadonlyArray<Verdict.Verdict>, title: string) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const written: Array<string> = []
    for (const chart of VerdictCharts.forVerdicts(spec, verdicts, title)) {
      const file = path.join(dir, chart.file)
      yield* writeAtomic(file, chart.svg)
      written.push(file)
    }
    return written
  })

/** Offline: the verdicts of one release's recorded windows. */
const offline = (spec: SloSpec.Spec, file: string, releaseFlag: Option.Option<string>) =>
  Effect.gen(function* () {
    const releases = yield* loadObservations(file, spec)
    const release = Option.isSome(releaseFlag)
      ? releases.find((r) => r.id === releaseFlag.value)
      : releases.length === 1
        ? releases[0]
        : undefined
    if (release === undefined) {
      return yield* new CliInputError({
        file,
        detail:
          releases.length === 0
            ? "holds no observations"
            : Option.isSome(releaseFlag)
              ? `has no release "${releaseFlag.value}" (it has ${releases.map((r) => r.id).join(", ")})`
              : `holds ${releases.length} releases (${releases.slice(0, 5).map((r) => r.id).join(", ")}${releases.length > 5 ? ", …" : ""}): pick one with --release, or replay them all with rollwise backtest`
      })
    }
    return Analyzer.run(spec, release)
  })

const parseWhen = (text: string) =>
  text === "now"
    ? Effect.map(DateTime.now, DateTime.toEpochMillis)
    : Option.match(DateTime.make(text), {
        onNone: () => Effect.fail(new CliInputError({ file: "--window-end", detail: `not "now" or an ISO 8601 time: "${text}"` })),
        onSome: (dt) => Effect.succeed(DateTime.toEpochMillis(dt))
      })

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19)

/** Live: judge windows from the metrics' sources, trailing (one-shot) or as they end (--watch), with progress on stderr. */
const live = (
  spec: SloSpec.Spec,
  urls: MetricSources.LiveUrls,
  flags: { readonly windowEnd: string; readonly windows: number; readonly watch: boolean; readonly timeout: number }
) =>
  Effect.gen(function* () {
    yield* MetricSources.requireQueries(spec, "slo", urls)
    const source = MetricSources.live(urls, flags.timeout, process.env)
    const sourceOf = new Map(spec.metrics.map((m) => [m.name, m.source]))
    const end = yield* parseWhen(flags.windowEnd)
    const warned = new Set<string>()
    const report = (r: LiveAnalysis.WindowReport) =>
      Effect.gen(function* () {
        for (const m of r.measurements) {
          const reason = m.measurement.reason
          if (reason !== undefined && /^(Unreachable|Timeout|BadResponse|BadQuery|Unsupported)/.test(reason) && !warned.has(reason)) {
            warned.add(reason)
            yield* note(`rollwise: warning: ${m.metric} (${m.track}) has no data: ${Redaction.redact(reason)}`)
          }
          for (const w of m.measurement.warnings) yield* note(`rollwise: ${sourceOf.get(m.metric) ?? "source"} warning (${m.metric}, ${m.track}): ${Redaction.redact(w)}`)
        }
        const statuses = r.verdict.metrics.map((m) => `${m.name} ${m.status}`).join(", ")
        yield* note(`window ${r.index + 1} of ${spec.maxWindows} [${clock(r.window.start)}–${clock(r.window.end)}]: ${statuses} → ${r.verdict.action}`)
      })
    const verdicts = yield* (flags.watch
      ? Effect.map(
          LiveAnalysis.watch(spec, end, (r) => report(r)),
          (last) => (last === undefined ? [] : [last.verdict])
        )
      : Effect.gen(function* () {
          const reports = yield* LiveAnalysis.analyzeTrailing(spec, end, flags.windows)
          for (const r of reports) yield* report(r)
          return reports.map((r) => r.verdict)
        })
    ).pipe(Effect.provide(source))
    return verdicts
  })

/** Most trailing windows one `analyze` judges: each is a round of queries, one after another. */
export const maxWindows = 1000

/** Longest wait for one Prometheus query, in seconds. */
export const maxTimeoutSeconds = 3600

/**
 * The live flags' values, checked before any query: a URL fit to query and
 * to show (http or https, never credentials in it — as `rollout` refuses),
 * a window count and a timeout in range. Exit 3 naming the flag.
 */
const checkLiveFlags = (urls: MetricSources.LiveUrls, flags: { readonly windows: number; readonly timeout: number }) =>
  Effect.gen(function* () {
    for (const [source, url] of Object.entries(urls)) yield* MetricSources.requireCredentialFreeUrl(url, `--${source}`)
    if (!(Number.isSafeInteger(flags.windows) && flags.windows >= 1 && flags.windows <= maxWindows)) {
      return yield* new CliInputError({ file: "--windows", detail: `${flags.windows} is out of range: give a whole number of windows from 1 to ${maxWindows}` })
    }
    if (!(flags.timeout > 0 && flags.timeout <= maxTimeoutSeconds)) {
      return yield* new CliInputError({ file: "--timeout", detail: `${flags.timeout} is out of range: give the seconds to wait for each query, more than 0 and at most ${maxTimeoutSeconds}` })
    }
  })

/**
 * A live verdict with every reason passed through the redaction once more:
 * the source redacts upstream text already; this is the last door before
 * stdout, --out and the plots.
 */
const redactVerdict = (v: Verdict.Verdict): Verdict.Verdict => ({
  ...v,
  reasons: v.reasons.map((r) => Redaction.redact(r)),
  metrics: v.metrics.map((m) => ({ ...m, reason: Redaction.redact(m.reason) }))
})

/** Read and decode slo.yaml. */
export const loadSpec = (file: string) => Effect.flatMap(readYaml(file), (doc) => SloSpec.decode(doc, file))

/** Read and parse observations against a spec. */
export const loadObservations = (file: string, spec: SloSpec.Spec) =>
  Effect.flatMap(readText(file), (text) => Observation.parse(text, spec, file))

const pct = (x: number | null) => (x === null ? "–" : `${x >= 0 ? "+" : "−"}${(100 * Math.abs(x)).toFixed(1)} %`)

/** A verdict for people: the action, a table of metrics, the reasons. */
export const renderVerdict = (v: Verdict.Verdict): string =>
  [
    `${v.action.toUpperCase()} at window ${v.window} (score ${num(v.score, 1)})`,
    "",
    table([
      ["metric", "status", "baseline", "candidate", "effect", "90% CI", "p"],
      ...v.metrics.map((m) => [
        m.name,
        m.status,
        num(m.baseline, 4),
        num(m.candidate, 4),
        pct(m.effect),
        m.ci === null ? "–" : `${pct(m.ci[0])} … ${pct(m.ci[1])}`,
        m.p_value === null ? "–" : m.p_value.toPrecision(2)
      ])
    ]),
    "",
    "why:",
    ...v.reasons.map((r) => `  - ${inert(r)}`),
    ...v.metrics.map((m) => `  · ${inert(m.reason)}`)
  ].join("\n")

/**
 * `rollwise analyze` (offline): the verdict for the recorded windows of one
 * release.
 */
/** The `analyze` handler, loaded on demand. */
export const runAnalyze = Effect.fn("cli.analyze")(function* (flags: AnalyzeFlags) {
      const json = yield* Json
      const loaded = yield* loadSpec(flags.slo)
      const spec = Option.isSome(flags.service) ? { ...loaded, service: flags.service.value } : loaded
      const urls = liveUrls(flags)
      const isLive = Object.keys(urls).length > 0
      if (isLive === Option.isSome(flags.observations)) {
        return yield* new CliInputError({ file: "analyze", detail: "give exactly one of --observations FILE (offline) or live source URLs (--prometheus, --loki, --elasticsearch, --tempo, --jaeger)" })
      }
      if (isLive) yield* checkLiveFlags(urls, flags)
      const verdicts = isLive
        ? (yield* live(spec, urls, flags)).map(redactVerdict)
        : yield* offline(spec, flags.observations.pipe(Option.getOrThrow), flags.release)
      const verdict = verdicts.at(-1) ?? Analyzer.noWindows
      if (Option.isSome(flags.plots)) {
        const files = yield* writePlots(flags.plots.value, spec, verdicts, spec.service)
        yield* note(`wrote ${files.length} plots to ${flags.plots.value}`)
      }
      if (Option.isSome(flags.out)) yield* writeAtomic(flags.out.value, JSON.stringify(verdict, null, 2) + "\n")
      yield* json ? printJson(verdict) : Console.log(renderVerdict(verdict))
      if (flags.exitCode && verdict.action !== "promote") return yield* new ActionExit({ action: verdict.action })
    })


/** `rollwise backtest`: replay every release in a file through the policy. */
/** The `backtest` handler, loaded on demand. */
export const runBacktest = Effect.fn("cli.backtest")(function* (flags: BacktestFlags) {
      const json = yield* Json
      const spec = yield* loadSpec(flags.slo)
      const releases = yield* loadObservations(flags.observations, spec)
      const counts: Record<Verdict.Action, number> = { promote: 0, slow: 0, rollback: 0 }
      const rows: Array<Array<string>> = [["release", "action", "window", "why"]]
      for (const release of releases) {
        const r = Analyzer.backtest(spec, release)
        counts[r.action]++
        if (Option.isSome(flags.plots)) {
          const path = yield* Path.Path
          yield* writePlots(path.join(flags.plots.value, release.id.replace(/[^A-Za-z0-9_.-]/g, "_")), spec, Analyzer.run(spec, release), `${spec.service} ${release.id}`)
        }
        if (json) yield* Console.log(JSON.stringify(r))
        else rows.push([r.release, r.action, String(r.window), r.reasons.slice(0, 2).join(" — ")])
      }
      const summary = { summary: { releases: releases.length, ...counts } }
      if (json) {
        yield* Console.log(JSON.stringify(summary))
      } else {
        yield* Console.log(table(rows))
        yield* Console.log(`\n${releases.length} releases: ${counts.promote} promote, ${counts.slow} slow, ${counts.rollback} rollback`)
      }
    })

