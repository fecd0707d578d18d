import { fc, test } from "@fast-check/vitest"
import { describe, expect, it } from "vitest"
import { Canary } from "../src/index.ts"
import { failure, run, unique, useFakeCluster } from "./support.ts"

describe("Canary.splitRoute and Canary.routeWeight (pure; an HTTPRoute's backendRefs)", () => {
  const route = { parentRefs: [{ name: "gateway" }], rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: "checkout", port: 80, weight: 100 }] }] }

  it("gives the canary Service its weight and the stable one the rest, the canary ref copied from the stable one's port", () => {
    const split = Canary.splitRoute(route, "checkout", "checkout-canary", 10)
    expect(split).toEqual({ ...route, rules: [{ ...route.rules[0], backendRefs: [{ name: "checkout", port: 80, weight: 90 }, { name: "checkout-canary", port: 80, weight: 10 }] }] })
    expect(Canary.routeWeight(split, "checkout-canary")).toBe(10)
  })

  it("replaces the canary ref of an earlier split rather than adding a second one; leaves rules without the stable Service alone", () => {
    const other = { matches: [{ path: { type: "PathPrefix", value: "/admin" } }], backendRefs: [{ name: "admin", port: 8080 }] }
    const again = Canary.splitRoute(Canary.splitRoute({ rules: [...route.rules, other] }, "checkout", "checkout-canary", 10), "checkout", "checkout-canary", 50)
    expect(again.rules[0]!.backendRefs).toEqual([{ name: "checkout", port: 80, weight: 50 }, { name: "checkout-canary", port: 80, weight: 50 }])
    expect(again.rules[1]).toEqual(other)
  })

  it("a route that does not name the canary reads as weight 0", () => {
    expect(Canary.routeWeight(route, "checkout-canary")).toBe(0)
    expect(Canary.routeWeight({}, "checkout-canary")).toBe(0)
  })

  test.prop([fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })])("the weight read back is the one set last, and the two refs always add up to 100", (first, second) => {
    const split = Canary.splitRoute(Canary.splitRoute(route, "checkout", "checkout-canary", first), "checkout", "checkout-canary", second)
    expect(Canary.routeWeight(split, "checkout-canary")).toBe(second)
    expect(split.rules[0]!.backendRefs!.map((r) => r.weight)).toEqual([100 - second, second])
  })
})

/** Through @kubernetes/client-node against the fake API server of tools/kube-harness (see test/support.ts). */
const cluster = useFakeCluster()

describe("plain canary with weights (client-node against the fake API server)", () => {
  const canaryFixture = async (name: string) => {
    for (const [suffix, replicas] of [["", 4], ["-canary", 0]] as const) {
      cluster.fake.create({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: `${name}${suffix}`, namespace: "shop" },
        spec: { replicas, selector: { matchLabels: { app: `${name}${suffix}` } }, template: { metadata: { labels: { app: `${name}${suffix}` } }, spec: { containers: [{ name: "app", image: "shop/checkout:2.4.0" }] } } }
      })
    }
    cluster.fake.create({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name, namespace: "shop" },
      spec: { parentRefs: [{ name: "gateway" }], rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name, port: 80, weight: 100 }] }] }
    })
    cluster.fake.create({ apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: `${name}-canary`, namespace: "shop", annotations: { "nginx.ingress.kubernetes.io/canary": "true" } }, spec: { rules: [] } })
    await cluster.fake.settle()
  }
  const route = (name: string) => ((cluster.fake.get("gateway.networking.k8s.io/v1", "HTTPRoute", "shop", name)!["spec"] as { rules: Array<{ backendRefs: Array<{ name: string; weight: number }> }> }).rules[0]!.backendRefs)

  it("HTTPRoute: each step sets the backendRefs' weights; promote moves the image to stable and the weight back to 0", async () => {
    const name = unique("canary")
    await canaryFixture(name)
    const t = await run(cluster.target({ mode: "canary", deployment: name, image: "shop/checkout:2.5.0", router: { kind: "httproute", name } }))
    await run(t.apply({ weight: 10 }))
    expect(route(name)).toEqual([{ name, port: 80, weight: 90 }, { name: `${name}-canary`, port: 80, weight: 10 }])
    await run(t.apply({ weight: 50 }))
    expect(route(name).map((r) => r.weight)).toEqual([50, 50])
    expect(await run(t.status)).toMatchObject({ phase: "progressing", current: { weight: 50 } })
    await run(t.promote)
    expect(route(name).map((r) => r.weight)).toEqual([100, 0])
    const stable = cluster.fake.get("apps/v1", "Deployment", "shop", name)!["spec"] as { template: { spec: { containers: Array<{ image: string }> } } }
    expect(stable.template.spec.containers[0]!.image).toBe("shop/checkout:2.5.0")
    expect((cluster.fake.get("apps/v1", "Deployment", "shop", `${name}-canary`)!["spec"] as { replicas: number }).replicas).toBe(0)
  })

  it("HTTPRoute: a write that loses a race (409) is read again and retried", async () => {
    const name = unique("canary")
    await canaryFixture(name)
    cluster.fake.failNext({ method: "PUT", path: `/httproutes/${name}`, status: 409 })
    const t = await run(cluster.target({ mode: "canary", deployment: name, image: "shop/checkout:2.5.0", router: { kind: "httproute", name } }))
    await run(t.apply({ weight: 20 }))
    expect(route(name).map((r) => r.weight)).toEqual([80, 20])
    expect(cluster.fake.requests.filter((r) => r.method === "PUT" && r.path.endsWith(`/httproutes/${name}`)).length).toBe(2)
  })

  it("NGINX: the canary Ingress' canary-weight annotation; rollback takes it to 0", async () => {
    const name = unique("canary")
    await canaryFixture(name)
    const t = await run(cluster.target({ mode: "canary", deployment: name, image: "shop/checkout:2.5.0", router: { kind: "nginx", ingress: `${name}-canary` } }))
    await run(t.apply({ weight: 25 }))
    const weight = () => ((cluster.fake.get("networking.k8s.io/v1", "Ingress", "shop", `${name}-canary`)!["metadata"] as { annotations: Record<string, string> }).annotations["nginx.ingress.kubernetes.io/canary-weight"])
    expect(weight()).toBe("25")
    await run(t.rollback)
    expect(weight()).toBe("0")
    expect((await failure(t.promote)).reason).toBe("Rejected")
  })
})
