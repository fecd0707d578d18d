import { startFakeKube } from "@rollwise/kube-harness"
import { Effect } from "effect"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { TargetK8s } from "../src/index.ts"
import { argoSteps as steps, failure, unique, useFakeCluster } from "./support.ts"

/** Through @kubernetes/client-node against the fake API server of tools/kube-harness (see test/support.ts). */
const cluster = useFakeCluster()

describe("errors (client-node against the fake API server)", () => {
  it.each([
    [403, "Forbidden", false],
    [404, "NotFound", false],
    [500, "Unreachable", true],
    [503, "Unreachable", true]
  ] as const)("an API answer %i is %s (transient: %s), with the server's message", async (status, reason, transient) => {
    const name = unique("err")
    await cluster.argoInFlight(name, steps)
    cluster.fake.failNext({ method: "GET", path: `/rollouts/${name}`, status, message: `injected ${status}` })
    const error = await failure(Effect.flatMap(cluster.target({ mode: "argo", name }), (t) => t.status))
    expect(error.reason).toBe(reason)
    expect(error.transient).toBe(transient)
    expect(error.detail).toContain(`rollout shop/${name}`)
  })

  it("a missing Rollout is NotFound naming it", async () => {
    const error = await failure(Effect.flatMap(cluster.target({ mode: "argo", name: "no-such-rollout" }), (t) => t.status))
    expect(error.reason).toBe("NotFound")
    expect(error.detail).toContain("no-such-rollout")
  })

  it("refused credentials are Forbidden, and the token never appears in the error", async () => {
    const bad = cluster.fake.writeKubeconfig(cluster.tempDir("bad-"), { namespace: "shop", token: "wrong-token-value-77" })
    const error = await failure(Effect.flatMap(TargetK8s.make({ kubeconfig: bad }, { mode: "argo", name: "x" }), (t) => t.status))
    expect(error.reason).toBe("Forbidden")
    expect(error.detail).toContain("credentials were refused")
    expect(JSON.stringify({ detail: error.detail, message: error.message })).not.toContain("wrong-token-value-77")
  })

  it("an API server that is not there is Unreachable (transient)", async () => {
    const other = await startFakeKube()
    const path = other.writeKubeconfig(cluster.tempDir("gone-"))
    await other.close()
    const error = await failure(Effect.flatMap(TargetK8s.make({ kubeconfig: path }, { mode: "argo", name: "x" }), (t) => t.status))
    expect(error.reason).toBe("Unreachable")
    expect(error.transient).toBe(true)
  })

  it("a missing kubeconfig or context is NotFound naming it", async () => {
    expect((await failure(TargetK8s.make({ kubeconfig: join(cluster.dir, "nope.yaml") }, { mode: "argo", name: "x" }))).detail).toContain("nope.yaml")
    expect((await failure(TargetK8s.make({ kubeconfig: cluster.kubeconfig, context: "prod" }, { mode: "argo", name: "x" }))).detail).toContain('context "prod"')
  })
})
