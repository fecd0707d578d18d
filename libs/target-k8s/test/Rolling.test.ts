import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import { Rolling } from "../src/index.ts"
import { run, unique, useFakeCluster } from "./support.ts"

describe("Rolling.batchSize (pure; how many replicas a batch moves)", () => {
  it("is the batch's share of the replicas, rounded up, at least one", () => {
    expect(Rolling.batchSize(4, 25)).toBe(1)
    expect(Rolling.batchSize(4, 30)).toBe(2)
    expect(Rolling.batchSize(10, 50)).toBe(5)
    expect(Rolling.batchSize(3, 0)).toBe(1)
    expect(Rolling.batchSize(3, 100)).toBe(3)
  })

  test.prop([fc.integer({ min: 1, max: 500 }), fc.integer({ min: 0, max: 99 })])("never below one nor above the replicas, and a larger share never moves fewer", (replicas, percent) => {
    const batch = Rolling.batchSize(replicas, percent)
    expect(batch).toBeGreaterThanOrEqual(1)
    expect(batch).toBeLessThanOrEqual(replicas)
    expect(Rolling.batchSize(replicas, percent + 1)).toBeGreaterThanOrEqual(batch)
    expect(Rolling.batchSize(replicas, 100)).toBe(replicas)
  })
})

/** Through @kubernetes/client-node against the fake API server of tools/kube-harness (see test/support.ts). */
const cluster = useFakeCluster()

describe("rolling (client-node against the fake API server)", () => {
  it("a batch sets the image and pauses the Deployment; rollback undoes to the previous image", async () => {
    const name = unique("rolling")
    cluster.fake.create({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: "shop" },
      spec: { replicas: 4, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image: "shop/checkout:2.4.0" }] } } }
    })
    await cluster.fake.settle()
    const t = await run(cluster.target({ mode: "rolling", deployment: name, image: "shop/checkout:2.5.0" }))
    await run(t.apply({ weight: 25 }))
    const spec = () => cluster.fake.get("apps/v1", "Deployment", "shop", name)!["spec"] as { paused?: boolean; template: { spec: { containers: Array<{ image: string }> } } }
    expect(spec().paused).toBe(true)
    expect(spec().template.spec.containers[0]!.image).toBe("shop/checkout:2.5.0")
    expect(await run(t.status)).toMatchObject({ phase: "progressing", current: { weight: 25 } })
    await run(t.rollback)
    expect(spec().template.spec.containers[0]!.image).toBe("shop/checkout:2.4.0")
    expect(spec().paused).toBe(false)
    expect((await run(t.status)).phase).toBe("rolled_back")
  })
})
