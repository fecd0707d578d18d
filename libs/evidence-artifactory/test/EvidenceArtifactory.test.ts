import { type FakeArtifactory, startArtifactory } from "@rollwise/artifactory-harness"
import type { EvidenceStore } from "@rollwise/rollout-engine"
import { SloSpec } from "@rollwise/slo-policy"
import { Duration, Effect, Redacted } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { BuildInfo, EvidenceArtifactory } from "../src/index.ts"

const canary = "canary-AKCp8-evidence-5e6f7a8b9c"

let fake: FakeArtifactory
beforeAll(async () => {
  fake = await startArtifactory({ token: canary })
})
afterAll(() => fake.close())

const service = (options: Partial<EvidenceArtifactory.Options> = {}, f: FakeArtifactory = fake) =>
  EvidenceArtifactory.make({ url: f.url, token: Redacted.make(canary), backoff: Duration.millis(10), ...options })

const spec = Effect.runSync(
  SloSpec.decode({
    apiVersion: "rollwise/v1",
    kind: "SloSpec",
    service: "checkout",
    window: "1m",
    metrics: [{ name: "latency", kind: "continuous", threshold: 0.3 }]
  })
)

const verdict = (action: "promote" | "rollback", candidate: number) => ({
  action,
  window: 0,
  metrics: [{ name: "latency", status: action === "promote" ? "pass" : "fail", baseline: 0.2, candidate, effect: candidate / 0.2 - 1, ci: null, p_value: null, reason: "r" }],
  reasons: [],
  score: action === "promote" ? 100 : 0
})

/** A finished rollout and the events the engine records for it. */
const recorded = (id: string, result: EvidenceStore.Result, startedAt = 1_796_110_201_346, features: Record<string, number> = { linesAdded: 420, coverageDelta: -0.8 }) => {
  const rollout: EvidenceArtifactory.Finished = {
    rolloutId: id,
    service: "checkout",
    module: "payments",
    version: "2.5.0",
    target: "k8s:checkout",
    startedAt,
    finishedAt: startedAt + 600_000,
    result,
    data: { features, decision: { risk_score: 37.3, strategy: "canary", pace: "normal" } }
  }
  const plan = { strategy: "canary", steps: [{ step: { weight: 10 }, pauseSeconds: 60 }, { step: { weight: 100 }, pauseSeconds: 0 }], approvalRequired: false, approvalTimeoutSeconds: 60, onApprovalTimeout: "rollback", maxTargetAttempts: 3, maxSlows: 2 }
  const action = result === "promoted" ? "promote" : "rollback"
  const data: ReadonlyArray<readonly [string, unknown]> = [
    ["Started", { _tag: "Started", plan }],
    ["GatesPassed", { _tag: "GatesPassed", reasons: ["inside the change window"] }],
    ["StepApplied", { _tag: "StepApplied", index: 0 }],
    ["Window", { kind: "window", stepIndex: 0, index: 0, window: { start: startedAt, end: startedAt + 60_000 }, verdict: verdict(action, 0.21) }],
    ["Window", { kind: "window", stepIndex: 0, index: 1, window: { start: startedAt + 60_000, end: startedAt + 120_000 }, verdict: verdict(action, 0.22) }],
    ["Analyzed", { _tag: "Analyzed", index: 0, action, reasons: ["latency within tolerance"] }],
    [result === "promoted" ? "Promoted" : "RolledBack", { _tag: result === "promoted" ? "Promoted" : "RolledBack" }]
  ]
  const events: ReadonlyArray<EvidenceStore.Event> = data.map(([type, d], i) => ({ rolloutId: id, seq: i + 1, at: startedAt + i * 1000, type, data: d }))
  return { rollout, events }
}

describe("EvidenceArtifactory.publish (fake Artifactory, from JFrog's REST docs)", () => {
  it("publishes build-info with Rollwise's properties and the evidence files linked to the build", async () => {
    fake.seed("libs-release-local", "checkout/2.5.0/checkout-2.5.0.tgz", "release 2.5.0")
    const { rollout, events } = recorded("r-promoted", "promoted")
    const published = await Effect.runPromise(
      service({ grafanaUrl: "https://grafana.example.com/" }).publish({ buildName: "checkout", buildNumber: "42", rollout, events, artifacts: ["libs-release-local/checkout/2.5.0/checkout-2.5.0.tgz"], spec, agentVersion: "0.1.0" })
    )
    const build = fake.build("checkout", "42") as { properties: Record<string, string>; modules: ReadonlyArray<{ id: string; artifacts: ReadonlyArray<{ name: string; sha256: string }> }>; url: string }
    expect(build.properties).toMatchObject({
      "rollwise.rollout": "r-promoted",
      "rollwise.risk": "37.3",
      "rollwise.strategy": "canary",
      "rollwise.pace": "normal",
      "rollwise.gates": "passed",
      "rollwise.verdicts": "windows 2, promote 1, slow 0, rollback 0",
      "rollwise.verdict": "promote",
      "rollwise.result": "promoted",
      "rollwise.feature.linesAdded": "420",
      "rollwise.feature.coverageDelta": "-0.8"
    })
    // what Artifactory received reads back through our own strict build-info schema
    expect(Effect.runSync(BuildInfo.decode(build))).toEqual(build)
    expect(build.url).toBe(published.dashboard)
    expect(published.dashboard).toMatch(/^https:\/\/grafana\.example\.com\/d\/rollwise-release-compare\/release-compare\?var-service=checkout&var-version=2\.5\.0&from=\d+&to=\d+$/)
    const names = build.modules[0]!.artifacts.map((a) => a.name)
    expect(names).toEqual(["evidence.json", "verdict.json", "latency.svg", "report.html"])
    for (const e of published.evidence) {
      const [repo, ...rest] = e.path.split("/")
      const file = fake.file(repo!, rest.join("/"))!
      expect(file.sha256).toBe(e.sha256)
      expect(Object.fromEntries(file.properties)).toMatchObject({ "build.name": ["checkout"], "build.number": ["42"] })
    }
    const report = fake.file("rollwise-evidence", "checkout/42/r-promoted/report.html")!.bytes.toString()
    expect(report).toContain("<svg")
    expect(report).not.toContain("<script")
    expect(JSON.parse(fake.file("rollwise-evidence", "checkout/42/r-promoted/verdict.json")!.bytes.toString())).toMatchObject({ action: "promote", window: 1 })
    expect(build.modules[1]!.artifacts[0]!.sha256).toBe(fake.file("libs-release-local", "checkout/2.5.0/checkout-2.5.0.tgz")!.sha256)
    expect(Object.fromEntries(fake.file("libs-release-local", "checkout/2.5.0/checkout-2.5.0.tgz")!.properties)).toMatchObject({
      "rollwise.risk": ["37.3"],
      "rollwise.strategy": ["canary"],
      "rollwise.result": ["promoted"],
      latest: ["true"]
    })
  })

  it("publishing a build again (a re-run stage) sends no bytes: every file deploys by checksum", async () => {
    const { rollout, events } = recorded("r-again", "promoted")
    const first = await Effect.runPromise(service().publish({ buildName: "again", buildNumber: "1", rollout, events, spec }))
    const second = await Effect.runPromise(service().publish({ buildName: "again", buildNumber: "1", rollout, events, spec }))
    expect(first.evidence.some((e) => e.uploaded)).toBe(true)
    expect(second.evidence.map((e) => e.uploaded)).toEqual(second.evidence.map(() => false))
  })

  it("moves latest=true to a promotion's artifacts and leaves it where it was after a rollback", async () => {
    fake.seed("libs-release-local", "svc/1/a.tgz", "one")
    fake.seed("libs-release-local", "svc/2/a.tgz", "two")
    fake.seed("libs-release-local", "svc/3/a.tgz", "three")
    const latest = () => ["1", "2", "3"].filter((v) => fake.file("libs-release-local", `svc/${v}/a.tgz`)!.properties.get("latest")?.[0] === "true")
    const publish = (id: string, result: EvidenceStore.Result, version: string) => {
      const { rollout, events } = recorded(id, result)
      return Effect.runPromise(service().publish({ buildName: "svc", buildNumber: version, rollout: { ...rollout, service: "svc" }, events, artifacts: [`libs-release-local/svc/${version}/a.tgz`] }))
    }
    await publish("svc-1", "promoted", "1")
    expect(latest()).toEqual(["1"])
    const two = await publish("svc-2", "promoted", "2")
    expect(latest()).toEqual(["2"])
    expect(two.latestRemovedFrom).toEqual(["libs-release-local/svc/1/a.tgz"])
    await publish("svc-3", "rolled_back", "3")
    expect(latest()).toEqual(["2"])
    expect(fake.file("libs-release-local", "svc/3/a.tgz")!.properties.get("rollwise.result")).toEqual(["rolled_back"])
  })

  it("fails with one typed error for a missing artifact (404), a read-only token (403) and a refused build (409)", async () => {
    const { rollout, events } = recorded("r-errors", "promoted")
    const missing = await Effect.runPromise(Effect.flip(service().publish({ buildName: "e", buildNumber: "1", rollout, events, artifacts: ["libs-release-local/not/there.tgz"] })))
    expect(missing.reason).toBe("NotFound")
    expect(missing.message).toContain("/api/storage/libs-release-local/not/there.tgz")
    const readOnly = EvidenceArtifactory.make({ url: fake.url, token: Redacted.make(fake.readOnlyToken) })
    expect((await Effect.runPromise(Effect.flip(readOnly.publish({ buildName: "e", buildNumber: "2", rollout, events })))).reason).toBe("Forbidden")
    fake.inject({ method: "PUT", path: "/api/build", status: 409, message: "Build already exists and overwrite is disabled" })
    const conflict = await Effect.runPromise(Effect.flip(service().publish({ buildName: "e", buildNumber: "3", rollout, events })))
    expect(conflict.reason).toBe("Conflict")
    expect(conflict.message).toContain("Build already exists")
  })

  it("keeps the token out of everything it stores (canary token)", () => {
    for (const f of fake.files()) expect(f.bytes.toString("latin1")).not.toContain(canary)
    expect(JSON.stringify(fake.builds())).not.toContain(canary)
  })
})

describe("EvidenceArtifactory publish/history contract (fake Artifactory, from JFrog's REST docs)", () => {
  const featureName = fc.stringMatching(/^[a-z][A-Za-z0-9]{0,8}(\.[a-z]{1,4})?$/)
  const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }).map((x) => (Object.is(x, -0) ? 0 : x))
  const rolloutArb = fc.record({
    id: fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
    result: fc.constantFrom<EvidenceStore.Result>("promoted", "rolled_back", "aborted"),
    startedAt: fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
    features: fc.dictionary(featureName, finite, { maxKeys: 5 })
  })

  it("history gives back every published rollout — identity, result, times, decision and features — newest first (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(rolloutArb, { minLength: 1, maxLength: 5, selector: (r) => r.id }), async (rollouts) => {
        const f = await startArtifactory({ token: canary })
        try {
          const s = service({}, f)
          for (const [i, r] of rollouts.entries()) {
            const { rollout, events } = recorded(r.id, r.result, r.startedAt, r.features)
            await Effect.runPromise(s.publish({ buildName: "checkout", buildNumber: String(i + 1), rollout, events }))
          }
          const history = await Effect.runPromise(s.history({ service: "checkout" }))
          const expected = [...rollouts].sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1))
          expect(history.skipped).toBe(0)
          expect(history.entries.map((e) => [e.rolloutId, e.result, e.startedAt, e.finishedAt, e.module, (e.data as { features?: unknown }).features ?? {}])).toEqual(
            expected.map((r) => [r.id, r.result, r.startedAt, r.startedAt + 600_000, "payments", r.features])
          )
          expect(history.entries.every((e) => JSON.stringify(e.decision) === JSON.stringify({ risk_score: 37.3, strategy: "canary", pace: "normal" }))).toBe(true)
          expect((await Effect.runPromise(s.history({ service: "other" }))).entries).toEqual([])
        } finally {
          await f.close()
        }
      }),
      { numRuns: 15 }
    )
  })

  it("a build without Rollwise's complete properties is left out and counted", async () => {
    const f = await startArtifactory({ token: canary })
    try {
      await fetch(`${f.url}/api/build`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${canary}`, "Content-Type": "application/json" },
        body: JSON.stringify({ version: "1.0.1", name: "hand", number: "1", started: "2026-12-01T07:30:01.346+0000", properties: { "rollwise.rollout": "x" }, modules: [] })
      })
      const history = await Effect.runPromise(service({}, f).history())
      expect(history).toEqual({ entries: [], skipped: 1 })
    } finally {
      await f.close()
    }
  })

  it("says so when Artifactory's AQL hard limit trimmed the builds found", async () => {
    const f = await startArtifactory({ token: canary, aqlLimit: 2 })
    try {
      const s = service({}, f)
      for (const n of [1, 2, 3]) {
        const { rollout, events } = recorded(`t-${n}`, "promoted", 1_796_110_201_346 + n)
        await Effect.runPromise(s.publish({ buildName: "trim", buildNumber: String(n), rollout, events }))
      }
      const history = await Effect.runPromise(s.history())
      expect(history.entries).toHaveLength(2)
      expect(history.notice).toBe("AQL query reached the search hard limit, results are trimmed.")
    } finally {
      await f.close()
    }
  })

  it("maps properties to an entry and back without loss (property)", () => {
    fc.assert(
      fc.property(rolloutArb, (r) => {
        const { rollout, events } = recorded(r.id, r.result, r.startedAt, r.features)
        const entry = EvidenceArtifactory.entryOf(EvidenceArtifactory.propertiesOf(rollout, events))!
        expect(entry.rolloutId).toBe(rollout.rolloutId)
        expect(entry.finishedAt).toBe(rollout.finishedAt)
        expect((entry.data as { features?: unknown }).features ?? {}).toEqual(r.features)
      })
    )
  })
})
