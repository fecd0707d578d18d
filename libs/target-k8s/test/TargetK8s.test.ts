import { DeployTarget } from "@rollwise/rollout-engine"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { TargetK8s } from "../src/index.ts"
import { argoSteps, podTemplate, run, unique, useFakeCluster } from "./support.ts"

/** Through @kubernetes/client-node against the fake API server of tools/kube-harness (see test/support.ts). */
const cluster = useFakeCluster()

/** The DeployTarget that `TargetK8s.layer` provides, described. */
const describeThroughLayer = (mode: TargetK8s.Mode) =>
  run(
    Effect.gen(function* () {
      const target = yield* DeployTarget.DeployTarget
      return yield* target.describe
    }).pipe(Effect.provide(TargetK8s.layer({ kubeconfig: cluster.kubeconfig }, mode)))
  )

describe("TargetK8s.layer (client-node against the fake API server)", () => {
  it("provides the mode's own target: each mode reads (and names) its own kind of object", async () => {
    const rollout = unique("argo")
    await cluster.argoInFlight(rollout, argoSteps)
    const deployment = unique("rolling")
    cluster.fake.create({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: deployment, namespace: "shop" }, spec: { replicas: 2, selector: { matchLabels: { app: deployment } }, template: podTemplate(deployment, "shop/checkout:2.4.0") } })
    const service = unique("bg")
    cluster.fake.create({ apiVersion: "v1", kind: "Service", metadata: { name: service, namespace: "shop" }, spec: { selector: { app: service, color: "blue" }, ports: [{ port: 80 }] } })
    await cluster.fake.settle()

    const before = cluster.fake.requests.length
    expect(await describeThroughLayer({ mode: "argo", name: rollout })).toMatchObject({ kind: "k8s", name: `shop/${rollout}` })
    expect(await describeThroughLayer({ mode: "rolling", deployment, image: "shop/checkout:2.5.0" })).toMatchObject({ kind: "k8s", name: `shop/${deployment}`, candidateVersion: "shop/checkout:2.5.0" })
    expect(await describeThroughLayer({ mode: "bluegreen", service, image: "shop/checkout:2.5.0" })).toMatchObject({ kind: "k8s", name: `shop/${service}`, candidateVersion: "shop/checkout:2.5.0" })
    expect(await describeThroughLayer({ mode: "canary", deployment: "storefront", image: "shop/checkout:2.5.0", router: { kind: "nginx", ingress: "storefront-canary" } })).toEqual({ kind: "k8s", name: "shop/storefront", candidateVersion: "shop/checkout:2.5.0" })
    const reads = cluster.fake.requests.slice(before).filter((r) => r.method === "GET").map((r) => r.path)
    expect(reads).toEqual([`/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/${rollout}`, `/apis/apps/v1/namespaces/shop/deployments/${deployment}`, `/api/v1/namespaces/shop/services/${service}`])
  })
})
