import { describe, expect, it } from "vitest"
import { Flagger, Kube } from "../src/index.ts"
import { run, useFakeCluster } from "./support.ts"

describe("Flagger.statusOf (pure)", () => {
  it.each([
    ["Succeeded", "promoted"],
    ["Failed", "rolled_back"],
    ["Progressing", "progressing"],
    ["WaitingPromotion", "progressing"],
    ["Initialized", "idle"],
    ["Terminated", "degraded"]
  ])("phase %s → %s", (phase, mapped) => {
    expect(Flagger.statusOf(Flagger.view({ status: { phase, canaryWeight: 20, failedChecks: 0 } })).phase).toBe(mapped)
  })
  it("carries the weight and the failed checks", () => {
    const s = Flagger.statusOf(Flagger.view({ status: { phase: "Progressing", canaryWeight: 30, failedChecks: 2 } }))
    expect(s.current).toEqual({ weight: 30 })
    expect(s.healthy).toBe(false)
    expect(s.detail).toContain("2 failed checks")
  })
})

/** Through @kubernetes/client-node against the fake API server of tools/kube-harness (see test/support.ts). */
const cluster = useFakeCluster()

describe("Flagger (client-node against the fake API server)", () => {
  it("reads a Canary's status and maps it", async () => {
    cluster.fake.create({ apiVersion: "flagger.app/v1beta1", kind: "Canary", metadata: { name: "podinfo", namespace: "shop" }, spec: { targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "podinfo" } }, status: { phase: "Progressing", canaryWeight: 30, failedChecks: 1, iterations: 3 } })
    const kube = await run(Kube.connect({ kubeconfig: cluster.kubeconfig }))
    expect(await run(Flagger.status(kube, "podinfo"))).toMatchObject({ phase: "progressing", current: { weight: 30 }, healthy: false })
  })
})
