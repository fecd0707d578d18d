import { DeployTarget } from "@rollwise/rollout-engine"
import { DeployTargetContract } from "@rollwise/rollout-engine/testing"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { BlueGreen } from "../src/index.ts"
import { failure, run, unique, useFakeCluster } from "./support.ts"

describe("BlueGreen.rolledOut (pure; what kubectl rollout status waits for)", () => {
  const d = (generation: number, status: Record<string, number>) => ({ metadata: { generation }, spec: { replicas: 3, selector: {}, template: {} }, status })
  it("needs the observed generation and every replica updated and available, no old ones left", () => {
    expect(BlueGreen.rolledOut(d(2, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }))).toBe(true)
    expect(BlueGreen.rolledOut(d(3, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }))).toBe(false)
    expect(BlueGreen.rolledOut(d(2, { observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 }))).toBe(false)
    expect(BlueGreen.rolledOut(d(2, { observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 3 }))).toBe(false)
  })
})

/** Through @kubernetes/client-node against the fake API server of tools/kube-harness (see test/support.ts). */
const cluster = useFakeCluster()

/** Two Deployments and a Service, as charts/examples/canary-service renders them for blue/green. */
const blueGreen = async (service: string) => {
  for (const color of ["blue", "green"]) {
    cluster.fake.create({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: `${service}-${color}`, namespace: "shop" },
      spec: { replicas: color === "blue" ? 3 : 0, selector: { matchLabels: { app: service, color } }, template: { metadata: { labels: { app: service, color } }, spec: { containers: [{ name: "app", image: "shop/checkout:2.4.0" }] } } }
    })
  }
  cluster.fake.create({ apiVersion: "v1", kind: "Service", metadata: { name: service, namespace: "shop" }, spec: { selector: { app: service, color: "blue" }, ports: [{ port: 80 }] } })
  await cluster.fake.settle()
}

DeployTargetContract.suite(
  "plain blue/green through @kubernetes/client-node against the fake API server",
  () =>
    Layer.effect(
      DeployTarget.DeployTarget,
      Effect.gen(function* () {
        const service = unique("bg")
        yield* Effect.promise(() => blueGreen(service))
        return yield* cluster.target({ mode: "bluegreen", service, image: "shop/checkout:2.5.0", readyTimeout: "5 seconds" })
      }).pipe(Effect.orDie)
    ),
  "weight",
  [0, 0, 0, 0]
)

describe("blue/green (client-node against the fake API server)", () => {
  it("step 0 rolls the candidate out on the idle colour; step 100 flips the Service; rollback flips back", async () => {
    const service = unique("bg")
    await blueGreen(service)
    const t = await run(cluster.target({ mode: "bluegreen", service, image: "shop/checkout:2.5.0" }))
    await run(t.apply({ weight: 0 }))
    const green = cluster.fake.get("apps/v1", "Deployment", "shop", `${service}-green`)!
    expect(((green["spec"] as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0]!.image)).toBe("shop/checkout:2.5.0")
    expect((green["status"] as { availableReplicas: number }).availableReplicas).toBe(3)
    const selector = () => (cluster.fake.get("v1", "Service", "shop", service)!["spec"] as { selector: Record<string, string> }).selector
    expect(selector()["color"]).toBe("blue")
    await run(t.apply({ weight: 100 }))
    expect(selector()["color"]).toBe("green")
    await run(t.rollback)
    expect(selector()["color"]).toBe("blue")
    expect((await failure(t.apply({ weight: 30 }))).reason).toBe("Rejected")
  })
})
