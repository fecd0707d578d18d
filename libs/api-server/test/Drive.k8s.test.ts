import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { scenarioSource } from "@rollwise/api-handler/testing"
import { SqliteEvidenceStore } from "@rollwise/evidence-store"
import { argoRolloutInFlight, type FakeKube, startFakeKube } from "@rollwise/kube-harness"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { auth, byName, type Running, sloDocument, startServer } from "./helpers.ts"

/**
 * `POST /v1/rollouts` with `target.kind: "k8s"` on a server started with
 * `--drive k8s`: the server drives an Argo Rollout through
 * @kubernetes/client-node against tools/kube-harness' fake API server (a
 * faithful fake of the REST contract with an Argo Rollouts controller), and
 * measures through its metric source — here a scenario source keyed by the
 * service name, standing in for the server's Prometheus, on 1-second windows.
 */
let fake: FakeKube
let server: Running
const dir = mkdtempSync(join(tmpdir(), "rollwise-drive-k8s-"))

beforeAll(async () => {
  fake = await startFakeKube({ reconcileDelayMs: 5 })
  const kubeconfig = fake.writeKubeconfig(dir, { namespace: "shop" })
  const db = join(dir, "evidence.db")
  server = await startServer({
    evidenceStore: SqliteEvidenceStore.layer({ path: db }),
    evidencePath: db,
    drive: { simulated: false, k8s: { kubeconfig }, prometheus: { url: "http://prometheus.invalid:9090", timeoutSeconds: 5, source: scenarioSource(byName) }, opaUrls: [], env: {} }
  })
})
afterAll(async () => {
  await server.close()
  await fake.close()
})

const decision = {
  risk_score: 30,
  strategy: "canary",
  pace: "fast",
  steps: [10, 25, 50, 100].map((weight) => ({ weight, pauseSeconds: 0 })),
  approval_required: false,
  model: { kind: "heuristic", version: "1" },
  reasons: []
}
// the test SLO for the healthy service (the scenario source answers by the spec's service) on 1-second windows,
// read at a 1-second step (a live spec whose window is shorter than its step is refused)
const slo = { ...sloDocument, service: "healthy-checkout", window: "1s", step: "1s", promoteAfter: 1, warmupWindows: 0 }
const status = (name: string) => fake.get("argoproj.io/v1alpha1", "Rollout", "shop", name)!["status"] as Record<string, unknown>

describe("POST /v1/rollouts on Kubernetes (client-node against the fake API server with an Argo Rollouts controller)", () => {
  it("drives a healthy candidate's Argo Rollout to Healthy, stable = the new ReplicaSet", async () => {
    await argoRolloutInFlight(fake, { name: "checkout", namespace: "shop", replicas: 5, from: "shop/checkout:2.4.0", to: "shop/checkout:2.5.0", steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }] })
    const res = await server.post("/v1/rollouts", { decision, slo, target: { kind: "k8s", namespace: "shop", rollout: "checkout" }, service: "healthy-checkout", rolloutId: "k8s-healthy" })
    expect(res.status).toBe(202)
    const deadline = Date.now() + 40_000
    let phase = ""
    while (Date.now() < deadline) {
      const detail = (await (await server.fetch("/v1/rollouts/k8s-healthy", { headers: auth })).json()) as { standing?: { phase: string } }
      phase = detail.standing?.phase ?? ""
      if (phase === "promoted" || phase === "rolled_back" || phase === "aborted") break
      await new Promise((r) => setTimeout(r, 200))
    }
    expect(phase).toBe("promoted")
    expect(status("checkout")).toMatchObject({ phase: "Healthy" })
    expect(status("checkout")["stableRS"]).toBe(status("checkout")["currentPodHash"])
    // the plugin's own patches on the status subresource, one per step past the first pause
    const patches = fake.requests.filter((r) => r.method === "PATCH" && r.path.endsWith("/rollouts/checkout/status"))
    expect(patches.length).toBeGreaterThanOrEqual(3)
  }, 60_000)

  it("answers 400 naming the field for a Kubernetes target without a mode, before touching the cluster", async () => {
    const before = fake.requests.length
    const res = await server.post("/v1/rollouts", { decision, slo, target: { kind: "k8s", namespace: "shop" }, service: "healthy-checkout" })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ field: "target", message: expect.stringContaining("needs exactly one of target.rollout NAME") })
    expect(fake.requests.length).toBe(before)
  })
})
