import { execFile } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { binaries, helmEnv, startFakeKube, type FakeKube } from "../src/index.ts"
import { at } from "./support.ts"

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels:
    app.kubernetes.io/instance: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ .Release.Name }}
  template:
    metadata:
      labels:
        app.kubernetes.io/instance: {{ .Release.Name }}
    spec:
      containers:
        - name: app
          image: "ghcr.io/rollwise/demo:{{ .Values.tag }}"
`

describe("the fake API server through the real helm 3", () => {
  let kube: FakeKube
  let home: string
  let chart: string
  let kubeconfig: string
  const helm = (...args: ReadonlyArray<string>): Promise<{ readonly code: number; readonly stdout: string; readonly stderr: string }> =>
    new Promise((resolve) => {
      execFile(
        binaries().helm,
        [...args],
        { env: { PATH: process.env["PATH"] ?? "", HOME: home, KUBECONFIG: kubeconfig, ...helmEnv(home) }, encoding: "utf8", timeout: 20_000 },
        (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr })
      )
    })

  beforeAll(async () => {
    kube = await startFakeKube()
    home = mkdtempSync(join(tmpdir(), "kube-harness-helm-"))
    kubeconfig = kube.writeKubeconfig(home)
    chart = join(home, "demo")
    mkdirSync(join(chart, "templates"), { recursive: true })
    writeFileSync(join(chart, "Chart.yaml"), "apiVersion: v2\nname: demo\nversion: 0.1.0\n")
    writeFileSync(join(chart, "values.yaml"), "replicas: 2\ntag: '1.0.0'\n")
    writeFileSync(join(chart, "templates", "deployment.yaml"), DEPLOYMENT)
  })
  afterAll(async () => {
    await kube.close()
    rmSync(home, { recursive: true, force: true })
  })

  it("real helm: install --wait (with --disable-openapi-validation), upgrade and uninstall; releases live in Secrets", async () => {
    const install = await helm("install", "demo", chart, "--wait", "--timeout", "20s", "--disable-openapi-validation")
    expect(install.stderr).toBe("")
    expect(install.stdout).toContain("STATUS: deployed")
    expect(at(kube.get("apps/v1", "Deployment", "default", "demo"), "status", "availableReplicas")).toBe(2)
    expect(kube.list("v1", "Secret", "default").map((s) => at(s, "metadata", "name"))).toEqual(["sh.helm.release.v1.demo.v1"])

    const upgrade = await helm("upgrade", "demo", chart, "--set", "tag=1.1.0", "--disable-openapi-validation")
    expect(upgrade.stdout).toContain("REVISION: 2")
    expect(at(kube.get("apps/v1", "Deployment", "default", "demo"), "spec", "template", "spec", "containers", 0, "image")).toBe("ghcr.io/rollwise/demo:1.1.0")
    expect((await helm("list", "-o", "json")).stdout).toContain('"revision":"2"')

    expect((await helm("uninstall", "demo")).stdout).toBe('release "demo" uninstalled\n')
    expect(kube.get("apps/v1", "Deployment", "default", "demo")).toBeUndefined()
    expect(kube.list("v1", "Secret", "default")).toEqual([])
  })
})
