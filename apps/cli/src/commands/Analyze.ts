import { VerdictCharts } from "@rollwise/plots"
import { Analyzer, Observation, SloSpec, type Verdict } from "@rollwise/slo-policy"
import { Console, Data, Effect, Option, Path } from "effect"
import { Command, Flag } from "effect/cli"
import { Json } from "../GlobalFlags.ts"
import { InputError, note, printJson, readText, readYaml, writeAtomic } from "../internal/Io.ts"
import { num, table } from "../internal/Render.ts"

/** A verdict whose action maps to a non-zero exit code under `--exit-code`; not an error, so nothing is printed. */
export class ActionExit extends Data.TaggedError("ActionExit")<{ readonly action: Verdict.Action }> {
  override get message(): string {
    return `verdict: ${this.action}`
  }
}

const plotsFlag = Flag.String("plots").pipe(
  Flag.withDescription("Write an SVG chart per metric (candidate vs baseline per window, decision marked) into this folder"),
  Flag.optional
)

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
    ...v.reasons.map((r) => `  - ${r}`),
    ...v.metrics.map((m) => `  · ${m.reason}`)
  ].join("\n")

/**
 * `rollwise analyze` (offline): the verdict for the recorded windows of one
 * release.
 */
export const analyze = Command.make(
  "analyze",
  {
    slo: Flag.File("slo", { mustExist: true }).pipe(Flag.withDescription("slo.yaml (kind: SloSpec)")),
    observations: Flag.File("observations", { mustExist: true }).pipe(
      Flag.withDescription("Recorded windows, one JSON object a line (see docs/cli.md)")
    ),
    release: Flag.String("release").pipe(Flag.withDescription("Which release to judge when the file holds several"), Flag.optional),
    exitCode: Flag.Boolean("exit-code").pipe(
      Flag.withDescription("Exit 0 for promote, 10 for slow, 11 for rollback (errors keep their own codes)"),
      Flag.withDefault(false)
    ),
    out: Flag.String("out").pipe(Flag.withDescription("Also write verdict.json here (atomically)"), Flag.optional),
    plots: plotsFlag
  },
  Effect.fn("cli.analyze")(function* (flags) {
    const json = yield* Json
    const spec = yield* loadSpec(flags.slo)
    const releases = yield* loadObservations(flags.observations, spec)
    const release = Option.isSome(flags.release)
      ? releases.find((r) => r.id === flags.release.pipe(Option.getOrUndefined))
      : releases.length === 1
        ? releases[0]
        : undefined
    if (release === undefined) {
      return yield* new InputError({
        file: flags.observations,
        detail:
          releases.length === 0
            ? "holds no observations"
            : Option.isSome(flags.release)
              ? `has no release "${flags.release.value}" (it has ${releases.map((r) => r.id).join(", ")})`
              : `holds ${releases.length} releases (${releases.slice(0, 5).map((r) => r.id).join(", ")}${releases.length > 5 ? ", …" : ""}): pick one with --release, or replay them all with rollwise backtest`
      })
    }
    const verdicts = Analyzer.run(spec, release)
    const verdict = Analyzer.analyze(spec, release)
    if (Option.isSome(flags.plots)) {
      const files = yield* writePlots(flags.plots.value, spec, verdicts, `${spec.service} ${release.id}`)
      yield* note(`wrote ${files.length} plots to ${flags.plots.value}`)
    }
    if (Option.isSome(flags.out)) yield* writeAtomic(flags.out.value, JSON.stringify(verdict, null, 2) + "\n")
    yield* json ? printJson(verdict) : Console.log(renderVerdict(verdict))
    if (flags.exitCode && verdict.action !== "promote") return yield* new ActionExit({ action: verdict.action })
  })
).pipe(
  Command.withDescription(
    "Judge candidate against baseline over recorded windows and print the verdict: promote, slow or rollback, " +
      "with per-metric status (pass, marginal, fail, nodata), effect, confidence interval, p-value and reasons. " +
      "Missing or thin data is nodata: it holds (slow), it never promotes."
  ),
  Command.withShortDescription("Judge candidate vs baseline over the current windows (verdict.json)"),
  Command.withExamples([
    { command: "rollwise analyze --slo slo.yaml --observations obs.ndjson", description: "A readable verdict" },
    { command: "rollwise analyze --slo slo.yaml --observations obs.ndjson --json --exit-code", description: "For a pipeline: JSON, and the action as the exit code" }
  ])
)

/** `rollwise backtest`: replay every release in a file through the policy. */
export const backtest = Command.make(
  "backtest",
  {
    slo: Flag.File("slo", { mustExist: true }).pipe(Flag.withDescription("slo.yaml (kind: SloSpec)")),
    observations: Flag.File("observations", { mustExist: true }).pipe(Flag.withDescription("Recorded windows of many releases (field `release`)")),
    plots: plotsFlag
  },
  Effect.fn("cli.backtest")(function* (flags) {
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
).pipe(
  Command.withDescription(
    "Replay each release's windows in order through the policy, as a live rollout would have seen them, and stop at " +
      "the first decisive action. With --json: one line per release {release, action, window, reasons}, then a final " +
      "line {summary: {releases, promote, slow, rollback}}."
  ),
  Command.withShortDescription("Replay recorded releases through the policy and report each decision"),
  Command.withExamples([{ command: "rollwise backtest --slo slo.yaml --observations history.ndjson --json", description: "NDJSON, one release a line" }])
)
