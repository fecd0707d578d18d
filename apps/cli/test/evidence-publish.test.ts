import { readFileSync } from "node:fs"
import { join } from "node:path"
import { type FakeArtifactory, startArtifactory } from "@rollwise/artifactory-harness"
import { SqliteEvidenceStore } from "@rollwise/evidence-store"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { examples, type Run, rollwiseAsync, scratch } from "./support.ts"

/**
 * `rollwise evidence publish` and `evidence export --from artifactory`: the
 * built binary against the fake Artifactory (in this process, so the CLI is
 * spawned asynchronously), with an evidence store holding three finished
 * rollouts of one build as `rollwise demo` records them (written through the
 * store's own API, so these tests do not depend on the demo's simulation).
 */

/** A token that must never show in any output. */
const canary = "canary-cmVmdGtuOjAxOjE3-DO-NOT-PRINT"


const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("ROLLWISE_")))
const work = scratch("publish")
let fake: FakeArtifactory
let rollouts: ReadonlyArray<{ readonly rolloutId: string; readonly target: string; readonly result: string }>

const run = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<Run> => rollwiseAsync(work.dir, { ...baseEnv, ...env })(...args)

const withToken = { ROLLWISE_ARTIFACTORY_TOKEN: canary }
const rolloutOn = (kind: string) => rollouts.find((r) => r.target.startsWith(`${kind}:`) && r.rolloutId.startsWith("demo-"))!.rolloutId
const publishArgs = (number: string, kind: string, ...more: ReadonlyArray<string>) => [
  "evidence",
  "publish",
  "--db",
  "ev.db",
  "--url",
  fake.url,
  "--build-name",
  "checkout",
  "--build-number",
  number,
  "--rollout",
  rolloutOn(kind),
  ...more
]

/** Every failure is one line on stderr, and no output ever holds the token. */
const oneCleanLine = (r: Run) => {
  expect(r.stderr.trim().split("\n")).toHaveLength(1)
  expect(r.stdout + r.stderr).not.toContain(canary)
}

const metric = (name: string, baseline: number, candidate: number, status: "pass" | "fail") => ({
  name,
  status,
  baseline,
  candidate,
  effect: baseline === 0 ? null : candidate / baseline - 1,
  ci: null,
  p_value: null,
  reason: `${name} ${status}`
})

/** Three rollouts of build "demo", each with its decision, gates, two steps' windows and end, as the engine records them. */
const record = (path: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const store = yield* SqliteEvidenceStore.make({ path })
      const startedAt = 1_796_110_201_346
      const features = { linesAdded: 420, linesDeleted: 96, filesChanged: 14, coverageDelta: -0.8, failureRate: 0.0645 }
      const plan = { strategy: "canary", steps: [{ step: { weight: 5 }, pauseSeconds: 240 }, { step: { weight: 100 }, pauseSeconds: 0 }], approvalRequired: false, approvalTimeoutSeconds: 3600, onApprovalTimeout: "rollback", maxTargetAttempts: 3, maxSlows: 2 }
      for (const [i, [target, result]] of ([["k8s:checkout-k8s", "promoted"], ["windows:checkout-iis", "rolled_back"], ["arm:checkout-edge", "promoted"]] as const).entries()) {
        const rolloutId = `demo-${target.split(":")[0]}`
        yield* store.create({ rolloutId, service: "checkout", module: "payments", version: "2.5.0", buildNumber: "demo", target, startedAt: startedAt + i, data: { features, decision: { risk_score: 37.3, strategy: "canary", pace: "normal" } } })
        const action = result === "promoted" ? "promote" : "rollback"
        const latency = result === "promoted" ? 0.19 : 0.27
        const window = (index: number) => ({
          kind: "window",
          stepIndex: index,
          index: 0,
          window: { start: startedAt + index * 120_000, end: startedAt + (index + 1) * 120_000 },
          verdict: { action, window: 0, metrics: [metric("latency", 0.18, latency, action === "promote" ? "pass" : "fail"), metric("error-rate", 0.001, 0.001, "pass"), metric("restarts", 0, 0, "pass")], reasons: [], score: action === "promote" ? 100 : 50 }
        })
        const events: ReadonlyArray<readonly [string, unknown]> = [
          ["Started", { _tag: "Started", plan }],
          ["GatesPassed", { _tag: "GatesPassed", reasons: ["outside every blocked period"] }],
          ["StepApplied", { _tag: "StepApplied", index: 0 }],
          ["Window", window(0)],
          ["Analyzed", { _tag: "Analyzed", index: 0, action, reasons: [`latency ${action}`] }],
          ...(result === "promoted"
            ? ([
                ["StepApplied", { _tag: "StepApplied", index: 1 }],
                ["Window", window(1)],
                ["Analyzed", { _tag: "Analyzed", index: 1, action, reasons: [] }],
                ["Promoted", { _tag: "Promoted" }]
              ] as const)
            : ([["RolledBack", { _tag: "RolledBack" }]] as const))
        ]
        for (const [n, [type, data]] of events.entries()) yield* store.append(rolloutId, { type, at: startedAt + n * 60_000, data })
        yield* store.finish(rolloutId, result, startedAt + events.length * 60_000)
      }
      // and one still running
      yield* store.create({ rolloutId: "still-running", service: "checkout", buildNumber: "43", target: "k8s:checkout-k8s", startedAt: startedAt + 10 })
    })
  )

beforeAll(async () => {
  fake = await startArtifactory({ token: canary })
  work.file("slo.yaml", readFileSync(join(examples, "slo.yaml"), "utf8"))
  await Effect.runPromise(record(join(work.dir, "ev.db")))
  const list = await run(["--json", "evidence", "list", "--db", "ev.db"])
  rollouts = JSON.parse(list.stdout) as typeof rollouts
  expect(rollouts).toHaveLength(4)
}, 120_000)
afterAll(() => fake.close())

describe("rollwise evidence publish (fake Artifactory, from JFrog's REST docs)", () => {
  it("--help teaches the flags, the token's sources and an example", async () => {
    const r = await run(["evidence", "publish", "--help"])
    expect(r.code).toBe(0)
    for (const text of ["--build-name", "--build-number", "--artifact", "--token-file", "ROLLWISE_ARTIFACTORY_TOKEN", "EXAMPLES", "rollwise evidence publish --url"]) expect(r.stdout).toContain(text)
  })

  it("--json says what was published: the build URL, the evidence files, the build's and the artifact's properties", async () => {
    fake.seed("libs-release-local", "checkout/2.5.0/checkout-2.5.0.tgz", "release 2.5.0")
    const r = await run(["--json", ...publishArgs("7", "k8s", "--artifact", "libs-release-local/checkout/2.5.0/checkout-2.5.0.tgz", "--slo", "slo.yaml", "--grafana-url", "https://grafana.example.com")], withToken)
    expect(r.code).toBe(0)
    oneCleanLine(r)
    const out = JSON.parse(r.stdout) as {
      rollout: string
      result: string
      build: { url: string }
      evidence: ReadonlyArray<{ path: string; uploaded: boolean }>
      properties: Record<string, string>
      artifacts: ReadonlyArray<{ path: string; properties: Record<string, string> }>
      dashboard: string
    }
    expect(out.rollout).toBe(rolloutOn("k8s"))
    expect(out.result).toBe("promoted")
    expect(out.build.url).toBe(`${fake.url}/api/build/checkout/7`)
    expect(out.evidence.map((e) => e.path.split("/").at(-1))).toEqual(["evidence.json", "verdict.json", "latency.svg", "error-rate.svg", "restarts.svg", "report.html"])
    expect(out.properties).toMatchObject({ "rollwise.risk": "37.3", "rollwise.strategy": "canary", "rollwise.gates": "passed", "rollwise.result": "promoted" })
    expect(out.artifacts).toEqual([
      {
        path: "libs-release-local/checkout/2.5.0/checkout-2.5.0.tgz",
        properties: expect.objectContaining({ "rollwise.risk": "37.3", "rollwise.strategy": "canary", "rollwise.result": "promoted", latest: "true" })
      }
    ])
    expect(out.dashboard).toContain("https://grafana.example.com/d/rollwise-release-compare/")
    expect((fake.build("checkout", "7") as { properties: Record<string, string> }).properties["rollwise.verdicts"]).toMatch(/^windows \d+, promote \d+, slow \d+, rollback \d+$/)
  })

  it("reads the token from --token-file and prints a readable summary", async () => {
    const tokenFile = work.file("token", `${canary}\n`)
    const r = await run([...publishArgs("8", "windows"), "--token-file", tokenFile])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`build: ${fake.url}/api/build/checkout/8`)
    expect(r.stdout).toContain("rollwise.result=rolled_back")
    expect(r.stderr.trim()).toBe(`published ${rolloutOn("windows")} (rolled_back) as build checkout #8`)
    expect(r.stdout + r.stderr).not.toContain(canary)
  })

  it("export --from artifactory gives the table the local store gives, for rollwise risk train", async () => {
    expect((await run(publishArgs("9", "arm"), withToken)).code).toBe(0)
    for (const format of ["csv", "jsonl"]) {
      const local = await run(["evidence", "export", "--db", "ev.db", "--format", format])
      const remote = await run(["evidence", "export", "--from", "artifactory", "--url", fake.url, "--format", format], withToken)
      expect(remote.code).toBe(0)
      expect(remote.stdout).toBe(local.stdout)
      expect(local.stdout.trim().split("\n")).toHaveLength(format === "csv" ? 4 : 3)
    }
    const out = await run(["evidence", "export", "--from", "artifactory", "--url", fake.url, "--out", "history.csv"], withToken)
    expect(out.stderr).toContain("wrote 3 rollouts to history.csv from Artifactory")
  })
})

describe("rollwise evidence publish: every documented error is one line and its exit code (fake Artifactory, from JFrog's REST docs)", () => {
  it("no URL or no token is bad input (exit 3)", async () => {
    const noUrl = await run(["evidence", "publish", "--db", "ev.db", "--build-name", "c", "--build-number", "1"], withToken)
    expect(noUrl.code).toBe(3)
    expect(noUrl.stderr.trim()).toBe("rollwise: --url: no Artifactory URL: give --url https://HOST/artifactory or set ROLLWISE_ARTIFACTORY_URL")
    const noToken = await run(publishArgs("1", "k8s"))
    expect(noToken.code).toBe(3)
    expect(noToken.stderr.trim()).toBe("rollwise: ROLLWISE_ARTIFACTORY_TOKEN: no access token: set ROLLWISE_ARTIFACTORY_TOKEN or give --token-file FILE")
  })

  it("a missing --build-name is a usage error (exit 2)", async () => {
    const r = await run(["evidence", "publish", "--build-number", "1", "--url", "http://127.0.0.1:9/artifactory"], withToken)
    expect(r.code).toBe(2)
    oneCleanLine(r)
  })

  it("a build number shared by several rollouts asks for --rollout (exit 3)", async () => {
    const r = await run(["evidence", "publish", "--db", "ev.db", "--url", fake.url, "--build-name", "checkout", "--build-number", "demo"], withToken)
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('3 rollouts recorded with build number "demo"')
    oneCleanLine(r)
  })

  it("a rollout still running, or an --artifact that is not repo/path, is bad input (exit 3)", async () => {
    const running = await run(["evidence", "publish", "--db", "ev.db", "--url", fake.url, "--build-name", "checkout", "--build-number", "43"], withToken)
    expect(running.code).toBe(3)
    expect(running.stderr.trim()).toBe("rollwise: rollout still-running: it has not ended yet; publish it once it is promoted, rolled back or aborted")
    const artifact = await run([...publishArgs("16", "k8s"), "--artifact", "checkout-2.5.0.tgz"], withToken)
    expect(artifact.code).toBe(3)
    expect(artifact.stderr.trim()).toBe('rollwise: --artifact: expected repo/path, got "checkout-2.5.0.tgz"')
  })

  it("401: a wrong token is refused (exit 4), and the token is not printed even with --debug", async () => {
    const wrong = `${canary}-but-wrong`
    const r = await run([...publishArgs("10", "k8s"), "--debug"], { ROLLWISE_ARTIFACTORY_TOKEN: wrong })
    expect(r.code).toBe(4)
    expect(r.stderr.split("\n")[0]).toMatch(/^rollwise: Artifactory refused the access token \(HTTP 401\) on PUT .*: Bad credentials; check ROLLWISE_ARTIFACTORY_TOKEN or --token-file$/)
    expect(r.stdout + r.stderr).not.toContain(canary)
  })

  it("403: a token without deploy permission (exit 4)", async () => {
    const r = await run(publishArgs("11", "k8s"), { ROLLWISE_ARTIFACTORY_TOKEN: fake.readOnlyToken })
    expect(r.code).toBe(4)
    expect(r.stderr).toMatch(/^rollwise: the access token may not do this \(HTTP 403\)/)
    oneCleanLine(r)
  })

  it("404: an artifact that is not in Artifactory (exit 3)", async () => {
    const r = await run([...publishArgs("12", "k8s"), "--artifact", "libs-release-local/not/there.tgz"], withToken)
    expect(r.code).toBe(3)
    expect(r.stderr.trim()).toBe("rollwise: not found in Artifactory (HTTP 404): GET /api/storage/libs-release-local/not/there.tgz: Unable to find item")
  })

  it("409: Artifactory refuses the build-info (exit 3)", async () => {
    fake.inject({ method: "PUT", path: "/api/build", status: 409, message: "Build checkout/13 already exists and may not be overwritten" })
    const r = await run(publishArgs("13", "k8s"), withToken)
    expect(r.code).toBe(3)
    expect(r.stderr.trim()).toBe("rollwise: Artifactory refused a conflicting write (HTTP 409): PUT /api/build: Build checkout/13 already exists and may not be overwritten")
  })

  it("5xx on every attempt is unavailable (exit 4) after the retries; a 429 with Retry-After is waited out", async () => {
    fake.inject({ method: "PUT", path: "/api/build", status: 503, count: 5 })
    const down = await run(publishArgs("14", "k8s"), withToken)
    expect(down.code).toBe(4)
    expect(down.stderr.trim()).toBe("rollwise: Artifactory is unavailable (HTTP 503): PUT /api/build: Internal Server Error (after 5 attempts)")
    fake.inject({ method: "PUT", path: "/api/build", status: 429, retryAfter: 1 })
    const busy = await run(publishArgs("15", "k8s"), withToken)
    expect(busy.code).toBe(0)
    expect(fake.build("checkout", "15")).toBeDefined()
  })

  it("an upstream message that echoes the token is redacted (canary token)", async () => {
    fake.inject({ method: "POST", path: "/api/search/aql", status: 400, message: `bad query from Bearer ${canary}` })
    const r = await run(["evidence", "export", "--from", "artifactory", "--url", fake.url, "--debug"], withToken)
    expect(r.code).toBe(3)
    expect(r.stderr.split("\n")[0]).toBe("rollwise: Artifactory rejected the request (HTTP 400): POST /api/search/aql: bad query from Bearer ***")
    expect(r.stdout + r.stderr).not.toContain(canary)
  })
})
