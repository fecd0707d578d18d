import { readFileSync } from "node:fs"
import { EvidenceStore } from "@rollwise/rollout-engine"
import { Effect } from "effect"
import { parse } from "yaml"
import { describe, expect, it } from "vitest"
import { MetricSources, Runner } from "../src/index.ts"

const example = (name: string) => readFileSync(new URL(`../../../examples/${name}`, import.meta.url), "utf8")
const decision = JSON.parse(example("strategy.json")) as unknown
const slo = parse(example("slo.yaml")) as unknown

const setup = (scenario: Runner.Scenario, change: Partial<Runner.Setup> = {}): Runner.Setup => ({
  decision,
  slo,
  target: "simulated",
  metrics: { simulate: scenario, seed: 7, speed: 2000 },
  hookTimeoutSeconds: 60,
  approvalTimeoutSeconds: 3600,
  onApprovalTimeout: "rollback",
  ...change
})

const sources = { decision: "strategy.json", slo: "slo.yaml", policy: "policy.yaml" }

/** Run a simulated rollout to its end against an in-memory store; its final state and recorded events. */
const runToEnd = (s: Runner.Setup, id: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const store = yield* EvidenceStore.makeMemory
      const final = yield* Runner.run({
        rollout: { rolloutId: id, service: "checkout", target: "simulated:checkout", startedAt: Date.parse("2026-12-01T09:00:00Z") },
        setup: s,
        mode: "start",
        sources,
        env: {}
      }).pipe(Effect.provideService(EvidenceStore.EvidenceStore, store))
      return { final, events: (yield* store.get(id)).events }
    })
  )

describe("Runner.run (simulated target and traffic, in-memory store)", () => {
  it("promotes a healthy candidate through every step, recording each", async () => {
    const { final, events } = await runToEnd(setup("healthy"), "healthy-1")
    expect(final.phase).toBe("promoted")
    expect(events.filter((e) => e.type === "StepApplied")).toHaveLength(4)
    expect(events.at(-1)!.type).toBe("Promoted")
  }, 60_000)

  it("rolls back a latency regression", async () => {
    const { final, events } = await runToEnd(setup("latency-regression"), "bad-1")
    expect(final.phase).toBe("rolled_back")
    expect(events.some((e) => e.type === "Window")).toBe(true)
    expect(events.at(-1)!.type).toBe("RolledBack")
  }, 60_000)

  it("blocks at the gates before the first step when the policy says so", async () => {
    // 2026-12-01 is a Tuesday
    const policy = { apiVersion: "rollwise/v1", kind: "GatePolicy", changeWindow: { timeZone: "UTC", blocked: [{ days: ["tue"], from: "00:00", to: "24:00", reason: "no Tuesday deploys" }] } }
    const { final, events } = await runToEnd(setup("healthy", { policy }), "blocked-1")
    expect(final.phase).toBe("aborted")
    expect(events.map((e) => e.type)).toEqual(["Started", "GatesBlocked"])
  })
})

describe("setup checks", () => {
  const fail = <A>(effect: Effect.Effect<A, Runner.SetupError>) => Effect.runSync(Effect.flip(effect))

  it("refuses a decision with no step before anything is recorded, naming the field (issue #16)", async () => {
    const error = await Effect.runPromise(Effect.flip(Runner.prepare(setup("healthy", { decision: { ...(decision as object), steps: [] } }), sources)))
    expect(error.message).toBe("strategy.json: steps: needs at least one step (a rollout with no step has nothing to roll out)")
    const store = await Effect.runPromise(EvidenceStore.makeMemory)
    const run = await Effect.runPromise(
      Effect.flip(
        Runner.run({ rollout: { rolloutId: "none", service: "checkout", target: "simulated:checkout", startedAt: 0 }, setup: setup("healthy", { decision: { ...(decision as object), steps: [] } }), mode: "start", sources, env: {} }).pipe(
          Effect.provideService(EvidenceStore.EvidenceStore, store)
        )
      )
    )
    expect(run._tag).toBe("DecodeError")
    expect(await Effect.runPromise(store.list())).toEqual([])
  })

  it("parses targets and names the field of a bad one", () => {
    expect(Effect.runSync(Runner.parseTarget("simulated"))).toEqual({ kind: "simulated" })
    expect(Effect.runSync(Runner.parseTarget("k8s"))).toEqual({ kind: "k8s" })
    expect(Effect.runSync(Runner.parseTarget("exec:/opt/deploy.sh"))).toEqual({ kind: "exec", command: "/opt/deploy.sh" })
    expect(Effect.runSync(Runner.parseTarget("windows"))).toEqual({ kind: "windows" })
    expect(Effect.runSync(Runner.parseTarget("arm"))).toEqual({ kind: "arm" })
    expect(Effect.runSync(Runner.parseTarget("flag:new-cart"))).toEqual({ kind: "flag", key: "new-cart" })
    expect(fail(Runner.parseTarget("iis", "target.kind")).message).toBe(
      'target.kind: "iis" is not a target: use k8s, windows (with --hosts), arm (with --fleet), exec:PATH (your hook executable), flag:KEY (a feature flag\'s share of users) or simulated'
    )
    expect(fail(Runner.parseTarget("flag:../etc")).message).toBe('--target: "../etc" is not a flag key (letters, digits, . _ -, at most 128, starting with a letter or digit)')
  })

  it("a file target needs its own file and refuses the other family's", () => {
    const flag = (family: "windows" | "arm") => (family === "windows" ? "--hosts" : "--fleet")
    const base: Runner.Setup = {
      decision: {},
      slo: {},
      target: "windows",
      metrics: { simulate: "healthy", seed: 1, speed: 1 },
      hookTimeoutSeconds: 60,
      approvalTimeoutSeconds: 60,
      onApprovalTimeout: "rollback"
    }
    expect(fail(Runner.checkTargetFile(base, "windows", flag)).message).toBe("--hosts: --target windows needs --hosts FILE")
    expect(fail(Runner.checkTargetFile({ ...base, target: "k8s", arm: { document: {}, dir: "/" } }, "k8s", flag)).message).toBe("--fleet: only makes sense with --target arm")
  })

  it("wants exactly one Kubernetes mode, an image where it deploys one, and a route for a canary", () => {
    const flag = (f: string) => (f === "target" ? "target" : `target.${f}`)
    expect(fail(Runner.checkK8s({}, flag)).message).toBe(
      "target: needs exactly one of target.rollout NAME (an Argo Rollout), target.bluegreen SERVICE, target.canary DEPLOYMENT with target.route, or target.deployment NAME (rolling)"
    )
    expect(fail(Runner.checkK8s({ rollout: "a", deployment: "b" }, flag)).field).toBe("target")
    expect(fail(Runner.checkK8s({ bluegreen: "web" }, flag)).message).toBe("target.bluegreen: needs target.image (the candidate's image)")
    expect(fail(Runner.checkK8s({ canary: "web", image: "web:2" }, flag)).field).toBe("target.route")
    expect(Effect.runSync(Runner.checkK8s({ canary: "web", image: "web:2", route: "httproute/web" }, flag))).toBeUndefined()
    expect(Effect.runSync(Runner.checkK8s({ rollout: "checkout" }, flag))).toBeUndefined()
  })

  it("asks a live setup for every metric's query, naming the metric", async () => {
    const live = setup("healthy", { metrics: { prometheus: "http://127.0.0.1:9", timeout: 5 } })
    const error = await Effect.runPromise(Effect.flip(Runner.prepare(live, sources)))
    expect(error).toMatchObject({ _tag: "SetupError", field: "slo.yaml" })
    expect(error.message).toContain("metric error-rate (ratio) needs errorsQuery and totalQuery for live analysis")
  })

  it("plans approval before the full step when the policy's threshold is below the risk", async () => {
    const policy = { apiVersion: "rollwise/v1", kind: "GatePolicy", approval: { threshold: 30 } }
    const { plan } = await Effect.runPromise(Runner.prepare(setup("healthy", { policy }), sources))
    expect(plan.approvalRequired).toBe(true)
    const { plan: without } = await Effect.runPromise(Runner.prepare(setup("healthy"), sources))
    expect(without.approvalRequired).toBe(false)
  })
})

describe("Prometheus URLs kept in a record", () => {
  it("must be http(s) without credentials (they come from the environment)", () => {
    const fail = (url: string) => Effect.runSync(Effect.flip(MetricSources.requireCredentialFreeUrl(url))).message
    expect(Effect.runSync(MetricSources.requireCredentialFreeUrl("http://prometheus:9090"))).toBeUndefined()
    expect(fail("http://admin:s3cret@prometheus:9090")).toBe(
      "--prometheus: holds credentials; give them as ROLLWISE_PROMETHEUS_TOKEN or ROLLWISE_PROMETHEUS_USER and _PASSWORD, never in the URL (it is kept in the evidence)"
    )
    expect(fail("http://admin:s3cret@prometheus:9090")).not.toContain("s3cret")
    expect(fail("ftp://prometheus")).toBe("--prometheus: expected an http or https URL, got ftp:")
    expect(fail("prometheus:9090 x")).toContain("--prometheus: ")
  })
})
