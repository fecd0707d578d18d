import { argoRolloutInFlight, type FakeKube, startFakeKube } from "@rollwise/kube-harness"
import type { DeployTarget } from "@rollwise/rollout-engine"
import { Effect, Exit } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll } from "vitest"
import { TargetK8s } from "../src/index.ts"

/**
 * Shared setup of the fake-cluster tests: the adapter through
 * @kubernetes/client-node against the fake Kubernetes API server of
 * tools/kube-harness (a faithful fake of the REST contract, itself checked
 * against the real kubectl), with a real kubeconfig pointing at 127.0.0.1.
 * Not a test file: each `test/<Module>.test.ts` calls `useFakeCluster()`.
 */

/** The bearer token the shared fake demands; a kubeconfig without it is refused. */
export const token = "fake-cluster-token-8d1e"

/** One fake API server for the calling test file, started before its tests and closed after them. */
export interface FakeCluster {
  /** The running fake (only inside tests and hooks). */
  readonly fake: FakeKube
  /** The path of a kubeconfig for the fake: namespace "shop", the right token. */
  readonly kubeconfig: string
  /** This file's temporary directory (removed after its tests). */
  readonly dir: string
  /** A fresh directory inside `dir`, for another kubeconfig. */
  readonly tempDir: (prefix: string) => string
  /** Connect with the shared kubeconfig and make the target of a mode. */
  readonly target: (mode: TargetK8s.Mode) => Effect.Effect<DeployTarget.DeployTarget["Service"], DeployTarget.DeployTargetError>
  /** An Argo Rollout (real CRD shape) whose update to v2 is in flight, paused at its first step. */
  readonly argoInFlight: (name: string, steps: ReadonlyArray<Record<string, unknown>>) => Promise<void>
}

/**
 * Start a fake API server (its own port, read back from port 0, on
 * 127.0.0.1) and a temporary directory for the calling test file in
 * `beforeAll`; close the server and remove the directory in `afterAll`.
 * Read the fields inside tests only.
 */
export const useFakeCluster = (): FakeCluster => {
  let started: { readonly fake: FakeKube; readonly kubeconfig: string; readonly dir: string } | undefined
  const get = () => {
    if (started === undefined) throw new Error("the fake cluster is started in beforeAll: use it inside tests")
    return started
  }
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "rollwise-k8s-"))
    const fake = await startFakeKube({ token, reconcileDelayMs: 5 })
    started = { fake, dir, kubeconfig: fake.writeKubeconfig(dir, { namespace: "shop", token }) }
  })
  afterAll(async () => {
    const s = started
    started = undefined
    if (s === undefined) return
    try {
      await s.fake.close()
    } finally {
      rmSync(s.dir, { recursive: true, force: true })
    }
  })
  return {
    get fake() {
      return get().fake
    },
    get kubeconfig() {
      return get().kubeconfig
    },
    get dir() {
      return get().dir
    },
    tempDir: (prefix) => mkdtempSync(join(get().dir, prefix)),
    target: (mode) => TargetK8s.make({ kubeconfig: get().kubeconfig }, mode),
    argoInFlight: (name, steps) => argoRolloutInFlight(get().fake, { name, namespace: "shop", steps, from: "shop/checkout:2.4.0", to: "shop/checkout:2.5.0" })
  }
}

let n = 0
/** A name no other test of this file uses. */
export const unique = (base: string) => `${base}-${++n}`
export const labels = (app: string) => ({ app })
export const podTemplate = (app: string, image: string) => ({ metadata: { labels: labels(app) }, spec: { containers: [{ name: "app", image }] } })

/** Canary steps 5 → 10 → 20 → 50, each followed by an indefinite pause. */
export const argoSteps = [{ setWeight: 5 }, { pause: {} }, { setWeight: 10 }, { pause: {} }, { setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: {} }]

export const run = <A>(effect: Effect.Effect<A, DeployTarget.DeployTargetError>) => Effect.runPromise(effect)

/** The typed DeployTargetError an effect fails with; throws when it succeeds or dies. */
export const failure = async <A>(effect: Effect.Effect<A, DeployTarget.DeployTargetError>) => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (reason?._tag !== "Fail") throw new Error(`expected a typed failure, got ${String(exit.cause)}`)
  return reason.error
}
