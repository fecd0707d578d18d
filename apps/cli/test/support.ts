import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/** The bundled binary the tests run (the `test` target builds it first). */
export const bin = fileURLToPath(new URL("../bin/rollwise.js", import.meta.url))
/** The shipped examples folder, the working directory of most CLI tests. */
export const examples = fileURLToPath(new URL("../../../examples/", import.meta.url))

/** Run `rollwise args…` in `cwd` (default: examples/) and collect its exit code and output. */
export const rollwiseIn =
  (cwd: string = examples, env: Record<string, string> = {}) =>
  (...args: ReadonlyArray<string>) => {
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", cwd, env: { ...process.env, NO_COLOR: "1", ...env } })
    return { code: r.status, stdout: r.stdout, stderr: r.stderr }
  }

/** What a run of the CLI ended with. */
export interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Run `rollwise args…` without blocking this process: needed whenever the
 * test's own in-process fakes (HTTP servers) must answer the CLI, which a
 * blocking spawnSync would starve. `env` replaces the environment's
 * (default: this process's, minus nothing).
 */
export const rollwiseAsync =
  (cwd: string = examples, env: Record<string, string | undefined> = process.env) =>
  (...args: ReadonlyArray<string>): Promise<Run> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...env, NO_COLOR: "1" } })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (d: Buffer) => void (stdout += d.toString()))
      child.stderr.on("data", (d: Buffer) => void (stderr += d.toString()))
      child.on("close", (code) => resolve({ code, stdout, stderr }))
    })

/** A scratch folder for one test file, and a way to write files into it. */
export const scratch = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), `rollwise-${prefix}-`))
  return {
    dir,
    file(name: string, content: string) {
      writeFileSync(join(dir, name), content)
      return join(dir, name)
    }
  }
}

/** Start the CLI in the background; resolves each time stderr shows a line matching. */
export const background = (args: ReadonlyArray<string>, env: Record<string, string> = {}, cwd: string = examples) => {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", ...env } })
  let stderr = ""
  let stdout = ""
  const waiters: Array<{ re: RegExp; resolve: () => void }> = []
  child.stdout.on("data", (d: Buffer) => void (stdout += d.toString()))
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString()
    for (const w of [...waiters]) {
      if (!w.re.test(stderr)) continue
      waiters.splice(waiters.indexOf(w), 1)
      w.resolve()
    }
  })
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)))
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    waitFor: (re: RegExp) => (re.test(stderr) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ re, resolve })))
  }
}

/** The SLO the rollout tests judge with: 1-minute windows, latency, error rate and (unless left out) restarts. */
export const rolloutSlo = (restarts = true) => `apiVersion: rollwise/v1
kind: SloSpec
service: checkout
window: 1m
maxWindows: 6
promoteAfter: 2
warmupWindows: 0
metrics:
  - { name: latency, kind: continuous, threshold: 0.3, tolerance: 0.1 }
  - { name: error-rate, kind: ratio, threshold: 0.01, tolerance: 0.5 }
${restarts ? "  - { name: restarts, kind: counter, threshold: 0, critical: true }\n" : ""}`
