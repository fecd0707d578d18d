/**
 * A real Prometheus for tests: backfill history with promtool into a fresh temp
 * dir, start `prometheus` on 127.0.0.1 with a free port, wait until it is ready,
 * and stop exactly that process (by its PID) afterwards.
 *
 * Backfill happens BEFORE the server starts: a block dropped into a running
 * Prometheus 2.42 shows up only about a minute later.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { delimiter, join, resolve } from "node:path"
import { openMetrics, type Series } from "./OpenMetrics.ts"

/** What `promtool` printed and how it exited. */
export interface PromtoolResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const onPath = (command: string): boolean =>
  (process.env["PATH"] ?? "").split(delimiter).some((dir) => {
    if (dir === "") return false
    try {
      accessSync(join(dir, command), constants.X_OK)
      return true
    } catch {
      return false
    }
  })

/** Whether both `prometheus` and `promtool` are on PATH (Debian package `prometheus`). */
export const prometheusAvailable = (): boolean => onPath("prometheus") && onPath("promtool")

const notInstalled = (command: string): Error =>
  new Error(
    `${command} is not installed: apt-get update && apt-get install -y --no-install-recommends prometheus ` +
      "(tools/ci/debian-packages.txt lists it for .ci/run)"
  )

/** Run `promtool` synchronously (it is fast: ~0.03–0.1 s). Throws only when promtool is missing. */
export const promtool = (
  args: ReadonlyArray<string>,
  options: { readonly cwd?: string; readonly input?: string } = {}
): PromtoolResult => {
  const result = spawnSync("promtool", [...args], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.input === undefined ? {} : { input: options.input })
  })
  if (result.error !== undefined) {
    if ((result.error as NodeJS.ErrnoException).code === "ENOENT") throw notInstalled("promtool")
    throw result.error
  }
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr }
}

/** A scrape config exactly as in prometheus.yml (snake_case), e.g. `{ job_name: "app", static_configs: [{ targets: ["127.0.0.1:9464"] }] }`. */
export interface ScrapeConfig {
  readonly job_name: string
  readonly [key: string]: unknown
}

/** How to start a test Prometheus. Everything is optional: `startPrometheus()` gives an empty server. */
export interface StartPrometheusOptions {
  /** history to backfill (see `canaryHistory`, `openMetrics`) */
  readonly series?: ReadonlyArray<Series>
  /** OpenMetrics text to backfill as is (in addition to `series`) */
  readonly openMetricsText?: string
  /** targets to scrape; none by default (not even Prometheus itself). A new target appears after ~5 s in 2.42. */
  readonly scrapeConfigs?: ReadonlyArray<ScrapeConfig>
  /** rule files to load (paths resolved against the current directory) */
  readonly ruleFiles?: ReadonlyArray<string>
  /** global scrape_interval and evaluation_interval; default 15 s */
  readonly intervalSeconds?: number
  /** more prometheus flags, e.g. `["--query.timeout=1s"]` */
  readonly extraFlags?: ReadonlyArray<string>
  /** how long to wait for `/-/ready`; default 15000 ms */
  readonly readyTimeoutMs?: number
}

/** A running test Prometheus. Call `stop()` in `afterAll`/`finally`. */
export interface RunningPrometheus {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  readonly pid: number
  /** the TSDB directory (inside a temp dir that `stop()` removes) */
  readonly dataDir: string
  /** the generated prometheus.yml */
  readonly configFile: string
  /** settles when the process has exited (after `stop()`, `kill()` or a crash) */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  /** whether the process is still running */
  running(): boolean
  /** the last lines Prometheus logged (it logs to stderr) */
  logs(): string
  /** SIGTERM (SIGKILL after 5 s) to this PID, wait for the exit, remove the temp dir. Idempotent. */
  stop(): Promise<void>
  /** send a signal (default SIGKILL) to this PID only if it is still running; the temp dir stays until `stop()` */
  kill(signal?: NodeJS.Signals): void
}

const TAIL_BYTES = 64 * 1024
const READY_POLL_MS = 25

/** Every Prometheus this module started and has not stopped: killed (by PID) if the test process exits first. */
const started = new Set<{ readonly child: ChildProcess; readonly workDir: string }>()
let exitHookInstalled = false
const installExitHook = (): void => {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once("exit", () => {
    for (const { child, workDir } of started) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, "SIGKILL")
        } catch {
          // already gone
        }
      }
      rmSync(workDir, { recursive: true, force: true })
    }
  })
}

const freePort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const server = createServer()
    server.unref()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      if (address === null || typeof address === "string") {
        server.close()
        reject(new Error("could not read the free port"))
        return
      }
      server.close(() => resolvePort(address.port))
    })
  })

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

const backfill = (workDir: string, dataDir: string, name: string, text: string): void => {
  const file = join(workDir, name)
  writeFileSync(file, text)
  const result = promtool(["tsdb", "create-blocks-from", "openmetrics", file, dataDir])
  if (result.code !== 0) {
    throw new Error(`promtool tsdb create-blocks-from openmetrics ${name} failed (exit ${result.code}):\n${result.stderr}${result.stdout}`)
  }
}

const configYaml = (options: StartPrometheusOptions): string => {
  const interval = `${options.intervalSeconds ?? 15}s`
  // JSON is YAML: no YAML library needed, and label values need no YAML escaping
  return `${JSON.stringify(
    {
      global: { scrape_interval: interval, evaluation_interval: interval },
      rule_files: (options.ruleFiles ?? []).map((file) => resolve(file)),
      scrape_configs: options.scrapeConfigs ?? []
    },
    null,
    2
  )}\n`
}

type Attempt =
  | { readonly kind: "ready"; readonly handle: RunningPrometheus }
  | { readonly kind: "port-taken" }

const launch = async (
  options: StartPrometheusOptions,
  workDir: string,
  dataDir: string,
  configFile: string
): Promise<Attempt> => {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child = spawn(
    "prometheus",
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--storage.tsdb.retention.time=10y",
      ...(options.extraFlags ?? [])
    ],
    { cwd: workDir, stdio: ["ignore", "ignore", "pipe"] }
  )
  let stderr = ""
  child.stderr?.setEncoding("utf8")
  child.stderr?.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-TAIL_BYTES)
  })
  const spawnError = new Promise<Error>((r) => child.once("error", r))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once("exit", (code, signal) => r({ code, signal }))
  )
  const pid = child.pid
  if (pid === undefined) {
    const error = await spawnError
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw notInstalled("prometheus")
    throw error
  }
  const entry = { child, workDir }
  started.add(entry)

  const running = (): boolean => child.exitCode === null && child.signalCode === null
  const tail = (): string => stderr.split("\n").slice(-40).join("\n")
  const kill = (signal: NodeJS.Signals = "SIGKILL"): void => {
    // never signal a PID whose process already ended: the number may belong to someone else by now
    if (running()) process.kill(pid, signal)
  }
  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (running()) {
        kill("SIGTERM")
        const timedOut = await Promise.race([exited.then(() => false), sleep(5000).then(() => true)])
        if (timedOut) kill("SIGKILL")
        await exited
      }
      started.delete(entry)
      rmSync(workDir, { recursive: true, force: true })
    })()
    return stopping
  }
  const handle: RunningPrometheus = {
    url,
    port,
    pid,
    dataDir,
    configFile,
    exited,
    running,
    logs: tail,
    stop,
    kill
  }

  const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000)
  for (;;) {
    if (!running()) {
      await exited
      // another process took the port between our probe and prometheus' bind: try another
      if (/address already in use/i.test(stderr)) {
        started.delete(entry)
        return { kind: "port-taken" }
      }
      await stop()
      throw new Error(`prometheus exited before it was ready (exit ${child.exitCode ?? child.signalCode}); stderr tail:\n${tail()}`)
    }
    try {
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })
      await response.arrayBuffer()
      if (response.ok) return { kind: "ready", handle }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(
        `prometheus at ${url} (pid ${pid}) was not ready within ${options.readyTimeoutMs ?? 15_000} ms; stderr tail:\n${tail()}`
      )
    }
    await sleep(READY_POLL_MS)
  }
}

/**
 * Start a real Prometheus for a test: write the history as OpenMetrics, backfill it
 * with `promtool tsdb create-blocks-from openmetrics` into a fresh temp data dir,
 * start `prometheus` bound to 127.0.0.1 on a free port (10 y retention, so old
 * history stays), and resolve once `/-/ready` answers 200. Rejects with Prometheus'
 * stderr tail when it exits or is not ready in time (and cleans up). The history
 * should end at or before now.
 */
export const startPrometheus = async (options: StartPrometheusOptions = {}): Promise<RunningPrometheus> => {
  installExitHook()
  const workDir = mkdtempSync(join(tmpdir(), "rollwise-prometheus-"))
  try {
    const dataDir = join(workDir, "data")
    const configFile = join(workDir, "prometheus.yml")
    writeFileSync(configFile, configYaml(options))
    if (options.series !== undefined && options.series.length > 0) {
      backfill(workDir, dataDir, "history.om", openMetrics(options.series))
    }
    if (options.openMetricsText !== undefined) backfill(workDir, dataDir, "extra.om", options.openMetricsText)
    for (let attempt = 1; ; attempt++) {
      const result = await launch(options, workDir, dataDir, configFile)
      if (result.kind === "ready") return result.handle
      if (attempt >= 3) throw new Error("prometheus could not bind a free port on 127.0.0.1 after 3 attempts")
    }
  } catch (error) {
    rmSync(workDir, { recursive: true, force: true })
    throw error
  }
}
