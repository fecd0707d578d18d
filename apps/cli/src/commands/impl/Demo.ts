import { Svg, VerdictCharts } from "@rollwise/plots"
import { ChangeSet, Heuristic, RiskPolicy } from "@rollwise/risk-core"
import { SqliteEvidenceStore } from "@rollwise/evidence-store"
import { DeployTarget, Engine, EvidenceStore, Rollout } from "@rollwise/rollout-engine"
import { Simulation } from "@rollwise/simulation"
import { Fleet, SimulatedFleet, TargetArm } from "@rollwise/target-arm"
import { TargetWindows } from "@rollwise/target-windows"
import { RecordedFleet } from "@rollwise/target-windows/testing"
import { Gates, SloSpec, type Verdict } from "@rollwise/slo-policy"
import { Clock, Console, Duration, Effect, Option } from "effect"
import { Json } from "../../GlobalFlags.ts"
import { Gating, Runner } from "@rollwise/rollout-runner"
import { note, printJson, writeAtomic } from "../../internal/Io.ts"
import { table } from "../../internal/Render.ts"
import type { DemoFlags } from "../Demo.ts"

const spec = Effect.runSync(
  SloSpec.decode({
    apiVersion: "rollwise/v1",
    kind: "SloSpec",
    service: "checkout",
    window: "2m",
    maxWindows: 6,
    promoteAfter: 2,
    warmupWindows: 0,
    metrics: [
      { name: "latency", kind: "continuous", threshold: 0.3, tolerance: 0.1 },
      { name: "error-rate", kind: "ratio", threshold: 0.01, tolerance: 0.5 },
      { name: "restarts", kind: "counter", threshold: 0, critical: true },
      // the warning and error lines each track logs, mined into templates: one the candidate logs and the baseline never did rolls back
      { name: "new-errors", kind: "signatures", source: "loki", query: '{app="{{service}}", track="{{track}}"} |~ "WARN|ERROR"', threshold: 0, tolerance: 1, critical: true }
    ]
  })
)

/** The demo's gates, as a team would write them in policy.yaml (see examples/policy.yaml). */
const demoPolicy: Gates.GatePolicy = {
  apiVersion: "rollwise/v1",
  kind: "GatePolicy",
  changeWindow: { timeZone: "Europe/Berlin", blocked: [{ days: ["sat", "sun"], from: "00:00", to: "24:00", reason: "no weekend deploys" }], freezes: [{ from: "2026-12-20", to: "2027-01-02", reason: "year-end freeze" }] },
  errorBudget: { target: 0.999, bad: 412, total: 1_250_000, minRemaining: 0.1 },
  approval: { threshold: 70 }
}

interface TargetSetup {
  readonly id: string
  readonly kind: "k8s" | "windows" | "arm"
  readonly label: string
  readonly service: Simulation.Service
}

const fleetSize = 3000

/** The demo's fleet file: an in-process simulated fleet, its stable and candidate artifacts, installs polled every 10 simulated seconds. */
const demoFleet = {
  apiVersion: "rollwise/v1",
  kind: "Fleet",
  name: "checkout-edge",
  manager: { simulated: { devices: fleetSize, seed: 7 } },
  artifact: { candidate: "checkout-edge-{version}", stable: "checkout-edge-2.4.0" },
  install: { maxFailurePercent: 10, waitSeconds: 900, pollSeconds: 10 }
}

/** Carry out the demo: decide, gate, roll out three simulated targets at once, record, report. */
export const runDemo = Effect.fn("cli.demo")(function* (flags: DemoFlags) {
  // Date.now only names the run; the simulation itself runs on the fixed, fast clock below
  const json = yield* Json
  const clock = Runner.fastClock(Date.parse("2026-12-01T07:30:00Z"), Math.max(1, flags.speed))
  const fault = (kind: TargetSetup["kind"]): Simulation.Fault =>
    flags.scenario === "latency-regression" && kind === "windows"
      ? "latency"
      : flags.scenario === "error-spike" && kind === "k8s"
        ? "errors"
        : flags.scenario === "new-error" && kind === "k8s"
          ? "new-error"
          : flags.scenario === "crash-loop" && kind === "arm"
            ? "crash-loop"
            : "none"
  const targets: ReadonlyArray<TargetSetup> = [
    { id: "k8s", kind: "k8s", label: "Kubernetes canary (checkout)", service: { name: "checkout-k8s", latencySeconds: 0.12, requestsPerSecond: 1500, errorRatio: 0.003, fault: fault("k8s") } },
    { id: "windows", kind: "windows", label: "Windows ARR pool (checkout-iis)", service: { name: "checkout-iis", latencySeconds: 0.18, requestsPerSecond: 1200, errorRatio: 0.004, fault: fault("windows") } },
    { id: "arm", kind: "arm", label: `ARM fleet (${fleetSize} devices)`, service: { name: "checkout-edge", latencySeconds: 0.25, requestsPerSecond: 1000, errorRatio: 0.002, fault: fault("arm") } }
  ]

  // 1. a generated change, scored
  const changeSet = yield* ChangeSet.decode({
    service: "checkout",
    module: "payments",
    linesAdded: 420,
    linesDeleted: 96,
    filesChanged: 14,
    dependencyBumps: [{ name: "express", from: "4.19.2", to: "4.21.1" }],
    coverageDelta: -0.8,
    moduleHistory: { deploys: 31, failures: 2 },
    criticality: "high",
    currentQps: 1500,
    deployTime: "2026-12-01T07:30:00Z"
  })
  const started = yield* clock.currentTimeMillis
  const features = ChangeSet.features(changeSet, RiskPolicy.defaultPolicy.calendar)
  const plans = targets.map((t) => {
    const decision = Heuristic.decide(changeSet, RiskPolicy.defaultPolicy, t.kind)
    // real pauses (an hour per ARM cohort) would not fit a demo: each step holds at most two windows
    const steps = decision.steps.map((s) => ({ ...s, pauseSeconds: Math.min(s.pauseSeconds, 2 * spec.windowSeconds) }))
    return { target: t, decision, plan: Rollout.planOf({ ...decision, steps }) }
  })
  const first = plans[0]!.decision
  yield* note(`change: +${changeSet.linesAdded} −${changeSet.linesDeleted} in ${changeSet.filesChanged} files, 1 dependency bump, coverage ${changeSet.coverageDelta} pp, criticality ${changeSet.criticality}`)
  yield* note(`risk ${first.risk_score.toFixed(1)}/100 → ${first.strategy}, ${first.pace} pace (ARM fleets use cohorts); scenario: ${flags.scenario}; simulated time runs ×${flags.speed}, pauses capped at two windows`)

  // 2. the three rollouts, concurrently, each on its own simulated target and metrics
  const runId = `demo-${flags.scenario}-${flags.seed}-${Date.now().toString(36)}`
  const store = Option.isSome(flags.evidence) ? yield* SqliteEvidenceStore.make({ path: flags.evidence.value }) : yield* EvidenceStore.makeMemory
  const verdicts = new Map<string, Array<Verdict.Verdict>>()
  // per target: the first window judged in each step, for the report's step boundaries
  const stepStarts = new Map<string, Array<{ readonly window: number; readonly step: number }>>()
  const timeline: Array<{ readonly target: string; readonly at: number; readonly text: string }> = []
  // what the Windows target sent to its (recorded) hosts and what they answered, for the report
  const powershell: Array<string> = []
  const results = yield* Effect.forEach(
    plans,
    ({ target: t, plan }) =>
      Effect.gen(function* () {
        // the ARM fleet runs through the real adapter (cohorts, OTA deployments, install counts) over a simulated fleet
        let lastOta = ""
        // the Windows pool runs through target-windows over recorded hosts: the PowerShell it sends is the real plan
        const recorded = t.kind === "windows" ? RecordedFleet.demo("canary") : undefined
        const target =
          recorded !== undefined
            ? yield* TargetWindows.make({
                hosts: recorded.hosts,
                transport: RecordedFleet.transport(recorded.fleet),
                strategy: "canary",
                name: t.service.name,
                candidate: "2.5.0",
                onOutput: (line) => void (powershell.length < maxScriptLines ? powershell.push(line) : undefined)
              })
            : t.kind === "arm"
            ? yield* TargetArm.make({
                fleet: yield* Fleet.decode(demoFleet, "demo fleet"),
                rollout: { id: `${runId}-${t.id}`, service: t.service.name, version: "2.5.0" },
                ota: SimulatedFleet.ota(SimulatedFleet.make({ size: fleetSize, seed: flags.seed, stable: "checkout-edge-2.4.0" })),
                onOutput: (line) => void (line.startsWith("apply") ? (lastOta = line) : undefined)
              })
            : (yield* DeployTarget.makeMemory({ kind: t.kind, name: t.service.name, stableVersion: "2.4.0", candidateVersion: "2.5.0" })).target
        const share = target.status.pipe(
          Effect.map((s) => (s.current === undefined ? 0 : "weight" in s.current ? s.current.weight : s.current.cohort)),
          Effect.orElseSucceed(() => 0)
        )
        const windows: Array<Verdict.Verdict> = []
        verdicts.set(t.id, windows)
        const starts: Array<{ readonly window: number; readonly step: number }> = []
        stepStarts.set(t.id, starts)
        let stepIndex = 0
        const say = (text: string) =>
          Effect.gen(function* () {
            const at = yield* clock.currentTimeMillis
            timeline.push({ target: t.label, at, text })
            yield* note(`[${t.id.padEnd(7)}] ${text}`)
          })
        const final = yield* Engine.run({
          rollout: { rolloutId: `${runId}-${t.id}`, service: "checkout", module: "payments", version: "2.5.0", buildNumber: "demo", target: `${t.kind}:${t.service.name}`, startedAt: started, data: { features, decision: { risk_score: first.risk_score, strategy: plan.strategy } } },
          plan,
          spec,
          gates: Effect.gen(function* () {
            const outcome = yield* Gating.check(demoPolicy, plans.find((p) => p.target.id === t.id)!.decision, yield* clock.currentTimeMillis, false, process.env)
            return { status: outcome.status, reasons: Gates.reasonsOf(outcome) }
          }),
          pollEvery: Duration.seconds(30),
          onEvent: (event, state) => {
            switch (event._tag) {
              case "GatesPassed":
                return say(`gates pass: ${(event.reasons ?? []).join("; ")}`)
              case "GatesBlocked":
                return say(`gates BLOCK: ${event.reasons.join("; ")}`)
              case "StepApplied": {
                stepIndex = event.index
                const step = state.steps[event.index]!.step
                const what = "cohort" in step ? `cohort ${step.cohort} %: ${lastOta.replace(/^apply cohort [\d.]+ %: /, "")}` : `weight ${step.weight} %`
                return say(`step ${event.index + 1}/${state.steps.length}: ${what}`)
              }
              case "Analyzed":
                return event.action === "promote" ? Effect.void : say(`step ${event.index + 1}: ${event.action} — ${event.reasons[0] ?? ""}`)
              case "Promoted":
                return say("PROMOTED: the candidate is the new stable release")
              case "RolledBack":
                return say(`ROLLED BACK: ${state.reason ?? ""}`)
              default:
                return Effect.void
            }
          },
          onWindow: (r) =>
            Effect.gen(function* () {
              if (starts.at(-1)?.step !== stepIndex) starts.push({ window: windows.length, step: stepIndex })
              windows.push({ ...r.verdict, window: windows.length })
              yield* say(`step ${stepIndex + 1} window ${r.index + 1}: ${r.verdict.metrics.map((m) => `${m.name} ${m.status}`).join(", ")} → ${r.verdict.action}`)
            })
        }).pipe(Effect.provideService(DeployTarget.DeployTarget, target), Effect.provideService(EvidenceStore.EvidenceStore, store), Effect.provide(Simulation.metricSource(t.service, flags.seed, share)))
        return { target: t, plan, final }
      }),
    { concurrency: "unbounded" }
  ).pipe(Effect.provideService(Clock.Clock, clock))

  // 3. the outcome
  const finished = yield* clock.currentTimeMillis
  const rows = results.map(({ target: t, plan, final }) => ({
    target: t.label,
    strategy: plan.strategy,
    result: final.phase,
    steps: `${Math.max(0, final.stepIndex + 1)}/${final.steps.length}`,
    windows: verdicts.get(t.id)?.length ?? 0,
    reason: final.reason ?? ""
  }))
  if (Option.isSome(flags.report)) {
    yield* writeAtomic(flags.report.value, report(flags, first, results, verdicts, stepStarts, timeline, started, powershell))
    yield* note(`report: ${flags.report.value}`)
  }
  const summary = { scenario: flags.scenario, seed: flags.seed, riskScore: first.risk_score, simulatedMinutes: Math.round((finished - started) / 60_000), rollouts: rows }
  if (json) return yield* printJson(summary)
  yield* Console.log(
    [
      `rollwise demo (${flags.scenario}): ${Math.round((finished - started) / 60_000)} simulated minutes`,
      "",
      table([["target", "strategy", "result", "steps", "windows", "why"], ...rows.map((r) => [r.target, r.strategy, r.result, r.steps, String(r.windows), r.reason])]),
      "",
      Option.isSome(flags.evidence)
        ? `evidence: ${results.length} rollouts (${runId}-*) recorded in ${flags.evidence.value}`
        : `evidence: ${results.length} rollouts recorded in memory (--evidence FILE keeps them in SQLite)`
    ].join("\n")
  )
})

const escapeHtml = Svg.escape

/** A self-contained HTML report: no scripts, no network; inline SVG plots and the timeline. */
/** At most this many lines of the Windows target's PowerShell in the report. */
const maxScriptLines = 2000

const report = (
  flags: DemoFlags,
  decision: { readonly risk_score: number; readonly strategy: string; readonly pace: string },
  results: ReadonlyArray<{ readonly target: { readonly id: string; readonly label: string }; readonly plan: Rollout.Plan; readonly final: Rollout.State }>,
  verdicts: ReadonlyMap<string, ReadonlyArray<Verdict.Verdict>>,
  stepStarts: ReadonlyMap<string, ReadonlyArray<{ readonly window: number; readonly step: number }>>,
  timeline: ReadonlyArray<{ readonly target: string; readonly at: number; readonly text: string }>,
  started: number,
  powershell: ReadonlyArray<string>
): string => {
  const minutes = (at: number) => `${((at - started) / 60_000).toFixed(1)} min`
  const sections = results
    .map(({ target, plan, final }) => {
      const steps = (stepStarts.get(target.id) ?? []).map(({ window, step: index }) => {
        const step = plan.steps[index]?.step
        const share = step === undefined ? "" : "cohort" in step ? `: cohort ${step.cohort} %` : `: ${step.weight} %`
        return { window, label: `step ${index + 1}${share}` }
      })
      const charts = VerdictCharts.forVerdicts(spec, verdicts.get(target.id) ?? [], target.label, steps)
      const last = verdicts.get(target.id)?.at(-1)
      const why =
        last === undefined
          ? ""
          : `<table class="metrics"><thead><tr><th>metric</th><th>status</th><th>last window's reason</th></tr></thead><tbody>
${last.metrics.map((m) => `<tr data-status="${m.status}"><td>${escapeHtml(m.name)}</td><td>${m.status}</td><td>${escapeHtml(m.reason)}</td></tr>`).join("\n")}
</tbody></table>`
      return `<section class="target" data-target="${target.id}" data-result="${final.phase}">
<h2>${escapeHtml(target.label)} — <span class="result ${final.phase}">${final.phase.replace("_", " ")}</span></h2>
<p>${escapeHtml(plan.strategy)} in ${plan.steps.length} steps; ${escapeHtml(final.reason ?? "")}</p>
${why}
<div class="plots">${charts.map((c) => `<figure class="plot" data-metric="${escapeHtml(c.metric)}">${c.svg}</figure>`).join("\n")}</div>
</section>`
    })
    .join("\n")
  const rows = timeline.map((e) => `<tr><td>${minutes(e.at)}</td><td>${escapeHtml(e.target)}</td><td>${escapeHtml(e.text)}</td></tr>`).join("\n")
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rollwise demo — ${escapeHtml(flags.scenario)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:1400px;color:#222}h1{margin-bottom:.2rem}.result.promoted{color:#2ca02c}.result.rolled_back{color:#d62728}.result.aborted{color:#ff7f0e}.plots{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0}table{border-collapse:collapse;font-size:.9rem}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:left}</style>
</head><body>
<h1>rollwise demo</h1>
<p>Scenario <b>${escapeHtml(flags.scenario)}</b>, seed ${flags.seed}. Risk ${decision.risk_score.toFixed(1)}/100 → ${escapeHtml(decision.strategy)}, ${escapeHtml(decision.pace)} pace. Each target was judged window by window against its stable baseline by the same analyzer as <code>rollwise analyze</code>.</p>
${sections}
${powershell.length === 0 ? "" : `<h2>What the Windows target ran</h2>
<p>The PowerShell <code>target-windows</code> sent to the pool's hosts over SSH (<code>host&gt;</code>) and what they answered (<code>host&lt;</code>) — here recorded hosts stand in for IIS, so this is the plan a real farm would run.</p>
<details id="powershell"><summary>${powershell.length} lines</summary><pre>${escapeHtml(powershell.join("\n"))}</pre></details>`}
<h2>Timeline</h2>
<table id="timeline"><thead><tr><th>time</th><th>target</th><th>event</th></tr></thead><tbody>
${rows}
</tbody></table>
</body></html>
`
}
