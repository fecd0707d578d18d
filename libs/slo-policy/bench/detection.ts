/**
 * Detection quality, side by side: Rollwise against (a) Argo-style static
 * thresholds and (b) a Kayenta-style fixed-horizon judge, on seeded scenarios
 * with known truth at three traffic levels, on two kinds of windows:
 *
 * - `raw`: windows of raw request samples (`scenarios.ts`; 30 / 120 / 400
 *   latency samples and 400 / 4,000 / 40,000 requests per window).
 * - `live`: windows shaped like what `rollwise analyze --prometheus` receives
 *   (`live.ts`: ≤ 12 per-step p95 points per track, the candidate at 60 / 600
 *   / 6,000 requests per window and the baseline at 4×; the model is
 *   documented there).
 *
 *   npx tsx --conditions=@rollwise/source libs/slo-policy/bench/detection.ts [releasesPerCell] [--kind live|raw|both] [--json]
 *
 * "Healthy" is every scenario whose truth is "promote": on raw windows healthy,
 * healthy-gc, healthy-warmup and latency-small (+3 %); on live windows healthy,
 * healthy-spikes and within-tolerance (+5 %); all under a 10 % tolerance.
 *
 * Prints Markdown tables (summary, headline figures, per scenario), or with
 * `--json` one JSON document with the same figures (fractions in [0, 1],
 * windows 1-based, `null` where there is nothing to take a median of).
 * Seeded: the same figures every run; the raw figures do not depend on
 * whether live windows are run too.
 */
import { Effect } from "effect"
import { Analyzer, Observation, SloSpec } from "../src/index.ts"
import { argoStatic, type Decision, kayentaFixedHorizon } from "./judges.ts"
import { type LiveKind, liveRelease, liveTraffic, liveTruth } from "./live.ts"
import { type Kind, type Line, ndjson, release, specDocument, type Traffic, trafficProfile, truth } from "./scenarios.ts"

const args = process.argv.slice(2)
const flag = (name: string) => {
  const i = args.indexOf(name)
  return i < 0 ? undefined : args[i + 1]
}
const json = args.includes("--json")
const kindArg = flag("--kind") ?? "both"
if (!["live", "raw", "both"].includes(kindArg)) {
  console.error(`--kind must be live, raw or both, not ${kindArg}`)
  process.exit(2)
}
const positional = args.filter((a, i) => !a.startsWith("--") && args[i - 1] !== "--kind")
const perCell = Number(positional[0] ?? 40)
if (!Number.isInteger(perCell) || perCell < 1) {
  console.error(`releases per cell must be a positive integer, not ${positional[0]}`)
  process.exit(2)
}

const spec = Effect.runSync(SloSpec.decode(specDocument))
const traffics: ReadonlyArray<Traffic> = ["low", "medium", "high"]
type WindowKind = "raw" | "live"
const windowKinds: ReadonlyArray<WindowKind> = kindArg === "both" ? ["raw", "live"] : [kindArg as WindowKind]
type Judge = "rollwise" | "argo-static" | "kayenta-fixed"
const judges: ReadonlyArray<Judge> = ["rollwise", "argo-static", "kayenta-fixed"]
type Action = Decision["action"]
const actions: ReadonlyArray<Action> = ["rollback", "slow", "promote"]

interface Outcome {
  readonly windows: WindowKind
  readonly scenario: string
  readonly truth: boolean | null
  readonly traffic: Traffic
  readonly judge: Judge
  readonly decision: Decision
}

const rollwise = (lines: ReadonlyArray<Line>): Decision => {
  const [r] = Effect.runSync(Observation.parse(ndjson(lines), spec))
  if (r === undefined) return { action: "slow", window: -1 }
  const v = Analyzer.analyze(spec, r)
  return { action: v.action, window: v.window }
}

const outcomes: Array<Outcome> = []
const seconds: Partial<Record<WindowKind, number>> = {}
const scenarios: Record<WindowKind, ReadonlyArray<string>> = {
  raw: Object.keys(truth),
  live: Object.keys(liveTruth)
}
const truthOf = (windows: WindowKind, scenario: string): boolean | null =>
  windows === "raw" ? truth[scenario as Kind] : liveTruth[scenario as LiveKind]

for (const windows of windowKinds) {
  const started = performance.now()
  // raw seeds 1, 2, … as the README's table always had; live seeds from 1,000,001
  let seed = windows === "raw" ? 1 : 1_000_001
  for (const scenario of scenarios[windows]) {
    for (const traffic of traffics) {
      for (let i = 0; i < perCell; i++) {
        const id = `${scenario}-${traffic}-${i}`
        const push = (judge: Judge, decision: Decision) =>
          outcomes.push({ windows, scenario, truth: truthOf(windows, scenario), traffic, judge, decision })
        if (windows === "raw") {
          const lines = release(id, scenario as Kind, traffic, seed++)
          push("rollwise", rollwise(lines))
          push("argo-static", argoStatic(lines))
          push("kayenta-fixed", kayentaFixedHorizon(lines))
        } else {
          const live = liveRelease(id, scenario as LiveKind, traffic, seed++)
          push("rollwise", rollwise(live.lines))
          push("argo-static", argoStatic(live.lines, 10, live.candidateWindowP95))
          push("kayenta-fixed", kayentaFixedHorizon(live.lines))
        }
      }
    }
  }
  seconds[windows] = (performance.now() - started) / 1000
}

const median = (xs: ReadonlyArray<number>): number | null => {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const share = (k: number, n: number): number | null => (n === 0 ? null : k / n)
const is = (a: Action) => (o: Outcome) => o.decision.action === a
const windowOf = (o: Outcome) => o.decision.window + 1

/** The figures of one judge on one kind of windows. */
const summary = (windows: WindowKind, judge: Judge) => {
  const mine = outcomes.filter((o) => o.windows === windows && o.judge === judge)
  const healthy = mine.filter((o) => o.truth === false)
  const bad = mine.filter((o) => o.truth === true)
  const noData = mine.filter((o) => o.truth === null)
  const healthyMediumHigh = healthy.filter((o) => o.traffic !== "low")
  return {
    releases: mine.length,
    falseRollbacks: share(healthy.filter(is("rollback")).length, healthy.length),
    promotedRegressions: share(bad.filter(is("promote")).length, bad.length),
    promotionsWithoutData: noData.filter(is("promote")).length,
    medianDetectionWindow: median(bad.filter(is("rollback")).map(windowOf)),
    medianPromotionWindow: median(healthy.filter(is("promote")).map(windowOf)),
    healthyPromoted: share(healthy.filter(is("promote")).length, healthy.length),
    /** medium and high traffic: on live windows the candidate's ≥ 600 requests per window */
    healthyPromotedMediumHigh: share(healthyMediumHigh.filter(is("promote")).length, healthyMediumHigh.length),
    promotedSparse: share(
      bad.filter((o) => o.scenario === "latency-sparse" && is("promote")(o)).length,
      bad.filter((o) => o.scenario === "latency-sparse").length
    )
  }
}

/** Counts and median window per action, for one scenario at one traffic level. */
const cell = (windows: WindowKind, scenario: string, traffic: Traffic, judge: Judge) => {
  const os = outcomes.filter((o) => o.windows === windows && o.scenario === scenario && o.traffic === traffic && o.judge === judge)
  return Object.fromEntries(
    actions.map((a) => {
      const xs = os.filter(is(a))
      return [a, { count: xs.length, medianWindow: median(xs.map(windowOf)) }]
    })
  ) as Record<Action, { count: number; medianWindow: number | null }>
}

const requestsPerWindow = (windows: WindowKind, traffic: Traffic) =>
  windows === "raw"
    ? { candidate: trafficProfile[traffic].requests, baseline: trafficProfile[traffic].requests, latencyValues: trafficProfile[traffic].samples }
    : { candidate: liveTraffic[traffic], baseline: liveTraffic[traffic] * 4, latencyValues: 12 }

const report = {
  releasesPerCell: perCell,
  maxWindows: specDocument.maxWindows,
  kinds: Object.fromEntries(
    windowKinds.map((windows) => [
      windows,
      {
        seconds: Number(seconds[windows]!.toFixed(2)),
        traffic: Object.fromEntries(traffics.map((t) => [t, requestsPerWindow(windows, t)])),
        summary: Object.fromEntries(judges.map((j) => [j, summary(windows, j)])),
        scenarios: scenarios[windows].flatMap((scenario) =>
          traffics.map((traffic) => ({
            scenario,
            truth: truthOf(windows, scenario) === true ? "regression" : truthOf(windows, scenario) === false ? "healthy" : "no data",
            traffic,
            judges: Object.fromEntries(judges.map((j) => [j, cell(windows, scenario, traffic, j)]))
          }))
        )
      }
    ])
  ) as Partial<Record<WindowKind, {
    seconds: number
    traffic: Record<Traffic, { candidate: number; baseline: number; latencyValues: number }>
    summary: Record<Judge, ReturnType<typeof summary>>
    scenarios: ReadonlyArray<{ scenario: string; truth: string; traffic: Traffic; judges: Record<Judge, ReturnType<typeof cell>> }>
  }>>
}

if (json) {
  console.log(JSON.stringify(report, null, 2))
} else {
  const pct = (x: number | null) => (x === null ? "–" : `${(100 * x).toFixed(1)} %`)
  const num = (x: number | null) => (x === null ? "–" : String(x))
  const total = windowKinds.reduce((a, k) => a + outcomes.filter((o) => o.windows === k).length / judges.length, 0)
  const time = windowKinds.map((k) => `${k} ${seconds[k]!.toFixed(1)} s`).join(", ")
  console.log(`${total} releases (${perCell} per scenario and traffic level), judged in ${time}; maxWindows ${specDocument.maxWindows}\n`)
  console.log("| judge | windows | false rollbacks (healthy) | promoted regressions | promotions without data | median window of detection | median window of promotion | healthy promoted within maxWindows |")
  console.log("|---|---|---|---|---|---|---|---|")
  for (const windows of windowKinds) {
    for (const judge of judges) {
      const s = report.kinds[windows]!.summary[judge]
      console.log(`| ${judge} | ${windows} | ${pct(s.falseRollbacks)} | ${pct(s.promotedRegressions)} | ${s.promotionsWithoutData} | ${num(s.medianDetectionWindow)} | ${num(s.medianPromotionWindow)} | ${pct(s.healthyPromoted)} |`)
    }
  }
  if (windowKinds.includes("live")) {
    console.log("\nlive windows, the figures issue #14 targets (healthy = healthy, healthy-spikes, within-tolerance):\n")
    console.log("| judge | healthy promoted, ≥ 600 requests/window | healthy promoted, all traffic | false rollbacks | promoted regressions (sparse included) | promoted sparse | promotions without candidate data | median detection window |")
    console.log("|---|---|---|---|---|---|---|---|")
    for (const judge of judges) {
      const s = report.kinds.live!.summary[judge]
      console.log(`| ${judge} | ${pct(s.healthyPromotedMediumHigh)} | ${pct(s.healthyPromoted)} | ${pct(s.falseRollbacks)} | ${pct(s.promotedRegressions)} | ${pct(s.promotedSparse)} | ${s.promotionsWithoutData} | ${num(s.medianDetectionWindow)} |`)
    }
  }
  for (const windows of windowKinds) {
    const k = report.kinds[windows]!
    const levels = traffics.map((t) => `${t} ${k.traffic[t].candidate}${windows === "live" ? `/${k.traffic[t].baseline}` : ""}`).join(", ")
    console.log(`\n${windows} windows, per scenario: rollback/slow/promote counts, then the median window (1-based) of each (– none); requests per window${windows === "live" ? " candidate/baseline" : ""}: ${levels}\n`)
    console.log(`| scenario | truth | traffic | ${judges.join(" | ")} |`)
    console.log(`|---|---|---|${judges.map(() => "---").join("|")}|`)
    for (const row of k.scenarios) {
      const cells = judges.map((j) => {
        const c = row.judges[j]
        return `${c.rollback.count}/${c.slow.count}/${c.promote.count} (${actions.map((a) => num(c[a].medianWindow)).join(", ")})`
      })
      console.log(`| ${row.scenario} | ${row.truth} | ${row.traffic} | ${cells.join(" | ")} |`)
    }
  }
}
