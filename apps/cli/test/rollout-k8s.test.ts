import { argoRolloutInFlight, type FakeKube, startFakeKube } from "@rollwise/kube-harness"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { background, rolloutSlo, scratch } from "./support.ts"

/**
 * `rollwise rollout --target k8s` end to end: the bundled CLI, through
 * @kubernetes/client-node, against the fake Kubernetes API server of
 * tools/kube-harness (a faithful fake of the REST contract, held to the real
 * kubectl) serving an argoproj.io/v1alpha1 Rollout whose controller walks
 * its steps, with simulated traffic judged by the real analyzer.
 */
let fake: FakeKube
let kubeconfig: string
const { dir, file } = scratch("rollout-k8s")
const db = join(dir, "evidence.db")
const slo = file("slo.yaml", rolloutSlo(false))
const decision = file(
  "strategy.json",
  JSON.stringify({
    risk_score: 42,
    strategy: "canary",
    pace: "normal",
    steps: [10, 25, 50, 100].map((weight) => ({ weight, pauseSeconds: 60 })),
    approval_required: false,
    model: { kind: "heuristic", version: "1" },
    reasons: []
  })
)

beforeAll(async () => {
  fake = await startFakeKube({ reconcileDelayMs: 5 })
  kubeconfig = fake.writeKubeconfig(dir, { namespace: "shop" })
})
afterAll(async () => {
  await fake.close()
})

/** The seed's canary (10 → 25 → 50 → 100 with pauses), with 2.5.0 being rolled out. */
const rolloutInFlight = (name: string) =>
  argoRolloutInFlight(fake, { name, namespace: "shop", replicas: 5, from: "shop/checkout:2.4.0", to: "shop/checkout:2.5.0", steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }] })
const status = (name: string) => fake.get("argoproj.io/v1alpha1", "Rollout", "shop", name)!["status"] as Record<string, unknown>
const rollwise = (args: ReadonlyArray<string>) => background(args, {}, dir)
const args = (name: string, scenario: string) => ["rollout", "--decision", decision, "--slo", slo, "--target", "k8s", "--kubeconfig", kubeconfig, "--rollout", name, "--simulate", scenario, "--speed", "1200", "--db", db, "--id", `k8s-${name}`]

describe("rollwise rollout --target k8s (bundled CLI, client-node, fake API server with an Argo Rollouts controller)", () => {
  it("a healthy candidate: the Rollout is promoted step by step to Healthy, stable = the new ReplicaSet (exit 0)", async () => {
    await rolloutInFlight("checkout")
    const run = rollwise([...args("checkout", "healthy"), "--json"])
    const code = await run.exited
    expect(code, run.output().stderr).toBe(0)
    expect(JSON.parse(run.output().stdout)).toMatchObject({ result: "promoted", steps: "4/4" })
    expect(run.output().stderr).toMatch(/step 2\/4 applied: weight 25 %/)
    expect(status("checkout")).toMatchObject({ phase: "Healthy" })
    expect(status("checkout")["stableRS"]).toBe(status("checkout")["currentPodHash"])
    // already paused at 10 %: each later step is one promote with the plugin's patch; past the last pause the controller finishes
    const patches = fake.requests.filter((r) => r.method === "PATCH" && r.path.endsWith("/rollouts/checkout/status")).map((r) => r.body)
    expect(patches).toEqual([{ status: { pauseConditions: null } }, { status: { pauseConditions: null } }, { status: { pauseConditions: null } }])
  }, 60_000)

  it("a regressing candidate: the Rollout is aborted at its first step (exit 11)", async () => {
    await rolloutInFlight("checkout-bad")
    const run = rollwise(args("checkout-bad", "latency-regression"))
    expect(await run.exited).toBe(11)
    expect(status("checkout-bad")).toMatchObject({ abort: true, phase: "Degraded" })
    expect(run.output().stderr).toMatch(/ROLLED BACK/)
  }, 60_000)

  it("--target k8s needs one mode, and k8s flags need --target k8s (exit 3)", async () => {
    const none = rollwise(["rollout", "--decision", decision, "--slo", slo, "--target", "k8s", "--simulate", "healthy"])
    expect(await none.exited).toBe(3)
    expect(none.output().stderr).toContain("needs exactly one of --rollout NAME")
    const stray = rollwise(["rollout", "--decision", decision, "--slo", slo, "--target", "simulated", "--rollout", "x", "--simulate", "healthy"])
    expect(await stray.exited).toBe(3)
    expect(stray.output().stderr).toContain("--rollout: only makes sense with --target k8s")
    const image = rollwise(["rollout", "--decision", decision, "--slo", slo, "--target", "k8s", "--bluegreen", "checkout", "--simulate", "healthy"])
    expect(await image.exited).toBe(3)
    expect(image.output().stderr).toContain("--bluegreen: needs --image")
  })

  it("a kubeconfig that does not exist is bad input (exit 3), naming it", async () => {
    const run = rollwise(["rollout", "--decision", decision, "--slo", slo, "--target", "k8s", "--kubeconfig", join(dir, "missing.yaml"), "--rollout", "x", "--simulate", "healthy", "--db", db])
    expect(await run.exited).toBe(3)
    expect(run.output().stderr).toContain("missing.yaml")
  })
})
