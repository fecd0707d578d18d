import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { stringify } from "yaml"
import { startFakeKube, type FakeKube } from "../src/index.ts"
import { at, fixture, fixturePath, kubectl, type Obj } from "./support.ts"

describe("the fake API server through the real kubectl 1.32", () => {
  let kube: FakeKube
  let home: string
  let config: string
  const run = (...args: ReadonlyArray<string>) => kubectl(config, home, args)
  const ok = async (...args: ReadonlyArray<string>): Promise<string> => {
    const result = await run(...args)
    expect(result.stderr, `kubectl ${args.join(" ")}`).toBe("")
    expect(result.code, `kubectl ${args.join(" ")}`).toBe(0)
    return result.stdout
  }

  beforeAll(async () => {
    kube = await startFakeKube()
    home = mkdtempSync(join(tmpdir(), "kube-harness-"))
    config = kube.writeKubeconfig(home)
  })
  afterAll(async () => {
    await kube.close()
    rmSync(home, { recursive: true, force: true })
  })

  it("real kubectl: create -f and apply -f --validate=false a Deployment, Services and a Rollout; get deploy,svc -o json", async () => {
    expect(await ok("create", "--save-config", "--validate=false", "-f", fixturePath("deployment.yaml"))).toBe("deployment.apps/payments created\nservice/payments created\n")
    expect(await ok("apply", "--validate=false", "-f", fixturePath("rollout-canary.yaml"))).toBe(
      [
        "service/checkout-stable created",
        "service/checkout-canary created",
        "analysistemplate.argoproj.io/success-rate created",
        "rollout.argoproj.io/checkout created",
        ""
      ].join("\n")
    )
    await kube.settle()
    const list = JSON.parse(await ok("get", "deploy,svc", "-o", "json")) as Obj
    expect(list["kind"]).toBe("List")
    const items = (list["items"] as Array<Obj>).map((o) => `${String(o["kind"])}/${String(at(o, "metadata", "name"))}`)
    expect(items).toEqual(["Deployment/payments", "Service/checkout-canary", "Service/checkout-stable", "Service/payments"])
    const deployment = (list["items"] as Array<Obj>)[0]
    expect(at(deployment, "status", "availableReplicas")).toBe(3)
    expect(at(deployment, "metadata", "annotations", "deployment.kubernetes.io/revision")).toBe("1")
  })

  it("real kubectl: apply of a changed manifest sends a strategic merge patch the fake merges by container name", async () => {
    expect(await ok("apply", "--validate=false", "-f", fixturePath("deployment.yaml"))).toBe("deployment.apps/payments unchanged\nservice/payments unchanged\n")
    const [deployment] = fixture("deployment.yaml")
    ;(at(deployment, "spec", "template", "spec", "containers", 0) as Obj)["image"] = "ghcr.io/rollwise/payments:1.1.0"
    const file = join(home, "payments-1.1.0.yaml")
    writeFileSync(file, stringify(deployment))
    expect(await ok("apply", "--validate=false", "-f", file)).toBe("deployment.apps/payments configured\n")
    const patch = kube.requests.filter((r) => r.method === "PATCH").at(-1)
    expect(patch).toMatchObject({ path: "/apis/apps/v1/namespaces/default/deployments/payments", contentType: "application/strategic-merge-patch+json" })
    expect(JSON.stringify(patch?.body)).toContain("$setElementOrder/containers")
    const stored = kube.get("apps/v1", "Deployment", "default", "payments")
    expect((at(stored, "spec", "template", "spec", "containers") as Array<Obj>).map((c) => `${String(c["name"])}=${String(c["image"])}`)).toEqual([
      "payments=ghcr.io/rollwise/payments:1.1.0",
      "proxy=envoyproxy/envoy:v1.31.0"
    ])
    expect(at(stored, "metadata", "generation")).toBe(2)
  })

  it("real kubectl: get prints server-side tables (NAME … AGE) and -o jsonpath reads a Rollout's status", async () => {
    await kube.settle()
    const deployments = await ok("get", "deploy")
    expect(deployments).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\npayments\s+3\/3\s+3\s+3\s+\d+s\n$/)
    expect(await ok("get", "ro")).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+UP-TO-DATE\s+AVAILABLE\s+AGE\ncheckout\s+5\s+5\s+5\s+5\s+\d+s\n$/)
    expect(await ok("get", "svc", "payments", "-o", "wide")).toMatch(/payments\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80\/TCP\s+\d+s\s+app=payments/)
    const rollout = kube.get("argoproj.io/v1alpha1", "Rollout", "default", "checkout")
    expect(await ok("get", "rollouts.argoproj.io", "checkout", "-o", "jsonpath={.status.phase} {.status.stableRS} {.status.currentStepIndex}")).toBe(
      `Healthy ${String(at(rollout, "status", "currentPodHash"))} 7`
    )
    expect(await ok("get", "rs", "-l", "app=payments", "-o", "name")).toMatch(/^replicaset\.apps\/payments-\w+\nreplicaset\.apps\/payments-\w+\n$/)
  })

  it("real kubectl: patch --type merge, --type json (a failed test is Invalid) and the default strategic merge", async () => {
    expect(await ok("patch", "deploy", "payments", "--type", "merge", "-p", '{"metadata":{"labels":{"tier":"backend"}}}')).toBe(
      "deployment.apps/payments patched\n"
    )
    expect(await ok("patch", "deploy", "payments", "--type", "json", "-p", '[{"op":"replace","path":"/spec/replicas","value":2}]')).toBe(
      "deployment.apps/payments patched\n"
    )
    const failed = await run("patch", "deploy", "payments", "--type", "json", "-p", '[{"op":"test","path":"/spec/replicas","value":5}]')
    expect(failed.code).toBe(1)
    expect(failed.stderr).toContain("testing value /spec/replicas failed: test failed")
    await ok("patch", "deploy", "payments", "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"proxy","image":"envoyproxy/envoy:v1.32.0"}]}}}}')
    const stored = kube.get("apps/v1", "Deployment", "default", "payments")
    expect(at(stored, "metadata", "labels", "tier")).toBe("backend")
    expect(at(stored, "spec", "replicas")).toBe(2)
    expect((at(stored, "spec", "template", "spec", "containers") as Array<Obj>).map((c) => c["image"])).toEqual([
      "ghcr.io/rollwise/payments:1.1.0",
      "envoyproxy/envoy:v1.32.0"
    ])
    expect(kube.requests.filter((r) => r.method === "PATCH").map((r) => r.contentType)).toEqual(
      expect.arrayContaining(["application/merge-patch+json", "application/json-patch+json", "application/strategic-merge-patch+json"])
    )
    const strategicOnRollout = await run("patch", "rollout", "checkout", "-p", '{"spec":{"paused":true}}')
    expect(strategicOnRollout.code).toBe(1) // custom resources take merge or JSON patches only
  })

  it("real kubectl: rollout status follows a Deployment through the controller's reconciles", async () => {
    await ok("set", "image", "deploy/payments", "payments=ghcr.io/rollwise/payments:2.0.0")
    expect(await ok("rollout", "status", "deploy/payments", "--timeout=10s")).toContain('deployment "payments" successfully rolled out')
    const stored = kube.get("apps/v1", "Deployment", "default", "payments")
    expect(at(stored, "status", "observedGeneration")).toBe(at(stored, "metadata", "generation"))
  })

  it("real kubectl: patch --subresource=status sets a Flagger Canary's status and, like the promote plugin, moves a Rollout on", async () => {
    await ok("apply", "--validate=false", "-f", fixturePath("flagger-canary.yaml"))
    await ok("patch", "canaries.flagger.app", "podinfo", "--subresource=status", "--type", "merge", "-p", '{"status":{"phase":"Progressing","canaryWeight":10,"failedChecks":0}}')
    await ok("patch", "canary", "podinfo", "--type", "merge", "-p", '{"spec":{"analysis":{"maxWeight":60}},"status":{"phase":"Failed"}}')
    const canary = kube.get("flagger.app/v1beta1", "Canary", "default", "podinfo")
    expect(canary?.["status"]).toEqual({ phase: "Progressing", canaryWeight: 10, failedChecks: 0 })
    expect(at(canary, "spec", "analysis", "maxWeight")).toBe(60)
    expect(at(canary, "metadata", "generation")).toBe(2)
    expect(kube.requests).toContainEqual(
      expect.objectContaining({ method: "PATCH", path: "/apis/flagger.app/v1beta1/namespaces/default/canaries/podinfo/status", contentType: "application/merge-patch+json" })
    )

    await ok("patch", "rollout", "checkout", "--type", "json", "-p", '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"ghcr.io/rollwise/checkout:1.1.0"}]')
    await kube.settle()
    expect(await ok("get", "ro", "checkout", "-o", "jsonpath={.status.phase} {.status.message} {.status.currentStepIndex}")).toBe("Paused CanaryPauseStep 1")
    await ok("patch", "ro", "checkout", "--subresource=status", "--type", "merge", "-p", '{"status":{"pauseConditions":null}}')
    await kube.settle()
    const rollout = kube.get("argoproj.io/v1alpha1", "Rollout", "default", "checkout")
    expect(at(rollout, "status", "phase")).toBe("Healthy")
    expect(at(rollout, "status", "stableRS")).toBe(at(rollout, "status", "currentPodHash"))
  })

  it("real kubectl: a missing object exits 1 with NotFound; an injected 403 prints the Forbidden message", async () => {
    const missing = await run("get", "deploy", "nope")
    expect(missing).toEqual({ code: 1, stdout: "", stderr: 'Error from server (NotFound): deployments.apps "nope" not found\n' })
    kube.failNext({ method: "GET", path: "/rollouts/checkout", status: 403 })
    const denied = await run("get", "rollouts.argoproj.io", "checkout")
    expect(denied.code).toBe(1)
    expect(denied.stderr).toBe(
      'Error from server (Forbidden): rollouts.argoproj.io "checkout" is forbidden: User "system:serviceaccount:rollwise:rollwise" cannot get resource "rollouts" in API group "argoproj.io" in the namespace "default"\n'
    )
    expect((await run("get", "rollouts.argoproj.io", "checkout")).code).toBe(0) // only the next one failed
  })

  it("real kubectl: imperative create namespace/configmap/secret (client-go sends those as protobuf), scale, label; deleting a namespace empties it", async () => {
    expect(await ok("create", "namespace", "shop")).toBe("namespace/shop created\n")
    expect(await ok("-n", "shop", "create", "configmap", "settings", "--from-literal=region=eu")).toBe("configmap/settings created\n")
    expect(await ok("-n", "shop", "create", "secret", "generic", "token", "--from-literal=value=hunter2")).toBe("secret/token created\n")
    expect(kube.requests.filter((r) => r.method === "POST" && r.contentType === "application/vnd.kubernetes.protobuf")).toHaveLength(3)
    expect(await ok("-n", "shop", "get", "secret", "token", "-o", "jsonpath={.type} {.data.value}")).toBe(`Opaque ${Buffer.from("hunter2").toString("base64")}`)
    expect(await ok("-n", "shop", "label", "configmap", "settings", "team=payments")).toBe("configmap/settings labeled\n")
    expect(await ok("-n", "shop", "get", "cm", "-l", "team=payments", "-o", "jsonpath={.items[*].data.region}")).toBe("eu")
    expect(await ok("scale", "deploy", "payments", "--replicas=4")).toBe("deployment.apps/payments scaled\n")
    expect(at(kube.get("apps/v1", "Deployment", "default", "payments"), "spec", "replicas")).toBe(4)
    expect(await ok("delete", "namespace", "shop")).toBe('namespace "shop" deleted\n')
    expect(kube.list("v1", "ConfigMap", "shop")).toEqual([])
    const unsupported = await run("create", "deployment", "web", "--image=nginx")
    expect(unsupported.stderr).toContain("reads protobuf only for Namespaces, ConfigMaps and Secrets") // use create -f / apply for the rest
  })

  it("real kubectl: delete removes the Deployment and its ReplicaSets", async () => {
    expect(await ok("delete", "deploy", "payments")).toBe('deployment.apps "payments" deleted\n')
    expect(await run("get", "rs", "-l", "app=payments")).toEqual({ code: 0, stdout: "", stderr: "No resources found in default namespace.\n" })
    expect(await ok("delete", "-f", fixturePath("flagger-canary.yaml"))).toBe('canary.flagger.app "podinfo" deleted\n')
    expect(kube.get("flagger.app/v1beta1", "Canary", "default", "podinfo")).toBeUndefined()
  })
})

describe("kubeconfigs for the real kubectl", () => {
  it("real kubectl: the kubeconfig's context and namespace are used; with `token` set kubectl is refused (401), since client-go sends no bearer token over plain HTTP", async () => {
    const home = mkdtempSync(join(tmpdir(), "kube-harness-"))
    const open = await startFakeKube()
    const guarded = await startFakeKube({ token: "s3cret" })
    try {
      const config = open.writeKubeconfig(home, { namespace: "kube-system", context: "ci" })
      open.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: "kube-system" }, data: { a: "1" } })
      expect((await kubectl(config, home, ["config", "current-context"])).stdout).toBe("ci\n")
      expect(await kubectl(config, home, ["get", "cm", "-o", "name"])).toEqual({ code: 0, stdout: "configmap/settings\n", stderr: "" })
      const refused = await kubectl(guarded.writeKubeconfig(home), home, ["get", "ns"])
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain("error: You must be logged in to the server")
      expect(guarded.requests.length).toBeGreaterThan(0)
    } finally {
      await open.close()
      await guarded.close()
      rmSync(home, { recursive: true, force: true })
    }
  })
})
