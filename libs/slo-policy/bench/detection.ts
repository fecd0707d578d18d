/**
 * Detection quality, side by side: Rollwise against (a) Argo-style static
 * thresholds and (b) a Kayenta-style fixed-horizon judge, on seeded scenarios
 * with known truth at three traffic levels.
 *
 *   npx tsx --conditions=@rollwise/source libs/slo-policy/bench/detection.ts [releasesPerCell]
 *
 * Prints a Markdown table (the README's) and the per-scenario breakdown.
 */
import { Effect } from "effect"
import { Analyzer, Observation, SloSpec } from "../src/index.ts"
import { argoStatic, type Decision, kayentaFixedHorizon } from "./judges.ts"
import { type Kind, ndjson, release, specDocument, type Traffic, truth } from "./scenarios.ts"

const perCell = Number(process.argv[2] ?? 40)
const spec = Effect.runSync(SloSpec.decode(specDocument))
const kinds = Object.keys(truth) as Array<Kind>
const traffics: ReadonlyArray<Traffic> = ["low", "medium", "high"]

type Judge = "rollwise" | "argo-static" | "kayenta-fixed"
interface Outcome {
  readonly kind: Kind
  readonly traffic: Traffic
  readonly judge: Judge
  readonly decision: Decision
}

const rollwise = (lines: ReturnType<typeof release>): Decision => {
  const [r] = Effect.runSync(Observation.parse(ndjson(lines), spec))
  if (r === undefined) return { action: "slow", window: -1 }
  const v = Analyzer.analyze(spec, r)
  return { action: v.action, window: v.window }
}

const outcomes: Array<Outcome> = []
const started = performance.now()
let seed = 1
for (const kind of kinds) {
  for (const traffic of traffics) {
    for (let i = 0; i < perCell; i++) {
      const lines = release(`${kind}-${traffic}-${i}`, kind, traffic, seed++)
      outcomes.push({ kind, traffic, judge: "rollwise", decision: rollwise(lines) })
      outcomes.push({ kind, traffic, judge: "argo-static", decision: argoStatic(lines) })
      outcomes.push({ kind, traffic, judge: "kayenta-fixed", decision: kayentaFixedHorizon(lines) })
    }
  }
}
const elapsed = (performance.now() - started) / 1000

const median = (xs: ReadonlyArray<number>) => {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const pct = (k: number, n: number) => (n === 0 ? "–" : `${((100 * k) / n).toFixed(1)} %`)

const summary = (judge: Judge) => {
  const mine = outcomes.filter((o) => o.judge === judge)
  const healthy = mine.filter((o) => truth[o.kind] === false)
  const bad = mine.filter((o) => truth[o.kind] === true)
  const noData = mine.filter((o) => truth[o.kind] === null)
  return {
    falseRollback: pct(healthy.filter((o) => o.decision.action === "rollback").length, healthy.length),
    promotedRegression: pct(bad.filter((o) => o.decision.action === "promote").length, bad.length),
    promotedNoData: String(noData.filter((o) => o.decision.action === "promote").length),
    detection: median(bad.filter((o) => o.decision.action === "rollback").map((o) => o.decision.window + 1)),
    promotion: median(healthy.filter((o) => o.decision.action === "promote").map((o) => o.decision.window + 1))
  }
}

const judges: ReadonlyArray<Judge> = ["rollwise", "argo-static", "kayenta-fixed"]
console.log(`${outcomes.length / 3} releases (${perCell} per scenario and traffic level), judged in ${elapsed.toFixed(1)} s\n`)
console.log("| judge | false rollbacks (healthy) | promoted regressions | promotions without data | median window of detection | median window of promotion |")
console.log("|---|---|---|---|---|---|")
for (const judge of judges) {
  const s = summary(judge)
  console.log(`| ${judge} | ${s.falseRollback} | ${s.promotedRegression} | ${s.promotedNoData} | ${s.detection} | ${s.promotion} |`)
}
console.log("\nper scenario (rollback / slow / promote counts):\n")
console.log(`| scenario | truth | traffic | ${judges.join(" | ")} |`)
console.log(`|---|---|---|${judges.map(() => "---").join("|")}|`)
for (const kind of kinds) {
  for (const traffic of traffics) {
    const cells = judges.map((judge) => {
      const os = outcomes.filter((o) => o.kind === kind && o.traffic === traffic && o.judge === judge)
      const count = (a: string) => os.filter((o) => o.decision.action === a).length
      return `${count("rollback")}/${count("slow")}/${count("promote")}`
    })
    const t = truth[kind] === true ? "regression" : truth[kind] === false ? "healthy" : "no data"
    console.log(`| ${kind} | ${t} | ${traffic} | ${cells.join(" | ")} |`)
  }
}
